"""The enforcement outbox, on every backend: request and carry out in two transactions, with an
idempotency key that survives retries, leases that keep two workers apart, and the log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cordon.domain import (
    Account,
    AccountStatus,
    Action,
    ActionKind,
    EventName,
    ModerationEvent,
    SubjectRef,
)
from cordon.enforce import Executor
from cordon.enforce.actuators import InternalActuator
from cordon.enforce.outbox import Dispatcher, action_key
from cordon.errors import StoreError

T0 = datetime(2015, 6, 1, tzinfo=UTC)
P = "twitter"


class Recorder:
    """A platform actuator that takes the key, like the webhook and Mastodon ones."""

    name = "recorder"

    def __init__(self, fail: int = 0, retryable: bool = True) -> None:
        self.calls: list[tuple[str, str]] = []
        self.fail = fail
        self.retryable = retryable

    def apply(self, action: Action, idempotency_key: str | None = None) -> None:
        self.calls.append((str(action.subject), idempotency_key))
        if self.fail:
            self.fail -= 1
            exc = RuntimeError("platform said 503")
            exc.retryable = self.retryable  # type: ignore[attr-defined]
            raise exc


class Keyless:
    name = "keyless"

    def __init__(self) -> None:
        self.calls: list[Action] = []

    def apply(self, action: Action) -> None:
        self.calls.append(action)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def suspend(i: int = 1, **kw) -> Action:
    return Action(ActionKind.SUSPEND, SubjectRef.account(P, str(i)), "policy:x", "credible threat", **kw)


def executed(store) -> list[ModerationEvent]:
    return [e for e in store.events() if e.name is EventName.ACTION_EXECUTED]


@pytest.fixture
def accounts(store):
    store.upsert_accounts([Account(P, str(i), f"user{i}") for i in range(1, 6)])
    return store


def test_execute_goes_through_the_outbox(accounts):
    store, platform = accounts, Recorder()
    executor = Executor(store, [InternalActuator(store), platform])
    event = executor.execute(suspend(case_id="c1", policy_clause="rule-1"))
    assert event is not None and event.seq is not None
    assert store.get_account(SubjectRef.account(P, "1")).status is AccountStatus.SUSPENDED
    [row] = store.outbox()
    assert row.state == "done" and row.event_seq == event.seq and row.attempts == 1
    assert row.action == suspend(case_id="c1", policy_clause="rule-1")
    assert platform.calls == [("account/twitter/1", row.key)]
    assert event.payload["idempotency_key"] == row.key == action_key(row.action, 0)
    assert event.payload["actuators"] == ["internal", "recorder"] and event.case_id == "c1"
    # Done is done: the same action again changes nothing and calls no one.
    assert executor.execute(suspend(case_id="c1", policy_clause="rule-1")) is None
    assert len(platform.calls) == 1 and len(executed(store)) == 1
    assert store.verify_audit().ok


def test_the_same_request_twice_is_one_row_and_a_new_round_is_a_new_key(accounts):
    store = accounts
    executor = Executor(store, [InternalActuator(store)])
    first, new = executor.request(suspend())
    again, new_again = executor.request(suspend())
    assert new and not new_again and again.id == first.id and len(store.outbox()) == 1
    Dispatcher(store, [InternalActuator(store)]).run()
    ref = SubjectRef.account(P, "1")
    assert executor.execute(Action(ActionKind.REINSTATE, ref, "appeals:anna", "appeal upheld")) is not None
    assert store.get_account(ref).status is AccountStatus.ACTIVE
    # Suspended again on the same grounds: a new key, since the subject was acted on since.
    assert executor.execute(suspend()) is not None
    assert store.get_account(ref).status is AccountStatus.SUSPENDED
    assert len({row.key for row in store.outbox()}) == 3
    assert [e.payload["action"] for e in executed(store)] == ["suspend", "reinstate", "suspend"]


def test_a_request_and_its_events_are_one_transaction(accounts):
    store = accounts
    decided = ModerationEvent(EventName.DECIDED, "reviewer:anna", T0, SubjectRef.account(P, "2"),
                              case_id="c2", reason="threat", payload={"decision": "suspend"})
    entry, _ = store.enqueue_action(suspend(2), "k-2", events=[decided])
    assert [e.name for e in store.events()] == [EventName.DECIDED] and entry.state == "pending"
    with pytest.raises(StoreError, match="naive time"):
        store.enqueue_action(suspend(3), "k-3", events=[ModerationEvent(
            EventName.DECIDED, "reviewer:anna", datetime(2015, 1, 1), SubjectRef.account(P, "3"))])
    assert [r.key for r in store.outbox()] == ["k-2"] and len(list(store.events())) == 1


def test_a_crash_between_request_and_dispatch_loses_nothing(accounts):
    store = accounts
    executor = Executor(store, [InternalActuator(store)])
    for i in (1, 2, 3):
        executor.request(suspend(i))  # ... and the process dies here
    assert executed(store) == [] and len(store.outbox("pending")) == 3
    report = Dispatcher(store, [InternalActuator(store)], batch=2).run()
    assert (report.claimed, report.executed) == (3, 3)
    assert {e.subject.id for e in executed(store)} == {"1", "2", "3"}
    assert all(store.get_account(SubjectRef.account(P, str(i))).status is AccountStatus.SUSPENDED for i in (1, 2, 3))
    assert Dispatcher(store, []).run().claimed == 0


def test_leases_keep_workers_apart_until_they_run_out(accounts):
    store = accounts
    for i in (1, 2):
        store.enqueue_action(suspend(i), f"k{i}")
    a = store.claim_actions("worker-a", limit=10, lease=timedelta(seconds=30), now=T0)
    assert [e.key for e in a] == ["k1", "k2"] and all(e.attempts == 1 for e in a)
    assert store.claim_actions("worker-b", now=T0 + timedelta(seconds=10)) == []
    # worker-a restarted under its own name takes its rows back at once ...
    assert [e.attempts for e in store.claim_actions("worker-a", now=T0 + timedelta(seconds=5))] == [2, 2]
    # ... and anyone may once the lease has run out.
    b = store.claim_actions("worker-b", limit=1, now=T0 + timedelta(minutes=5))
    assert [(e.key, e.lease_owner, e.attempts) for e in b] == [("k1", "worker-b", 3)]


def test_two_workers_completing_one_action_record_it_once(accounts):
    store = accounts
    store.enqueue_action(suspend(), "k1")
    [entry] = store.claim_actions("a", now=T0)
    dispatcher = Dispatcher(store, [], owner="a", clock=lambda: T0)
    event = dispatcher.executed_event(entry)
    assert store.complete_action("k1", event) is not None
    assert store.complete_action("k1", event) is None  # the late one: nothing written
    assert len(executed(store)) == 1 and store.outbox()[0].state == "done"
    with pytest.raises(StoreError, match="no action under key"):
        store.complete_action("nope", event)


def test_a_failed_attempt_is_retried_with_the_same_key(accounts):
    store, clock = accounts, Clock()
    platform = Recorder(fail=2)
    executor = Executor(store, [InternalActuator(store), platform], clock)
    with pytest.raises(RuntimeError, match="503"):
        executor.execute(suspend())
    [row] = store.outbox()
    assert row.state == "pending" and "503" in row.last_error
    assert store.get_account(SubjectRef.account(P, "1")).status is AccountStatus.ACTIVE
    dispatcher = Dispatcher(store, [InternalActuator(store), platform], clock=clock, backoff=timedelta(seconds=10))
    assert dispatcher.run().claimed == 0  # waiting for its retry time
    clock.now += timedelta(seconds=3)  # the executor's backoff: 2 s after the first attempt
    assert dispatcher.run_once().failed == 1  # second attempt, second failure: 10 s * 2
    clock.now += timedelta(seconds=19)
    assert dispatcher.run().claimed == 0
    clock.now += timedelta(seconds=2)
    assert dispatcher.run().executed == 1
    assert {key for _, key in platform.calls} == {row.key} and len(platform.calls) == 3
    [event] = executed(store)
    assert event.payload["attempts"] == 3
    assert store.get_account(SubjectRef.account(P, "1")).status is AccountStatus.SUSPENDED


def test_a_refusal_is_given_up_on(accounts):
    store = accounts
    store.enqueue_action(suspend(), "k1")
    report = Dispatcher(store, [Recorder(fail=1, retryable=False)]).run()
    assert (report.claimed, report.given_up) == (1, 1)
    [row] = store.outbox("failed")
    assert row.key == "k1" and executed(store) == []


def test_an_actuator_without_a_key_is_called_plainly(accounts):
    store, keyless = accounts, Keyless()
    assert Executor(store, [keyless]).execute(suspend()) is not None
    assert keyless.calls == [suspend()]


def test_outbox_checks_its_input(store):
    with pytest.raises(StoreError, match="idempotency key"):
        store.enqueue_action(suspend(), "")
    with pytest.raises(StoreError, match="expected Action"):
        store.enqueue_action("suspend", "k")
    with pytest.raises(StoreError, match="no owner"):
        store.claim_actions(" ")
    with pytest.raises(StoreError, match="unknown state"):
        store.outbox("lost")
