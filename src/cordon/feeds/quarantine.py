"""Where a feed puts the events it cannot use: one JSON line each, with the feed's name, the
reason in one line and the raw bytes, so nothing bad is silently dropped and each can be
looked at (and replayed) later. Shared by every feed; safe to call from several threads."""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime
from pathlib import Path

import orjson


class FeedQuarantine:
    """Appends to `path` (created, with its folder, on the first bad event only)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.count = 0
        self.last_reason: str | None = None
        self._lock = threading.Lock()

    def put(self, feed: str, reason: str, raw: bytes) -> None:
        entry: dict[str, object] = {
            "feed": feed, "reason": reason, "at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        try:
            entry["raw"] = raw.decode("utf-8")
        except UnicodeDecodeError:
            entry["raw_base64"] = base64.b64encode(raw).decode()
        line = orjson.dumps(entry) + b"\n"
        with self._lock:
            self.count += 1
            self.last_reason = reason
            if self.path is None:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("ab") as fh:  # one open per bad event: they are rare
                fh.write(line)

    def entries(self) -> list[dict]:
        """Everything quarantined so far (for tests and `cordon` diagnostics)."""
        if self.path is None or not self.path.exists():
            return []
        return [orjson.loads(line) for line in self.path.read_bytes().splitlines() if line]
