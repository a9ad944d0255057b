"""The progress bar wraps reading without changing what is read."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import orjson
from rich.console import Console

from cordon.ingest import progress
from cordon.ingest.progress import read_with_progress
from cordon.ingest.reader import read_records
from cordon.ingest.records import Quarantined


def test_big_files_read_the_same_with_a_bar(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(progress, "MIN_BYTES", 1)  # every file gets a bar
    lines = [orjson.dumps({"type": "account", "id": str(i), "handle": f"u{i}"}) for i in range(500)]
    lines.insert(10, b"{broken")
    plain = tmp_path / "a.jsonl"
    plain.write_bytes(b"\n".join(lines))
    zipped = tmp_path / "a.jsonl.gz"
    zipped.write_bytes(gzip.compress(plain.read_bytes()))
    console = Console(file=io.StringIO(), force_terminal=True)
    for path in (plain, zipped):
        expected = list(read_records(path))
        got = list(read_with_progress(path, console))
        assert [repr(r) for r in got] == [repr(r) for r in expected] and len(got) == 501
        bad = [r for r in got if isinstance(r, Quarantined)]
        assert [b.location for b in bad] == [f"{path}:11"]
