"""The evasion component of an account's risk: how likely it is a suspended account come back
under a new name (graph/evasion.py ranks the suspended accounts it may be).

Only accounts created after the first suspension are candidates for being a returner, so the
work is the platform's new accounts against its suspended ones, not everyone against
everyone. Evidence names the suspended account and the reasons a reviewer can check.
"""

from __future__ import annotations

from dataclasses import dataclass

from cordon.domain import AccountStatus, Evidence, SubjectRef
from cordon.graph.evasion import ReturningAccountLinker, profiles_from_store
from cordon.store import Store


@dataclass(frozen=True, slots=True)
class EvasionScore:
    value: float
    evidence: Evidence


def evasion_scores(store: Store, linker: ReturningAccountLinker | None = None) -> dict[SubjectRef, EvasionScore]:
    """Each active account created after the earliest suspension, with its best match among
    the suspended accounts; accounts without a match are left out."""
    accounts = list(store.accounts())
    suspended = [a.ref for a in accounts if a.status is AccountStatus.SUSPENDED]
    if not suspended:
        return {}
    originals = profiles_from_store(store, suspended)
    # A suspended account with no suspension in the log counts as suspended at its last post.
    first = min((p.suspended_at for p in originals if p.suspended_at is not None), default=None)
    new = [
        a.ref for a in accounts
        if a.status is not AccountStatus.SUSPENDED and a.created_at is not None and (first is None or a.created_at >= first)
    ]
    if not new:
        return {}
    linker = (linker or ReturningAccountLinker(top_k=1)).fit(originals)
    out = {}
    for matches in linker.rank(profiles_from_store(store, new)):
        if not matches:
            continue
        best = matches[0]
        value = round(float(best.score), 4)
        out[best.account] = EvasionScore(value, Evidence(
            signal="evasion.returning", subject=best.account, score=value,
            summary=f"may be suspended account {best.candidate.id} back ({value:.2f}): " + "; ".join(best.reasons[:3]),
            detail={"candidate": str(best.candidate), "reasons": best.reasons, "features": best.features},
        ))
    return out
