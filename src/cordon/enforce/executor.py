"""Carry an action out and record it in the moderation log, through the outbox.

`Executor.execute(action)` requests the action (one transaction: the outbox row under its
idempotency key, plus ACTION_REQUESTED) and then dispatches
it at once, in this process (one transaction: row done, ACTION_EXECUTED, account status). A
crash between the two leaves the row for a Dispatcher (enforce/outbox.py), or for the next
execute() of the same action, which finds it under the same key. An action whose effect is
already in place is skipped, so re-running the pipeline repeats nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from cordon.domain import Action, EventName, ModerationEvent
from cordon.enforce.actuators.base import Actuator
from cordon.enforce.outbox import Dispatcher, action_key, last_executed_seq
from cordon.store import Store
from cordon.store.base import OutboxEntry

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
        self._clock = clock
        self.dispatcher = Dispatcher(store, self._actuators, owner=owner, lease=lease, clock=clock)

    def request(self, action: Action, events: Sequence[ModerationEvent] = ()) -> tuple[OutboxEntry, bool]:
        """Put the action in the outbox (with `events`, in the same transaction); returns
        the row and whether it is new (False: the same request was already there)."""
        key = action_key(action, last_executed_seq(self._store, action))
        request = ModerationEvent(
            name=EventName.ACTION_REQUESTED, actor=action.actor, created=self._clock(),
            subject=action.subject, case_id=action.case_id, reason=action.reason,
            payload={"action": action.kind.value, "policy_clause": action.policy_clause,
                     "idempotency_key": key},
        )
        return self._store.enqueue_action(action, key, requested=self._clock(), events=[*events, request])

    def execute(self, action: Action) -> ModerationEvent | None:
        """Apply the action; returns the recorded event, or None when nothing needed doing
        (the effect is in place, or the action was already carried out or is being carried
        out by another worker). An actuator's error is raised, and the action stays in the
        outbox for a retry."""
        status = action.kind.resulting_status
        if status is not None:
            account = self._store.get_account(action.subject)
            if account is not None and account.status is status:
                return None
        entry, _ = self.request(action)
        if entry.state != "pending":
            return None
        for claimed in self.dispatcher.claim(key=entry.key):
            return self.dispatcher.dispatch(claimed)
        return None
