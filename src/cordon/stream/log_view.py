"""What a worker needs to know of the moderation log, kept up to date incrementally.

The batch pipeline (flow.py) reads the whole log on every run. A worker cannot afford that
on every batch, so it folds the log once and then only the events appended since, by any
worker (`refresh`): the cases still waiting for review, the reports already logged, the
subjects ever reported, the brigades flagged and the moderators' decisions.
"""

from __future__ import annotations

from cordon.cases import fold_cases
from cordon.cases.queue import WAITING
from cordon.cases.reports import BRIGADING
from cordon.cases.sla import current_sla
from cordon.cases.state import apply_event
from cordon.domain import Case, EventName, ModerationEvent, SubjectRef
from cordon.store import Store


class LogView:
    def __init__(self) -> None:
        self.seq = 0
        self.cases: dict[str, Case] = {}
        self._case_ids: dict[SubjectRef, list[str]] = {}
        self.logged_reports: set[str] = set()
        self.reported: set[SubjectRef] = set()
        # Per target: the report ids of the brigades flagged on it so far.
        self.brigades: dict[SubjectRef, set[str]] = {}
        self.decisions: list[ModerationEvent] = []
        # Suspensions carried out so far: the sign-up detector refits when this moves.
        self.suspensions = 0
        # Read once: apply_event would otherwise read the settings again for every case opened.
        self._sla = current_sla()

    def refresh(self, store: Store) -> int:
        """Fold the events appended since the last refresh; returns how many there were."""
        new = list(store.events(after_seq=self.seq))
        if not self.seq:
            self.cases = fold_cases(new, self._sla)
        for event in new:
            if self.seq:
                apply_event(self.cases, event, self._sla)
            self._note(event)
            self.seq = max(self.seq, event.seq or 0)
        return len(new)

    def _note(self, event: ModerationEvent) -> None:
        if event.name is EventName.CASE_OPENED and event.case_id is not None:
            self._case_ids.setdefault(event.subject, []).append(event.case_id)
        elif event.name is EventName.REPORT_RECEIVED:
            report_id = event.payload.get("report_id")
            if report_id is not None:
                self.logged_reports.add(report_id)
            self.reported.add(event.subject)
        elif event.name is EventName.FLAGGED and event.payload.get("flag") == BRIGADING:
            self.brigades.setdefault(event.subject, set()).update(event.payload.get("report_ids", ()))
        elif event.name is EventName.DECIDED:
            self.decisions.append(event)
        elif event.name is EventName.ACTION_EXECUTED and event.payload.get("action") == "suspend":
            self.suspensions += 1

    def waiting_case(self, subject: SubjectRef) -> str | None:
        """The id of the subject's case waiting for review, if it has one."""
        for case_id in self._case_ids.get(subject, ()):
            case = self.cases.get(case_id)
            if case is not None and case.state in WAITING:
                return case_id
        return None
