"""The case read model is the log's fold, on every backend: after any sequence of appends,
after bulk appends, after a rebuild, and from the migration's backfill."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cordon.cases import fold_cases
from cordon.cases.sla import SlaPolicy
from cordon.domain import CaseState, EventName, ModerationEvent, SubjectRef
from cordon.domain.cases import CaseQuery
from cordon.errors import StoreConflict, StoreError

from casekit import P, T0, open_case

CASES = ["a", "b", "c"]
NAMES = [
    EventName.CASE_OPENED, EventName.REPORT_RECEIVED, EventName.FLAGGED, EventName.ASSIGNED,
    EventName.RELEASED, EventName.ESCALATED, EventName.DECIDED, EventName.APPEALED,
    EventName.REINSTATED, EventName.CLOSED, EventName.ACTION_EXECUTED,
]


@st.composite
def events(draw):
    out = []
    for minute in range(draw(st.integers(1, 25))):
        name = draw(st.sampled_from(NAMES))
        case = draw(st.sampled_from([*CASES, None]))
        payload = {}
        if name is EventName.CASE_OPENED:
            payload = {
                "queue": draw(st.sampled_from(["threats", "media", "extremism"])),
                "priority": draw(st.floats(0, 3, allow_nan=False)),
            }
            if draw(st.booleans()):
                payload["risk"] = draw(st.floats(0, 1))
        elif name is EventName.ASSIGNED:
            payload = {"assignee": draw(st.sampled_from(["alice", "bob"]))}
        elif name is EventName.DECIDED:
            payload = {"decision": draw(st.sampled_from(["suspend", "dismiss", "overturn"])),
                       "policy_clause": "c-1", "decided_by": draw(st.sampled_from(["alice", "bob"]))}
        elif name is EventName.APPEALED:
            payload = {"appellant": "carol"}
        reason = draw(st.sampled_from(["", "spam", "threat"]))
        out.append(ModerationEvent(
            name, "mod", T0 + timedelta(minutes=minute), SubjectRef.account(P, "1"), case, reason, payload,
        ))
    return out


def _projected(store) -> dict:
    return {c.id: c for c in store.cases(CaseQuery(), order="age", limit=10_000)}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(events(), min_size=1, max_size=4))
def test_the_projection_is_the_fold_of_the_log(store, batches):
    # The store grows across examples: the check is always over its whole log.
    for batch in batches:
        store.append_events(batch)
    folded = fold_cases(store.events(), store.sla)
    assert _projected(store) == folded
    for case_id, case in folded.items():
        assert store.case(case_id) == case


def test_a_bulk_append_of_thousands_of_events_projects_in_one_transaction(store):
    many = []
    for i in range(3000):
        ref = SubjectRef.account(P, str(i))
        many.append(ModerationEvent(EventName.CASE_OPENED, "policy:x", T0, ref, f"k{i}", "r", {"queue": "q", "priority": i % 7}))
        many.append(ModerationEvent(EventName.REPORT_RECEIVED, "u", T0, ref, f"k{i}", "report"))
    store.append_events(many)
    assert _projected(store) == fold_cases(store.events(), store.sla)
    assert store.case_counts() == {("q", "open"): 3000}


def test_rebuild_recomputes_the_projection_with_new_sla_hours(store):
    open_case(store, "c1", queue="media")
    assert store.case("c1").sla_due == T0 + timedelta(hours=4)
    store.sla = SlaPolicy.parse("media=2")
    assert store.rebuild_cases() == 1
    assert store.case("c1").sla_due == T0 + timedelta(hours=2)
    assert _projected(store) == fold_cases(store.events(), store.sla)


def test_expect_refuses_a_stale_version_and_writes_nothing(store):
    open_case(store, "c1")
    seen = store.case("c1").last_seq
    assign = ModerationEvent(EventName.ASSIGNED, "alice", T0, SubjectRef.account(P, "1"), "c1", payload={"assignee": "alice"})
    store.append_events([assign], expect={"c1": seen})
    before = store.counts()["events"]
    other = ModerationEvent(EventName.ASSIGNED, "bob", T0, SubjectRef.account(P, "1"), "c1", payload={"assignee": "bob"})
    with pytest.raises(StoreConflict, match="changed under you"):
        store.append_events([other], expect={"c1": seen})
    assert store.counts()["events"] == before
    assert store.case("c1").assigned_to == "alice"
    # 0 expects a case not opened yet.
    with pytest.raises(StoreConflict):
        store.append_events([other], expect={"c1": 0})
    store.append_events([other], expect={"new": 0})
    assert store.verify_audit().ok


def test_queries_filter_order_and_page(store):
    open_case(store, "low", "1", queue="media", priority=0.5, risk=0.2, at=T0)
    open_case(store, "high", "2", queue="media", priority=2.0, risk=0.9, at=T0 + timedelta(hours=1))
    open_case(store, "threat", "3", queue="threats", priority=1.0, risk=None, at=T0 + timedelta(hours=2))
    ids = lambda cases: [c.id for c in cases]  # noqa: E731
    assert ids(store.cases(CaseQuery.waiting())) == ["high", "threat", "low"]
    assert ids(store.cases(CaseQuery.waiting(), order="age")) == ["low", "high", "threat"]
    # threats are due in 1 hour (T0+3h), media in 4 (T0+4h, T0+5h).
    assert ids(store.cases(CaseQuery.waiting(), order="sla")) == ["threat", "low", "high"]
    assert ids(store.cases(CaseQuery.waiting(), order="risk")) == ["high", "low", "threat"]
    assert ids(store.cases(CaseQuery(queue="media", min_risk=0.5))) == ["high"]
    assert ids(store.cases(CaseQuery(max_risk=0.5))) == ["low"]
    assert ids(store.cases(CaseQuery(opened_before=T0 + timedelta(minutes=30)))) == ["low"]
    assert ids(store.cases(CaseQuery(overdue_at=T0 + timedelta(hours=4, minutes=30)))) == ["threat", "low"]
    assert ids(store.cases(CaseQuery(subjects=(SubjectRef.account(P, "3"),)))) == ["threat"]
    assert ids(store.cases(CaseQuery(states=(CaseState.CLOSED,)))) == []
    assert ids(store.cases(CaseQuery.waiting(), limit=1, offset=1)) == ["threat"]
    assert store.case_counts() == {("media", "open"): 2, ("threats", "open"): 1}
    assert store.case("nope") is None
    for bad in (dict(order="loud"), dict(limit=0), dict(offset=-1)):
        with pytest.raises(StoreError):
            store.cases(CaseQuery(), **bad)
    with pytest.raises(StoreError, match="naive"):
        store.cases(CaseQuery(opened_before=T0.replace(tzinfo=None)))


def test_the_migration_backfills_cases_from_the_log(store):
    from alembic import command
    from sqlalchemy import text

    from cordon.store.migrate import alembic_config, upgrade

    open_case(store, "c1", queue="threats")
    store.append_event(ModerationEvent(EventName.ASSIGNED, "alice", T0, SubjectRef.account(P, "1"), "c1",
                                       payload={"assignee": "alice"}))
    expected = _projected(store)
    config = alembic_config()
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0004")
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM moderation_events")).scalar_one() == 2
    upgrade(store.engine)
    assert _projected(store) == expected == fold_cases(store.events(), store.sla)


def test_the_migration_matches_the_schema(store):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from cordon.store.schema import metadata

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if "case_status" in repr(d)] == []
