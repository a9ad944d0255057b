"""Carry an action out and record it in the moderation log.

First version: the action runs through each actuator, then ACTION_EXECUTED is appended. An
action whose effect is already in place is skipped, so re-running the pipeline repeats
nothing. The transactional outbox that survives a crash between the two steps is its own
piece of work (the policy, cases and enforcement issue).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from cordon.domain import Action, EventName, ModerationEvent
from cordon.enforce.actuators.base import Actuator
from cordon.store import Store


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Executor:
    def __init__(self, store: Store, actuators: Sequence[Actuator], clock: Callable[[], datetime] = _now) -> None:
        self._store = store
        self._actuators = list(actuators)
        self._clock = clock

    def execute(self, action: Action) -> ModerationEvent | None:
        """Apply the action; returns the recorded event, or None when nothing needed doing."""
        status = action.kind.resulting_status
        account = self._store.get_account(action.subject)
        if status is not None and account is not None and account.status is status:
            return None
        for actuator in self._actuators:
            actuator.apply(action)
        return self._store.append_event(
            ModerationEvent(
                name=EventName.ACTION_EXECUTED,
                actor=action.actor,
                created=self._clock(),
                subject=action.subject,
                case_id=action.case_id,
                reason=action.reason,
                payload={
                    "action": action.kind.value,
                    "policy_clause": action.policy_clause,
                    "actuators": [a.name for a in self._actuators],
                },
            )
        )
