"""Evaluate a policy against one account's facts. Pure: effects are returned, not applied."""

from __future__ import annotations

from dataclasses import dataclass

from collections.abc import Sequence

from cordon.domain import AccountRisk
from cordon.policy.model import Effect, Escalate, OpenCase, Policy, RequestWatch, Rule

# The threat lexicon's label for a threat that names staff, employees, moderators or offices
# (signals/text/lexicon.yaml), in English and Arabic.
NAMED_TARGET = "named target"


@dataclass(frozen=True, slots=True)
class Decision:
    rule: Rule
    effect: Effect


def facts_of(risk: AccountRisk, reports: float, brigaded: float = 0.0) -> dict[str, float]:
    return {
        "risk": risk.score,
        "threat": risk.components.get("threat", 0.0),
        "extremism": risk.components.get("extremism", 0.0),
        "media": risk.components.get("media", 0.0),
        "links": risk.components.get("links", 0.0),
        "network": risk.components.get("network", 0.0),
        "evasion": risk.components.get("evasion", 0.0),
        "reports": float(reports),
        "brigaded": float(brigaded),
        "named_target": 1.0 if names_a_target(risk) else 0.0,
    }


def names_a_target(risk: AccountRisk) -> bool:
    """Whether the threat evidence behind the risk has a span the lexicon labels a named target."""
    return any(
        span.label.startswith(NAMED_TARGET)
        for e in risk.evidence if "threat" in e.signal
        for span in e.spans
    )


def evaluate(policy: Policy, risk: AccountRisk, reports: float = 0, brigaded: float = 0.0) -> list[Decision]:
    """Every effect of every rule whose conditions all hold, in rule order. `reports` is the
    account's report figure, `brigaded` 1.0 when a brigade reported it (see cases.reports)."""
    facts = facts_of(risk, reports, brigaded)
    return [
        Decision(rule, effect)
        for rule in policy.rules
        if all(c.holds(facts[c.fact]) for c in rule.when)
        for effect in rule.then
    ]


def routing(decisions: Sequence[Decision]) -> Decision | None:
    """The decision whose effect opens the account's case, and so picks its queue: an
    escalation first (the liaison must see it), then a watch request, then the first
    open_case in rule order. None when no effect opens a case."""
    for kind in (Escalate, RequestWatch, OpenCase):
        found = next((d for d in decisions if isinstance(d.effect, kind)), None)
        if found is not None:
            return found
    return None
