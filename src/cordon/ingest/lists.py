"""Importing a match-list file (hash list, link list) into the store: good entries go in,
bad lines go to quarantine with file:line and the reason, as ingest does with records."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cordon.domain.lists import LIST_KINDS, ListEntry
from cordon.ingest.pipeline import IngestStats, QuarantineFile
from cordon.ingest.records import Quarantined
from cordon.signals.lists import read_list
from cordon.store import Store
from cordon.store.base import WriteResult


@dataclass(frozen=True)
class ListImport:
    name: str
    result: WriteResult
    quarantined: int
    first_errors: list[str]
    quarantine_path: Path | None


def import_list_file(
    store: Store, path: str | Path, *, name: str, source: str | None = None, label: str = "",
    description: str = "", replace: bool = False, quarantine: Path | None = None,
) -> ListImport:
    """Read `path` (any list format signals/lists.py reads) into the list `name`."""
    stats = IngestStats()
    bad = QuarantineFile(quarantine, stats)

    def entries() -> Iterator[ListEntry]:
        for item in read_list(path, label, kinds=LIST_KINDS):
            if isinstance(item, Quarantined):
                bad.put(item)
            else:
                yield item

    try:
        result = store.import_list(name, source or str(path), entries(), description=description, replace=replace)
    finally:
        bad.close()
    return ListImport(name, result, stats.quarantined, stats.first_errors, stats.quarantine_path)
