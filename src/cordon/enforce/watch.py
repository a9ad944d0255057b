"""Watch holds: an intelligence or law-enforcement request to keep an account up and observe it.

A hold lives in the moderation log and nowhere else: WATCH_PLACED (payload: hold_id,
requesting_body, expires, role) opens it, WATCH_LIFTED (a person ends it early) or
WATCH_EXPIRED (the sweep, once its expiry has passed) ends it. `fold_holds` derives the holds
from those events, one at a time, as cases are derived from theirs.

What a hold does:
- while it is active (not lifted, and its expiry not reached) the Executor refuses to suspend
  or restrict the account (executor.py); an expired hold never blocks, swept or not;
- the account's status is `watched` from the first hold on (ActionKind.WATCH, through the
  executor and its outbox like any other action), and goes back to `active` when its last
  hold ends, through a REINSTATE action, so the platform's actuators (the webhook) hear of it
  too. The Mastodon actuator sends nothing for either: a watched account was never limited
  there, and reinstating one finds nothing in force to undo.

Each change to a hold is written in the same transaction as the action it asks for (the
executor's `events`), so a crash leaves either both or neither, and the sweep is idempotent.

Only accounts that are active (or already watched) can be held: a hold keeps an account up,
and one that is suspended or restricted is not up to keep.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from cordon.cases.permissions import Permission, require
from cordon.domain import (
    AccountStatus,
    Action,
    ActionKind,
    Actor,
    EventName,
    ModerationEvent,
    SubjectKind,
    SubjectRef,
)
from cordon.errors import CordonError

if TYPE_CHECKING:
    from cordon.enforce.executor import Executor
    from cordon.store import Store

#: Who records a hold's expiry.
SWEEPER = "cordon:watch"
LIFTED, EXPIRED = "lifted", "expired"
_HOLD_EVENTS = (EventName.WATCH_PLACED, EventName.WATCH_LIFTED, EventName.WATCH_EXPIRED)
#: Statuses an account may have when a hold is placed on it.
HOLDABLE = (AccountStatus.ACTIVE, AccountStatus.WATCHED)


class HoldError(CordonError):
    """A hold cannot be placed or lifted as asked (no reason, an expiry out of range, an
    unknown hold or account)."""


@dataclass(frozen=True, slots=True)
class Hold:
    id: str
    account: SubjectRef
    requesting_body: str
    reason: str
    placed_by: str
    role: str
    placed_at: datetime
    expires: datetime
    case_id: str | None = None
    # LIFTED or EXPIRED once it has ended, with when and by whom.
    ended: str | None = None
    ended_at: datetime | None = None
    ended_by: str | None = None

    def active(self, now: datetime) -> bool:
        """In force: not ended, and its expiry not reached (a hold past its expiry is over
        even before the sweep records it)."""
        return self.ended is None and now < self.expires


def fold_holds(events: Iterable[ModerationEvent]) -> dict[str, Hold]:
    """Every hold in `events`, by id, as the WATCH_* events leave it."""
    holds: dict[str, Hold] = {}
    for e in events:
        if e.name not in _HOLD_EVENTS:
            continue
        hold_id = str(e.payload.get("hold_id", ""))
        if e.name is EventName.WATCH_PLACED:
            holds[hold_id] = Hold(
                id=hold_id, account=e.subject, requesting_body=str(e.payload.get("requesting_body", "")),
                reason=e.reason, placed_by=e.actor, role=str(e.payload.get("role", "")),
                placed_at=e.created, expires=datetime.fromisoformat(e.payload["expires"]), case_id=e.case_id,
            )
        elif hold_id in holds and holds[hold_id].ended is None:
            ended = LIFTED if e.name is EventName.WATCH_LIFTED else EXPIRED
            holds[hold_id] = replace(holds[hold_id], ended=ended, ended_at=e.created, ended_by=e.actor)
    return holds


def blocking_hold(events: Iterable[ModerationEvent], now: datetime) -> Hold | None:
    """The active hold among one account's events that runs longest, or None."""
    active = [h for h in fold_holds(events).values() if h.active(now)]
    return max(active, key=lambda h: h.expires, default=None)


def holds(store: Store, account: SubjectRef | None = None) -> list[Hold]:
    """Every hold, ended or not, in the order placed; one account's when given (an indexed
    read of its events, where all accounts' means reading the whole log)."""
    events = store.events(subject=account) if account is not None else store.events()
    return list(fold_holds(events).values())


def active_holds(store: Store, now: datetime, account: SubjectRef | None = None) -> list[Hold]:
    """The holds in force at `now`."""
    return [h for h in holds(store, account) if h.active(now)]


def place_hold(
    store: Store, executor: Executor, actor: Actor, account: SubjectRef, reason: str,
    requesting_body: str, expires: datetime, case_id: str | None = None,
    *, max_duration: timedelta | None = None,
) -> Hold:
    """Place a hold for `requesting_body` until `expires`, and mark the account watched.

    Needs Permission.WATCH, a reason, a requesting body, and an expiry after now (the
    executor's clock) and at most `max_duration` away (default: the watch_max_days setting),
    so no hold outlives the review it was granted under."""
    require(actor, Permission.WATCH)
    reason, requesting_body = (reason or "").strip(), (requesting_body or "").strip()
    if not reason:
        raise HoldError("a watch hold needs a reason")
    if not requesting_body:
        raise HoldError("a watch hold needs the body that requested it (e.g. --requested-by 'FBI JTTF')")
    if expires.tzinfo is None:
        raise HoldError("the hold's expiry needs a time zone")
    now = executor.clock()
    limit = max_duration if max_duration is not None else _max_duration()
    if expires <= now:
        raise HoldError(f"the hold's expiry {expires.isoformat()} is not in the future")
    if expires - now > limit:
        raise HoldError(f"a hold may last at most {limit.days} days; {expires.isoformat()} is further away")
    target = _holdable_account(store, account)

    hold_id = uuid.uuid4().hex[:16]
    placed = ModerationEvent(
        name=EventName.WATCH_PLACED, actor=str(actor), created=now, subject=account, case_id=case_id,
        reason=reason,
        payload={"hold_id": hold_id, "requesting_body": requesting_body, "expires": expires.isoformat(),
                 "role": actor.role.value},
    )
    action = Action(ActionKind.WATCH, account, str(actor), f"watch hold {hold_id} for {requesting_body}: {reason}",
                    case_id)
    if target.status is AccountStatus.WATCHED:
        store.append_events([placed])  # watched under another hold already: nothing to carry out
    else:
        executor.execute(action, events=[placed])
    return fold_holds([placed])[hold_id]


def lift_hold(store: Store, executor: Executor, actor: Actor, hold_id: str, reason: str) -> Hold:
    """End a hold early. The account goes back to active when no other hold remains on it."""
    require(actor, Permission.WATCH)
    reason = (reason or "").strip()
    if not reason:
        raise HoldError("lifting a hold needs a reason")
    hold = _find(store, hold_id)
    now = executor.clock()
    if hold.ended is not None:
        raise HoldError(f"hold {hold_id} was already {hold.ended} at {hold.ended_at.isoformat()}")
    lifted = ModerationEvent(
        name=EventName.WATCH_LIFTED, actor=str(actor), created=now, subject=hold.account, case_id=hold.case_id,
        reason=reason, payload={"hold_id": hold.id, "role": actor.role.value},
    )
    _end(store, executor, hold.account, [lifted], str(actor), f"watch hold {hold.id} lifted: {reason}", now)
    return fold_holds(store.events(subject=hold.account))[hold.id]


def expire_holds(store: Store, executor: Executor, now: datetime | None = None) -> list[Hold]:
    """Record every hold whose expiry has passed (WATCH_EXPIRED), and put accounts with no
    hold left back to active. Idempotent: a hold is expired once. Returns the holds expired."""
    now = now or executor.clock()
    due: dict[SubjectRef, list[Hold]] = {}
    for hold in holds(store):
        if hold.ended is None and hold.expires <= now:
            due.setdefault(hold.account, []).append(hold)
    for account, expired in due.items():
        events = [
            ModerationEvent(
                name=EventName.WATCH_EXPIRED, actor=SWEEPER, created=now, subject=account, case_id=h.case_id,
                reason=f"hold for {h.requesting_body} expired at {h.expires.isoformat()}",
                payload={"hold_id": h.id, "expires": h.expires.isoformat()},
            )
            for h in expired
        ]
        ids = ", ".join(h.id for h in expired)
        _end(store, executor, account, events, SWEEPER, f"watch hold {ids} expired", now)
    return [h for hs in due.values() for h in hs]


def _end(
    store: Store, executor: Executor, account: SubjectRef, events: list[ModerationEvent],
    actor: str, reason: str, now: datetime,
) -> None:
    """Record the end of holds, and with it reinstate the account when it is watched and no
    other hold remains; the events and the action's request share one transaction."""
    ending = {e.payload["hold_id"] for e in events}
    others = [h for h in active_holds(store, now, account) if h.id not in ending]
    current = store.get_account(account)
    if others or current is None or current.status is not AccountStatus.WATCHED:
        # Still held, or no longer watched (suspended once the hold ran out): leave it be.
        store.append_events(events)
        return
    executor.execute(Action(ActionKind.REINSTATE, account, actor, reason, events[0].case_id), events=events)


def _find(store: Store, hold_id: str) -> Hold:
    for hold in holds(store):
        if hold.id == hold_id:
            return hold
    raise HoldError(f"no watch hold {hold_id!r}")


def _holdable_account(store: Store, account: SubjectRef):
    if account.kind is not SubjectKind.ACCOUNT:
        raise HoldError(f"{account} is not an account: holds are placed on accounts")
    target = store.get_account(account)
    if target is None:
        raise HoldError(f"no account {account} in the store")
    if target.status not in HOLDABLE:
        raise HoldError(f"{account} is {target.status.value}: a hold keeps an account up, reinstate it first")
    return target


def _max_duration() -> timedelta:
    from cordon.config import get_settings

    return timedelta(days=get_settings().watch_max_days)
