from __future__ import annotations

from datetime import datetime, timedelta, timezone

from cordon.cases import fold_cases, review_queue
from cordon.domain import CaseState, EventName, ModerationEvent, SubjectRef

T0 = datetime(2015, 6, 1, tzinfo=timezone.utc)


def ev(name, case, minutes, subject="1", **payload):
    return ModerationEvent(name, "mod", T0 + timedelta(minutes=minutes), SubjectRef.account("t", subject), case, "r", payload)


def test_state_is_folded_from_events():
    events = [
        ev(EventName.CASE_OPENED, "c1", 0, queue="threats", priority=1.5),
        ev(EventName.REPORT_RECEIVED, "c1", 1),
        ev(EventName.ASSIGNED, "c1", 2, assignee="alice"),
        ev(EventName.CASE_OPENED, "c2", 3, subject="2", queue="extremism", priority=0.7),
        ev(EventName.DECIDED, "c1", 4, decision="suspend", policy_clause="review-threat"),
        ev(EventName.FLAGGED, None, 5),
    ]
    cases = fold_cases(events)
    c1 = cases["c1"]
    assert (c1.state, c1.assigned_to, c1.decision, c1.report_count) == (CaseState.DECIDED, "alice", "suspend", 1)
    assert [c.id for c in review_queue(cases.values())] == ["c2"]
    # Stop the log before the decision: the case is still waiting, assigned.
    earlier = fold_cases(events[:3])
    assert earlier["c1"].state is CaseState.ASSIGNED


def test_queue_orders_by_priority_then_age():
    cases = fold_cases([
        ev(EventName.CASE_OPENED, "a", 0, queue="q", priority=0.5),
        ev(EventName.CASE_OPENED, "b", 1, queue="q", priority=0.9),
        ev(EventName.CASE_OPENED, "c", 2, queue="r", priority=0.5),
    ])
    assert [c.id for c in review_queue(cases.values())] == ["b", "a", "c"]
    assert [c.id for c in review_queue(cases.values(), "r")] == ["c"]
