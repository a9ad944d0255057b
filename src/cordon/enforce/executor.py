"""Carry an action out and record it in the moderation log, through the outbox.

`Executor.execute(action)` requests the action (one transaction: the outbox row under its
idempotency key, plus ACTION_REQUESTED) and then dispatches
it at once, in this process (one transaction: row done, ACTION_EXECUTED, account status). A
crash between the two leaves the row for a Dispatcher (enforce/outbox.py), or for the next
execute() of the same action, which finds it under the same key. An action whose effect is
already in place is skipped, so re-running the pipeline repeats nothing.

A watch hold (enforce/watch.py) stops a suspension or restriction before it reaches the
outbox: while an active hold is on the account, execute() records ACTION_BLOCKED (payload:
action, why, hold_id, idempotency_key) and returns None. One blocked request is recorded once:
asking for the same action again (the pipeline re-run) finds its ACTION_BLOCKED and adds none.
The check reads only the account's own events (an indexed read), never the whole log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from cordon.domain import Action, ActionKind, EventName, ModerationEvent, SubjectKind
from cordon.enforce.actuators.base import Actuator
from cordon.enforce.outbox import Dispatcher, action_key, last_executed_seq
from cordon.enforce.watch import Hold, blocking_hold
from cordon.store import Store
from cordon.store.base import OutboxEntry

#: Actions a watch hold stops: they would take the account down or limit it while it is watched.
HELD_BACK = frozenset({ActionKind.SUSPEND, ActionKind.RESTRICT})

def _now() -> datetime:
    return datetime.now(UTC)


class Executor:
    def __init__(
        self,
        store: Store,
        actuators: Sequence[Actuator],
        clock: Callable[[], datetime] = _now,
        *,
        owner: str | None = None,
        lease: timedelta = timedelta(seconds=60),
    ) -> None:
        self._store = store
        self._actuators = list(actuators)
        self.clock = clock
        self.dispatcher = Dispatcher(store, self._actuators, owner=owner, lease=lease, clock=clock)

    def request(
        self, action: Action, events: Sequence[ModerationEvent] = (),
        history: Sequence[ModerationEvent] | None = None,
    ) -> tuple[OutboxEntry, bool]:
        """Put the action in the outbox (with `events`, in the same transaction); returns
        the row and whether it is new (False: the same request was already there).
        `history`: the subject's events, when the caller has read them already."""
        key = self.key(action, history)
        request = ModerationEvent(
            name=EventName.ACTION_REQUESTED, actor=action.actor, created=self.clock(),
            subject=action.subject, case_id=action.case_id, reason=action.reason,
            payload={"action": action.kind.value, "policy_clause": action.policy_clause,
                     "idempotency_key": key},
        )
        return self._store.enqueue_action(action, key, requested=self.clock(), events=[*events, request])

    def key(self, action: Action, history: Sequence[ModerationEvent] | None = None) -> str:
        """The action's idempotency key (outbox.action_key), from the subject's events."""
        events = self._store.events(subject=action.subject) if history is None else history
        return action_key(action, last_executed_seq(events))

    def execute(self, action: Action, events: Sequence[ModerationEvent] = ()) -> ModerationEvent | None:
        """Apply the action; returns the recorded event, or None when nothing needed doing
        (the effect is in place, or the action was already carried out or is being carried
        out by another worker) or a watch hold blocked it. An actuator's error is raised, and
        the action stays in the outbox for a retry.

        `events` (a hold placed, a decision) are written with the request, in its
        transaction; when the action is skipped or blocked they are written all the same."""
        history: list[ModerationEvent] | None = None
        if action.kind in HELD_BACK and action.subject.kind is SubjectKind.ACCOUNT:
            history = list(self._store.events(subject=action.subject))
            hold = blocking_hold(history, self.clock())
            if hold is not None:
                self._block(action, hold, history, events)
                return None
        status = action.kind.resulting_status
        if status is not None:
            account = self._store.get_account(action.subject)
            if account is not None and account.status is status:
                if events:
                    self._store.append_events(events)
                return None
        entry, _ = self.request(action, events, history)
        if entry.state != "pending":
            return None
        for claimed in self.dispatcher.claim(key=entry.key):
            return self.dispatcher.dispatch(claimed)
        return None

    def _block(
        self, action: Action, hold: Hold, history: Sequence[ModerationEvent], events: Sequence[ModerationEvent],
    ) -> None:
        key = self.key(action, history)
        seen = any(
            e.name is EventName.ACTION_BLOCKED and e.payload.get("idempotency_key") == key
            and e.payload.get("hold_id") == hold.id
            for e in history
        )
        blocked = [] if seen else [ModerationEvent(
            name=EventName.ACTION_BLOCKED, actor=action.actor, created=self.clock(), subject=action.subject,
            case_id=action.case_id, reason=action.reason,
            payload={
                "action": action.kind.value, "policy_clause": action.policy_clause, "hold_id": hold.id,
                "why": f"watch hold {hold.id} for {hold.requesting_body} until {hold.expires.isoformat()}",
                "idempotency_key": key,
            },
        )]
        if events or blocked:
            self._store.append_events([*events, *blocked])
