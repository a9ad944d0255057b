"""The Jetstream cursor file: where a consumer resumes after a disconnect or a restart.

It holds the last event handled: its `time_us` (when the Jetstream instance witnessed it,
in microseconds; portable across instances), its `seq` (exact, but only on the instance that
numbered it) and that instance's URL. Written to a temporary file and renamed over the old
one, so a crash mid-write leaves the previous cursor, never half a file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import orjson

from cordon.feeds.errors import FeedError


@dataclass(frozen=True, slots=True)
class Cursor:
    time_us: int
    seq: int | None = None
    url: str | None = None


class CursorFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Cursor | None:
        if not self.path.exists():
            return None
        try:
            data = orjson.loads(self.path.read_bytes())
            return Cursor(int(data["time_us"]), data.get("seq"), data.get("url"))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise FeedError(f"cursor file {self.path} is unreadable ({exc}): fix or delete it "
                            "(deleting it starts from the live tip)") from None

    def save(self, cursor: Cursor) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_bytes(orjson.dumps({"time_us": cursor.time_us, "seq": cursor.seq, "url": cursor.url}))
        os.replace(tmp, self.path)
