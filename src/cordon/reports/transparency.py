"""Transparency figures, computed from the store and its moderation log alone."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from cordon.cases import fold_cases
from cordon.domain import AccountStatus, EventName, SubjectRef
from cordon.graph.hubs import HubCoverage, hub_coverage
from cordon.store import Store


@dataclass
class TransparencyReport:
    generated: datetime
    counts: dict[str, int]
    account_status: Counter[str]
    cases_by_queue: Counter[str]
    cases_by_state: Counter[str]
    actions: Counter[str]
    # Cases opened by cordon's own detection vs. by user reports.
    proactive_cases: int
    report_cases: int
    median_hours_to_action: float | None
    risk_scores: list[float] = field(default_factory=list)
    hubs_total: int = 0
    hubs_actioned: int = 0
    # Of the hubs: suspended, queued (a case waiting on review), watched (graph/hubs.py).
    hubs_suspended: int = 0
    hubs_queued: int = 0
    hubs_watched: int = 0

    @property
    def proactive_share(self) -> float | None:
        total = self.proactive_cases + self.report_cases
        return None if total == 0 else self.proactive_cases / total

    @property
    def hubs_sentence(self) -> str:
        """'13 of 16 hubs suspended, 2 queued for review, 1 watched.' ('' with no hubs)."""
        if not self.hubs_total:
            return ""
        return HubCoverage(self.hubs_total, self.hubs_suspended, self.hubs_queued, self.hubs_watched).sentence

    def rows(self) -> list[tuple[str, str, object]]:
        """Flat (section, metric, value) rows for the CSV export."""
        rows: list[tuple[str, str, object]] = [("store", k, v) for k, v in self.counts.items()]
        rows += [("account_status", k, v) for k, v in sorted(self.account_status.items())]
        rows += [("cases_by_queue", k, v) for k, v in sorted(self.cases_by_queue.items())]
        rows += [("cases_by_state", k, v) for k, v in sorted(self.cases_by_state.items())]
        rows += [("actions", k, v) for k, v in sorted(self.actions.items())]
        rows += [
            ("detection", "proactive_cases", self.proactive_cases),
            ("detection", "report_cases", self.report_cases),
            ("detection", "proactive_share", _fmt(self.proactive_share)),
            ("speed", "median_hours_to_action", _fmt(self.median_hours_to_action)),
            ("hubs", "total", self.hubs_total),
            ("hubs", "actioned", self.hubs_actioned),
            ("hubs", "suspended", self.hubs_suspended),
            ("hubs", "queued", self.hubs_queued),
            ("hubs", "watched", self.hubs_watched),
        ]
        return rows


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def build_report(store: Store, hubs: Iterable[SubjectRef] = ()) -> TransparencyReport:
    """`hubs` are the designated distribution hubs (or the ranker's best: graph.hubs.top_hubs);
    a hub counts as actioned when it has a case or has been suspended, and hub_coverage splits
    them into suspended, queued for review and watched."""
    events = list(store.events())
    cases = fold_cases(events)
    actions: Counter[str] = Counter()
    first_seen: dict[SubjectRef, datetime] = {}
    hours: list[float] = []
    for e in events:
        if e.name in (EventName.CASE_OPENED, EventName.REPORT_RECEIVED, EventName.FLAGGED):
            first_seen.setdefault(e.subject, e.created)
        elif e.name is EventName.ACTION_EXECUTED:
            actions[e.payload.get("action", "?")] += 1
            start = first_seen.get(e.subject, e.created)
            hours.append((e.created - start).total_seconds() / 3600)
    statuses: Counter[str] = Counter()
    suspended: set[SubjectRef] = set()
    for account in store.accounts():
        statuses[account.status.value] += 1
        if account.status is AccountStatus.SUSPENDED:
            suspended.add(account.ref)
    case_subjects = {c.subject for c in cases.values()}
    hub_set = set(hubs)
    coverage = hub_coverage(store, hub_set, events=events)
    opened = [e for e in events if e.name is EventName.CASE_OPENED]
    report_cases = sum(1 for e in opened if e.payload.get("source") == "reports")
    return TransparencyReport(
        generated=datetime.now(timezone.utc),
        counts=store.counts(),
        account_status=statuses,
        cases_by_queue=Counter(c.queue for c in cases.values()),
        cases_by_state=Counter(c.state.value for c in cases.values()),
        actions=actions,
        proactive_cases=len(opened) - report_cases,
        report_cases=report_cases,
        median_hours_to_action=statistics.median(hours) if hours else None,
        risk_scores=[r.score for r in store.risks()],
        hubs_total=len(hub_set),
        hubs_actioned=len(hub_set & (suspended | case_subjects)),
        hubs_suspended=coverage.suspended,
        hubs_queued=coverage.queued,
        hubs_watched=coverage.watched,
    )
