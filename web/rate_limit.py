"""A per-minute request limit for the public endpoints the widget calls (reading aloud,
feedback), keyed by client address. In memory: the web app is one process."""
import threading
import time
from collections import deque
from typing import Deque, Dict

MAX_TRACKED = 10_000  # keys kept at most, so that a flood cannot fill the memory


class MinuteLimit:
    """At most `limit` requests per key in any 60 seconds (in memory: one web app process)."""

    def __init__(self, limit: int, clock=time.monotonic):
        self.limit, self.clock = limit, clock
        self._seen: Dict[str, Deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            if len(self._seen) >= MAX_TRACKED:
                self._seen = {k: v for k, v in self._seen.items() if v and now - v[-1] < 60}
            times = self._seen.setdefault(key, deque())
            while times and now - times[0] >= 60:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            return True
