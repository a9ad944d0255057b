"""Ingest files into the store: stream records, write them in batches, quarantine bad ones.

Nothing stops the run but a file that cannot be read at all. Each bad record goes to the
quarantine file with its file:line, the reason and its raw bytes, and the run ends with counts.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import orjson

from cordon.domain import Account, Interaction, Post, Report
from cordon.ingest.reader import read_records
from cordon.ingest.records import Quarantined, Record
from cordon.store import Store, WriteResult

_KINDS = (Account, Post, Interaction, Report)


@dataclass
class IngestStats:
    read: int = 0
    stored: int = 0
    duplicate: int = 0
    quarantined: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    quarantine_path: Path | None = None
    first_errors: list[str] = field(default_factory=list)

    def add(self, kind: str, result: WriteResult) -> None:
        self.stored += result.new + result.changed
        self.duplicate += result.unchanged
        self.by_kind[kind] += result.new + result.changed


class QuarantineFile:
    """Bad records, appended as JSON lines; the file is created on the first one only."""

    KEEP_ERRORS = 10

    def __init__(self, path: Path | None, stats: IngestStats) -> None:
        self.path = path
        self.stats = stats
        self._handle: BinaryIO | None = None

    def put(self, bad: Quarantined) -> None:
        self.stats.quarantined += 1
        if len(self.stats.first_errors) < self.KEEP_ERRORS:
            self.stats.first_errors.append(f"{bad.location}: {bad.reason}")
        if self.path is None:
            return
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("ab")
            self.stats.quarantine_path = self.path
        entry: dict[str, object] = {"source": bad.source, "line": bad.line, "reason": bad.reason}
        try:
            entry["raw"] = bad.raw.decode("utf-8")
        except UnicodeDecodeError:
            entry["raw_base64"] = base64.b64encode(bad.raw).decode()
        self._handle.write(orjson.dumps(entry) + b"\n")

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


class _Batcher:
    """Collects records into batches and writes each in one transaction on a writer thread,
    so parsing the next batch overlaps the database's work on this one (the drivers release
    the GIL while the database works). At most one batch is in flight: memory stays bounded
    and batches land in order."""

    def __init__(self, store: Store, stats: IngestStats, size: int) -> None:
        self.store = store
        self.stats = stats
        self.size = size
        self.pending: dict[type, list[Record]] = {kind: [] for kind in _KINDS}
        self.count = 0
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cordon-ingest")
        self._in_flight: Future | None = None

    def put(self, record: Record) -> None:
        self.pending[type(record)].append(record)
        self.count += 1
        if self.count >= self.size:
            self.flush()

    def _write(self, batch: dict[type, list[Record]]) -> dict[str, WriteResult]:
        return self.store.write_batch(
            accounts=batch[Account], posts=batch[Post],
            interactions=batch[Interaction], reports=batch[Report],
        )

    def _settle(self) -> None:
        """Wait for the batch in flight; its error, if any, is raised here."""
        if self._in_flight is not None:
            future, self._in_flight = self._in_flight, None
            for name, result in future.result().items():
                self.stats.add(name, result)

    def flush(self) -> None:
        self._settle()
        if self.count:
            self._in_flight = self._writer.submit(self._write, self.pending)
            self.pending = {kind: [] for kind in _KINDS}
            self.count = 0

    def close(self) -> None:
        try:
            self.flush()
            self._settle()
        finally:
            self._writer.shutdown(wait=True)


def ingest_records(
    records: Iterable[Record | Quarantined], store: Store, *, quarantine: Path | None = None,
    batch_size: int = 20_000, stats: IngestStats | None = None,
) -> IngestStats:
    stats = stats or IngestStats()
    bad = QuarantineFile(quarantine, stats)
    batcher = _Batcher(store, stats, batch_size)
    try:
        for item in records:
            stats.read += 1
            if isinstance(item, Quarantined):
                bad.put(item)
            else:
                batcher.put(item)
    finally:
        try:
            batcher.close()
        finally:
            bad.close()
    return stats


def ingest_files(
    paths: Iterable[str | Path], store: Store, *, quarantine: Path | None = None,
    batch_size: int = 20_000, fmt: str | None = None,
    opener: Callable[[str | Path], Iterator[Record | Quarantined]] | None = None,
) -> IngestStats:
    """Ingest each file in turn into one set of counts. `opener` lets the CLI wrap reading
    with a progress bar; by default files are read as they are."""
    stats = IngestStats()
    read = opener or (lambda p: read_records(p, fmt=fmt))
    for path in paths:
        ingest_records(read(path), store, quarantine=quarantine, batch_size=batch_size, stats=stats)
    return stats
