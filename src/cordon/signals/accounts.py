"""Account-level text scores: an account's posts and profile, aggregated, with the posts that
drove the score kept as evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cordon.domain import Account, Evidence, Post, SubjectRef
from cordon.signals.base import Score, TextSignal
from cordon.signals.text.combined import CombinedSignal
from cordon.signals.text.lexicon import ExtremismLexicon, ThreatLexicon

# How much one post counts towards the account's extremism score. Below 1 so that a single
# matching post (news vocabulary slips through) weighs less than a pattern of them.
POST_WEIGHT = 0.6
PROFILE_WEIGHT = 0.8
TOP_POSTS = 3


@dataclass(frozen=True, slots=True)
class PostScores:
    post: Post
    threat: Score
    extremism: Score
    # Each extremism signal's own score, in the scorer's order: accounts aggregate them apart.
    extremism_parts: tuple[Score, ...] = ()


@dataclass(frozen=True, slots=True)
class AccountScores:
    account: SubjectRef
    username: str
    threat: float
    extremism: float
    posts: int
    evidence: tuple[Evidence, ...]


def default_signals() -> tuple[list[TextSignal], list[TextSignal]]:
    """Threat and extremism signals: each a trained model and the transparent lexicon."""
    from cordon.signals.text.classifier import ExtremismModel, ThreatModel

    return [ThreatModel(), ThreatLexicon()], [ExtremismModel(), ExtremismLexicon()]


def _noisy_or(values: Sequence[float]) -> float:
    miss = 1.0
    for v in values:
        miss *= 1.0 - v
    return 1.0 - miss


class TextScorer:
    """Runs the threat and extremism signals over posts and profiles, in batches.

    A post's score per category is the noisy-OR of its signals (measured on held-out
    accounts: better ranked than any one of them). An account's threat is its most credible
    post's: one is enough. Its extremism is the highest of its signals' account aggregates,
    each aggregated as the signal says (TextSignal.account_aggregate)."""

    def __init__(self, threat: Sequence[TextSignal] | None = None, extremism: Sequence[TextSignal] | None = None) -> None:
        defaults = default_signals() if threat is None or extremism is None else (threat, extremism)
        self.threat = CombinedSignal("text.threat", *(threat or defaults[0]))
        self.extremism = CombinedSignal("text.extremism", *(extremism or defaults[1]))

    def score_posts(self, posts: Sequence[Post]) -> list[PostScores]:
        items = [(p.text, p.ref) for p in posts]
        threats = self.threat.score_many(items)
        extremism, parts = self.extremism.score_parts(items)
        return [PostScores(p, t, e, tuple(pp)) for p, t, e, pp in zip(posts, threats, extremism, zip(*parts))]

    def score_accounts(
        self, batch: Sequence[tuple[Account | None, SubjectRef, Sequence[Post]]]
    ) -> list[tuple[AccountScores, list[PostScores]]]:
        """Accounts with their posts, scored together: one vectorised pass over every post
        and profile of the batch (a model call per account would cost a millisecond each)."""
        scored = iter(self.score_posts([p for _, _, posts in batch for p in posts]))
        profiles = [(_profile_text(a), ref) for a, ref, _ in batch]
        with_text = [i for i, (text, _) in enumerate(profiles) if text]
        _, parts = self.extremism.score_parts([profiles[i] for i in with_text])
        profile_scores: dict[int, tuple[Score, ...]] = {
            i: tuple(part[j] for part in parts) for j, i in enumerate(with_text)
        }
        out = []
        for i, (account, ref, posts) in enumerate(batch):
            mine = [next(scored) for _ in posts]
            out.append((self.score_account(account, ref, mine, profile_scores.get(i, ())), mine))
        return out

    def score_account(
        self, account: Account | None, ref: SubjectRef, scored: list[PostScores],
        profile_parts: tuple[Score, ...] | None = None,
    ) -> AccountScores:
        """One account from its scored posts. `profile_parts` are its profile's scores per
        extremism signal, when already computed in a batch."""
        if profile_parts is None:
            text = _profile_text(account)
            profile_parts = tuple(p[0] for p in self.extremism.score_parts([(text, ref)])[1]) if text else ()
        extremism = 0.0
        for k, signal in enumerate(self.extremism.parts):
            posts = [s.extremism_parts[k].value for s in scored]
            own = profile_parts[k].value if profile_parts else None
            extremism = max(extremism, _aggregate(signal.account_aggregate, posts, own))
        threat = max((s.threat.value for s in scored), default=0.0)
        top = sorted(scored, key=lambda s: s.extremism.value, reverse=True)[:TOP_POSTS]
        evidence = [e for s in sorted(scored, key=lambda s: s.threat.value, reverse=True)[:1] for e in s.threat.evidence]
        evidence += [e for s in top for e in s.extremism.evidence]
        evidence += [e for part in profile_parts for e in part.evidence]
        return AccountScores(
            account=ref,
            username=account.handle if account else "",
            threat=round(threat, 4),
            extremism=round(min(1.0, extremism), 4),
            posts=len(scored),
            evidence=tuple(evidence),
        )


def _profile_text(account: Account | None) -> str:
    if account is None:
        return ""
    return " \n".join(x for x in (account.display_name, account.bio, account.location) if x)


def _aggregate(how: str, posts: list[float], profile: float | None) -> float:
    if how == "mean":
        # The profile counts as one more post.
        values = posts + ([profile] if profile is not None else [])
        return sum(values) / len(values) if values else 0.0
    top = sorted(posts, reverse=True)[:TOP_POSTS]
    strength = [POST_WEIGHT * v for v in top] + ([PROFILE_WEIGHT * profile] if profile is not None else [])
    return _noisy_or(strength)
