"""User reports as evidence: de-duplicated, weighed by their reporter's record, and guarded
against brigades.

Everything here is derived from the stored reports, the reporters' accounts and the moderation
log, so it can be recomputed (and replayed by a backtest) at any time:

* **De-duplication.** A report id counts once however often it is delivered, and a reporter
  counts once against an account however often they report it (or its posts).
* **Reliability.** A report is *upheld* when the subject it names was decided with a violating
  decision (suspend, restrict, uphold) and *dismissed* when decided otherwise (no_action,
  dismiss, reinstate, overturn); the latest decision on a subject wins. A reporter's
  reliability is the mean of Beta(1 + upheld, 1 + dismissed), so a new reporter starts at 0.5.
  A report weighs reliability / 0.5: a new reporter's report counts 1, a trusted reporter's
  up to 2, a reporter whose reports keep being dismissed towards 0. A report's own outcome is
  left out of its weight (leave-one-out), so a decision on a subject never feeds back into the
  figure for that same subject.
* **Brigading.** A burst of reports on one account from reporters who are new (created shortly
  before they report), alike (created close together, with few followers) or unreliable is
  a brigade, not a crowd of witnesses. Their reports weigh 0 and the account is marked
  brigaded, with the evidence, for a senior moderator; the reports alone never act on it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import TYPE_CHECKING, Any

from cordon.domain import Account, EventName, ModerationEvent, Report, SubjectKind, SubjectRef

if TYPE_CHECKING:
    from cordon.store import Store

#: Human decisions that say the subject broke the rules, and those that say it did not.
VIOLATING = frozenset({"suspend", "restrict", "uphold"})
NOT_VIOLATING = frozenset({"no_action", "dismiss", "reinstate", "overturn"})

#: The flag a brigade raises: FLAGGED events with payload {"flag": BRIGADING, ...}.
BRIGADING = "brigading"

# Beta prior on a reporter's reliability: Beta(1, 1), uniform, mean 0.5.
PRIOR_UPHELD = 1.0
PRIOR_DISMISSED = 1.0
PRIOR_MEAN = PRIOR_UPHELD / (PRIOR_UPHELD + PRIOR_DISMISSED)

# Ids kept in a brigade's evidence: enough for a moderator to act on the reporters, and for a
# later run to recognise a brigade already flagged.
EVIDENCE_IDS = 1000


def is_violating(decision: object) -> bool | None:
    """True for a violating decision, False for one that clears the subject, None otherwise
    (an escalation, a watch, or a word this module does not know)."""
    if decision in VIOLATING:
        return True
    if decision in NOT_VIOLATING:
        return False
    return None


def verdicts(events: Iterable[ModerationEvent]) -> dict[SubjectRef, bool]:
    """The latest human verdict on each subject: True violating, False not. An overturned
    appeal counts as it ended."""
    out: dict[SubjectRef, bool] = {}
    for event in events:
        if event.name is EventName.DECIDED:
            verdict = is_violating(event.payload.get("decision"))
            if verdict is not None:
                out[event.subject] = verdict
    return out


@dataclass(frozen=True, slots=True)
class Reliability:
    """A reporter's record: how many of their (distinct) reports were upheld and dismissed."""

    upheld: int = 0
    dismissed: int = 0

    @property
    def decided(self) -> int:
        return self.upheld + self.dismissed

    @property
    def score(self) -> float:
        """Posterior mean of Beta(prior + upheld, prior + dismissed): 0.5 for a new reporter."""
        return (self.upheld + PRIOR_UPHELD) / (self.decided + PRIOR_UPHELD + PRIOR_DISMISSED)

    @property
    def weight(self) -> float:
        """What one of their reports counts: 1 for a new reporter, towards 2 or 0 with a record."""
        return self.score / PRIOR_MEAN

    def add(self, verdict: bool | None) -> Reliability:
        if verdict is None:
            return self
        return Reliability(self.upheld + verdict, self.dismissed + (not verdict))

    def without(self, verdict: bool | None) -> Reliability:
        """The record less one report's outcome (leave-one-out)."""
        if verdict is None:
            return self
        return Reliability(self.upheld - verdict, self.dismissed - (not verdict))


@dataclass(frozen=True, slots=True)
class BrigadeRules:
    """What makes a burst of reports a brigade. Every figure is a default a platform may tune."""

    # A reporter is new when their account is younger than this when they report.
    new_account_age: timedelta = timedelta(days=30)
    # Reporters are alike when at least min_reporters of them, each with at most few_followers
    # followers, were created within this window of one another.
    creation_window: timedelta = timedelta(days=7)
    few_followers: int = 50
    # A reporter is unreliable with at least this many decided reports and a score this low.
    unreliable_score: float = 0.25
    unreliable_decided: int = 2
    # A burst: at least min_reporters suspect reporters within burst_window...
    burst_window: timedelta = timedelta(days=3)
    min_reporters: int = 10
    # ...making up at least this share of everyone who reported the account during the burst,
    # so a crowd of honest witnesses with a few new accounts among them is no brigade.
    min_share: float = 0.5


@dataclass(frozen=True, slots=True)
class Brigade:
    """A burst of reports on one account that looks organised, and the evidence for it."""

    target: SubjectRef
    reporter_ids: tuple[str, ...]
    # Every report id the brigade's reporters filed against the target, duplicates included.
    report_ids: tuple[str, ...]
    new_reporters: int
    alike_reporters: int
    unreliable_reporters: int
    burst_from: datetime
    burst_to: datetime
    created_from: datetime | None
    created_to: datetime | None
    median_followers: float | None
    # Everyone who reported the target during the burst, the brigade included.
    reporters_in_burst: int
    # What their reports would have weighed without the discount.
    discounted_weight: float

    @property
    def reason(self) -> str:
        span = _duration(self.burst_to - self.burst_from)
        created = ""
        if self.created_from and self.created_to:
            created = f", accounts created within {_duration(self.created_to - self.created_from)}"
        return (
            f"brigading: {len(self.reporter_ids)} suspect reporters filed {len(self.report_ids)} "
            f"reports within {span}{created}; their reports are discounted"
        )

    def payload(self) -> dict[str, Any]:
        """The evidence, as a FLAGGED event's payload."""
        return {
            "flag": BRIGADING,
            "reporters": len(self.reporter_ids),
            "reports": len(self.report_ids),
            "new_reporters": self.new_reporters,
            "alike_reporters": self.alike_reporters,
            "unreliable_reporters": self.unreliable_reporters,
            "reporters_in_burst": self.reporters_in_burst,
            "burst_from": _iso(self.burst_from),
            "burst_to": _iso(self.burst_to),
            "created_from": _iso(self.created_from),
            "created_to": _iso(self.created_to),
            "median_followers": self.median_followers,
            "discounted_weight": round(self.discounted_weight, 4),
            "reporter_ids": list(self.reporter_ids[:EVIDENCE_IDS]),
            "report_ids": list(self.report_ids[:EVIDENCE_IDS]),
        }


#: What became of one report: it counts, it repeats an earlier one, or a brigade filed it.
COUNTED, DUPLICATE, BRIGADED = "counted", "duplicate", "brigade"


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    target: SubjectRef  # the account it counts against (a post's author), or the post
    status: str  # COUNTED, DUPLICATE or BRIGADED
    weight: float


@dataclass
class ReportFigures(Mapping[SubjectRef, float]):
    """Per account: the reliability-weighted, de-duplicated report figure (the policy's
    `reports` fact). A read-only mapping account -> figure, with the detail beside it."""

    weighted: dict[SubjectRef, float] = field(default_factory=dict)
    # Distinct reporters per account (every report, brigades included).
    reporters: Counter[SubjectRef] = field(default_factory=Counter)
    brigades: dict[SubjectRef, Brigade] = field(default_factory=dict)
    # Per reporter (their account ref): every decided report they filed, counted once.
    reliability: dict[SubjectRef, Reliability] = field(default_factory=dict)
    outcomes: dict[str, ReportOutcome] = field(default_factory=dict)
    received: int = 0  # distinct report ids
    redelivered: int = 0  # the same report id again

    def __getitem__(self, account: SubjectRef) -> float:
        return self.weighted[account]

    def __iter__(self) -> Iterator[SubjectRef]:
        return iter(self.weighted)

    def __len__(self) -> int:
        return len(self.weighted)

    def brigaded(self, account: SubjectRef) -> float:
        """1.0 when a brigade reported the account (the policy's `brigaded` fact), else 0.0."""
        return 1.0 if account in self.brigades else 0.0

    @property
    def duplicates(self) -> int:
        """Reports that repeat one already counted: a reporter again on the same account."""
        return sum(1 for o in self.outcomes.values() if o.status == DUPLICATE)

    @property
    def discounted(self) -> int:
        return sum(1 for o in self.outcomes.values() if o.status == BRIGADED)


@dataclass(slots=True)
class _Filed:
    """One reporter's first report on one target, and how many times they reported it."""

    report: Report
    reporter: SubjectRef
    ids: list[str]
    verdict: bool | None
    weight: float = 0.0


def report_figures(
    reports: Iterable[Report],
    events: Iterable[ModerationEvent] = (),
    accounts: Mapping[SubjectRef, Account] | None = None,
    post_authors: Mapping[SubjectRef, SubjectRef] | None = None,
    rules: BrigadeRules = BrigadeRules(),
) -> ReportFigures:
    """The report figures from the reports, the log's decisions, and what is known of the
    reporters' accounts (`accounts`, by account ref) and the reported posts' authors."""
    accounts = accounts or {}
    post_authors = post_authors or {}
    decided = verdicts(events)
    figures = ReportFigures()

    # De-duplicate: a report id once; a reporter once per target, their first report.
    filed: dict[tuple[SubjectRef, SubjectRef], _Filed] = {}
    seen: set[str] = set()
    for report in sorted(reports, key=_report_order):
        if report.id in seen:
            figures.redelivered += 1
            continue
        seen.add(report.id)
        target = report.subject
        if target.kind is SubjectKind.POST:
            target = post_authors.get(target, target)
        reporter = SubjectRef.account(report.platform, report.reporter_id)
        key = (reporter, target)
        if key in filed:
            filed[key].ids.append(report.id)
            figures.outcomes[report.id] = ReportOutcome(target, DUPLICATE, 0.0)
            continue
        verdict = decided.get(target, decided.get(report.subject))
        filed[key] = _Filed(report, reporter, [report.id], verdict)
    figures.received = len(seen)

    # Reliability over distinct reports, then each report's weight without its own outcome.
    records: dict[SubjectRef, Reliability] = defaultdict(Reliability)
    for f in filed.values():
        records[f.reporter] = records[f.reporter].add(f.verdict)
    figures.reliability = dict(records)
    by_target: dict[SubjectRef, list[_Filed]] = defaultdict(list)
    for (_, target), f in filed.items():
        f.weight = records[f.reporter].without(f.verdict).weight
        by_target[target].append(f)

    for target, items in by_target.items():
        brigade = _detect(target, items, accounts, records, rules)
        members = set(brigade.reporter_ids) if brigade else set()
        total = 0.0
        for f in items:
            status = BRIGADED if f.report.reporter_id in members else COUNTED
            weight = f.weight if status == COUNTED else 0.0
            total += weight
            figures.outcomes[f.report.id] = ReportOutcome(target, status, round(weight, 4))
            if status == BRIGADED:
                for dup in f.ids[1:]:
                    figures.outcomes[dup] = ReportOutcome(target, BRIGADED, 0.0)
        figures.weighted[target] = round(total, 4)
        figures.reporters[target] = len(items)
        if brigade is not None:
            figures.brigades[target] = brigade
    return figures


def _report_order(report: Report) -> tuple:
    when = report.created_at
    return (when is None, when.timestamp() if when else 0.0, report.id)


def _detect(
    target: SubjectRef, items: list[_Filed], accounts: Mapping[SubjectRef, Account],
    records: Mapping[SubjectRef, Reliability], rules: BrigadeRules,
) -> Brigade | None:
    """The brigade among a target's reporters, if there is one."""
    if len(items) < rules.min_reporters:
        return None
    timed = [f for f in items if f.report.created_at is not None]
    new: set[str] = set()
    unreliable: set[str] = set()
    for f in timed:
        account = accounts.get(f.reporter)
        made = account.created_at if account is not None else None
        if made is not None and f.report.created_at - made < rules.new_account_age:  # type: ignore[operator]
            new.add(f.report.reporter_id)
        record = records[f.reporter].without(f.verdict)
        if record.decided >= rules.unreliable_decided and record.score <= rules.unreliable_score:
            unreliable.add(f.report.reporter_id)
    alike = _alike(timed, accounts, rules)
    suspects = sorted(
        (f for f in timed if f.report.reporter_id in new | unreliable | alike),
        key=lambda f: f.report.created_at,  # type: ignore[arg-type, return-value]
    )
    burst = _bursts([f.report.created_at for f in suspects], rules)  # type: ignore[misc]
    members = [f for f, inside in zip(suspects, burst, strict=True) if inside]
    if len(members) < rules.min_reporters:
        return None
    start, end = members[0].report.created_at, members[-1].report.created_at
    during = sum(1 for f in timed if start <= f.report.created_at <= end)  # type: ignore[operator]
    if len(members) < rules.min_share * during:
        return None
    ids = {f.report.reporter_id for f in members}
    made = [a.created_at for f in members if (a := accounts.get(f.reporter)) and a.created_at]
    followers = [
        a.followers_count for f in members
        if (a := accounts.get(f.reporter)) and a.followers_count is not None
    ]
    return Brigade(
        target=target,
        reporter_ids=tuple(f.report.reporter_id for f in members),
        report_ids=tuple(i for f in members for i in f.ids),
        new_reporters=len(ids & new),
        alike_reporters=len(ids & alike),
        unreliable_reporters=len(ids & unreliable),
        burst_from=start,  # type: ignore[arg-type]
        burst_to=end,  # type: ignore[arg-type]
        created_from=min(made) if made else None,
        created_to=max(made) if made else None,
        median_followers=float(median(followers)) if followers else None,
        reporters_in_burst=during,
        discounted_weight=sum(f.weight for f in members),
    )


def _alike(items: list[_Filed], accounts: Mapping[SubjectRef, Account], rules: BrigadeRules) -> set[str]:
    """Reporters with few followers created close together: at least min_reporters of them
    within creation_window of one another (every such window, merged)."""
    made = sorted(
        (a.created_at, f.report.reporter_id)
        for f in items
        if (a := accounts.get(f.reporter)) is not None and a.created_at is not None
        and (a.followers_count is None or a.followers_count <= rules.few_followers)
    )
    inside = _dense([t for t, _ in made], rules.creation_window, rules.min_reporters)
    return {who for (_, who), hit in zip(made, inside, strict=True) if hit}


def _bursts(times: list[datetime], rules: BrigadeRules) -> list[bool]:
    return _dense(times, rules.burst_window, rules.min_reporters)


def _dense(times: list[datetime], window: timedelta, least: int) -> list[bool]:
    """For sorted times: which fall in some window of the given width holding at least
    `least` of them. Two pointers, linear."""
    inside = [False] * len(times)
    end = 0
    marked = -1  # every index up to here is marked already
    for start in range(len(times)):
        end = max(end, start)
        while end + 1 < len(times) and times[end + 1] - times[start] <= window:
            end += 1
        if end - start + 1 >= least:
            for i in range(max(start, marked + 1), end + 1):
                inside[i] = True
            marked = end
    return inside


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def _duration(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.1f} days"


# Above this many reporters, their accounts are read in one pass over the store's accounts
# rather than one look-up each.
_LOOKUPS = 2000


def figures_from_store(
    store: Store, events: Iterable[ModerationEvent] | None = None, rules: BrigadeRules = BrigadeRules()
) -> ReportFigures:
    """report_figures over the store's reports, its log (`events`, when the caller has read
    it already), the reporters' accounts and the reported posts' authors."""
    reports = list(store.reports())
    reporters = {SubjectRef.account(r.platform, r.reporter_id) for r in reports}
    accounts: dict[SubjectRef, Account] = {}
    if len(reporters) <= _LOOKUPS:
        for ref in reporters:
            if (account := store.get_account(ref)) is not None:
                accounts[ref] = account
    else:
        accounts = {a.ref: a for a in store.accounts() if a.ref in reporters}
    posts = {r.subject for r in reports if r.subject.kind is SubjectKind.POST}
    authors = store.post_authors(posts) if posts else {}
    decisions = (
        e for e in (store.events() if events is None else events) if e.name is EventName.DECIDED
    )
    return report_figures(reports, decisions, accounts, authors, rules)
