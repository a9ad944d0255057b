"""Put a native JSONL file on the event stream (`cordon publish`), losing nothing.

The house rule for input: a bad line never stops the run and is never dropped. Each one goes
to the quarantine file (ingest's QuarantineFile: its file:line, the reason, and its raw bytes)
and the good lines around it are published all the same, in file order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import orjson

from cordon.errors import RecordError
from cordon.ingest.pipeline import IngestStats, QuarantineFile
from cordon.ingest.records import Quarantined
from cordon.stream.envelope import encode_line
from cordon.stream.transport import Publisher


@dataclass
class PublishStats:
    published: int = 0
    quarantined: int = 0
    quarantine_path: Path | None = None
    first_errors: list[str] = field(default_factory=list)  # "file:line: reason", the first ten


def _message(raw: bytes) -> tuple[bytes, bytes]:
    """The (key, value) for one line; RecordError, naming the problem, when it is not a record."""
    try:
        line = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RecordError(f"not JSON: {exc}") from None
    if not isinstance(line, dict):
        raise RecordError(f"expected a JSON object, got {type(line).__name__}")
    return encode_line(line)


def publish_file(path: Path, publisher: Publisher, quarantine: Path | None, batch: int = 5000) -> PublishStats:
    """Publish every good line of `path`, `batch` messages per publish call; quarantine the
    bad ones. Blank lines are skipped."""
    counts = IngestStats()
    bad_lines = QuarantineFile(quarantine, counts)
    stats = PublishStats()
    pending: list[tuple[bytes, bytes]] = []
    try:
        with path.open("rb") as lines:
            for number, raw in enumerate(lines, 1):
                if not raw.strip():
                    continue
                try:
                    pending.append(_message(raw))
                except RecordError as exc:
                    bad_lines.put(Quarantined(str(path), number, str(exc), raw.rstrip(b"\r\n")))
                    continue
                if len(pending) >= batch:
                    publisher.publish(pending)
                    stats.published += len(pending)
                    pending = []
        if pending:
            publisher.publish(pending)
            stats.published += len(pending)
    finally:
        bad_lines.close()
    stats.quarantined = counts.quarantined
    stats.quarantine_path = counts.quarantine_path
    stats.first_errors = counts.first_errors
    return stats
