"""Risk fusion, first version: content scores, known-content matches and user reports,
combined by noisy-OR.

The network and evasion components join here when the graph analyses land; the AccountRisk
contract (one score in [0,1], named components, evidence) does not change.
"""

from __future__ import annotations

from cordon.domain import AccountRisk
from cordon.signals.accounts import AccountScores
from cordon.signals.known import NOTHING_KNOWN, KnownScores

# Reports alone never make an account high-risk: brigades report journalists by the hundred.
REPORT_STEP = 0.05
REPORT_CAP = 0.2


def fuse(scores: AccountScores, reports: int = 0, known: KnownScores = NOTHING_KNOWN) -> AccountRisk:
    report_component = min(REPORT_CAP, REPORT_STEP * reports)
    components = {
        "threat": scores.threat,
        "extremism": scores.extremism,
        "media": known.media,
        "links": known.links,
        "reports": round(report_component, 4),
    }
    miss = 1.0
    for value in components.values():
        miss *= 1.0 - value
    return AccountRisk(
        account=scores.account,
        score=round(min(1.0, max(0.0, 1.0 - miss)), 4),
        components=components,
        # Known content first: it is what a reviewer can check fastest.
        evidence=known.evidence + scores.evidence,
    )
