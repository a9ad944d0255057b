"""A sliding-window rate limit per key (a user name, a client address, a reporter).

In memory, per process: `cordon serve` runs one process. Behind several workers each keeps
its own windows, so the limit is per worker; the store is not worth a write per attempt."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from cordon.web.errors import TooManyRequests


class SlidingWindow:
    """At most `limit` hits per `window` seconds for each key."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def retry_after(self, key: str) -> int:
        """Seconds until the key may hit again; 0 when it may now."""
        with self._lock:
            now = self._clock()
            hits = self._recent(key, now)
            if len(hits) < self.limit:
                return 0
            return max(1, math.ceil(hits[0] + self.window - now))

    def hit(self, key: str) -> None:
        """Count one hit, or raise TooManyRequests when the window is full."""
        wait = self.retry_after(key)
        if wait:
            raise TooManyRequests("too many requests; try again later", wait)
        with self._lock:
            self._recent(key, self._clock()).append(self._clock())

    def check(self, key: str) -> None:
        """Raise TooManyRequests when the window is full, without counting a hit."""
        wait = self.retry_after(key)
        if wait:
            raise TooManyRequests("too many attempts; try again later", wait)

    def clear(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)
