"""Live assessment: flow.py's assess-and-enforce, per batch, for the accounts a batch touches.

A batch runs in three steps, so that a poison event can be told from a broken store:

1. `load` reads from the store what the touched accounts' scores depend on: profiles, posts,
   reports, the reporters, the risk saved before. A failure here is the store's, and the
   worker retries the batch.
2. `score` is pure computation on that context and the batch's own records: text and known
   content, report figures, fusion, policy. A failure here is an event's (a malformed
   record the parser let through, a signal that raises on it): the worker scores the
   batch's messages one at a time to find it, and sends it to the dead letters. Nothing of a
   poison event has been written.
3. `apply` writes: the records (store.write_batch, de-duplicated by id), the risks, and the
   policy's effects, each idempotent as in flow.apply_policy: a subject with a waiting case
   gets no second one, a suspended account is not suspended again (the executor's
   idempotency key), a report is logged once and a brigade flagged once. So a replayed
   batch writes nothing new.

What differs from the batch pipeline, on purpose (docs/streaming.md, "Scope of a live score"):

- Network and evasion: the components the last `cordon assess` saved, with their evidence,
  carried into every live score of the account (they need the whole graph). An account that
  no assessment has seen has neither: its live score is text, known content and reports.
  An interaction is therefore written but re-scores nobody (`_touched_targets`).
- Reporter reliability: measured on the reports the context holds, i.e. every stored report
  about the accounts the batch touches and their posts, with the verdicts of the whole log;
  not on what the reporter filed about other accounts. A reporter whose reports elsewhere
  were upheld (or dismissed) weighs here as a new reporter does, 1.0, where the batch
  pipeline gives up to 2 (or down to near 0). This report component is recomputed on every
  live score, so `cordon assess` corrects it only until the account's next event.

Returning accounts at sign-up: with a SignupDetector (feeds/signup.py), a brand-new account
is matched against the suspended accounts on its profile and its first follows, before it
posts, and that score is its evasion component (the higher of it and the saved one). A follow
by an account still in sign-up re-scores it. The detector's memory of accounts in sign-up is
the worker's own (lost on restart: those accounts are then scored by the next `cordon
assess`), and it is refitted when the log shows new suspensions.

An account the store does not hold (a post arrived before its author's profile) is scored
and may get a case, but is not suspended: there is no row to suspend, and an actuator
failing on it would make the batch retry forever. The suspension happens when its account
event arrives and re-scores it with the posts already stored (`Applied.deferred` counts
these; each is logged).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson

from cordon.cases.reports import DUPLICATE, ReportFigures, report_figures
from cordon.domain import (
    Account,
    AccountRisk,
    Action,
    ActionKind,
    EventName,
    Interaction,
    ModerationEvent,
    Post,
    Report,
    SubjectKind,
    SubjectRef,
)
from cordon.enforce import Executor
from cordon.feeds.signup import SignupDetector
from cordon.ingest.records import Record
from cordon.policy import OpenCase, Policy, Suspend, evaluate
from cordon.risk.evasion import EvasionScore
from cordon.risk.fusion import fuse
from cordon.risk.network import NetworkScore
from cordon.signals.accounts import TextScorer
from cordon.signals.known import NOTHING_KNOWN, KnownContent
from cordon.store import Store
from cordon.store.base import WriteResult
from cordon.stream.log_view import LogView

Clock = Callable[[], datetime]
log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Records:
    """A batch's records by kind, in arrival order."""

    accounts: list[Account] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)

    @classmethod
    def of(cls, records: Iterable[Record]) -> Records:
        out = cls()
        for r in records:
            if isinstance(r, Account):
                out.accounts.append(r)
            elif isinstance(r, Post):
                out.posts.append(r)
            elif isinstance(r, Interaction):
                out.interactions.append(r)
            elif isinstance(r, Report):
                out.reports.append(r)
            else:
                raise TypeError(f"not a cordon record: {type(r).__name__}")
        return out


@dataclass
class Context:
    """What the store holds about the touched accounts, read before scoring."""

    accounts: dict[SubjectRef, Account] = field(default_factory=dict)  # those the store holds
    posts: dict[SubjectRef, list[Post]] = field(default_factory=dict)
    reports: dict[str, Report] = field(default_factory=dict)
    reporters: dict[SubjectRef, Account] = field(default_factory=dict)
    post_authors: dict[SubjectRef, SubjectRef] = field(default_factory=dict)
    prior: dict[SubjectRef, AccountRisk] = field(default_factory=dict)
    # Evasion scores at sign-up (SignupDetector), for new accounts and their early follows.
    signup: dict[SubjectRef, EvasionScore] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Scored:
    """Step 2's output: each touched account's risk, the report figures, and the policy's
    decisions, ready to apply."""

    records: Records
    risks: list[AccountRisk]
    figures: ReportFigures
    decisions: dict[SubjectRef, list]
    profiles: frozenset[SubjectRef] = frozenset()  # accounts with a profile, stored or in the batch


@dataclass(frozen=True, slots=True)
class AccountResult:
    """What a batch did to one account: published on the results topic."""

    account: SubjectRef
    score: float
    components: dict[str, float]
    case_id: str | None
    case_opened: bool
    suspended: bool

    def to_json(self, **extra: object) -> bytes:
        return orjson.dumps({
            "v": 1, "account": str(self.account), "score": self.score, "components": self.components,
            "case_id": self.case_id, "case_opened": self.case_opened, "suspended": self.suspended, **extra,
        })


@dataclass
class Applied:
    written: dict[str, WriteResult] = field(default_factory=dict)
    results: list[AccountResult] = field(default_factory=list)
    cases_opened: int = 0
    suspended: int = 0
    reports_logged: int = 0
    brigades_flagged: int = 0
    deferred: int = 0  # suspensions put off: the account is not in the store yet


def _touched_targets(batch: Records) -> tuple[set[SubjectRef], set[SubjectRef]]:
    """The accounts whose risk the batch changes, and the posts reported in it (whose
    authors the store has to tell).

    An interaction (follow, repost, ...) is written but touches no account: it changes no
    component the live path computes. The network and evasion components that do depend on
    it come from the last `cordon assess` (module docstring), so re-scoring its source would
    read and score the account again to reach the same risk. On the scenario's traffic,
    two events in three are follows."""
    accounts = {a.ref for a in batch.accounts}
    accounts.update(p.author_ref for p in batch.posts)
    posts: set[SubjectRef] = set()
    for r in batch.reports:
        (accounts if r.subject.kind is SubjectKind.ACCOUNT else posts).add(r.subject)
    return accounts, posts


class LiveAssessor:
    """Scores and enforces, batch by batch. One per worker: it keeps the log view and the
    known-content lists between batches."""

    def __init__(
        self, store: Store, policy: Policy, executor: Executor, scorer: TextScorer | None = None,
        clock: Clock = _now, known_every: int = 100, signup: SignupDetector | None = None,
    ) -> None:
        from cordon.stream.scoring import CachingTextScorer

        self.store = store
        self.policy = policy
        self.executor = executor
        self.scorer = scorer or CachingTextScorer()
        self.clock = clock
        self.log = LogView()
        self._known: KnownContent | None = None
        self._known_every = known_every
        self._batches = 0
        # Subjects with a report in the store: read once, then kept up to date from the
        # batches' own reports and the log (which shows other workers' logged reports).
        self._reported: set[SubjectRef] | None = None
        self.signup = signup
        self._signup_fitted_at = -1  # the log's suspension count the detector was fitted on

    def maintain(self):
        """One round of housekeeping (cordon.cases.maintenance), on this worker's store."""
        from cordon.cases.maintenance import maintain

        return maintain(self.store, self.executor)

    # -- 1. read ---------------------------------------------------------------------------
    def load(self, batch: Records) -> Context:
        """Read what the touched accounts' scores depend on, and fold the new log events.

        A fixed number of queries per batch, whatever its size: the profiles, the posts and
        the reporters each in one query per chunk of accounts (store.get_accounts,
        store.posts_of), the saved risks in one. Reports are read only for subjects known to
        be reported (`_reported_subjects`), which are few."""
        self.log.refresh(self.store)
        if self._batches % self._known_every == 0:  # match lists change rarely: re-read now and then
            self._known = KnownContent.from_store(self.store)
        if self._reported is None:
            self._reported = {r.subject for r in self.store.reports()}
        self._batches += 1
        accounts, reported_posts = _touched_targets(batch)
        new_posts = {p.ref: p.author_ref for p in batch.posts}
        ctx = Context()
        ctx.post_authors = {ref: a for ref, a in new_posts.items() if ref in reported_posts}
        unknown = [p for p in reported_posts if p not in ctx.post_authors]
        ctx.post_authors.update(self.store.post_authors(unknown) if unknown else {})
        accounts.update(ctx.post_authors.values())
        ctx.accounts = self.store.get_accounts(accounts)
        if self.signup is not None:
            ctx.signup = self._signup_scores(batch, ctx.accounts)
            extra = [ref for ref in ctx.signup if ref not in accounts]  # re-scored by a follow
            ctx.accounts.update(self.store.get_accounts(extra) if extra else {})
            accounts.update(extra)
        ctx.posts = {ref: [] for ref in accounts}
        for post in self.store.posts_of(accounts):
            ctx.posts[post.author_ref].append(post)
        reported = self._reported | self.log.reported
        about = [ref for ref in accounts if ref in reported]
        about += [p.ref for posts in ctx.posts.values() for p in posts if p.ref in reported]
        for subject in about:
            for report in self.store.reports(subject):
                ctx.reports[report.id] = report
        reporters = {SubjectRef.account(r.platform, r.reporter_id) for r in [*ctx.reports.values(), *batch.reports]}
        ctx.reporters = self.store.get_accounts(reporters) if reporters else {}
        ctx.prior = {r.account: r for r in self.store.risks(accounts=accounts)} if accounts else {}
        return ctx

    def _signup_scores(self, batch: Records, stored: Mapping[SubjectRef, Account]) -> dict[SubjectRef, EvasionScore]:
        """The detector's scores for the batch's accounts in sign-up. Refitted first when the
        log shows suspensions it has not seen. Replaying a batch adds nothing: a follow is
        kept once, and an account the store already holds starts no new sign-up."""
        assert self.signup is not None
        if self.log.suspensions != self._signup_fitted_at:
            self.signup = self.signup.refit(self.store)
            self._signup_fitted_at = self.log.suspensions
        new = {a.ref for a in batch.accounts if a.ref not in stored}
        # Accounts, then follows, then posts: within a batch (milliseconds of traffic) a
        # post ends a sign-up after the follows that came with it.
        return self.signup.observe([*batch.accounts, *batch.interactions, *batch.posts], new)

    # -- 2. score (pure) ---------------------------------------------------------------------
    def score(self, batch: Records, ctx: Context) -> Scored:
        """Each touched account's risk and the policy's decisions on it. Raises when a
        signal does: the caller isolates the event that made it."""
        accounts, _ = _touched_targets(batch)
        accounts.update(a for a in ctx.post_authors.values())
        accounts.update(ctx.signup)
        profiles = {a.ref: a for a in batch.accounts}  # the newest profile wins
        new_posts: dict[SubjectRef, dict[str, Post]] = {}  # by author, then post id (one platform)
        for p in batch.posts:
            new_posts.setdefault(p.author_ref, {})[p.id] = p
        reports = dict(ctx.reports)
        reports.update((r.id, r) for r in batch.reports)
        figures = report_figures(reports.values(), self.log.decisions, ctx.reporters, ctx.post_authors)

        todo = []
        for ref in sorted(accounts, key=str):
            posts = {p.id: p for p in ctx.posts.get(ref, ())}  # a replayed post once
            posts.update(new_posts.get(ref, {}))
            todo.append((profiles.get(ref) or ctx.accounts.get(ref), ref, list(posts.values())))
        risks: list[AccountRisk] = []
        decisions: dict[SubjectRef, list] = {}
        for (_, ref, posts), (text, _) in zip(todo, self.scorer.score_accounts(todo), strict=True):
            known = self._known.score_posts(posts) if self._known else NOTHING_KNOWN
            network, evasion = _graph_components(ctx.prior.get(ref))
            early = ctx.signup.get(ref)
            if early is not None and (evasion is None or early.value > evasion.value):
                evasion = early
            risk = fuse(text, figures.get(ref, 0), known, network, evasion)
            risks.append(risk)
            decisions[ref] = evaluate(self.policy, risk, figures.get(ref, 0), brigaded=figures.brigaded(ref))
        return Scored(batch, risks, figures, decisions, frozenset(ctx.accounts) | frozenset(profiles))

    # -- 3. write ----------------------------------------------------------------------------
    def apply(self, scored: Scored) -> Applied:
        """Write the records, the risks and the policy's effects. Idempotent."""
        batch = scored.records
        out = Applied()
        out.written = self.store.write_batch(batch.accounts, batch.posts, batch.interactions, batch.reports)
        if self._reported is not None:
            self._reported.update(r.subject for r in batch.reports)
        self.store.save_risks(scored.risks)
        self.log.refresh(self.store)  # another worker may have opened a case meanwhile
        opened: dict[SubjectRef, str] = {}
        new_events: list[ModerationEvent] = []
        for risk in scored.risks:
            decisions = scored.decisions[risk.account]
            case_id = self.log.waiting_case(risk.account)
            opening = next((d for d in decisions if isinstance(d.effect, OpenCase)), None)
            if opening is not None and case_id is None:
                case_id = opened[risk.account] = uuid.uuid4().hex[:16]
                new_events.append(_case_opened(opening, risk, case_id, self.clock()))
            suspended = False
            suspend = next((d for d in decisions if isinstance(d.effect, Suspend)), None)
            if suspend is not None and risk.account not in scored.profiles:
                # A post (or follow, or report) whose account the store has never seen: there
                # is no account row to suspend, and the actuator would fail on every retry.
                # The case stays open; the account's own event, when it comes, re-scores it
                # with these posts and the suspension happens then.
                log.warning("not suspending %s (rule %s): the account is not in the store yet",
                            risk.account, suspend.rule.id)
                out.deferred += 1
                suspend = None
            if suspend is not None:
                self.store.append_events(new_events)
                new_events = []
                done = self.executor.execute(Action(
                    ActionKind.SUSPEND, risk.account, f"policy:{suspend.rule.id}",
                    suspend.rule.description, case_id, suspend.rule.id,
                ))
                suspended = done is not None
            out.results.append(AccountResult(
                risk.account, risk.score, risk.components, case_id, risk.account in opened, suspended,
            ))
        self.store.append_events(new_events)
        out.cases_opened = len(opened)
        out.suspended = sum(r.suspended for r in out.results)
        waiting = {r.account: r.case_id for r in out.results if r.case_id is not None}
        out.brigades_flagged = self._flag_brigades(scored.figures, waiting)
        out.reports_logged = self._log_reports(batch.reports, scored.figures, waiting)
        return out

    def _flag_brigades(self, figures: ReportFigures, cases: Mapping[SubjectRef, str]) -> int:
        """flow.flag_brigades, for the brigades found on the batch's targets."""
        new = [
            ModerationEvent(
                name=EventName.FLAGGED, actor="cordon:reports", created=self.clock(), subject=target,
                case_id=cases.get(target), reason=brigade.reason, payload=brigade.payload(),
            )
            for target, brigade in figures.brigades.items()
            if target not in self.log.brigades or self.log.brigades[target].isdisjoint(brigade.report_ids)
        ]
        self.store.append_events(new)
        return len(new)

    def _log_reports(self, reports: Sequence[Report], figures: ReportFigures, cases: Mapping[SubjectRef, str]) -> int:
        """flow.log_reports, for the batch's reports not logged yet."""
        new: list[ModerationEvent] = []
        seen = set(self.log.logged_reports)
        for r in reports:
            if r.id in seen:
                continue
            seen.add(r.id)
            payload: dict = {"report_id": r.id, "text": r.text[:2000]}
            case_id = None
            outcome = figures.outcomes.get(r.id)
            if outcome is not None:
                payload.update(account=str(outcome.target), status=outcome.status, weight=outcome.weight)
                if outcome.status != DUPLICATE:
                    case_id = cases.get(outcome.target)
            new.append(ModerationEvent(
                name=EventName.REPORT_RECEIVED, actor=f"reporter:{r.reporter_id}",
                created=r.created_at or self.clock(), subject=r.subject, case_id=case_id,
                reason=r.reason, payload=payload,
            ))
        self.store.append_events(new)
        return len(new)


def _graph_components(prior: AccountRisk | None) -> tuple[NetworkScore | None, EvasionScore | None]:
    """The network and evasion components the last full assessment saved, with their evidence."""
    if prior is None:
        return None, None
    found = {e.signal: e for e in prior.evidence}
    network = prior.components.get("network", 0.0)
    evasion = prior.components.get("evasion", 0.0)
    net_ev = found.get("network.expansion")
    eva_ev = found.get("evasion.returning")
    return (
        NetworkScore(network, net_ev) if network and net_ev is not None else None,
        EvasionScore(evasion, eva_ev) if evasion and eva_ev is not None else None,
    )


def _case_opened(opening, risk: AccountRisk, case_id: str, when: datetime) -> ModerationEvent:
    effect = opening.effect
    only_reports = all(c.fact in ("reports", "brigaded") for c in opening.rule.when)
    return ModerationEvent(
        name=EventName.CASE_OPENED, actor=f"policy:{opening.rule.id}", created=when,
        subject=risk.account, case_id=case_id, reason=opening.rule.description,
        payload={
            "queue": effect.queue,
            "priority": round(effect.priority + risk.score, 4),
            "policy_clause": opening.rule.id,
            "risk": risk.score,
            "source": "reports" if only_reports else "detection",
        },
    )
