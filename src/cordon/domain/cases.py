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


#: States in which a case waits for a person (the review queue).
WAITING_STATES: tuple[CaseState, ...] = (
    CaseState.OPEN, CaseState.ASSIGNED, CaseState.ESCALATED, CaseState.APPEALED,
)


@dataclass(slots=True)
class Case:
    id: str
    subject: SubjectRef
    queue: str
    priority: float
    opened_at: datetime
    state: CaseState = CaseState.OPEN
    # Who holds the claim on it; an escalated or appealed case keeps its state while held.
    assigned_to: str | None = None
    decision: str | None = None
    policy_clause: str | None = None
    reasons: list[str] = field(default_factory=list)
    report_count: int = 0
    # Who made the latest decision, and who appealed it: an appeal's reviewer differs from it.
    decided_by: str | None = None
    appealed_by: str | None = None
    # The subject's risk when the case was opened (the policy's figure), if it gave one.
    risk: float | None = None
    # When the case must be decided by, from its queue's SLA; None once decided or closed.
    sla_due: datetime | None = None
    updated_at: datetime | None = None
    # The seq of its newest event: the version a claim or decision expects to still hold.
    last_seq: int = 0

    @property
    def waiting(self) -> bool:
        return self.state in WAITING_STATES


@dataclass(frozen=True, slots=True)
class CaseQuery:
    """Which cases: every field narrows, an empty one does not. `overdue_at` keeps cases
    whose SLA is due before that time; `opened_before` those opened before it."""

    queue: str | None = None
    states: tuple[CaseState, ...] = ()
    assigned_to: str | None = None
    min_risk: float | None = None
    max_risk: float | None = None
    opened_before: datetime | None = None
    overdue_at: datetime | None = None
    subjects: tuple[SubjectRef, ...] = ()

    @classmethod
    def waiting(cls, queue: str | None = None, **more: object) -> CaseQuery:
        """The review queue: cases waiting for a person (in one queue)."""
        return cls(queue=queue, states=WAITING_STATES, **more)  # type: ignore[arg-type]
