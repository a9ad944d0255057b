"""Policies are data: `when` conditions over risk, signals and reports, `then` effects."""

from cordon.policy.evaluate import Decision, evaluate, routing
from cordon.policy.load import default_policy, load_policy
from cordon.policy.model import (
    Condition,
    Effect,
    Escalate,
    OpenCase,
    Policy,
    PreserveEvidence,
    RequestWatch,
    Rule,
    Suspend,
)

__all__ = [
    "Condition", "Decision", "Effect", "Escalate", "OpenCase", "Policy", "PreserveEvidence", "RequestWatch",
    "Rule", "Suspend", "default_policy", "evaluate", "load_policy", "routing",
]
