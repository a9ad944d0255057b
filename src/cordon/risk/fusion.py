"""Risk fusion: content scores, known-content matches, the network around suspended accounts,
returning-account matches and user reports, combined by noisy-OR.

The network and evasion components join here when the graph analyses land; the AccountRisk
contract (one score in [0,1], named components, evidence) does not change.
"""

from __future__ import annotations

from cordon.domain import AccountRisk
from cordon.risk.evasion import EvasionScore
from cordon.risk.network import NetworkScore
from cordon.signals.accounts import AccountScores
from cordon.signals.known import NOTHING_KNOWN, KnownScores

# Reports alone never make an account high-risk: brigades report journalists by the hundred.
# `reports` is the de-duplicated, reliability-weighted figure (cases/reports.py).
REPORT_STEP = 0.05
REPORT_CAP = 0.2


def fuse(
    scores: AccountScores, reports: float = 0.0, known: KnownScores = NOTHING_KNOWN,
    network: NetworkScore | None = None, evasion: EvasionScore | None = None,
) -> AccountRisk:
    """Content (text, known media and links), network, evasion and reports, by noisy-OR:
    each component is a probability of its own, and any one of them can carry the account."""
    report_component = min(REPORT_CAP, REPORT_STEP * reports)
    components = {
        "threat": scores.threat,
        "extremism": scores.extremism,
        "media": known.media,
        "links": known.links,
        "network": network.value if network else 0.0,
        "evasion": evasion.value if evasion else 0.0,
        "reports": round(report_component, 4),
    }
    graph_evidence = tuple(x.evidence for x in (evasion, network) if x is not None)
    miss = 1.0
    for value in components.values():
        miss *= 1.0 - value
    return AccountRisk(
        account=scores.account,
        score=round(min(1.0, max(0.0, 1.0 - miss)), 4),
        components=components,
        # Known content first: it is what a reviewer can check fastest.
        evidence=known.evidence + graph_evidence + scores.evidence,
    )
