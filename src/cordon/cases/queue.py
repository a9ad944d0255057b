"""The review queue: cases waiting for a person, most urgent first."""

from __future__ import annotations

from collections.abc import Iterable

from cordon.domain import Case, CaseState

WAITING = (CaseState.OPEN, CaseState.ASSIGNED, CaseState.ESCALATED, CaseState.APPEALED)


def review_queue(cases: Iterable[Case], queue: str | None = None) -> list[Case]:
    """Waiting cases ordered by priority (policy priority plus risk), then age."""
    waiting = [c for c in cases if c.state in WAITING and (queue is None or c.queue == queue)]
    return sorted(waiting, key=lambda c: (-c.priority, c.opened_at, c.id))
