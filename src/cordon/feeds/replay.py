"""Replay protection for signed webhooks whose signature covers no timestamp (Mastodon's).

A captured request would verify forever, so an event is accepted only when its own
`created_at` is within `window` seconds of now (`skew` seconds into the future at most, for
clocks that disagree), and only once per key within that window. Older events are refused
outright, so the keys need to be remembered for one window only: memory stays bounded by
the rate times the window.

A key is reserved before the event is published and released if publishing fails, so the
platform's retry of an event we could not take is not mistaken for a replay, and two copies
sent at once are not both published.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from cordon.feeds.errors import ReplayError


class ReplayGuard:
    def __init__(self, window: float = 600.0, skew: float = 60.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.window = window
        self.skew = skew
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()  # key -> when it was accepted
        self._lock = threading.Lock()

    def reserve(self, key: str, created_at: datetime) -> None:
        """Claim `key`; ReplayError when it is stale, from the future, or already claimed."""
        now = self._clock()
        age = now - created_at.timestamp()
        if age > self.window:
            raise ReplayError(f"event created {age:.0f} s ago, outside the {self.window:.0f} s replay window")
        if age < -self.skew:
            raise ReplayError(f"event created {-age:.0f} s in the future (clock skew allowed: {self.skew:.0f} s)")
        with self._lock:
            self._forget_before(now - self.window - self.skew)
            if key in self._seen:
                raise ReplayError(f"event {key} already received")
            self._seen[key] = now

    def release(self, key: str) -> None:
        """Forget a reservation whose event could not be published, so a retry goes through."""
        with self._lock:
            self._seen.pop(key, None)

    def __len__(self) -> int:
        return len(self._seen)

    def _forget_before(self, cutoff: float) -> None:
        # Accepted in clock order, so the oldest are first.
        while self._seen:
            key, when = next(iter(self._seen.items()))
            if when >= cutoff:
                break
            self._seen.popitem(last=False)
