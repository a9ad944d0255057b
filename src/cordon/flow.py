"""The pipeline after ingest, as plain function calls on domain objects:
store → signals → risk → policy → cases and enforcement. `cordon demo` and the CLI call these.

What the policy's effects do here (apply_policy):
- open_case, escalate, request_watch open the account's one waiting case; its queue is the
  escalation's, else the watch request's, else the first open_case's (policy.routing);
- escalate also marks that case ESCALATED (once), for the law-enforcement liaison and the
  senior moderators; nothing leaves the platform until a person exports a packet;
- request_watch flags the case for a hold decision (once): the policy never places a hold;
- preserve_evidence snapshots the account under DATA_DIR/evidence, once per case;
- suspend goes through the executor, which a watch hold on the account stops.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import groupby
from pathlib import Path

from cordon.cases import fold_cases
from cordon.cases.queue import WAITING
from cordon.cases.reports import BRIGADING, DUPLICATE, ReportFigures, figures_from_store
from cordon.config import get_settings
from cordon.domain import (
    AccountRisk,
    Action,
    ActionKind,
    Actor,
    CaseState,
    EventName,
    ModerationEvent,
    Role,
    SubjectRef,
)
from cordon.enforce import Executor
from cordon.enforce.evidence import preserve, snapshot_folder
from cordon.policy import Escalate, Policy, PreserveEvidence, RequestWatch, Suspend, evaluate, routing
from cordon.policy.evaluate import Decision
from cordon.policy.model import Rule
from cordon.risk.evasion import evasion_scores
from cordon.risk.fusion import fuse
from cordon.risk.network import network_scores
from cordon.signals.accounts import AccountScores, PostScores, TextScorer
from cordon.signals.known import NOTHING_KNOWN, KnownContent, KnownScores
from cordon.store import Store

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def report_counts(store: Store, events: Iterable[ModerationEvent] | None = None) -> ReportFigures:
    """The report figure per account (a mapping account -> figure, the policy's `reports`
    fact): de-duplicated, weighed by each reporter's reliability, brigades discounted to 0.
    A report on a post counts against the post's author. The figures also carry the brigades
    found and every reporter's reliability (see cordon.cases.reports). `events` is the log as
    read already, when the caller has it."""
    return figures_from_store(store, events)


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


def fuse_all(store: Store, content: list[ContentScores], reports: Mapping[SubjectRef, float]) -> list[AccountRisk]:
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
    store: Store, scorer: TextScorer | None = None, reports: Mapping[SubjectRef, float] | None = None
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
    brigades_flagged: int = 0
    escalated: int = 0
    watch_requested: int = 0
    evidence_preserved: int = 0

    def add(self, other: PolicyOutcome) -> None:
        """Sum another round's counts into this one (already_handled is the latest round's)."""
        self.cases_opened += other.cases_opened
        for name in ("suspended", "reports_logged", "brigades_flagged", "escalated", "watch_requested",
                     "evidence_preserved"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.already_handled = other.already_handled


#: The FLAGGED event's flag when a policy asks for a watch-hold decision on a case.
WATCH_REQUESTED = "watch_requested"


def policy_actor(rule: Rule) -> Actor:
    """The policy acting by one of its rules: a machine in a moderator's role, so it may
    preserve evidence and escalate to the liaison but never place a hold or export a packet."""
    return Actor(f"policy:{rule.id}", Role.MODERATOR)


def _first(decisions: list[Decision], kind: type) -> Decision | None:
    return next((d for d in decisions if isinstance(d.effect, kind)), None)


def log_reports(
    store: Store, clock: Clock = _now, events: Iterable[ModerationEvent] | None = None,
    figures: ReportFigures | None = None, cases: Mapping[SubjectRef, str] | None = None,
) -> int:
    """Turn ingested user reports into REPORT_RECEIVED events, once each. `events` is the log
    as read already, when the caller has it. With `figures`, each event says what the report
    counted for (its account, status and weight); with `cases` (account -> waiting case id),
    a report on an account under review joins its case, unless it repeats one already there."""
    logged = {
        e.payload.get("report_id")
        for e in (store.events() if events is None else events)
        if e.name is EventName.REPORT_RECEIVED
    }
    new: list[ModerationEvent] = []
    for r in store.reports():
        if r.id in logged:
            continue
        logged.add(r.id)
        payload: dict = {"report_id": r.id, "text": r.text[:2000]}
        case_id = None
        outcome = figures.outcomes.get(r.id) if figures is not None else None
        if outcome is not None:
            payload.update(account=str(outcome.target), status=outcome.status, weight=outcome.weight)
            if cases is not None and outcome.status != DUPLICATE:
                case_id = cases.get(outcome.target)
        new.append(
            ModerationEvent(
                name=EventName.REPORT_RECEIVED, actor=f"reporter:{r.reporter_id}",
                created=r.created_at or clock(), subject=r.subject, case_id=case_id, reason=r.reason,
                payload=payload,
            )
        )
    store.append_events(new)
    return len(new)


def flag_brigades(
    store: Store, figures: ReportFigures, events: Iterable[ModerationEvent] | None = None,
    cases: Mapping[SubjectRef, str] | None = None, clock: Clock = _now,
) -> int:
    """Record each brigade found as a FLAGGED event on its target, {"flag": "brigading"} with
    the evidence, once: a target is flagged again only for a burst that shares no report with
    the brigades flagged on it before. The flag joins the target's waiting case, if any."""
    flagged: dict[SubjectRef, set[str]] = {}
    for e in store.events() if events is None else events:
        if e.name is EventName.FLAGGED and e.payload.get("flag") == BRIGADING:
            flagged.setdefault(e.subject, set()).update(e.payload.get("report_ids", ()))
    new = [
        ModerationEvent(
            name=EventName.FLAGGED, actor="cordon:reports", created=clock(), subject=target,
            case_id=(cases or {}).get(target), reason=brigade.reason, payload=brigade.payload(),
        )
        for target, brigade in figures.brigades.items()
        if target not in flagged or flagged[target].isdisjoint(brigade.report_ids)
    ]
    store.append_events(new)
    return len(new)


def apply_policy(
    store: Store, policy: Policy, risks: list[AccountRisk], executor: Executor, clock: Clock = _now,
    reports: Mapping[SubjectRef, float] | None = None, *, evidence_dir: Path | None = None,
) -> PolicyOutcome:
    """Carry out the policy's effects, then log the new user reports (joining the cases of the
    accounts they name) and flag the brigades found. Idempotent: a subject with a waiting case
    gets no second one, a case is escalated, flagged for a watch decision and preserved once,
    an account already suspended is not suspended again, a report is logged once and a
    brigade flagged once. `reports` is report_counts(store), when the caller already has it
    (assess needs it too); a plain mapping gives figures but no brigades. Preserved evidence
    goes under `evidence_dir` (default DATA_DIR/evidence), one folder per snapshot."""
    log = list(store.events())  # read once: for the reports already logged, and the cases
    outcome = PolicyOutcome()
    reports = report_counts(store, log) if reports is None else reports
    figures = reports if isinstance(reports, ReportFigures) else None
    cases = fold_cases(log)
    waiting = {c.subject: c.id for c in cases.values() if c.state in WAITING}
    escalated = {c.id for c in cases.values() if c.state is CaseState.ESCALATED}
    watch_flagged = {e.case_id for e in log if e.name is EventName.FLAGGED and e.payload.get("flag") == WATCH_REQUESTED}
    preserved = {(e.subject, e.case_id) for e in log
                 if e.name is EventName.EVIDENCE_PRESERVED and e.actor.startswith("policy:")}
    new_events: list[ModerationEvent] = []
    for risk in risks:
        brigaded = figures.brigaded(risk.account) if figures is not None else 0.0
        decisions = evaluate(policy, risk, reports.get(risk.account, 0), brigaded=brigaded)
        if not decisions:
            continue
        case_id = waiting.get(risk.account)
        route = routing(decisions)
        if route is not None and case_id is None:
            case_id = uuid.uuid4().hex[:16]
            waiting[risk.account] = case_id
            effect = route.effect
            new_events.append(
                ModerationEvent(
                    name=EventName.CASE_OPENED, actor=f"policy:{route.rule.id}", created=clock(),
                    subject=risk.account, case_id=case_id, reason=route.rule.description,
                    payload={
                        "queue": effect.queue,
                        "priority": round(effect.priority + risk.score, 4),
                        "policy_clause": route.rule.id,
                        "risk": risk.score,
                        "source": "reports" if _only_reports(route.rule) else "detection",
                    },
                )
            )
            outcome.cases_opened[effect.queue] += 1
        elif route is not None:
            outcome.already_handled += 1
        escalate = _first(decisions, Escalate)
        if escalate is not None and case_id is not None and case_id not in escalated:
            escalated.add(case_id)
            new_events.append(ModerationEvent(
                name=EventName.ESCALATED, actor=f"policy:{escalate.rule.id}", created=clock(), subject=risk.account,
                case_id=case_id, reason=escalate.rule.description,
                payload={"to": "le_liaison", "queue": escalate.effect.queue, "policy_clause": escalate.rule.id},
            ))
            outcome.escalated += 1
        watch = _first(decisions, RequestWatch)
        if watch is not None and case_id is not None and case_id not in watch_flagged:
            watch_flagged.add(case_id)
            new_events.append(ModerationEvent(
                name=EventName.FLAGGED, actor=f"policy:{watch.rule.id}", created=clock(), subject=risk.account,
                case_id=case_id, reason=watch.rule.description,
                payload={"flag": WATCH_REQUESTED, "queue": watch.effect.queue, "policy_clause": watch.rule.id},
            ))
            outcome.watch_requested += 1
        keep = _first(decisions, PreserveEvidence)
        if keep is not None and (risk.account, case_id) not in preserved:
            # Written first, so the snapshot's history has the case; and taken before any
            # suspension, as the account stood when the policy saw it.
            store.append_events(new_events)
            new_events = []
            preserved.add((risk.account, case_id))
            root = evidence_dir if evidence_dir is not None else get_settings().data_dir / "evidence"
            preserve(store, policy_actor(keep.rule), risk.account, snapshot_folder(root, risk.account, clock()),
                     case_id, keep.rule.description or f"policy {keep.rule.id}", now=clock())
            outcome.evidence_preserved += 1
        suspend = _first(decisions, Suspend)
        if suspend is not None:
            store.append_events(new_events)
            new_events = []
            done = executor.execute(
                Action(ActionKind.SUSPEND, risk.account, f"policy:{suspend.rule.id}",
                       suspend.rule.description, case_id, suspend.rule.id)
            )
            outcome.suspended += done is not None
    store.append_events(new_events)
    # After the cases: a report on an account whose case opened just now joins that case.
    if figures is not None:
        outcome.brigades_flagged = flag_brigades(store, figures, log, waiting, clock)
    outcome.reports_logged = log_reports(store, clock, log, figures, waiting)
    return outcome


# Rounds of assess-and-enforce at most: a round's suspensions are the next round's seeds.
MAX_ROUNDS = 3


def assess_and_enforce(
    store: Store, policy: Policy, executor: Executor, scorer: TextScorer | None = None, clock: Clock = _now,
    *, evidence_dir: Path | None = None,
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
        outcome = apply_policy(store, policy, risks, executor, clock, reports, evidence_dir=evidence_dir)
        total.add(outcome)
        if not outcome.suspended:
            break
    return risks, total


def _only_reports(rule) -> bool:
    return all(c.fact in ("reports", "brigaded") for c in rule.when)
