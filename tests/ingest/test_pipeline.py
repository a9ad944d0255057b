"""Ingest into every store backend: counts, idempotence, quarantine, batching."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from cordon.domain import SubjectRef
from cordon.ingest.pipeline import ingest_files, ingest_records
from cordon.ingest.records import Quarantined


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def native(obj: dict) -> bytes:
    return orjson.dumps(obj)


def sample(tmp_path: Path) -> Path:
    return write_lines(tmp_path / "in.jsonl", [
        native({"type": "account", "id": "1", "handle": "abu\u0000x", "bio": "nul\u0000in bio"}),
        native({"type": "post", "id": "p1", "author_id": "1", "text": "hi\u0000 there", "mentions": ["2"]}),
        native({"type": "interaction", "kind": "follow", "source_id": "2", "target_id": "1"}),
        native({"type": "report", "id": "r1", "reporter_id": "2", "subject_id": "1", "reason": "violent_threat"}),
        b'{"type": "post", "id": "p2"}',
        b"not json at all",
    ])


def test_counts_quarantine_and_nul_characters(store, tmp_path: Path):
    quarantine = tmp_path / "q.jsonl"
    stats = ingest_files([sample(tmp_path)], store, quarantine=quarantine)
    # 4 good lines give 5 records (the post's mention is an interaction too), and 2 are bad.
    assert (stats.read, stats.stored, stats.duplicate, stats.quarantined) == (7, 5, 0, 2)
    assert dict(stats.by_kind) == {"accounts": 1, "posts": 1, "interactions": 2, "reports": 1}
    bad = [orjson.loads(line) for line in quarantine.read_bytes().splitlines()]
    assert [(b["line"], b["reason"]) for b in bad][0] == (5, "author_id: missing id")
    assert bad[1]["line"] == 6 and bad[1]["raw"] == "not json at all"
    # PostgreSQL cannot store NUL; ingest removes it everywhere, the same on every backend.
    account = store.get_account(SubjectRef.account("native", "1"))
    assert (account.handle, account.bio) == ("abux", "nulin bio")
    assert [p.text for p in store.posts()] == ["hi there"]


def test_reingest_changes_nothing(store, tmp_path: Path):
    path = sample(tmp_path)
    ingest_files([path], store)
    before = store.counts()
    stats = ingest_files([path], store)
    assert (stats.stored, stats.duplicate, stats.quarantined) == (0, 5, 2)
    assert store.counts() == before


def test_small_batches_give_the_same_store(store, tmp_path: Path):
    lines = [native({"type": "account", "id": str(i), "handle": f"u{i}"}) for i in range(50)]
    lines += [native({"type": "post", "id": f"p{i}", "author_id": str(i % 50), "text": "x"}) for i in range(120)]
    stats = ingest_files([write_lines(tmp_path / "many.jsonl", lines)], store, batch_size=7)
    assert stats.stored == 170 and store.counts()["posts"] == 120


def test_a_failing_write_stops_the_run_with_its_error(store):
    class Boom(Exception):
        pass

    def records():
        yield Quarantined("f", 1, "bad", b"x")
        raise Boom("the source broke")

    with pytest.raises(Boom):
        ingest_records(records(), store)
