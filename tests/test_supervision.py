"""`inclubot run` (what `make run` runs) keeps the assistant serving: each of its servers
killed (SIGKILL) during a conversation is started again while the others go on serving, and
a frozen action server (SIGSTOP) costs the person the fault reply (112, the city's desk), not
silence, until it has been replaced.

One `inclubot run` for the module, as a user starts it; each test breaks one server of it.
"""
import os
import signal
import socket
import subprocess
import time
import uuid

import psutil
import pytest
import requests

from bot import servers
from knowledge import queries
from knowledge.db import session_scope
from replies.texts import text

CLIENT_TIMEOUT_S = 5  # a person given nothing within this has been left in silence
BACK_WITHIN_S = 60  # generous: the machine is shared; the 15 s is measured in bench/


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture(scope="module")
def run(trained_model, tmp_path_factory):
    directory = tmp_path_factory.mktemp("supervised-run")
    database = f"sqlite:///{directory}/run.db"
    ports = {name: servers.free_port() for name in ("RASA", "ACTIONS", "WEB")}
    env = {
        **os.environ,
        "INCLUBOT_DATABASE_URL": database,
        "INCLUBOT_TRACKER_STORE_URL": f"sqlite:///{directory}/conversations.db",
        **{f"INCLUBOT_{name}_PORT": str(port) for name, port in ports.items()},
    }
    supervisor_log = servers.PROJECT_ROOT / "var" / "log" / "supervisor.log"
    log_offset = supervisor_log.stat().st_size if supervisor_log.exists() else 0
    output = open(directory / "terminal.txt", "w+")
    process = subprocess.Popen(
        [str(servers.BIN / "inclubot"), "run"], cwd=servers.PROJECT_ROOT, env=env,
        stdout=output, stderr=subprocess.STDOUT, text=True,
    )
    urls = {
        "rasa": f"http://127.0.0.1:{ports['RASA']}",
        "actions": f"http://127.0.0.1:{ports['ACTIONS']}",
        "web": f"http://127.0.0.1:{ports['WEB']}",
    }
    health = {"rasa": urls["rasa"] + "/webhooks/rest/", "actions": urls["actions"] + "/health", "web": urls["web"] + "/health"}
    try:
        wait_until(lambda: "IncluBot is running" in (directory / "terminal.txt").read_text(), 600, "inclubot run started")
        yield {"process": process, "ports": ports, "urls": urls, "health": health, "database": database,
               "terminal": directory / "terminal.txt", "log": supervisor_log, "log_offset": log_offset}
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=90)
        output.close()


def server_process(run, name: str) -> psutil.Process:
    """The process of `inclubot run` listening on that server's port."""
    port = run["ports"][name.upper()]
    for child in psutil.Process(run["process"].pid).children(recursive=True):
        try:
            if any(c.laddr.port == port and c.status == psutil.CONN_LISTEN for c in child.net_connections("inet")):
                return child
        except psutil.NoSuchProcess:
            continue
    raise AssertionError(f"nothing of inclubot run listens on {port}")


def say(run, sender: str, message: str) -> str:
    """What the person reads; fails when nothing came within the client's patience."""
    reply = requests.post(
        f"{run['urls']['rasa']}/webhooks/rest/webhook",
        json={"sender": sender, "message": message, "metadata": {"city": "mechelen"}},
        timeout=CLIENT_TIMEOUT_S,
    ).json()
    return "\n".join(m.get("text", "") for m in reply)


def fault_reply(run) -> str:
    with session_scope(run["database"]) as session:
        desk = queries.human_contact(session, "mechelen").texts_by_language()["en"].name
    return text("temporarily_unavailable", "en") + "\n" + text("info_desk", "en", city="Mechelen", contact=desk)


def restart_was_reported(run, line: str) -> bool:
    """Said on the terminal and written to var/log/supervisor.log (this run's part)."""
    with open(run["log"], encoding="utf-8") as log:
        log.seek(run["log_offset"])
        logged = log.read()
    return line in run["terminal"].read_text() and line in logged and run["process"].poll() is None


def normal_answer(reply: str) -> bool:
    return text("category_health", "en") in reply and "Mechelen" in reply


def serving_again(run, name: str, old: psutil.Process) -> psutil.Process:
    """Waits until another process serves that server's health check; returns it."""
    def replaced():
        if not answers(run["health"][name]):
            return None
        new = server_process(run, name)
        return new if new.pid != old.pid else None

    try:
        return wait_until(replaced, BACK_WITHIN_S, f"{name} serving again")
    except AssertionError as error:
        raise AssertionError(f"{error}\n{what_the_supervisor_saw(run, name)}") from None


def what_the_supervisor_saw(run, name: str) -> str:
    """This run's supervisor log and the end of the server's own log: why it did not come back."""
    with open(run["log"], encoding="utf-8") as log:
        log.seek(run["log_offset"])
        supervisor = log.read()
    server_log = servers.PROJECT_ROOT / "var" / "log" / {"actions": "actions.log", "rasa": "rasa.log", "web": "web.log"}[name]
    tail = server_log.read_text(encoding="utf-8", errors="replace")[-3000:] if server_log.exists() else "(no log)"
    return f"--- supervisor.log ---\n{supervisor}\n--- {server_log.name}, last lines ---\n{tail}"


def test_a_killed_action_server_is_replaced_and_meanwhile_the_person_gets_an_answer(run):
    sender = f"kill-actions-{uuid.uuid4().hex[:6]}"
    assert normal_answer(say(run, sender, "I need a doctor"))
    old = server_process(run, "actions")
    old.send_signal(signal.SIGKILL)

    reply = say(run, sender, "I need a doctor")
    assert reply == fault_reply(run) or normal_answer(reply), reply  # an answer, never silence
    serving_again(run, "actions", old)
    assert normal_answer(say(run, sender, "I need a doctor"))
    assert restart_was_reported(run, "action server stopped unexpectedly")


def test_a_frozen_action_server_gets_the_person_the_fault_reply_then_is_replaced(run):
    sender = f"freeze-actions-{uuid.uuid4().hex[:6]}"
    assert normal_answer(say(run, sender, "I need a doctor"))
    frozen = server_process(run, "actions")
    frozen.send_signal(signal.SIGSTOP)
    try:
        # Within the client's 5 s: the fault reply, with 112 and Mechelen's desk.
        assert say(run, sender, "I need a doctor") == fault_reply(run)
        serving_again(run, "actions", frozen)
    finally:
        if frozen.is_running():
            frozen.send_signal(signal.SIGCONT)
    assert normal_answer(say(run, sender, "I need a doctor"))
    assert restart_was_reported(run, "action server stopped answering its health check")


def test_a_killed_rasa_server_is_replaced_and_the_conversation_goes_on(run):
    sender = f"kill-rasa-{uuid.uuid4().hex[:6]}"
    assert normal_answer(say(run, sender, "I need a doctor"))
    old = server_process(run, "rasa")
    old.send_signal(signal.SIGKILL)
    assert answers(run["health"]["web"])  # the others keep serving

    serving_again(run, "rasa", old)
    assert normal_answer(say(run, sender, "I need a doctor"))
    assert restart_was_reported(run, "Rasa server stopped unexpectedly")


def test_a_killed_web_app_is_replaced_while_the_chat_goes_on(run):
    sender = f"kill-web-{uuid.uuid4().hex[:6]}"
    old = server_process(run, "web")
    old.send_signal(signal.SIGKILL)
    assert normal_answer(say(run, sender, "I need a doctor"))  # the others keep serving

    serving_again(run, "web", old)
    assert requests.get(f"{run['urls']['web']}/mechelen", timeout=10).status_code == 200
    assert restart_was_reported(run, "web app stopped unexpectedly")



def test_the_terminal_shows_the_steps_the_addresses_and_where_the_logs_are(run):
    terminal = run["terminal"].read_text()
    for step in ("database is up to date", "the model is up to date", "IncluBot is running",
                 f"http://127.0.0.1:{run['ports']['RASA']}/webhooks/rest/webhook", "var/log"):
        assert step in terminal, step
    # The libraries' deprecation warnings are in var/log/, not in front of a newcomer.
    assert "Warning" not in terminal and "Traceback" not in terminal, terminal


@pytest.mark.slow  # runs the inclubot command as a process
def test_a_database_that_never_answers_is_given_up_on_with_a_clear_message():
    """A PostgreSQL server that accepts connections and then hangs (frozen, overloaded):
    without a connect timeout the command below, like a person's message, waits forever."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)  # accepted by the kernel, never answered
        url = f"postgresql://inclubot@127.0.0.1:{hung.getsockname()[1]}/inclubot"
        result = subprocess.run(
            [str(servers.BIN / "inclubot"), "privacy", "purge"], cwd=servers.PROJECT_ROOT,
            env={**os.environ, "INCLUBOT_DATABASE_URL": url, "INCLUBOT_TRACKER_STORE_URL": url},
            capture_output=True, text=True, timeout=60,
        )
    assert result.returncode == 1
    assert "a database could not be reached" in result.stderr
    assert "Traceback" not in result.stderr
