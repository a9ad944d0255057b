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
# The most a trained model's reading of a bio can give an account with no posts: below the
# default policy's review threshold (0.5), so a bio alone never queues anyone on the model's
# word. A bio is a few words, out of the distribution the models learned on (posts), and on
# bios they lean on place names: "Reporter covering Syria and Iraq. Based in Erbil." scored
# 0.645, "Mosul" 0.923. The lexicon, which finds only explicit markers in names, bios and
# places ("abu_dawla", "#khilafah"), is not capped; posts, when they come, are scored as ever.
MODEL_BIO_ALONE_CAP = 0.45


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
    from cordon.config import get_settings
    from cordon.signals.text.classifier import ExtremismModel, RerankedThreatModel, ThreatModel

    threat = RerankedThreatModel() if get_settings().text_second_stage == "minilm" else ThreatModel()
    return [threat, ThreatLexicon()], [ExtremismModel(), ExtremismLexicon()]


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
        profile_scores = self._profile_parts([(a, ref) for a, ref, _ in batch])
        out = []
        for i, (account, ref, posts) in enumerate(batch):
            mine = [next(scored) for _ in posts]
            out.append((self.score_account(account, ref, mine, profile_scores[i]), mine))
        return out

    def _profile_parts(self, accounts: Sequence[tuple[Account | None, SubjectRef]]) -> list[tuple[Score | None, ...]]:
        """Each account's profile scores, one per extremism signal (empty without a profile).

        A trained model reads the bio only. Names and places are not stance, and a model
        trained on who posts about a group learns to suspect every Omar in London: measured
        on the demo, ordinary accounts with a common Arabic name, a city and no posts scored
        0.69 and were queued for review. The lexicon still reads the name and location, where
        it finds only explicit markers ("abu_dawla", "#khilafah", "wilayat raqqa")."""
        out: list[tuple[Score | None, ...]] = [() for _ in accounts]
        with_profile = [i for i, (a, _) in enumerate(accounts) if _profile_text(a)]
        if not with_profile:
            return out
        per_part: list[list[Score | None]] = []
        for part in self.extremism.parts:
            reads = _bio if part.account_aggregate == "mean" else _profile_text
            texts = [(reads(accounts[i][0]), accounts[i][1]) for i in with_profile]
            scores = part.score_many(texts)
            # An empty text is no post: it scores 0 and must not drag a mean down either.
            per_part.append([s if t else None for s, (t, _) in zip(scores, texts)])
        for j, i in enumerate(with_profile):
            out[i] = tuple(part[j] for part in per_part)
        return out

    def score_account(
        self, account: Account | None, ref: SubjectRef, scored: list[PostScores],
        profile_parts: tuple[Score | None, ...] | None = None,
    ) -> AccountScores:
        """One account from its scored posts. `profile_parts` are its profile's scores per
        extremism signal, when already computed in a batch."""
        if profile_parts is None:
            profile_parts = self._profile_parts([(account, ref)])[0]
        extremism = 0.0
        for k, signal in enumerate(self.extremism.parts):
            posts = [s.extremism_parts[k].value for s in scored]
            profile = profile_parts[k] if profile_parts else None
            own = profile.value if profile is not None else None
            extremism = max(extremism, _aggregate(signal.account_aggregate, posts, own))
        threat = max((s.threat.value for s in scored), default=0.0)
        top = sorted(scored, key=lambda s: s.extremism.value, reverse=True)[:TOP_POSTS]
        evidence = [e for s in sorted(scored, key=lambda s: s.threat.value, reverse=True)[:1] for e in s.threat.evidence]
        evidence += [e for s in top for e in s.extremism.evidence]
        evidence += [e for part in profile_parts if part is not None for e in part.evidence]
        return AccountScores(
            account=ref,
            username=account.handle if account else "",
            threat=round(threat, 4),
            extremism=round(min(1.0, extremism), 4),
            posts=len(scored),
            evidence=tuple(evidence),
        )


def _bio(account: Account | None) -> str:
    return account.bio if account is not None and account.bio else ""


def _profile_text(account: Account | None) -> str:
    if account is None:
        return ""
    return " \n".join(x for x in (account.display_name, account.bio, account.location) if x)


def _aggregate(how: str, posts: list[float], profile: float | None) -> float:
    if how == "mean":
        # The profile counts as one more post.
        if not posts and profile is not None:
            return min(profile, MODEL_BIO_ALONE_CAP)
        values = posts + ([profile] if profile is not None else [])
        return sum(values) / len(values) if values else 0.0
    top = sorted(posts, reverse=True)[:TOP_POSTS]
    strength = [POST_WEIGHT * v for v in top] + ([PROFILE_WEIGHT * profile] if profile is not None else [])
    return _noisy_or(strength)
