"""The review workflow on every backend: legal transitions, permissions, the claim lock,
appeals with another reviewer, bulk decisions and SLAs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cordon.cases import fold_cases
from cordon.cases.permissions import PermissionDenied
from cordon.cases.workflow import CaseConflict, CaseNotFound, IllegalTransition
from cordon.domain import AccountStatus, CaseState, EventName, SubjectRef
from cordon.domain.cases import CaseQuery
from cordon.errors import CordonError

from casekit import ALICE, BOB, LIAISON, P, SENIOR, SENIOR2, T0, open_case


def names(store, case_id):
    return [e.name for e in store.events(case_id=case_id)]


def status(store, account="1"):
    return store.get_account(SubjectRef.account(P, account)).status


def test_claim_decide_suspends_and_closes(store, service):
    open_case(store, "c1")
    case = service.claim("c1", ALICE)
    assert (case.state, case.assigned_to) == (CaseState.ASSIGNED, "alice")
    assert service.claim("c1", ALICE) == case  # one's own claim again: nothing written
    case = service.decide("c1", ALICE, "suspend", "violent-threats-1.2", "threatens a named official")
    assert (case.state, case.decision, case.policy_clause, case.decided_by) == (
        CaseState.CLOSED, "suspend", "violent-threats-1.2", "alice")
    assert status(store) is AccountStatus.SUSPENDED
    assert names(store, "c1") == [
        EventName.CASE_OPENED, EventName.ASSIGNED, EventName.DECIDED,
        EventName.ACTION_REQUESTED, EventName.ACTION_EXECUTED, EventName.CLOSED,
    ]
    executed = [e for e in store.events(case_id="c1") if e.name is EventName.ACTION_EXECUTED]
    assert executed[0].payload["action"] == "suspend"
    assert store.verify_audit().ok
    assert store.case("c1") == fold_cases(store.events(), store.sla)["c1"]


def test_a_claim_excludes_everyone_else(store, service):
    open_case(store, "c1")
    service.claim("c1", ALICE)
    with pytest.raises(CaseConflict, match="claimed by alice"):
        service.claim("c1", BOB)
    with pytest.raises(CaseConflict, match="claimed by alice"):
        service.decide("c1", BOB, "dismiss", "none", "fine")
    with pytest.raises(IllegalTransition, match="not claimed by bob"):
        service.release("c1", BOB)
    case = service.release("c1", ALICE)
    assert (case.state, case.assigned_to) == (CaseState.OPEN, None)
    # Unclaimed: a decision claims it in the same append.
    case = service.decide("c1", BOB, "no_action", "extremism-2", "news reporting")
    assert (case.state, case.decided_by) == (CaseState.CLOSED, "bob")
    assert status(store) is AccountStatus.ACTIVE  # no action for no_action
    assert EventName.ACTION_REQUESTED not in names(store, "c1")


def test_decisions_need_a_known_decision_a_clause_and_a_reason(store, service):
    open_case(store, "c1")
    with pytest.raises(CordonError, match="unknown decision"):
        service.decide("c1", ALICE, "ban", "x", "y")
    with pytest.raises(CordonError, match="policy clause"):
        service.decide("c1", ALICE, "suspend", "  ", "y")
    with pytest.raises(CordonError, match="reason"):
        service.decide("c1", ALICE, "suspend", "x", "")
    with pytest.raises(CaseNotFound):
        service.decide("nope", ALICE, "suspend", "x", "y")
    assert names(store, "c1") == [EventName.CASE_OPENED]


def test_permissions(store, service):
    open_case(store, "c1")
    with pytest.raises(PermissionDenied):
        service.claim("c1", LIAISON)
    with pytest.raises(PermissionDenied):
        service.decide("c1", LIAISON, "suspend", "x", "y")
    with pytest.raises(PermissionDenied):
        service.bulk_decide(CaseQuery.waiting(), ALICE, "dismiss", "x", "y")
    with pytest.raises(PermissionDenied):
        service.decide_appeal("c1", ALICE, "uphold", "y")


def test_escalation_goes_to_seniors(store, service):
    open_case(store, "c1", queue="extremism")
    service.claim("c1", ALICE)
    case = service.escalate("c1", ALICE, "threat against our staff")
    assert (case.state, case.queue, case.assigned_to) == (CaseState.ESCALATED, "escalations", None)
    assert case.sla_due == case.updated_at + timedelta(hours=1)
    with pytest.raises(PermissionDenied):
        service.claim("c1", BOB)  # a moderator does not take escalations
    with pytest.raises(IllegalTransition):
        service.escalate("c1", ALICE, "again")
    case = service.claim("c1", SENIOR)
    assert (case.state, case.assigned_to) == (CaseState.ESCALATED, "sam")  # still escalated, held
    case = service.decide("c1", SENIOR, "suspend", "threats-1", "credible threat")
    assert case.state is CaseState.CLOSED and status(store) is AccountStatus.SUSPENDED


def test_appeal_goes_to_another_reviewer_and_overturn_reinstates(store, service):
    open_case(store, "c1")
    with pytest.raises(IllegalTransition, match="only a suspension or restriction"):
        service.appeal("c1", BOB, "undecided")
    service.decide("c1", SENIOR, "suspend", "extremism-1", "propaganda")
    assert status(store) is AccountStatus.SUSPENDED
    case = service.appeal("c1", BOB, "it was satire")
    assert (case.state, case.queue, case.assigned_to, case.appealed_by) == (
        CaseState.APPEALED, "appeals", None, "bob")
    with pytest.raises(IllegalTransition, match="decided once"):
        service.appeal("c1", BOB, "again")
    with pytest.raises(IllegalTransition, match="under appeal"):
        service.decide("c1", SENIOR2, "dismiss", "x", "an appeal is not decided this way")
    with pytest.raises(IllegalTransition, match="another reviewer"):
        service.decide_appeal("c1", SENIOR, "overturn", "I was wrong")
    with pytest.raises(IllegalTransition, match="another reviewer"):
        service.claim("c1", SENIOR)
    with pytest.raises(CordonError, match="unknown appeal outcome"):
        service.decide_appeal("c1", SENIOR2, "maybe", "x")
    case = service.decide_appeal("c1", SENIOR2, "overturn", "satire, in context")
    assert (case.state, case.decision, case.decided_by) == (CaseState.CLOSED, "overturn", "sue")
    assert status(store) is AccountStatus.ACTIVE
    decided = [e for e in store.events(case_id="c1") if e.name is EventName.DECIDED]
    assert [e.payload["decision"] for e in decided] == ["suspend", "overturn"]
    executed = [e.payload["action"] for e in store.events(case_id="c1") if e.name is EventName.ACTION_EXECUTED]
    assert executed == ["suspend", "reinstate"]
    assert store.verify_audit().ok


def test_an_upheld_appeal_leaves_the_suspension(store, service):
    open_case(store, "c1")
    service.decide("c1", ALICE, "suspend", "extremism-1", "propaganda")
    service.appeal("c1", ALICE, "please")
    case = service.decide_appeal("c1", SENIOR, "uphold", "clear violation")
    assert (case.state, case.decision) == (CaseState.CLOSED, "uphold")
    assert status(store) is AccountStatus.SUSPENDED


def test_close_and_finish(store, service):
    open_case(store, "c1")
    case = service.close("c1", ALICE, "duplicate of c0")
    assert case.state is CaseState.CLOSED and case.decision is None
    with pytest.raises(IllegalTransition):
        service.close("c1", ALICE, "again")
    # A decision whose process died before its action: finish carries it out and closes.
    open_case(store, "c2", account="2")
    service.claim("c2", ALICE)
    case = service.case("c2")
    service._write(case, [service._event(EventName.DECIDED, case, ALICE, "r", decision="restrict",
                                         policy_clause="x", decided_by="alice")])
    assert service.case("c2").state is CaseState.DECIDED
    case = service.finish("c2", ALICE)
    assert case.state is CaseState.CLOSED and status(store, "2") is AccountStatus.RESTRICTED


def test_bulk_decide_gives_each_case_its_events_and_skips_what_it_may_not_touch(store, service):
    for i in range(6):
        open_case(store, f"c{i}", account=str(i), queue="spam", risk=0.1 * i)
    service.claim("c0", ALICE)  # held by someone else: skipped
    service.close("c1", ALICE, "gone")  # closed: not selected (waiting only)
    result = service.bulk_decide(CaseQuery.waiting("spam", min_risk=0.15), SENIOR, "suspend", "spam-3", "spam ring")
    assert (result.decided, result.changed, result.skipped) == (4, 0, 0)
    result = service.bulk_decide(CaseQuery.waiting("spam"), SENIOR, "dismiss", "spam-3", "rest")
    assert (result.decided, result.changed, result.skipped) == (0, 0, 1)
    for i in range(2, 6):
        assert status(store, str(i)) is AccountStatus.SUSPENDED
        assert names(store, f"c{i}").count(EventName.DECIDED) == 1
    assert status(store, "0") is AccountStatus.ACTIVE


def test_bulk_decide_skips_a_case_that_changed_under_it(store, service, monkeypatch):
    for i in range(3):
        open_case(store, f"c{i}", account=str(i))
    found = service._all(CaseQuery.waiting())
    service.claim("c1", ALICE)  # lands after the bulk decision read its cases
    monkeypatch.setattr(service, "_all", lambda query: found)
    result = service.bulk_decide(CaseQuery.waiting(), SENIOR, "suspend", "x-1", "ring")
    assert (result.decided, result.changed, result.skipped) == (2, 1, 0)
    assert service.case("c1").assigned_to == "alice" and status(store, "1") is AccountStatus.ACTIVE


def test_overdue_cases_are_queryable(store, service):
    open_case(store, "t", account="1", queue="threats", at=T0)  # due T0 + 1h
    open_case(store, "m", account="2", queue="media", at=T0)  # due T0 + 4h
    open_case(store, "o", account="3", queue="other", at=T0)  # due T0 + 24h
    late = CaseQuery.waiting(overdue_at=T0 + timedelta(hours=5))
    assert [c.id for c in store.cases(late, order="sla")] == ["t", "m"]
    service.decide("t", ALICE, "dismiss", "x", "y")
    assert [c.id for c in store.cases(late, order="sla")] == ["m"]
    assert store.case("t").sla_due is None
