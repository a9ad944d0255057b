"""Transparency figures, computed from the store and its moderation log alone.

The log is read once (fold.py); accounts and risks once each; hub coverage looks up only the
hubs. docs/reports.md says what each figure means and how it is computed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from cordon.domain import AccountStatus, EventName, SubjectRef
from cordon.graph.hubs import HubCoverage, hub_coverage
from cordon.reports.figures import TWITTER_PROACTIVE_RANGE, LogFigures
from cordon.reports.fold import fold_log
from cordon.reports.period import Period
from cordon.store import Store


@dataclass
class TransparencyReport:
    generated: datetime
    counts: dict[str, int]
    account_status: Counter[str]
    log: LogFigures
    period: Period = field(default_factory=Period)
    risk_scores: list[float] = field(default_factory=list)
    hubs_total: int = 0
    hubs_actioned: int = 0
    # Of the hubs: suspended, queued (a case waiting on review), watched (graph/hubs.py).
    hubs_suspended: int = 0
    hubs_queued: int = 0
    hubs_watched: int = 0

    # -- the headline figures, by the names the console and older callers use -----------
    @property
    def actions(self) -> Counter[str]:
        """Executed actions in the period, by type (every type listed, zeros included)."""
        return self.log.actions

    @property
    def cases_by_queue(self) -> Counter[str]:
        return self.log.cases_by_queue

    @property
    def cases_by_state(self) -> Counter[str]:
        return self.log.cases_by_state

    @property
    def proactive_cases(self) -> int:
        return self.log.proactive.detection

    @property
    def report_cases(self) -> int:
        return self.log.proactive.reports

    @property
    def proactive_share(self) -> float | None:
        return self.log.proactive.share

    @property
    def median_hours_to_action(self) -> float | None:
        return self.log.time_to_action.median

    @property
    def hubs_sentence(self) -> str:
        """'13 of 16 hubs suspended, 2 queued for review, 1 watched.' ('' with no hubs)."""
        if not self.hubs_total:
            return ""
        return HubCoverage(self.hubs_total, self.hubs_suspended, self.hubs_queued, self.hubs_watched).sentence

    def rows(self) -> list[tuple[str, str, object]]:
        """Flat (section, metric, value) rows for the CSV export."""
        log = self.log
        p = log.proactive
        ttl = log.time_to_action
        rows: list[tuple[str, str, object]] = [
            ("period", "since", self.period.since.isoformat() if self.period.since else ""),
            ("period", "until", self.period.until.isoformat() if self.period.until else ""),
        ]
        rows += [("store", k, v) for k, v in self.counts.items()]
        rows += [("account_status", k, v) for k, v in sorted(self.account_status.items())]
        rows += [("cases_by_queue", k, v) for k, v in sorted(log.cases_by_queue.items())]
        rows += [("cases_by_state", k, v) for k, v in sorted(log.cases_by_state.items())]
        rows += [("actions", k, v) for k, v in sorted(log.actions.items())]
        rows += [("actions_by_violation", k, v) for k, v in sorted(log.actions_by_clause.items())]
        rows += [("actions_by_queue", k, v) for k, v in sorted(log.actions_by_queue.items())]
        rows += [
            ("detection", "proactive_cases", p.detection),
            ("detection", "report_cases", p.reports),
            ("detection", "unknown_source_cases", p.unknown),
            ("detection", "proactive_share", _fmt(p.share)),
            ("detection", "twitter_2016_17_low", TWITTER_PROACTIVE_RANGE[0]),
            ("detection", "twitter_2016_17_high", TWITTER_PROACTIVE_RANGE[1]),
        ]
        rows += [("detection_by_month", m, _fmt(s)) for m, s in p.monthly_shares().items()]
        rows += [
            ("speed", "median_hours_to_action", _fmt(ttl.median)),
            ("time_to_action", "actions_timed", ttl.count),
            ("time_to_action", "median_hours", _fmt(ttl.median)),
            ("time_to_action", "p90_hours", _fmt(ttl.p90)),
        ]
        for queue, d in sorted(log.time_to_action_by_queue.items()):
            rows += [
                (f"time_to_action:{queue}", "actions_timed", d.count),
                (f"time_to_action:{queue}", "median_hours", _fmt(d.median)),
                (f"time_to_action:{queue}", "p90_hours", _fmt(d.p90)),
            ]
        w = log.watch
        rows += [
            ("watch", "placed", w.placed),
            ("watch", "active", w.active),
            ("watch", "lifted", w.lifted),
            ("watch", "expired", w.expired),
            ("watch", "overdue", w.overdue),
            ("watch", "suspensions_blocked", w.suspensions_blocked),
        ]
        rows += [("watch_blocked", k, v) for k, v in sorted(w.blocked.items())]
        rows += [("watch_by_requesting_body", k, v) for k, v in sorted(w.by_body.items())]
        a = log.appeals
        rows += [
            ("appeals", "appealed", a.appealed),
            ("appeals", "decided", a.decided),
            ("appeals", "overturned", a.overturned),
            ("appeals", "upheld", a.upheld),
            ("appeals", "other_decisions", a.other),
            ("appeals", "pending", a.pending),
            ("appeals", "overturn_rate", _fmt(a.overturn_rate)),
            ("appeals", "reinstated_after_overturn", a.reinstated),
            ("escalation", "escalations", log.escalations),
            ("escalation", "accounts_escalated", log.escalated_subjects),
            ("evidence", "preserved", log.evidence_preserved),
            ("evidence", "accounts_preserved", log.preserved_subjects),
            ("hubs", "total", self.hubs_total),
            ("hubs", "actioned", self.hubs_actioned),
            ("hubs", "suspended", self.hubs_suspended),
            ("hubs", "queued", self.hubs_queued),
            ("hubs", "watched", self.hubs_watched),
        ]
        return rows


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def build_report(
    store: Store, hubs: Iterable[SubjectRef] = (), period: Period | None = None, now: datetime | None = None
) -> TransparencyReport:
    """The report for `period` (all time by default), as of `now`.

    `hubs` are the designated distribution hubs (or the ranker's best: graph.hubs.top_hubs);
    a hub counts as actioned when it has a case or has been suspended, and hub_coverage splits
    them into suspended, queued for review and watched. Hub coverage and account status are
    the store's state now, whatever the period."""
    period = period or Period()
    now = now or datetime.now(timezone.utc)
    hub_set = set(hubs)
    fold = fold_log(store.events(), period, now, hub_set)
    log = fold.figures()
    statuses: Counter[str] = Counter()
    suspended_hubs: set[SubjectRef] = set()
    for account in store.accounts():
        statuses[account.status.value] += 1
        if hub_set and account.status is AccountStatus.SUSPENDED and account.ref in hub_set:
            suspended_hubs.add(account.ref)
    report = TransparencyReport(
        generated=now,
        counts=store.counts(),
        account_status=statuses,
        log=log,
        period=period,
        risk_scores=[r.score for r in store.risks()],
    )
    if hub_set:
        case_subjects = {e.subject for e in fold.hub_events if e.name is EventName.CASE_OPENED}
        coverage = hub_coverage(store, hub_set, events=fold.hub_events)
        report.hubs_total = len(hub_set)
        report.hubs_actioned = len(suspended_hubs | (hub_set & case_subjects))
        report.hubs_suspended = coverage.suspended
        report.hubs_queued = coverage.queued
        report.hubs_watched = coverage.watched
    return report
