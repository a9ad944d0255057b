"""The append-only moderation log. Review state is computed from it, never stored beside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from cordon.domain.subjects import SubjectRef


class EventName(StrEnum):
    REPORT_RECEIVED = "report_received"
    FLAGGED = "flagged"
    CASE_OPENED = "case_opened"
    # A moderator claims a case (payload: assignee) and gives it back (RELEASED).
    ASSIGNED = "assigned"
    RELEASED = "released"
    # payload: decision, policy_clause; the reason is the moderator's.
    DECIDED = "decided"
    # An action entered the outbox (payload: action, policy_clause, idempotency_key) ...
    ACTION_REQUESTED = "action_requested"
    # ... and was carried out (payload: action, idempotency_key).
    ACTION_EXECUTED = "action_executed"
    # An action refused before it reached the outbox (payload: action, why), e.g. a
    # suspension blocked by a watch hold.
    ACTION_BLOCKED = "action_blocked"
    # payload: appellant; the case waits for a reviewer other than the one who decided it.
    APPEALED = "appealed"
    REINSTATED = "reinstated"
    ESCALATED = "escalated"
    EVIDENCE_PRESERVED = "evidence_preserved"
    # A watch hold (payload: hold_id, requesting_body, expires, role), lifted early or run out.
    WATCH_PLACED = "watch_placed"
    WATCH_LIFTED = "watch_lifted"
    WATCH_EXPIRED = "watch_expired"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class ModerationEvent:
    name: EventName
    actor: str
    created: datetime
    subject: SubjectRef
    case_id: str | None = None
    reason: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    # Assigned by the store when the event is appended; None before.
    seq: int | None = None
