"""Keeps the servers of `inclubot run` serving: one that dies is started again, one that stops
answering its health check is killed and started again, while the others go on serving.

Each server has a watcher thread: it starts the server, waits until its health check answers,
then checks it every few seconds. Restarts back off (1 s, 2 s, 4 s … 30 s) so that a server
that crashes at once does not spin the machine; a server that stayed up a while starts again
at once. What happens is printed in one line and written to var/log/supervisor.log.

A server that never came up (a wrong port, a broken model) is not restarted: `inclubot run`
stops and says where its log is, because starting it again would fail the same way.
"""
import logging
import threading
import time
from pathlib import Path
from typing import Callable, List, Optional
from urllib.error import URLError
from urllib.request import urlopen

from bot.servers import Server

HEALTH_EVERY_S = 2.0
HEALTH_TIMEOUT_S = 2.0
UNHEALTHY_AFTER = 3  # failed checks in a row: one slow answer is not a hang
START_TIMEOUT_S = 180.0  # training is done before; loading a model takes seconds
# A restarted server that is not serving within this (or three times its first start, if
# longer) is treated as hung: it may have hung before its first answer, which _watch, waiting
# for answers, would otherwise only see after START_TIMEOUT_S.
RESTART_TIMEOUT_S = 20.0
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0
STABLE_AFTER_S = 60.0  # up this long: the next crash is a new incident, restarted at once


def answers(url: str, timeout: float = HEALTH_TIMEOUT_S) -> bool:
    try:
        with urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (URLError, OSError, ValueError):
        return False


class Watcher(threading.Thread):
    """Starts one server and keeps it serving until `stopping` is set."""

    def __init__(self, server: Server, stopping: threading.Event, report: Callable[..., None]) -> None:
        super().__init__(name=f"watch {server.name}", daemon=True)
        self.server = server
        self.stopping = stopping
        self.report = report
        self.up = threading.Event()  # it answered its health check at least once
        self.failed: Optional[str] = None  # why it could not be started at all

    def run(self) -> None:
        backoff = FIRST_BACKOFF_S
        started = time.monotonic()
        self.server.start()
        if not self._wait_until_healthy():
            return
        self.up.set()
        first_start = time.monotonic() - started
        self.report(f"{self.server.name} is up after {first_start:.1f} s", echo=False)
        while not self.stopping.is_set():
            since = time.monotonic()
            problem = self._watch()
            if problem is None:
                return  # stopping
            if time.monotonic() - since > STABLE_AFTER_S:
                backoff = FIRST_BACKOFF_S
            self.server.kill()
            self.report(f"{self.server.name} {problem}; starting it again in {backoff:.0f} s (log: {self.server.log_path})")
            if self.stopping.wait(backoff):
                return
            backoff = min(backoff * 2, MAX_BACKOFF_S)
            self.server.start()
            if self._wait_until_healthy(after_restart=True, timeout=max(RESTART_TIMEOUT_S, 3 * first_start)):
                self.report(f"{self.server.name} is serving again")

    def _wait_until_healthy(self, after_restart: bool = False, timeout: float = START_TIMEOUT_S) -> bool:
        """True once the health check answers; False when stopping, or when the server exited
        or did not come up within `timeout` (on the first start, with the reason in `failed`)."""
        deadline = time.monotonic() + timeout
        while not self.stopping.is_set():
            if self.server.process.poll() is not None:
                if after_restart:
                    return False  # _watch sees the exit and backs off
                self.failed = f"{self.server.name} exited with code {self.server.process.returncode} (see {self.server.log_path})"
                return False
            if answers(self.server.health_url):
                return True
            if time.monotonic() > deadline:
                if after_restart:
                    return False  # _watch will find it unhealthy and restart it
                self.failed = f"{self.server.name} did not come up within {timeout:.0f} s (see {self.server.log_path})"
                return False
            self.stopping.wait(0.3)
        return False

    def _watch(self) -> Optional[str]:
        """Waits until the server dies or hangs; what happened, or None when stopping."""
        failures, last_check = 0, time.monotonic()
        while not self.stopping.wait(0.25):
            code = self.server.process.poll()
            if code is not None:
                return f"stopped unexpectedly (exit code {code})"
            if time.monotonic() - last_check < HEALTH_EVERY_S:
                continue
            last_check = time.monotonic()
            if answers(self.server.health_url):
                failures = 0
            else:
                failures += 1
                if failures >= UNHEALTHY_AFTER and self.server.process.poll() is None:
                    return f"stopped answering its health check ({failures} checks in a row)"
        return None


class Supervisor:
    """Starts every server at once and keeps them serving; `stop()` stops them in reverse."""

    def __init__(self, servers: List[Server], log_file: Path, echo: Callable[[str], None] = print) -> None:
        self.stopping = threading.Event()
        self.logger = _file_logger(log_file)
        self.echo = echo
        self.watchers = [Watcher(server, self.stopping, self._report) for server in servers]

    def _report(self, line: str, echo: bool = True) -> None:
        """To var/log/supervisor.log, and to the terminal unless it is routine."""
        if echo:
            self.logger.warning(line)
            self.echo(line)
        else:
            self.logger.info(line)

    def start(self) -> Optional[str]:
        """Starts all servers in parallel and waits until each answers; None when all do,
        else why not (or "stopping" when asked to stop meanwhile)."""
        for watcher in self.watchers:
            watcher.start()
        while not self.stopping.is_set():
            failed = [w.failed for w in self.watchers if w.failed]
            if failed:
                return "; ".join(failed)
            if all(w.up.is_set() for w in self.watchers):
                self.logger.info("all servers are up")
                return None
            self.stopping.wait(0.2)
        return "stopping"

    def wait(self) -> None:
        """Until stop() is called (from a signal handler)."""
        while not self.stopping.wait(0.5):
            pass

    def stop(self) -> None:
        self.stopping.set()
        for watcher in self.watchers:
            watcher.join(timeout=5)
        for watcher in reversed(self.watchers):
            watcher.server.stop()


def _file_logger(path: Path) -> logging.Logger:
    logger = logging.getLogger(f"inclubot.supervisor.{path}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    if not logger.handlers:
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        path.chmod(0o600)
    return logger
