"""A case: one unit of human review. Built by folding moderation events, one at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from cordon.domain.subjects import SubjectRef


class CaseState(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    ESCALATED = "escalated"
    DECIDED = "decided"
    APPEALED = "appealed"
    CLOSED = "closed"


@dataclass(slots=True)
class Case:
    id: str
    subject: SubjectRef
    queue: str
    priority: float
    opened_at: datetime
    state: CaseState = CaseState.OPEN
    assigned_to: str | None = None
    decision: str | None = None
    policy_clause: str | None = None
    reasons: list[str] = field(default_factory=list)
    report_count: int = 0
