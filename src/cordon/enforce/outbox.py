"""The enforcement outbox: an action is requested in one transaction and carried out in another,
so a crash at any point neither loses nor repeats it.

1. Request (Executor.request / Store.enqueue_action): in ONE transaction, the outbox row under
   the action's idempotency key (a stable id of the action, `action_key`) and any events that
   go with the request (a decision, the request itself) are written. Requesting the same
   action again finds the row and writes nothing.
2. Dispatch (Dispatcher): pending rows are claimed with a lease (FOR UPDATE SKIP LOCKED on
   PostgreSQL, BEGIN IMMEDIATE on SQLite); each platform actuator is called with the key;
   then in ONE transaction the row is marked done, ACTION_EXECUTED is appended to the
   hash-chained log and the account's status is set (the internal actuator's effect).

A crash before (1) commits: nothing was requested, and the caller asks again under the same
key. Between (1) and (2): the row waits for the next dispatcher. Between an actuator call and
the commit of (2): the lease runs out (or the worker restarts under the same owner name) and
the row is retried with the same key; the actuator drops the repeat by its key. So delivery
is at least once and the effect exactly once, and the log holds one ACTION_EXECUTED per action.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import os
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Self

import orjson

from cordon.domain import Action, EventName, ModerationEvent
from cordon.enforce.actuators.base import Actuator
from cordon.enforce.actuators.internal import InternalActuator
from cordon.store import Store
from cordon.store.base import OutboxEntry

log = logging.getLogger(__name__)

#: An attempt that failed is retried after backoff * 2**(attempt-1), at most MAX_BACKOFF.
MAX_BACKOFF = timedelta(minutes=15)


def _now() -> datetime:
    return datetime.now(UTC)


def default_owner() -> str:
    """A name for this process's leases: host and pid. Give a worker a stable name instead
    when it should resume its own leases at once after a restart."""
    return f"{socket.gethostname()}:{os.getpid()}"


def action_key(action: Action, after_seq: int = 0) -> str:
    """The idempotency key of an action: SHA-256 over its fields and `after_seq`, the seq of
    the last ACTION_EXECUTED on its subject when it was requested. The same request asked
    twice gets the same key; the same action asked again after the subject was acted on (a
    suspension after a reinstatement) gets a new one."""
    fields = [
        action.kind.value, str(action.subject), action.actor, action.reason, action.case_id,
        action.policy_clause, int(after_seq),
    ]
    return hashlib.sha256(orjson.dumps(fields)).hexdigest()


def last_executed_seq(events: Iterable[ModerationEvent]) -> int:
    """The seq of the last ACTION_EXECUTED among a subject's events, 0 if none."""
    last = 0
    for event in events:
        if event.name is EventName.ACTION_EXECUTED and event.seq is not None:
            last = event.seq
    return last


_TAKES_KEY: dict[type, bool] = {}


def call_actuator(actuator: Actuator, action: Action, key: str) -> None:
    """apply(action, idempotency_key=key), or apply(action) for an actuator that takes no key
    (it must then be idempotent on the action itself)."""
    kind = type(actuator)
    takes = _TAKES_KEY.get(kind)
    if takes is None:
        try:
            takes = "idempotency_key" in inspect.signature(actuator.apply).parameters
        except (TypeError, ValueError):
            takes = False
        _TAKES_KEY[kind] = takes
    if takes:
        actuator.apply(action, idempotency_key=key)  # type: ignore[call-arg]
    else:
        actuator.apply(action)


@dataclass(slots=True)
class DispatchReport:
    """What a dispatcher did: rows claimed, carried out, found done by someone else, failed
    (to be retried) and given up on."""

    claimed: int = 0
    executed: int = 0
    already_done: int = 0
    failed: int = 0
    given_up: int = 0

    def __iadd__(self, other: DispatchReport) -> Self:
        self.claimed += other.claimed
        self.executed += other.executed
        self.already_done += other.already_done
        self.failed += other.failed
        self.given_up += other.given_up
        return self


class Dispatcher:
    """Takes pending actions from the outbox and carries them out.

    The internal actuator's effect (the account's status) is written in the same transaction
    as ACTION_EXECUTED, so an InternalActuator in `actuators` is not called separately; every
    other actuator is called with the idempotency key before that transaction. `lease` must
    outlast the slowest actuator call (with its own retries): a row whose lease runs out is
    claimed again, and its actuators are called again with the same key."""

    def __init__(
        self,
        store: Store,
        actuators: Sequence[Actuator],
        *,
        owner: str | None = None,
        lease: timedelta = timedelta(seconds=60),
        batch: int = 20,
        max_attempts: int = 8,
        backoff: timedelta = timedelta(seconds=2),
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.store = store
        self.actuators = list(actuators)
        self.owner = owner or default_owner()
        self.lease = lease
        self.batch = batch
        self.max_attempts = max_attempts
        self.backoff = backoff
        self._clock = clock
        self._external = [a for a in self.actuators if not isinstance(a, InternalActuator)]

    def claim(self, key: str | None = None) -> list[OutboxEntry]:
        return self.store.claim_actions(
            self.owner, limit=self.batch, lease=self.lease, key=key, now=self._clock()
        )

    def dispatch(self, entry: OutboxEntry) -> ModerationEvent | None:
        """Carry out one claimed action: the ACTION_EXECUTED event, or None when another
        worker (or an earlier attempt) completed it first. An actuator's error releases the
        row for a later attempt (or gives up on it) and is raised."""
        action = entry.action
        try:
            for actuator in self._external:
                call_actuator(actuator, action, entry.key)
        except Exception as exc:
            give_up = entry.attempts >= self.max_attempts or getattr(exc, "retryable", True) is False
            delay = min(self.backoff * 2 ** max(entry.attempts - 1, 0), MAX_BACKOFF)
            self.store.release_action(
                entry.key, self.owner, f"{type(exc).__name__}: {exc}",
                retry_at=self._clock() + delay, give_up=give_up,
            )
            raise
        return self.store.complete_action(entry.key, self.executed_event(entry))

    def executed_event(self, entry: OutboxEntry) -> ModerationEvent:
        action = entry.action
        return ModerationEvent(
            name=EventName.ACTION_EXECUTED,
            actor=action.actor,
            created=self._clock(),
            subject=action.subject,
            case_id=action.case_id,
            reason=action.reason,
            payload={
                "action": action.kind.value,
                "policy_clause": action.policy_clause,
                "actuators": [a.name for a in self.actuators],
                "idempotency_key": entry.key,
                "requested": entry.requested.isoformat(),
                "attempts": entry.attempts,
            },
        )

    def run_once(self) -> DispatchReport:
        """Claim one batch and carry it out; failures are recorded on their rows and logged."""
        report = DispatchReport()
        for entry in self.claim():
            report.claimed += 1
            try:
                done = self.dispatch(entry)
            except Exception as exc:  # noqa: BLE001 - one platform's failure must not stop the batch
                given_up = entry.attempts >= self.max_attempts or getattr(exc, "retryable", True) is False
                report.given_up += given_up
                report.failed += not given_up
                log.warning("action %s (%s) failed: %s", entry.key, entry.action.kind, exc)
                continue
            if done is None:
                report.already_done += 1
            else:
                report.executed += 1
        return report

    def run(
        self, *, until_empty: bool = True, poll: float = 1.0,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> DispatchReport:
        """Dispatch batch after batch. With `until_empty`, return when a claim finds nothing
        (rows leased elsewhere or waiting for a retry are left); otherwise poll forever,
        sleeping `poll` seconds when idle, until `should_stop()`."""
        total = DispatchReport()
        while not should_stop():
            report = self.run_once()
            total += report
            if report.claimed:
                continue
            if until_empty:
                break
            time.sleep(poll)
        return total
