"""Case state is derived from the event log, one event at a time (as Ozone's status.ts does),
never stored beside it: the log is the single source of truth."""

from __future__ import annotations

from collections.abc import Iterable

from cordon.domain import Case, CaseState, EventName, ModerationEvent


def apply_event(cases: dict[str, Case], event: ModerationEvent) -> None:
    """Advance the cases by one event. Events without a case id do not touch cases."""
    if event.case_id is None:
        return
    if event.name is EventName.CASE_OPENED:
        cases[event.case_id] = Case(
            id=event.case_id,
            subject=event.subject,
            queue=str(event.payload.get("queue", "default")),
            priority=float(event.payload.get("priority", 0.0)),
            opened_at=event.created,
            reasons=[event.reason] if event.reason else [],
        )
        return
    case = cases.get(event.case_id)
    if case is None:
        return  # an event for a case opened elsewhere; nothing to advance
    match event.name:
        case EventName.FLAGGED | EventName.REPORT_RECEIVED:
            if event.name is EventName.REPORT_RECEIVED:
                case.report_count += 1
            if event.reason and event.reason not in case.reasons:
                case.reasons.append(event.reason)
        case EventName.ASSIGNED:
            case.assigned_to = event.payload.get("assignee") or event.actor
            case.state = CaseState.ASSIGNED
        case EventName.ESCALATED:
            case.state = CaseState.ESCALATED
        case EventName.DECIDED:
            case.state = CaseState.DECIDED
            case.decision = event.payload.get("decision")
            case.policy_clause = event.payload.get("policy_clause")
        case EventName.APPEALED:
            case.state = CaseState.APPEALED
            case.assigned_to = None
        case EventName.CLOSED:
            case.state = CaseState.CLOSED


def fold_cases(events: Iterable[ModerationEvent]) -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for event in events:
        apply_event(cases, event)
    return cases
