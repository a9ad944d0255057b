"""Housekeeping (cordon.cases.maintenance, `cordon maintain`): decisions a crash cut short are
carried out once they are past the grace period, expired watch holds end, and a second round
changes nothing."""

from __future__ import annotations

from datetime import timedelta

from casekit import ALICE, LIAISON, Clock, P, open_case
from typer.testing import CliRunner

from cordon.cases.maintenance import maintain
from cordon.cases.workflow import CaseService
from cordon.cli import app
from cordon.domain import AccountStatus, CaseState, EventName, SubjectRef
from cordon.enforce import Executor
from cordon.enforce.watch import place_hold
from cordon.store.sql import SqlStore


def interrupt_after_decision(service, case_id: str, decision: str = "suspend") -> None:
    """What a reviewer's process leaves when it dies between logging a decision and its action."""
    service.claim(case_id, ALICE)
    case = service.case(case_id)
    service._write(case, [service._event(EventName.DECIDED, case, ALICE, "r", decision=decision,
                                         policy_clause="x", decided_by="alice")])


def status(store, account: str) -> AccountStatus:
    return store.get_account(SubjectRef.account(P, account)).status


def test_maintain_finishes_old_interrupted_decisions_and_ends_expired_holds(store, service, clock):
    open_case(store, "old", account="1")
    interrupt_after_decision(service, "old")
    open_case(store, "held", account="3")
    hold = place_hold(store, service.executor, LIAISON, SubjectRef.account(P, "3"), "investigation",
                      "an agency", clock.now + timedelta(minutes=3))
    clock.now += timedelta(minutes=6)
    open_case(store, "fresh", account="2")
    interrupt_after_decision(service, "fresh", "restrict")  # decided a second ago: in flight, maybe

    done = maintain(store, service.executor)
    assert (done.holds_expired, done.decisions_finished) == (1, 1)
    assert store.case("old").state is CaseState.CLOSED and status(store, "1") is AccountStatus.SUSPENDED
    assert store.case("fresh").state is CaseState.DECIDED and status(store, "2") is AccountStatus.ACTIVE
    assert status(store, "3") is AccountStatus.ACTIVE  # the hold ran out: back to active
    expired = [e for e in store.events() if e.name is EventName.WATCH_EXPIRED]
    assert [e.payload["hold_id"] for e in expired] == [hold.id]

    clock.now += timedelta(minutes=6)
    done = maintain(store, service.executor)
    assert (done.holds_expired, done.decisions_finished) == (0, 1)
    assert store.case("fresh").state is CaseState.CLOSED and status(store, "2") is AccountStatus.RESTRICTED
    closed = [e for e in store.events(case_id="fresh") if e.name is EventName.CLOSED]
    assert [e.actor for e in closed] == ["cordon:maintenance"]

    # Idempotent: nothing left to do, nothing written, each action carried out once.
    before = len(list(store.events()))
    assert maintain(store, service.executor) == type(done)()
    assert len(list(store.events())) == before
    executed = [e.payload["action"] for e in store.events() if e.name is EventName.ACTION_EXECUTED]
    assert sorted(executed) == ["reinstate", "restrict", "suspend", "watch"]
    assert store.verify_audit().ok


def test_cordon_maintain_runs_one_round(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    store = SqlStore(url)
    clock = Clock()  # 2015: the decision is long past the grace period by the wall clock
    service = CaseService(store, Executor(store, [], clock=clock), clock=clock)
    open_case(store, "c1", account="1")
    interrupt_after_decision(service, "c1")
    result = CliRunner().invoke(app, ["maintain", "--store", url])
    assert result.exit_code == 0, result.output
    assert "finished 1 interrupted decision(s)" in result.output
    assert store.case("c1").state is CaseState.CLOSED
    assert status(store, "1") is AccountStatus.SUSPENDED
    store.close()
