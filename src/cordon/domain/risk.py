"""An account's fused risk: one calibrated number and the evidence behind it."""

from __future__ import annotations

from dataclasses import dataclass, field

from cordon.domain.evidence import Evidence
from cordon.domain.subjects import SubjectRef


@dataclass(frozen=True, slots=True)
class AccountRisk:
    account: SubjectRef
    score: float
    # Per-component scores in [0,1]: e.g. {"threat": .9, "extremism": .4}.
    components: dict[str, float] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()
