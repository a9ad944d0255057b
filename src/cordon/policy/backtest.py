"""Backtest a policy on the stored history: what it would have done, and how that compares
with what people decided. Nothing is executed and nothing is written.

The history is the risks saved in the store (Store.risks(), as the last assessment left them),
the report figures derived from the stored reports and log (cordon.cases.reports), and the
human decisions in the log: the latest DECIDED event on each account, violating (suspend,
restrict, uphold) or not (no_action, dismiss, reinstate, overturn).

The policy "acts" on an account when it would suspend it or open a case on it. Against the
decided accounts, precision is the share of the accounts it acts on that people found
violating, and recall the share of the violating accounts it acts on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cordon.cases.reports import ReportFigures, figures_from_store, verdicts
from cordon.domain import AccountRisk, ModerationEvent, SubjectKind, SubjectRef
from cordon.policy.evaluate import evaluate, routing
from cordon.policy.model import Escalate, Policy, PreserveEvidence, RequestWatch, Suspend

if TYPE_CHECKING:
    from cordon.store import Store

#: What the policy would do to one account, strongest first.
SUSPEND, CASE, NOTHING = "suspend", "case", "nothing"
EFFECTS = (SUSPEND, CASE, NOTHING)
#: What people decided.
VIOLATING, NOT_VIOLATING = "violating", "not violating"


@dataclass(frozen=True, slots=True)
class Disagreement:
    account: SubjectRef
    decision: str  # VIOLATING or NOT_VIOLATING
    effect: str  # SUSPEND, CASE or NOTHING
    rules: tuple[str, ...]
    risk: float


@dataclass
class Backtest:
    policy: str
    accounts: int = 0  # accounts evaluated
    cases: Counter[str] = field(default_factory=Counter)  # cases the policy would open, per queue
    suspended: int = 0
    # Accounts by the strongest thing the policy would do to them: SUSPEND, CASE or NOTHING.
    effects: Counter[str] = field(default_factory=Counter)
    # Accounts the policy would escalate, send for a watch decision, or preserve evidence of
    # (by effect name: escalate, request_watch, preserve_evidence), whatever else it does.
    also: Counter[str] = field(default_factory=Counter)
    # (what people decided, what the policy would do) -> accounts
    against: Counter[tuple[str, str]] = field(default_factory=Counter)
    disagreements: list[Disagreement] = field(default_factory=list)

    def count(self, decision: str, effect: str | None = None) -> int:
        effects = EFFECTS if effect is None else (effect,)
        return sum(self.against[(decision, e)] for e in effects)

    @property
    def decided(self) -> int:
        return self.count(VIOLATING) + self.count(NOT_VIOLATING)

    @property
    def true_positives(self) -> int:
        return self.count(VIOLATING, SUSPEND) + self.count(VIOLATING, CASE)

    @property
    def false_positives(self) -> int:
        return self.count(NOT_VIOLATING, SUSPEND) + self.count(NOT_VIOLATING, CASE)

    @property
    def false_negatives(self) -> int:
        return self.count(VIOLATING, NOTHING)

    @property
    def true_negatives(self) -> int:
        return self.count(NOT_VIOLATING, NOTHING)

    @property
    def agreed(self) -> int:
        return self.true_positives + self.true_negatives

    @property
    def precision(self) -> float | None:
        acted = self.true_positives + self.false_positives
        return self.true_positives / acted if acted else None

    @property
    def recall(self) -> float | None:
        violating = self.true_positives + self.false_negatives
        return self.true_positives / violating if violating else None

    @property
    def suspend_precision(self) -> float | None:
        """Of the decided accounts it would suspend without a person, the share people found
        violating: the figure that matters most."""
        wrong = self.count(NOT_VIOLATING, SUSPEND)
        right = self.count(VIOLATING, SUSPEND)
        return right / (right + wrong) if right + wrong else None


_ALSO = (("escalate", Escalate), ("request_watch", RequestWatch), ("preserve_evidence", PreserveEvidence))


def backtest(
    policy: Policy, risks: Iterable[AccountRisk], reports: Mapping[SubjectRef, float],
    events: Iterable[ModerationEvent], keep: int = 50,
) -> Backtest:
    """Evaluate `policy` on every account with a saved risk or a human decision, with the
    report figures given (ReportFigures carries the brigades as well), and set the effects
    against the decisions. An account decided on but never assessed is evaluated on its
    reports alone. `keep`: how many disagreements to keep, highest risk first."""
    decisions = {s: v for s, v in verdicts(events).items() if s.kind is SubjectKind.ACCOUNT}
    figures = reports if isinstance(reports, ReportFigures) else None
    result = Backtest(policy.name)
    by_account = {r.account: r for r in risks}
    for account in decisions.keys() - by_account.keys():
        by_account[account] = AccountRisk(account, 0.0)
    disagreements: list[Disagreement] = []
    for account, risk in by_account.items():
        brigaded = figures.brigaded(account) if figures is not None else 0.0
        fired = evaluate(policy, risk, reports.get(account, 0), brigaded=brigaded)
        result.accounts += 1
        route = routing(fired)
        opening = route.effect if route is not None else None
        suspends = any(isinstance(d.effect, Suspend) for d in fired)
        for name, kind in _ALSO:
            if any(isinstance(d.effect, kind) for d in fired):
                result.also[name] += 1
        if opening is not None:
            result.cases[opening.queue] += 1
        result.suspended += suspends
        effect = SUSPEND if suspends else CASE if opening is not None else NOTHING
        result.effects[effect] += 1
        verdict = decisions.get(account)
        if verdict is None:
            continue
        decision = VIOLATING if verdict else NOT_VIOLATING
        result.against[(decision, effect)] += 1
        if (effect == NOTHING) == verdict:
            rules = tuple(dict.fromkeys(d.rule.id for d in fired))
            disagreements.append(Disagreement(account, decision, effect, rules, risk.score))
    disagreements.sort(key=lambda d: (-d.risk, str(d.account)))
    result.disagreements = disagreements[:keep]
    return result


def backtest_store(store: Store, policy: Policy, keep: int = 50) -> Backtest:
    """backtest() on a store's saved risks, report figures and log."""
    events = list(store.events())
    return backtest(policy, store.risks(), figures_from_store(store, events), events, keep)
