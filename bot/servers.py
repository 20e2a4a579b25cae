"""Starting and stopping the assistant's servers as child processes.

Used by `inclubot run` and by the tests, so that the tests start the servers exactly as a
user does. Every server binds to INCLUBOT_HOST (127.0.0.1 unless configured otherwise).
"""
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional
from urllib.error import URLError
from urllib.request import urlopen

from bot.api_token import api_token
from bot.endpoints import write_endpoints
from bot.settings import PROJECT_ROOT, VAR_DIR, bind_host
from knowledge import private_files

MODELS_DIR = PROJECT_ROOT / "models"
RUN_DIR = VAR_DIR / "run"
BIN = Path(sys.executable).parent


# Several OpenMP runtimes share the process (the sentence encoder's, and those of the numeric
# libraries Rasa loads); spinning ones made one 15 ms sentence embedding take 1.5 s on 2 cores.
OPENMP_SETTINGS = {"OMP_WAIT_POLICY": "PASSIVE"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    command: List[str]
    health_url: str
    env: Dict[str, str] = field(default_factory=dict)
    log_path: Optional[Path] = None
    cwd: Path = PROJECT_ROOT
    process: Optional[subprocess.Popen] = None

    def start(self) -> "Server":
        # No usage data leaves the machine (Rasa reports telemetry unless told not to).
        environment = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", **OPENMP_SETTINGS, **self.env}
        output = open(self.log_path, "ab") if self.log_path else None
        if self.log_path:
            self.log_path.chmod(0o600)  # logs hold conversation metadata: owner only
        self.process = subprocess.Popen(
            self.command, cwd=self.cwd, env=environment,
            stdout=output, stderr=subprocess.STDOUT if output else None,
            start_new_session=True,  # Ctrl-C goes to us; we stop the children in order
            umask=private_files.OWNER_ONLY_UMASK,  # its databases, keys and logs: owner only
        )
        if output:
            output.close()  # the child has its own copy; a restarted server opens it again
        return self

    def wait_until_up(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.process.returncode}{self._log_hint()}")
            try:
                with urlopen(self.health_url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (URLError, OSError):
                pass
            time.sleep(0.3)
        raise TimeoutError(f"{self.name} did not come up within {timeout:.0f} s{self._log_hint()}")

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def kill(self) -> None:
        """Stop it at once, hung or not (SIGKILL stops a frozen process too)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def _log_hint(self) -> str:
        return f" (see {self.log_path})" if self.log_path else ""


def action_server(port: int, host: str = None, env: Dict[str, str] = None, log_path: Path = None) -> Server:
    host = host or bind_host()
    return Server(
        name="action server",
        command=[str(BIN / "python"), "-m", "bot.action_server_command", "--actions", "actions", "--port", str(port)],
        health_url=f"http://{_client_host(host)}:{port}/health",
        env={"SANIC_HOST": host, **(env or {})},
        log_path=log_path,
    )


def rasa_server(
    port: int, action_url: str, host: str = None, model: Path = MODELS_DIR,
    env: Dict[str, str] = None, log_path: Path = None, extra_args: List[str] = (),
) -> Server:
    """Rasa with its HTTP API, which always needs the token (bot/api_token.py): Rasa is
    given it inside its process (bot/rasa_command.py), not on its command line."""
    host = host or bind_host()
    environment = {**os.environ, **(env or {})}
    token = api_token(environment)  # made now if it is the first start: before Rasa reads it
    # Each Rasa process gets endpoints.yml plus what the environment configures (Redis).
    endpoints = write_endpoints(RUN_DIR / f"endpoints-{port}.yml", environment)
    command = [
        str(BIN / "python"), "-m", "bot.rasa_command", "run", "--enable-api", "--interface", host,
        "--port", str(port), "--model", str(model), "--endpoints", str(endpoints),
        "--credentials", "credentials.yml", *extra_args,
    ]
    return Server(
        name="Rasa server",
        command=command,
        health_url=f"http://{_client_host(host)}:{port}/status?token={token}",
        env={"ACTION_SERVER_URL": action_url, **(env or {})},
        log_path=log_path,
    )


def web_server(port: int, host: str = None, env: Dict[str, str] = None, log_path: Path = None) -> Server:
    host = host or bind_host()
    return Server(
        name="web app",
        command=[
            str(BIN / "python"), "-m", "waitress", f"--host={host}", f"--port={port}",
            # X-Forwarded-For reaches the app, which believes it only from the proxies of
            # INCLUBOT_TRUSTED_PROXIES (knowledge/admin/client_address.py); waitress itself
            # trusts one proxy address at most, not a network.
            "--no-clear-untrusted-proxy-headers",
            "--call", "web.app:create_app",
        ],
        health_url=f"http://{_client_host(host)}:{port}/health",
        env=env or {},
        log_path=log_path,
    )


def _client_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
