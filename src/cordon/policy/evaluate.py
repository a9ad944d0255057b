"""Evaluate a policy against one account's facts. Pure: effects are returned, not applied."""

from __future__ import annotations

from dataclasses import dataclass

from cordon.domain import AccountRisk
from cordon.policy.model import Effect, Policy, Rule


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
    }


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
