"""The figures a transparency report gives about the moderation log, as plain values.

fold.py computes them in one pass over the log; transparency.py puts them in a report.
Every figure is explained, with how it is computed, in docs/reports.md.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from cordon.domain import ActionKind

# Twitter's transparency reports for 2016-17 gave 74% to 95% of its terrorism suspensions as
# found by its own tools rather than by user reports: the reference band on the chart.
TWITTER_PROACTIVE_RANGE = (0.74, 0.95)
TWITTER_PROACTIVE_SOURCE = "Twitter transparency reports, terrorism, 2016-17"


@dataclass(slots=True)
class Durations:
    """Hours from a subject's first detection or report to the first action on it."""

    hours: list[float] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.hours)

    @property
    def median(self) -> float | None:
        return self._percentile(50)

    @property
    def p90(self) -> float | None:
        return self._percentile(90)

    def _percentile(self, q: float) -> float | None:
        # Linear interpolation between the closest ranks (numpy's default), so a handful of
        # cases gives a figure between two of them rather than jumping to one.
        return float(np.percentile(self.hours, q)) if self.hours else None


@dataclass(slots=True)
class Proactive:
    """Cases opened by cordon's own detection against those opened by user reports."""

    detection: int = 0
    reports: int = 0
    # Cases whose opening event does not say where they came from (an older log).
    unknown: int = 0
    # "YYYY-MM" -> [detection, reports], for the chart.
    by_month: dict[str, list[int]] = field(default_factory=dict)

    @property
    def share(self) -> float | None:
        total = self.detection + self.reports
        return None if total == 0 else self.detection / total

    def monthly_shares(self) -> dict[str, float]:
        return {m: d / (d + r) for m, (d, r) in sorted(self.by_month.items()) if d + r}


@dataclass(slots=True)
class WatchFigures:
    """Intelligence and law-enforcement holds: the account stays up and is observed."""

    placed: int = 0
    lifted: int = 0
    expired: int = 0
    # Holds in force at the end of the period: placed, not lifted or expired, expiry ahead.
    active: int = 0
    # Holds whose expiry has passed with no WATCH_EXPIRED recorded: expiry enforcement is late.
    overdue: int = 0
    # Actions refused because of a hold, by action; suspensions are the ones that matter.
    blocked: Counter[str] = field(default_factory=Counter)
    # Holds placed, by the body that asked for them.
    by_body: Counter[str] = field(default_factory=Counter)

    @property
    def suspensions_blocked(self) -> int:
        return self.blocked.get(ActionKind.SUSPEND.value, 0)


@dataclass(slots=True)
class AppealFigures:
    appealed: int = 0
    overturned: int = 0
    upheld: int = 0
    # Appeal decisions that were neither overturn nor uphold.
    other: int = 0
    # Appeals not yet decided at the end of the period.
    pending: int = 0
    # Reinstatements executed on cases whose appeal was overturned.
    reinstated: int = 0

    @property
    def decided(self) -> int:
        return self.overturned + self.upheld + self.other

    @property
    def overturn_rate(self) -> float | None:
        settled = self.overturned + self.upheld
        return None if settled == 0 else self.overturned / settled


@dataclass(slots=True)
class LogFigures:
    """Everything the report reads from the moderation log, for one period."""

    actions: Counter[str] = field(default_factory=lambda: Counter({k.value: 0 for k in ActionKind}))
    actions_by_clause: Counter[str] = field(default_factory=Counter)
    actions_by_queue: Counter[str] = field(default_factory=Counter)
    proactive: Proactive = field(default_factory=Proactive)
    time_to_action: Durations = field(default_factory=Durations)
    time_to_action_by_queue: dict[str, Durations] = field(default_factory=dict)
    watch: WatchFigures = field(default_factory=WatchFigures)
    appeals: AppealFigures = field(default_factory=AppealFigures)
    escalations: int = 0
    escalated_subjects: int = 0
    evidence_preserved: int = 0
    preserved_subjects: int = 0
    cases_by_queue: Counter[str] = field(default_factory=Counter)
    cases_by_state: Counter[str] = field(default_factory=Counter)
