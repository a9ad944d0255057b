"""A watch hold keeps an account up: it blocks suspension until it is lifted or runs out, and
only a privileged person can place one. On every store backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cordon.cases.permissions import PermissionDenied
from cordon.domain import (
    Account,
    AccountRisk,
    AccountStatus,
    Action,
    ActionKind,
    Actor,
    EventName,
    Role,
    SubjectRef,
)
from cordon.enforce import Executor
from cordon.enforce.actuators import InternalActuator
from cordon.enforce.watch import HoldError, active_holds, expire_holds, lift_hold, place_hold
from cordon.flow import apply_policy
from cordon.policy import default_policy

T0 = datetime(2015, 6, 1, tzinfo=UTC)
A = SubjectRef.account("twitter", "1")
LIAISON = Actor("lee", Role.LE_LIAISON)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def executor(store, clock) -> Executor:
    store.upsert_accounts([Account("twitter", "1", "abu_threat"), Account("twitter", "2", "other")])
    return Executor(store, [InternalActuator(store)], clock=clock)


def hold(store, executor, days=30, account=A, body="FBI JTTF"):
    return place_hold(store, executor, LIAISON, account, "active investigation", body, T0 + timedelta(days=days))


def suspend(account=A, reason="threat"):
    return Action(ActionKind.SUSPEND, account, "mod", reason)


def status(store, account=A) -> AccountStatus:
    return store.get_account(account).status


def names(store, account=A) -> list[EventName]:
    return [e.name for e in store.events(subject=account)]


def test_a_hold_marks_the_account_watched_and_blocks_suspension_until_lifted(store, executor, clock):
    h = hold(store, executor)
    assert status(store) is AccountStatus.WATCHED
    placed = next(e for e in store.events(subject=A) if e.name is EventName.WATCH_PLACED)
    assert placed.payload == {"hold_id": h.id, "requesting_body": "FBI JTTF",
                              "expires": (T0 + timedelta(days=30)).isoformat(), "role": "le_liaison"}

    clock.now = T0 + timedelta(days=1)
    assert executor.execute(suspend()) is None
    assert executor.execute(Action(ActionKind.RESTRICT, A, "mod", "x")) is None
    assert status(store) is AccountStatus.WATCHED
    blocked = [e for e in store.events(subject=A) if e.name is EventName.ACTION_BLOCKED]
    assert [b.payload["action"] for b in blocked] == ["suspend", "restrict"]
    assert blocked[0].payload["hold_id"] == h.id and "FBI JTTF" in blocked[0].payload["why"]
    # The same request again is the same blocked request: recorded once.
    assert executor.execute(suspend()) is None
    assert names(store).count(EventName.ACTION_BLOCKED) == 2
    # Nothing reached the outbox.
    assert [e.action.kind for e in store.outbox()] == [ActionKind.WATCH]
    # Another account is not held.
    assert executor.execute(suspend(SubjectRef.account("twitter", "2"))) is not None

    lifted = lift_hold(store, executor, LIAISON, h.id, "investigation closed")
    assert lifted.ended == "lifted" and status(store) is AccountStatus.ACTIVE
    assert store.outbox()[-1].action.kind is ActionKind.REINSTATE  # the platform hears of it
    assert executor.execute(suspend()) is not None
    assert status(store) is AccountStatus.SUSPENDED
    assert store.verify_audit().ok


def test_a_hold_blocks_suspension_until_it_expires(store, executor, clock):
    h = hold(store, executor, days=10)
    clock.now = T0 + timedelta(days=10) - timedelta(seconds=1)
    assert executor.execute(suspend()) is None
    assert [x.id for x in active_holds(store, clock.now)] == [h.id]

    # Past the expiry the hold no longer blocks, even before the sweep records it ...
    clock.now = T0 + timedelta(days=10)
    assert active_holds(store, clock.now) == []
    assert executor.execute(suspend(reason="second look")) is not None
    assert status(store) is AccountStatus.SUSPENDED
    # ... and the sweep records the expiry once, leaving the suspension in place.
    assert [x.id for x in expire_holds(store, executor)] == [h.id]
    assert expire_holds(store, executor) == []
    assert names(store).count(EventName.WATCH_EXPIRED) == 1
    assert status(store) is AccountStatus.SUSPENDED


def test_the_sweep_puts_an_expired_account_back_to_active_once_its_last_hold_ends(store, executor, clock):
    short = hold(store, executor, days=5, body="FBI")
    long = hold(store, executor, days=20, body="Europol")
    assert [e.action.kind for e in store.outbox()] == [ActionKind.WATCH]  # watched once
    clock.now = T0 + timedelta(days=6)
    assert [h.id for h in expire_holds(store, executor)] == [short.id]
    assert status(store) is AccountStatus.WATCHED  # Europol's hold still runs
    assert executor.execute(suspend()) is None
    clock.now = T0 + timedelta(days=21)
    assert [h.id for h in expire_holds(store, executor)] == [long.id]
    assert status(store) is AccountStatus.ACTIVE
    assert expire_holds(store, executor) == []
    assert [e.action.kind for e in store.outbox()] == [ActionKind.WATCH, ActionKind.REINSTATE]


def test_policy_auto_suspend_opens_the_case_but_does_not_suspend_a_held_account(store, executor, clock, tmp_path):
    hold(store, executor)
    risk = AccountRisk(A, 0.99, {"threat": 0.99, "extremism": 0.9})
    outcome = apply_policy(store, default_policy(), [risk], executor, clock, {}, evidence_dir=tmp_path)
    assert outcome.suspended == 0 and sum(outcome.cases_opened.values()) == 1
    assert status(store) is AccountStatus.WATCHED
    blocked = [e for e in store.events(subject=A) if e.name is EventName.ACTION_BLOCKED]
    assert len(blocked) == 1 and blocked[0].payload["policy_clause"] == "auto-suspend-credible-threat"
    # Re-running the pipeline asks for the same suspension: no second record of it.
    apply_policy(store, default_policy(), [risk], executor, clock, {}, evidence_dir=tmp_path)
    assert names(store).count(EventName.ACTION_BLOCKED) == 1

    clock.now = T0 + timedelta(days=31)
    expire_holds(store, executor)
    outcome = apply_policy(store, default_policy(), [risk], executor, clock, {}, evidence_dir=tmp_path)
    assert outcome.suspended == 1 and status(store) is AccountStatus.SUSPENDED


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.SENIOR_MODERATOR])
def test_a_moderator_may_not_place_or_lift_a_hold(store, executor, role):
    with pytest.raises(PermissionDenied, match="may not watch"):
        place_hold(store, executor, Actor("mo", role), A, "r", "FBI", T0 + timedelta(days=1))
    h = hold(store, executor)
    with pytest.raises(PermissionDenied):
        lift_hold(store, executor, Actor("mo", role), h.id, "done")
    assert status(store) is AccountStatus.WATCHED


@pytest.mark.parametrize(
    ("reason", "body", "expires", "message"),
    [
        ("", "FBI", T0 + timedelta(days=1), "needs a reason"),
        ("r", " ", T0 + timedelta(days=1), "requested it"),
        ("r", "FBI", T0, "not in the future"),
        ("r", "FBI", T0 + timedelta(days=181), "at most 180 days"),
        ("r", "FBI", datetime(2015, 7, 1), "time zone"),
    ],
)
def test_a_hold_needs_a_reason_a_requesting_body_and_a_bounded_expiry(store, executor, reason, body, expires, message):
    with pytest.raises(HoldError, match=message):
        place_hold(store, executor, Actor("admin", Role.ADMIN), A, reason, body, expires)
    assert list(store.events()) == []


def test_a_suspended_account_cannot_be_held_and_a_hold_is_lifted_once(store, executor):
    executor.execute(suspend())
    with pytest.raises(HoldError, match="is suspended"):
        hold(store, executor)
    other = SubjectRef.account("twitter", "2")
    h = hold(store, executor, account=other)
    lift_hold(store, executor, LIAISON, h.id, "done")
    with pytest.raises(HoldError, match="already lifted"):
        lift_hold(store, executor, LIAISON, h.id, "again")
    with pytest.raises(HoldError, match="no watch hold"):
        lift_hold(store, executor, LIAISON, "nope", "x")
