"""The hash-chained moderation log, on every backend: verify passes on an honest log and names
the first edited, deleted or reordered event. The append-only triggers refuse UPDATE and
DELETE, so each tamper test lifts them first, as someone with the database's keys could."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from cordon.domain import EventName, ModerationEvent, SubjectRef
from cordon.store.audit import DELETED, EDITED, GENESIS, REORDERED

T0 = datetime(2015, 6, 1, 12, 0, tzinfo=UTC)


def _events(n: int) -> list[ModerationEvent]:
    return [
        ModerationEvent(
            EventName.FLAGGED, f"moderator:{i % 2}", T0 + timedelta(minutes=i, microseconds=i),
            SubjectRef.account("twitter", str(i)), case_id=f"c{i}" if i % 2 else None,
            reason=f"reason {i} الدولة", payload={"evidence": [f"post/twitter/{i}"], "score": i / 7},
        )
        for i in range(n)
    ]


def lift_triggers(store) -> None:
    """What an intruder with the database's keys would do first."""
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            conn.execute(sa.text("DROP TRIGGER moderation_events_no_update"))
            conn.execute(sa.text("DROP TRIGGER moderation_events_no_delete"))
        else:
            conn.execute(sa.text("ALTER TABLE moderation_events DISABLE TRIGGER moderation_events_append_only"))


def tamper(store, *statements: str) -> None:
    lift_triggers(store)
    with store.engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))


def test_an_honest_log_verifies(store):
    empty = store.verify_audit()
    assert empty.ok and empty.events == 0 and empty.head_hash == GENESIS
    first = store.append_events(_events(3))
    store.append_event(_events(4)[3])
    result = store.verify_audit()
    assert result.ok and result.events == 4 and result.head_seq == 4
    assert [e.seq for e in store.events()] == [1, 2, 3, 4] and first[0].seq == 1
    assert str(result).startswith("ok: 4 events, chain head seq 4 hash ")
    # The chain links each row to the one before it.
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT prev_hash, hash FROM moderation_events ORDER BY seq")).all()
    assert rows[0][0] == GENESIS and all(rows[i][0] == rows[i - 1][1] for i in range(1, 4))
    assert len({h for _, h in rows}) == 4


@pytest.mark.parametrize("change", [
    "reason = 'nothing to see'",
    "actor = 'mallory'",
    "payload = '{\"evidence\": []}'",
    "created = created",  # touched but unchanged: not a break (checked below)
    "subject = 'account/twitter/999'",
    "name = 'closed'",
])
def test_verify_names_an_edited_event(store, change):
    store.append_events(_events(5))
    tamper(store, f"UPDATE moderation_events SET {change} WHERE seq = 3")
    result = store.verify_audit()
    if change == "created = created":
        assert result.ok
        return
    assert not result.ok and result.broken_seq == 3 and result.problem == EDITED
    assert result.events == 2 and "event 3 was changed" in result.detail


def test_verify_names_an_edited_time(store):
    store.append_events(_events(5))
    later = "'2015-06-01 13:00:00'" if store.dialect == "sqlite" else "created + interval '1 hour'"
    tamper(store, f"UPDATE moderation_events SET created = {later} WHERE seq = 2")
    result = store.verify_audit()
    assert (result.ok, result.broken_seq, result.problem) == (False, 2, EDITED)


def test_verify_names_a_deleted_event(store):
    store.append_events(_events(5))
    tamper(store, "DELETE FROM moderation_events WHERE seq = 3")
    result = store.verify_audit()
    assert (result.ok, result.broken_seq, result.problem) == (False, 4, DELETED)
    assert "the event before 4 is missing (after event 2)" in result.detail


def test_verify_names_a_deleted_tail(store):
    store.append_events(_events(5))
    tamper(store, "DELETE FROM moderation_events WHERE seq >= 4")
    result = store.verify_audit()
    assert (result.ok, result.broken_seq, result.problem) == (False, 4, DELETED)
    assert "chain head is event 5" in result.detail


def test_verify_names_a_reordering(store):
    store.append_events(_events(5))
    tamper(
        store,
        "UPDATE moderation_events SET seq = 100 WHERE seq = 2",
        "UPDATE moderation_events SET seq = 2 WHERE seq = 3",
        "UPDATE moderation_events SET seq = 3 WHERE seq = 100",
    )
    result = store.verify_audit()
    assert (result.ok, result.broken_seq, result.problem) == (False, 2, REORDERED)
    assert "event 2 follows event 3 in the chain" in result.detail


def test_a_moved_last_event_is_a_reordering(store):
    store.append_events(_events(3))
    tamper(store, "UPDATE moderation_events SET seq = 9 WHERE seq = 3")
    result = store.verify_audit()
    assert (result.ok, result.broken_seq, result.problem) == (False, 9, REORDERED)
    assert "written as event 3" in result.detail


def test_rewriting_the_hashes_without_the_head_is_caught(store):
    """An edit whose row hash was recomputed still breaks the link to the next event."""
    from cordon.store.audit import row_hash

    store.append_events(_events(4))
    lift_triggers(store)
    with store.engine.begin() as conn:
        row = dict(conn.execute(sa.text("SELECT * FROM moderation_events WHERE seq = 2")).mappings().one())
        row["reason"] = "rewritten"
        conn.execute(
            sa.text("UPDATE moderation_events SET reason = :r, hash = :h WHERE seq = 2"),
            {"r": "rewritten", "h": row_hash(row)},
        )
    result = store.verify_audit()
    assert (result.ok, result.broken_seq) == (False, 3)


# -- existing databases -----------------------------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.sqlite'}", {}
    return request.getfixturevalue("pg_schema")


def test_the_migration_chains_an_existing_log(database):
    from cordon.store.migrate import upgrade
    from cordon.store.sql import SqlStore, make_engine

    url, options = database
    engine = make_engine(url, **options)
    upgrade(engine, "0003")
    with engine.begin() as conn:  # a log written before the chain, with a gap in its seqs
        for seq in (1, 2, 5):
            conn.execute(sa.text(
                "INSERT INTO moderation_events (seq, name, actor, created, subject, case_id, reason, payload) "
                "VALUES (:seq, 'flagged', 'policy:x', :created, 'account/twitter/1', NULL, 'why', '{\"a\": 1}')"
            ), {"seq": seq, "created": T0 + timedelta(seconds=seq)})
    engine.dispose()
    store = SqlStore(url, engine_options=options)
    try:
        result = store.verify_audit()
        assert result.ok and result.events == 3 and result.head_seq == 5
        store.append_events(_events(2))
        assert [e.seq for e in store.events()] == [1, 2, 5, 6, 7]
        assert store.verify_audit().ok
        # The backfill put the append-only guard back.
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(sa.text("UPDATE moderation_events SET actor = 'mallory'"))
    finally:
        store.close()


# -- the command ----------------------------------------------------------------------------
def test_cordon_audit_verify(tmp_path):
    import typer

    from cordon.cli_audit import audit_app
    from cordon.store.sql import SqlStore

    app = typer.Typer()
    app.add_typer(audit_app, name="audit")
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    with SqlStore(url) as store:
        store.append_events(_events(4))
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--store", url])
    assert ok.exit_code == 0, ok.output
    assert "ok: 4 events" in ok.output
    with SqlStore(url) as store:
        tamper(store, "UPDATE moderation_events SET reason = 'x' WHERE seq = 2")
    bad = runner.invoke(app, ["audit", "verify", "--store", url])
    assert bad.exit_code == 2
    assert "broken at seq 2: edited" in bad.output
