"""`cordon publish` over every transport: good lines go on the stream in file order, each
bad one gets one error line naming file:line and lands in the quarantine with its reason."""

from __future__ import annotations

import orjson
from typer.testing import CliRunner

from cordon.cli import app
from cordon.stream.envelope import decode


def test_publish_sends_the_good_lines_and_quarantines_the_bad_ones(bus, tmp_path, monkeypatch):
    good = [
        {"type": "account", "id": "1", "handle": "one"},
        {"type": "post", "id": "p1", "author_id": "1", "text": "hello"},
        {"type": "post", "id": "p2", "author_id": "1", "text": "after the bad lines"},
    ]
    lines = [
        orjson.dumps(good[0]),
        b'{"type": "post", "id": ',  # cut off
        orjson.dumps(good[1]),
        b"",
        b'{"type": "parcel", "id": "x"}',  # not a record type
        b"[1, 2]",  # not an object
        b"\xff\xfe not utf-8",
        orjson.dumps(good[2]),
    ]
    source = tmp_path / "events.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    quarantine = tmp_path / "bad.jsonl"
    monkeypatch.setenv("CORDON_STREAM_BACKEND", bus.kind)
    monkeypatch.setenv("CORDON_STREAM_TOPIC", bus.topic)
    monkeypatch.setenv("CORDON_REDIS_URL" if bus.kind == "redis" else "CORDON_KAFKA_BOOTSTRAP_SERVERS", bus.address)

    result = CliRunner().invoke(app, ["publish", str(source), "--quarantine", str(quarantine), "--batch", "2"])

    assert result.exit_code == 0, result.output
    assert "published 3 events, quarantined 4" in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("quarantined ")]
    assert [e.split(": ", 1)[0] for e in errors] == [f"quarantined {source}:{n}" for n in (2, 5, 6, 7)]
    assert "unknown record type 'parcel'" in errors[1] and "expected a JSON object" in errors[2]
    bad = [orjson.loads(line) for line in quarantine.read_bytes().splitlines()]
    assert [(b["source"], b["line"]) for b in bad] == [(str(source), n) for n in (2, 5, 6, 7)]
    assert bad[0]["raw"] == '{"type": "post", "id": ' and "raw_base64" in bad[3]
    assert all(b["reason"] for b in bad)
    # The good lines are on the stream, in file order, keyed by their account.
    sent = bus.read(bus.topic)
    assert [k for k, _, _ in sent] == [b"native:1"] * 3
    assert [decode(v)[0].id for _, v, _ in sent] == ["1", "p1", "p2"]
