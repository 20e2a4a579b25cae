"""Failed log-ins, counted per account and per address, to stop password guessing.

In memory: the admin runs as one process (waitress, threads). A restart forgets the count,
which only gives a guesser a few more tries per restart.
"""
import threading
import time
from collections import deque
from typing import Deque, Dict, Optional, Tuple

WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
MAX_TRACKED = 10_000  # keys kept at most, so that a flood cannot fill the memory


class LoginLimiter:
    def __init__(self, window: float = WINDOW_SECONDS, per_account: int = MAX_FAILURES_PER_ACCOUNT,
                 per_address: int = MAX_FAILURES_PER_ADDRESS, clock=time.monotonic):
        self.window = window
        self.limits = {"account": per_account, "address": per_address}
        self.clock = clock
        self._failures: Dict[Tuple[str, str], Deque[float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, username: str, address: str) -> Optional[float]:
        """Seconds until this account and address may try again; None when they may now."""
        now = self.clock()
        waits = []
        with self._lock:
            for key in self._keys(username, address):
                failures = self._recent(key, now)
                if len(failures) >= self.limits[key[0]]:
                    waits.append(failures[0] + self.window - now)
        return max(waits) if waits else None

    def failed(self, username: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) >= MAX_TRACKED:
                self._forget_expired(now)
            for key in self._keys(username, address):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(("account", username), None)

    def _keys(self, username: str, address: str):
        return (("account", username), ("address", address or "?"))

    def _recent(self, key, now: float) -> Deque[float]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def _forget_expired(self, now: float) -> None:
        for key in list(self._failures):
            if not self._recent(key, now):
                del self._failures[key]
        while len(self._failures) >= MAX_TRACKED:  # still full: drop the oldest keys
            del self._failures[next(iter(self._failures))]
