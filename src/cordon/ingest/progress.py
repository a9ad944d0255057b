"""A progress bar over ingest, for files big enough to make someone wait."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from cordon.ingest.reader import read_records
from cordon.ingest.records import Quarantined, Record

# Below this a bar would only flicker.
MIN_BYTES = 4 * 1024 * 1024


def read_with_progress(path: str | Path, console: Console, fmt: str | None = None) -> Iterator[Record | Quarantined]:
    size = Path(path).stat().st_size if str(path) != "-" and Path(path).is_file() else 0
    if size < MIN_BYTES:
        yield from read_records(path, fmt=fmt)
        return
    columns = (
        TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
        TransferSpeedColumn(), TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(Path(path).name, total=size)
        with progress.open(path, "rb", task_id=task) as handle:
            yield from read_records(handle, fmt=fmt, name=str(path))
