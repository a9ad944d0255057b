"""The pipeline after ingest, as plain function calls on domain objects:
store → signals → risk → policy → cases and enforcement. `cordon demo` and the CLI call these."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import groupby

from cordon.cases import fold_cases
from cordon.cases.queue import WAITING
from cordon.domain import (
    AccountRisk,
    Action,
    ActionKind,
    EventName,
    ModerationEvent,
    SubjectKind,
    SubjectRef,
)
from cordon.enforce import Executor
from cordon.policy import OpenCase, Policy, Suspend, evaluate
from cordon.risk.evasion import evasion_scores
from cordon.risk.fusion import fuse
from cordon.risk.network import network_scores
from cordon.signals.accounts import AccountScores, PostScores, TextScorer
from cordon.signals.known import NOTHING_KNOWN, KnownContent
from cordon.store import Store

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def report_counts(store: Store) -> Counter[SubjectRef]:
    """Reports per account. A report on a post counts against the post's author."""
    counts: Counter[SubjectRef] = Counter()
    reported_posts: Counter[SubjectRef] = Counter()
    for report in store.reports():
        if report.subject.kind is SubjectKind.ACCOUNT:
            counts[report.subject] += 1
        else:
            reported_posts[report.subject] += 1
    for post, author in store.post_authors(reported_posts).items():
        counts[author] += reported_posts[post]
    return counts


# Posts scored per batch: the text models are vectorised, and small batches waste that.
SCORE_BATCH = 4096


def score_accounts(store: Store, scorer: TextScorer | None = None) -> Iterator[tuple[AccountScores, list[PostScores]]]:
    """Every account's text scores, with its scored posts. Accounts without posts are scored
    on their profile alone."""
    scorer = scorer or TextScorer()
    profiles = {a.ref: a for a in store.accounts()}
    seen: set[SubjectRef] = set()
    pending: list[tuple] = []
    size = 0

    for ref, group in groupby(store.posts(), key=lambda p: p.author_ref):
        posts = list(group)
        seen.add(ref)
        pending.append((profiles.get(ref), ref, posts))
        size += len(posts) + 1
        if size >= SCORE_BATCH:
            yield from scorer.score_accounts(pending)
            pending, size = [], 0
    for ref, account in profiles.items():
        if ref not in seen:
            pending.append((account, ref, []))
            if len(pending) >= SCORE_BATCH:
                yield from scorer.score_accounts(pending)
                pending = []
    yield from scorer.score_accounts(pending)


@dataclass(frozen=True, slots=True)
class ContentScores:
    """What an account's own content says (text, known media and links): computed once per
    run, while the network and evasion components change as accounts are suspended."""

    text: AccountScores
    known: KnownScores


def content_scores(store: Store, scorer: TextScorer | None = None) -> list[ContentScores]:
    known = KnownContent.from_store(store)
    return [
        ContentScores(scores, known.score_posts([s.post for s in posts]) if known else NOTHING_KNOWN)
        for scores, posts in score_accounts(store, scorer)
    ]


def fuse_all(store: Store, content: list[ContentScores], reports: Counter[SubjectRef]) -> list[AccountRisk]:
    """Every account's risk: its content, and the network and returning accounts around the
    accounts suspended so far. Saved, and returned highest first."""
    network = network_scores(store)
    evasion = evasion_scores(store)
    risks = [
        fuse(c.text, reports.get(c.text.account, 0), c.known, network.get(c.text.account), evasion.get(c.text.account))
        for c in content
    ]
    store.save_risks(risks)
    return sorted(risks, key=lambda r: -r.score)


def assess(
    store: Store, scorer: TextScorer | None = None, reports: Counter[SubjectRef] | None = None
) -> list[AccountRisk]:
    """Score and fuse every account's risk, and save it. Returns the risks, highest first.
    `reports` is report_counts(store), when the caller already has it."""
    reports = report_counts(store) if reports is None else reports
    return fuse_all(store, content_scores(store, scorer), reports)


@dataclass
class PolicyOutcome:
    cases_opened: Counter[str] = field(default_factory=Counter)
    suspended: int = 0
    reports_logged: int = 0
    already_handled: int = 0


def log_reports(store: Store, clock: Clock = _now, events: Iterable[ModerationEvent] | None = None) -> int:
    """Turn ingested user reports into REPORT_RECEIVED events, once each. `events` is the log
    as read already, when the caller has it."""
    logged = {
        e.payload.get("report_id")
        for e in (store.events() if events is None else events)
        if e.name is EventName.REPORT_RECEIVED
    }
    events = [
        ModerationEvent(
            name=EventName.REPORT_RECEIVED, actor=f"reporter:{r.reporter_id}",
            created=r.created_at or clock(), subject=r.subject, reason=r.reason,
            payload={"report_id": r.id, "text": r.text[:2000]},
        )
        for r in store.reports()
        if r.id not in logged
    ]
    store.append_events(events)
    return len(events)


def apply_policy(
    store: Store, policy: Policy, risks: list[AccountRisk], executor: Executor, clock: Clock = _now,
    reports: Counter[SubjectRef] | None = None,
) -> PolicyOutcome:
    """Carry out the policy's effects. Idempotent: a subject with a waiting case gets no second
    one, and an account already suspended is not suspended again. `reports` is
    report_counts(store), when the caller already has it (assess needs it too)."""
    log = list(store.events())  # read once: for the reports already logged, and the cases
    outcome = PolicyOutcome(reports_logged=log_reports(store, clock, log))
    reports = report_counts(store) if reports is None else reports
    # The report events just appended carry no case: the log as read still folds right.
    waiting = {c.subject for c in fold_cases(log).values() if c.state in WAITING}
    new_events: list[ModerationEvent] = []
    for risk in risks:
        decisions = evaluate(policy, risk, reports.get(risk.account, 0))
        if not decisions:
            continue
        case_id: str | None = None
        opening = next((d for d in decisions if isinstance(d.effect, OpenCase)), None)
        if opening is not None and risk.account not in waiting:
            case_id = uuid.uuid4().hex[:16]
            waiting.add(risk.account)
            effect = opening.effect
            new_events.append(
                ModerationEvent(
                    name=EventName.CASE_OPENED, actor=f"policy:{opening.rule.id}", created=clock(),
                    subject=risk.account, case_id=case_id, reason=opening.rule.description,
                    payload={
                        "queue": effect.queue,
                        "priority": round(effect.priority + risk.score, 4),
                        "policy_clause": opening.rule.id,
                        "risk": risk.score,
                        "source": "reports" if _only_reports(opening.rule) else "detection",
                    },
                )
            )
            outcome.cases_opened[effect.queue] += 1
        elif opening is not None:
            outcome.already_handled += 1
        suspend = next((d for d in decisions if isinstance(d.effect, Suspend)), None)
        if suspend is not None:
            store.append_events(new_events)
            new_events = []
            done = executor.execute(
                Action(ActionKind.SUSPEND, risk.account, f"policy:{suspend.rule.id}",
                       suspend.rule.description, case_id, suspend.rule.id)
            )
            outcome.suspended += done is not None
    store.append_events(new_events)
    return outcome


# Rounds of assess-and-enforce at most: a round's suspensions are the next round's seeds.
MAX_ROUNDS = 3


def assess_and_enforce(
    store: Store, policy: Policy, executor: Executor, scorer: TextScorer | None = None, clock: Clock = _now,
) -> tuple[list[AccountRisk], PolicyOutcome]:
    """Assess every account and carry out the policy, until a round suspends no one.

    Accounts suspended in one round are seeds of the network and evasion analyses in the
    next, so the run ends where running it again changes nothing. Content is scored once:
    only the network and evasion components move between rounds."""
    reports = report_counts(store)
    content = content_scores(store, scorer)
    total = PolicyOutcome()
    risks: list[AccountRisk] = []
    for _ in range(MAX_ROUNDS):
        risks = fuse_all(store, content, reports)
        outcome = apply_policy(store, policy, risks, executor, clock, reports)
        total.cases_opened += outcome.cases_opened
        total.suspended += outcome.suspended
        total.reports_logged += outcome.reports_logged
        total.already_handled = outcome.already_handled
        if not outcome.suspended:
            break
    return risks, total


def _only_reports(rule) -> bool:
    return all(c.fact == "reports" for c in rule.when)
