"""Case state is derived from the event log, one event at a time (as Ozone's status.ts does).
The log is the single source of truth: the store's case_status table is this fold, kept up
to date as events are appended (store/case_status.py), and rebuilt from the log on demand.

The transitions, as the log records them (cases/workflow.py checks they are legal before it
writes; the fold itself applies whatever the log says):

    CASE_OPENED            -> open       (queue and SLA clock from the payload)
    ASSIGNED   open        -> assigned   (escalated and appealed cases keep their state)
    RELEASED   assigned    -> open       (the claim goes; other states keep theirs)
    ESCALATED              -> escalated  (queue 'escalations', unclaimed, SLA clock restarts)
    DECIDED                -> decided    (decision, clause, decided_by; no SLA any more)
    APPEALED               -> appealed   (queue 'appeals', unclaimed, SLA clock restarts)
    CLOSED                 -> closed
"""

from __future__ import annotations

from collections.abc import Iterable

from cordon.cases.sla import SlaPolicy, current_sla
from cordon.domain import Case, CaseState, EventName, ModerationEvent

#: Where escalated and appealed cases go: to senior moderators and the LE liaison.
ESCALATIONS = "escalations"
APPEALS = "appeals"


def apply_event(cases: dict[str, Case], event: ModerationEvent, sla: SlaPolicy | None = None) -> None:
    """Advance the cases by one event. Events without a case id do not touch cases; events
    for a case not opened (in `cases`) neither. `sla` gives due times (the settings' if None)."""
    if event.case_id is None:
        return
    if event.name is EventName.CASE_OPENED:
        sla = sla or current_sla()
        queue = str(event.payload.get("queue", "default"))
        risk = event.payload.get("risk")
        cases[event.case_id] = Case(
            id=event.case_id,
            subject=event.subject,
            queue=queue,
            priority=float(event.payload.get("priority", 0.0)),
            opened_at=event.created,
            reasons=[event.reason] if event.reason else [],
            risk=float(risk) if isinstance(risk, int | float) else None,
            sla_due=sla.due(queue, event.created),
            updated_at=event.created,
            last_seq=event.seq or 0,
        )
        return
    case = cases.get(event.case_id)
    if case is None:
        return  # an event for a case opened elsewhere; nothing to advance
    case.updated_at = event.created
    if event.seq is not None:
        case.last_seq = event.seq
    match event.name:
        case EventName.FLAGGED | EventName.REPORT_RECEIVED:
            if event.name is EventName.REPORT_RECEIVED:
                case.report_count += 1
            if event.reason and event.reason not in case.reasons:
                case.reasons.append(event.reason)
        case EventName.ASSIGNED:
            case.assigned_to = event.payload.get("assignee") or event.actor
            if case.state is CaseState.OPEN:
                case.state = CaseState.ASSIGNED
        case EventName.RELEASED:
            case.assigned_to = None
            if case.state is CaseState.ASSIGNED:
                case.state = CaseState.OPEN
        case EventName.ESCALATED:
            _enter(case, CaseState.ESCALATED, str(event.payload.get("queue", ESCALATIONS)), event, sla)
        case EventName.DECIDED:
            case.state = CaseState.DECIDED
            case.decision = event.payload.get("decision")
            case.policy_clause = event.payload.get("policy_clause")
            case.decided_by = event.payload.get("decided_by") or event.actor
            case.sla_due = None
        case EventName.APPEALED:
            _enter(case, CaseState.APPEALED, APPEALS, event, sla)
            case.appealed_by = event.payload.get("appellant") or event.actor
        case EventName.CLOSED:
            case.state = CaseState.CLOSED
            case.assigned_to = None
            case.sla_due = None


def _enter(case: Case, state: CaseState, queue: str, event: ModerationEvent, sla: SlaPolicy | None) -> None:
    """The case moves to another queue, unclaimed, and its SLA clock starts again there."""
    case.state = state
    case.queue = queue
    case.assigned_to = None
    case.sla_due = (sla or current_sla()).due(queue, event.created)


def fold_cases(events: Iterable[ModerationEvent], sla: SlaPolicy | None = None) -> dict[str, Case]:
    cases: dict[str, Case] = {}
    sla = sla or current_sla()
    for event in events:
        apply_event(cases, event, sla)
    return cases
