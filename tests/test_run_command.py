"""`inclubot run` (what `make run` runs): sets everything up, serves, and Ctrl-C stops it all."""
import os
import signal
import subprocess
import time

import psutil
import requests

from bot import servers


def wait_for(url: str, timeout: float = 240) -> requests.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return requests.get(url, timeout=2)
        except requests.ConnectionError:
            time.sleep(0.5)
    raise TimeoutError(url)


def test_run_serves_everything_on_loopback_and_ctrl_c_stops_it(trained_model, tmp_path):
    ports = {name: servers.free_port() for name in ("RASA", "ACTIONS", "WEB")}
    env = {
        **os.environ,
        "INCLUBOT_DATABASE_URL": f"sqlite:///{tmp_path}/run.db",
        **{f"INCLUBOT_{name}_PORT": str(port) for name, port in ports.items()},
    }
    process = subprocess.Popen(
        [str(servers.BIN / "inclubot"), "run"], cwd=servers.PROJECT_ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        rasa = f"http://127.0.0.1:{ports['RASA']}"
        wait_for(f"http://127.0.0.1:{ports['WEB']}/health")
        wait_for(f"http://127.0.0.1:{ports['ACTIONS']}/health")
        wait_for(f"{rasa}/webhooks/rest/")  # the servers start together: each is waited for
        reply = requests.post(
            f"{rasa}/webhooks/rest/webhook",
            json={"sender": "run-test", "message": "I need a doctor", "metadata": {"city": "mechelen"}},
            timeout=60,
        ).json()
        assert "Mechelen" in " ".join(m["text"] for m in reply)  # demo knowledge base loaded
        children = psutil.Process(process.pid).children(recursive=True)
        listening = {
            (c.laddr.ip, c.laddr.port) for child in children for c in child.net_connections("inet")
            if c.status == psutil.CONN_LISTEN
        }
        assert {("127.0.0.1", port) for port in ports.values()} <= listening
        assert all(ip == "127.0.0.1" for ip, _ in listening), listening
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output[-3000:]
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert "Traceback" not in output
