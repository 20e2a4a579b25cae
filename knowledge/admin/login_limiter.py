"""Log-in attempts, counted per (account, client address) and per client address, to slow
password guessing without letting a stranger lock anyone else out.

After a few failures a key must wait before its next try, longer after each further failure
(1, 2, 4 … up to 15 minutes). The keys hold the client's address (knowledge/admin/
client_address.py: the real client behind a trusted proxy), so failures from one address
never delay the same account's owner logging in from another.

An attempt is counted before its password is checked (`begin`), under a lock: concurrent
guesses cannot get more checks than the limit. A success takes its own failures back.

In memory: the admin runs as one process (waitress, threads). A restart forgets the count,
which only gives a guesser a few more tries per restart.
"""
import threading
import time
from collections import deque
from typing import Deque, Dict, Optional, Tuple

MAX_FAILURES_PER_ACCOUNT = 5  # per (account, address), before delays start
MAX_FAILURES_PER_ADDRESS = 20  # per address, whatever the accounts (invented usernames)
FIRST_DELAY_SECONDS = 60
MAX_DELAY_SECONDS = 15 * 60
MEMORY_SECONDS = 60 * 60  # a failure counts this long
MAX_TRACKED = 10_000  # keys kept at most, so that a flood cannot fill the memory

Key = Tuple[str, ...]


class LoginLimiter:
    def __init__(self, per_account: int = MAX_FAILURES_PER_ACCOUNT, per_address: int = MAX_FAILURES_PER_ADDRESS,
                 clock=time.monotonic):
        self.limits = {"account": per_account, "address": per_address}
        self.clock = clock
        self._failures: Dict[Key, Deque[float]] = {}
        self._lock = threading.Lock()

    def begin(self, username: str, address: str) -> Optional[float]:
        """Counts an attempt as failed before its password is checked; returns None if it may
        go on, else the seconds to wait (and nothing is counted)."""
        now = self.clock()
        with self._lock:
            keys = self._keys(username, address)
            waits = [wait for wait in (self._wait(key, now) for key in keys) if wait is not None]
            if waits:
                return max(waits)
            if len(self._failures) >= MAX_TRACKED:
                self._forget_expired(now)
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)
            return None

    def succeeded(self, username: str, address: str) -> None:
        """The attempt `begin` counted was right: it is taken back, and the account's earlier
        failures from this address are forgotten."""
        with self._lock:
            self._failures.pop(("account", username, address), None)
            failures = self._failures.get(("address", address))
            if failures:
                failures.pop()

    def _wait(self, key: Key, now: float) -> Optional[float]:
        failures = self._recent(key, now)
        beyond = len(failures) - self.limits[key[0]]
        if beyond < 0:
            return None
        delay = min(FIRST_DELAY_SECONDS * 2 ** min(beyond, 16), MAX_DELAY_SECONDS)
        wait = failures[-1] + delay - now
        return wait if wait > 0 else None

    @staticmethod
    def _keys(username: str, address: str) -> Tuple[Key, Key]:
        return ("account", username, address or "?"), ("address", address or "?")

    def _recent(self, key: Key, now: float) -> Deque[float]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - MEMORY_SECONDS:
            failures.popleft()
        return failures

    def _forget_expired(self, now: float) -> None:
        for key in list(self._failures):
            if not self._recent(key, now):
                del self._failures[key]
        while len(self._failures) >= MAX_TRACKED:  # still full: drop the oldest keys
            del self._failures[next(iter(self._failures))]
