"""Policies are data: `when` conditions over risk, signals and reports, `then` effects."""

from cordon.policy.evaluate import Decision, evaluate
from cordon.policy.load import default_policy, load_policy
from cordon.policy.model import Condition, Effect, OpenCase, Policy, Rule, Suspend

__all__ = [
    "Condition", "Decision", "Effect", "OpenCase", "Policy", "Rule", "Suspend",
    "default_policy", "evaluate", "load_policy",
]
