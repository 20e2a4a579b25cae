"""The supervisor with a server of its own making: one that hangs before its first answer when
it is started again (as a server frozen right after its restart does; CI once caught the
supervisor waiting its whole first-start allowance of three minutes for such a one)."""
import sys
import time
from pathlib import Path

import pytest

from bot import servers, supervisor

# Serves /health; on its second start it hangs before answering anything.
SERVER = """
import http.server, pathlib, sys, time
starts = pathlib.Path(sys.argv[1])
count = int(starts.read_text() or 0) + 1 if starts.exists() else 1
starts.write_text(str(count))
if count == 2:
    time.sleep(3600)
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[2])), Health).serve_forever()
"""


@pytest.fixture
def flaky_server(tmp_path) -> servers.Server:
    port = servers.free_port()
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    return servers.Server(name="flaky server", command=[sys.executable, str(script), str(tmp_path / "starts"), str(port)],
                          health_url=f"http://127.0.0.1:{port}/health", log_path=tmp_path / "server.log")


def test_a_server_that_hangs_after_its_restart_is_restarted_again(flaky_server, tmp_path, monkeypatch):
    monkeypatch.setattr(supervisor, "RESTART_TIMEOUT_S", 3.0)  # the product's 20 s, shortened for the test
    log = tmp_path / "supervisor.log"
    running = supervisor.Supervisor([flaky_server], log, echo=lambda line: None)
    try:
        assert running.start() is None
        flaky_server.process.kill()  # crash: started again, and the second start hangs

        starts = tmp_path / "starts"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (starts.exists() and starts.read_text() == "3" and supervisor.answers(flaky_server.health_url)):
            time.sleep(0.3)
        assert starts.read_text() == "3" and supervisor.answers(flaky_server.health_url), Path(log).read_text()
        lines = Path(log).read_text()
        assert "stopped unexpectedly" in lines and "stopped answering its health check" in lines, lines
    finally:
        running.stop()
