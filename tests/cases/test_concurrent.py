"""Two reviewers decide the same case at the same moment, on every backend: each in its own
thread with its own connection pool (as two console workers would be). Exactly one decision
lands, one action is carried out, and the log's hash chain holds."""

from __future__ import annotations

import threading

import pytest
from casekit import ALICE, BOB, Clock, open_case

from cordon.cases.workflow import CaseConflict, CaseService
from cordon.domain import AccountStatus, EventName, SubjectRef
from cordon.enforce import Executor
from cordon.store.sql import SqlStore

ROUNDS = 8


def _second_store(store, request) -> SqlStore:
    if store.dialect == "sqlite":
        return SqlStore(store.url)
    url, options = request.getfixturevalue("pg_schema")  # the same schema as `store`
    return SqlStore(url, engine_options=options)


def _service(store) -> CaseService:
    clock = Clock()
    return CaseService(store, Executor(store, [], clock=clock), clock=clock)


@pytest.mark.timeout(120)
def test_exactly_one_of_two_simultaneous_decisions_wins(store, request):
    other = _second_store(store, request)
    try:
        reviewers = [(ALICE, _service(store)), (BOB, _service(other))]
        for i in range(ROUNDS):
            case_id = f"race{i}"
            open_case(store, case_id, account=str(i))
            # Both read the case before either writes: the race the claim lock is for.
            gate = threading.Barrier(2)
            outcomes: dict[str, object] = {}

            def decide(actor, service, case_id=case_id, gate=gate, outcomes=outcomes):
                read = CaseService.case.__get__(service)

                def read_then_wait(ident):
                    # The service's first read of the case, then wait for the other's: both
                    # now write expecting the same version, and the store must pick one.
                    case = read(ident)
                    if not service._raced:
                        service._raced = True
                        gate.wait(timeout=30)
                    return case

                service._raced = False
                service.case = read_then_wait
                try:
                    outcomes[actor.name] = service.decide(case_id, actor, "suspend", "threats-1", f"{actor.name} saw it")
                except CaseConflict as exc:
                    outcomes[actor.name] = exc

            threads = [threading.Thread(target=decide, args=r) for r in reviewers]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for _, service in reviewers:
                del service.case
            won = [n for n, o in outcomes.items() if not isinstance(o, Exception)]
            lost = [o for o in outcomes.values() if isinstance(o, CaseConflict)]
            assert len(won) == 1 and len(lost) == 1, outcomes
            assert "changed under you" in str(lost[0])  # the store's check, not a stale read
            events = list(store.events(case_id=case_id))
            decided = [e for e in events if e.name is EventName.DECIDED]
            assert len(decided) == 1 and decided[0].actor == won[0]
            assert sum(e.name is EventName.ACTION_EXECUTED for e in events) == 1
            assert store.case(case_id).decided_by == won[0]
            assert store.get_account(SubjectRef.account("twitter", str(i))).status is AccountStatus.SUSPENDED
        assert store.verify_audit().ok
    finally:
        other.close()
