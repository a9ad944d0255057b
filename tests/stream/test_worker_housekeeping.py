"""The worker's housekeeping, over every transport: an idle worker still wakes up and carries
out a decision a crash cut short, without anyone running `cordon maintain`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from test_delivery import _run, _worker

from cordon.cases.workflow import CaseService
from cordon.domain import (
    Account,
    AccountStatus,
    Actor,
    CaseState,
    EventName,
    ModerationEvent,
    Role,
    SubjectRef,
)
from cordon.enforce import Executor

DECIDED_AT = datetime(2015, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_an_idle_worker_finishes_an_interrupted_decision(bus, store):
    account = SubjectRef.account("native", "7")
    store.upsert_accounts([Account("native", "7", "someone")])
    store.append_event(ModerationEvent(EventName.CASE_OPENED, "policy:r", DECIDED_AT, account, "c7", "opened",
                                       {"queue": "extremism", "priority": 1.0, "policy_clause": "r"}))
    service = CaseService(store, Executor(store, [], clock=lambda: DECIDED_AT), clock=lambda: DECIDED_AT)
    amy = Actor("amy", Role.MODERATOR)
    case = service.claim("c7", amy)
    # The reviewer's process dies here: the decision is logged, its action never ran.
    service._write(case, [service._event(EventName.DECIDED, case, amy, "threats", decision="suspend",
                                         policy_clause="threats-1", decided_by="amy")])

    worker = _worker(bus, store, "w", maintain_every=0.2)  # nothing is published: it stays idle
    _run(worker, lambda: store.case("c7").state is CaseState.CLOSED, deadline=30)
    assert store.get_account(account).status is AccountStatus.SUSPENDED
    assert worker.metrics.consumed._value.get() == 0
    assert store.verify_audit().ok
