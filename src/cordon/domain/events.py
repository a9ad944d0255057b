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
    ASSIGNED = "assigned"
    DECIDED = "decided"
    ACTION_EXECUTED = "action_executed"
    APPEALED = "appealed"
    REINSTATED = "reinstated"
    ESCALATED = "escalated"
    EVIDENCE_PRESERVED = "evidence_preserved"
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
