"""One pass over the moderation log, in append order, for every figure in figures.py.

The log can hold millions of events, so it is read once, as a stream, and nothing is looked
up per account. Events before the period still count for state (a case opened last year, a
hold placed before it, the report that first named an account); only events inside it are
counted. Events after the period are ignored, so state figures describe the period's end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from cordon.cases.sla import current_sla
from cordon.cases.state import apply_event
from cordon.domain import ActionKind, Case, EventName, ModerationEvent, SubjectRef
from cordon.reports.figures import Durations, LogFigures
from cordon.reports.period import Period

NO_CASE = "no case"
UNSPECIFIED = "unspecified"
_REINSTATE = ActionKind.REINSTATE.value


class LogFold:
    """Feed it the log with `add`, one event at a time, then read `figures()`.

    hubs: distribution hubs; the events about them (and their cases) are kept in `hub_events`
    so hub coverage can be computed without reading the log again."""

    def __init__(self, period: Period, now: datetime, hubs: Iterable[SubjectRef] = ()) -> None:
        self.period = period
        self.end = period.end(now)
        self.cases: dict[str, Case] = {}
        # Read once: the fold would otherwise read the settings for every case it opens.
        self._sla = current_sla()
        # case id -> the queue it was opened in. Escalation and appeal move a case to other
        # queues; the report counts it where it started, which says what the violation was.
        self._queue: dict[str, str] = {}
        self.hub_events: list[ModerationEvent] = []
        self._hubs = frozenset(hubs)
        self._hub_cases: set[str] = set()
        self._figures = LogFigures()
        self._opened_in_period: list[str] = []
        # subject -> the case most recently opened on it, for actions that name no case.
        self._latest_case: dict[SubjectRef, str] = {}
        # Time to action: the earliest signal per subject, and its first action (time, queue,
        # inside the period). Kept apart because a user report is logged with the time it was
        # made, which can be earlier than events logged before it.
        self._first_signal: dict[SubjectRef, datetime] = {}
        self._first_action: dict[SubjectRef, tuple[datetime, str, bool]] = {}
        # hold id -> (subject, expiry or None)
        self._holds: dict[str, tuple[SubjectRef, datetime | None]] = {}
        self._open_appeals: set[str] = set()
        self._overturned: set[str] = set()
        self._escalated: set[SubjectRef] = set()
        self._preserved: set[SubjectRef] = set()
        self._handlers: dict[EventName, Callable[[ModerationEvent, bool], None]] = {
            EventName.CASE_OPENED: self._case_opened,
            EventName.REPORT_RECEIVED: self._report_received,
            EventName.FLAGGED: self._flagged,
            EventName.ACTION_EXECUTED: self._action_executed,
            EventName.ACTION_BLOCKED: self._action_blocked,
            EventName.WATCH_PLACED: self._watch_placed,
            EventName.WATCH_LIFTED: self._watch_ended,
            EventName.WATCH_EXPIRED: self._watch_ended,
            EventName.APPEALED: self._appealed,
            EventName.DECIDED: self._decided,
            EventName.ESCALATED: self._escalated_event,
            EventName.EVIDENCE_PRESERVED: self._preserved_event,
        }

    def add(self, event: ModerationEvent) -> None:
        if self._hubs:
            self._keep_for_hubs(event)
        until = self.period.until
        if until is not None and event.created >= until:
            return
        apply_event(self.cases, event, self._sla)
        handler = self._handlers.get(event.name)
        if handler is not None:
            handler(event, event.created in self.period)

    def figures(self) -> LogFigures:
        f = self._figures
        for case_id in self._opened_in_period:
            f.cases_by_queue[self._queue[case_id]] += 1
            f.cases_by_state[self.cases[case_id].state.value] += 1
        for subject, (acted, queue, inside) in self._first_action.items():
            start = self._first_signal.get(subject)
            if not inside or start is None or start > acted:
                continue  # acted on outside the period, or on nothing cordon saw first
            hours = (acted - start).total_seconds() / 3600
            f.time_to_action.hours.append(hours)
            f.time_to_action_by_queue.setdefault(queue, Durations()).hours.append(hours)
        for _, expires in self._holds.values():
            if expires is None or expires > self.end:
                f.watch.active += 1
            else:
                f.watch.overdue += 1
        f.appeals.pending = len(self._open_appeals)
        f.escalated_subjects = len(self._escalated)
        f.preserved_subjects = len(self._preserved)
        return f

    def _keep_for_hubs(self, e: ModerationEvent) -> None:
        # Hub coverage is the state now, whatever the period: every event about a hub counts.
        if e.subject in self._hubs:
            if e.name is EventName.CASE_OPENED and e.case_id is not None:
                self._hub_cases.add(e.case_id)
            self.hub_events.append(e)
        elif e.case_id is not None and e.case_id in self._hub_cases:
            self.hub_events.append(e)

    # -- one handler per event name; `inside`: the event is in the period ---------------
    def _signal(self, subject: SubjectRef, at: datetime) -> None:
        first = self._first_signal.get(subject)
        if first is None or at < first:
            self._first_signal[subject] = at

    def _case_opened(self, e: ModerationEvent, inside: bool) -> None:
        if e.case_id is None:
            return
        self._latest_case[e.subject] = e.case_id
        self._queue[e.case_id] = str(e.payload.get("queue", "default"))
        self._signal(e.subject, e.created)
        if not inside:
            return
        self._opened_in_period.append(e.case_id)
        proactive = self._figures.proactive
        source = e.payload.get("source")
        month = proactive.by_month.setdefault(e.created.astimezone(UTC).strftime("%Y-%m"), [0, 0])
        if source == "detection":
            proactive.detection += 1
            month[0] += 1
        elif source == "reports":
            proactive.reports += 1
            month[1] += 1
        else:
            proactive.unknown += 1

    def _report_received(self, e: ModerationEvent, inside: bool) -> None:
        # A report on a post counts for the account it was judged to be about.
        target = e.payload.get("account")
        self._signal(_parse_ref(target) or e.subject, e.created)

    def _flagged(self, e: ModerationEvent, inside: bool) -> None:
        self._signal(e.subject, e.created)

    def _action_executed(self, e: ModerationEvent, inside: bool) -> None:
        action = str(e.payload.get("action") or UNSPECIFIED)
        case_id = e.case_id or self._latest_case.get(e.subject)
        case = self.cases.get(case_id) if case_id is not None else None
        queue = self._queue.get(case_id, NO_CASE) if case_id is not None else NO_CASE
        if action != _REINSTATE and e.subject not in self._first_action:
            self._first_action[e.subject] = (e.created, queue, inside)
        if not inside:
            return
        f = self._figures
        f.actions[action] += 1
        clause = e.payload.get("policy_clause") or (case.policy_clause if case is not None else None)
        f.actions_by_clause[str(clause or UNSPECIFIED)] += 1
        f.actions_by_queue[queue] += 1
        if action == _REINSTATE and case_id in self._overturned:
            f.appeals.reinstated += 1

    def _action_blocked(self, e: ModerationEvent, inside: bool) -> None:
        if inside:
            self._figures.watch.blocked[str(e.payload.get("action") or UNSPECIFIED)] += 1

    def _watch_placed(self, e: ModerationEvent, inside: bool) -> None:
        hold_id = str(e.payload.get("hold_id") or e.subject)
        self._holds[hold_id] = (e.subject, _parse_time(e.payload.get("expires")))
        if inside:
            self._figures.watch.placed += 1
            self._figures.watch.by_body[str(e.payload.get("requesting_body") or UNSPECIFIED)] += 1

    def _watch_ended(self, e: ModerationEvent, inside: bool) -> None:
        hold_id = e.payload.get("hold_id")
        if hold_id is not None:
            self._holds.pop(str(hold_id), None)
        else:  # no id: it ends every hold on the account
            for key in [k for k, (s, _) in self._holds.items() if s == e.subject]:
                del self._holds[key]
        if inside:
            if e.name is EventName.WATCH_LIFTED:
                self._figures.watch.lifted += 1
            else:
                self._figures.watch.expired += 1

    def _appealed(self, e: ModerationEvent, inside: bool) -> None:
        if e.case_id is not None:
            self._open_appeals.add(e.case_id)
        if inside:
            self._figures.appeals.appealed += 1

    def _decided(self, e: ModerationEvent, inside: bool) -> None:
        if e.case_id not in self._open_appeals:
            return  # a first decision, not the end of an appeal
        self._open_appeals.discard(e.case_id)
        decision = str(e.payload.get("decision") or "").lower()
        if decision == "overturn":
            self._overturned.add(e.case_id)
        if not inside:
            return
        appeals = self._figures.appeals
        if decision == "overturn":
            appeals.overturned += 1
        elif decision == "uphold":
            appeals.upheld += 1
        else:
            appeals.other += 1

    def _escalated_event(self, e: ModerationEvent, inside: bool) -> None:
        if inside:
            self._figures.escalations += 1
            self._escalated.add(e.subject)

    def _preserved_event(self, e: ModerationEvent, inside: bool) -> None:
        if inside:
            self._figures.evidence_preserved += 1
            self._preserved.add(e.subject)


def fold_log(
    events: Iterable[ModerationEvent], period: Period, now: datetime, hubs: Iterable[SubjectRef] = ()
) -> LogFold:
    fold = LogFold(period, now, hubs)
    for event in events:
        fold.add(event)
    return fold


def _parse_ref(text: object) -> SubjectRef | None:
    if not isinstance(text, str) or text.count("/") < 2:
        return None
    try:
        return SubjectRef.parse(text)
    except ValueError:
        return None


def _parse_time(text: object) -> datetime | None:
    """A hold's expiry (ISO 8601). None when it is missing or unreadable: such a hold counts
    as active until it is lifted, never as quietly expired."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
