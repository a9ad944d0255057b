"""Account-level text scores: an account's posts and profile, aggregated, with the posts that
drove the score kept as evidence."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cordon.domain import Account, Evidence, Post, SubjectRef
from cordon.signals.base import Score
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


@dataclass(frozen=True, slots=True)
class AccountScores:
    account: SubjectRef
    username: str
    threat: float
    extremism: float
    posts: int
    evidence: tuple[Evidence, ...]


class TextScorer:
    """Runs the text signals over posts and profiles. One instance, reused."""

    def __init__(self) -> None:
        self.threat = ThreatLexicon()
        self.extremism = ExtremismLexicon()

    def score_post(self, post: Post) -> PostScores:
        return PostScores(
            post, self.threat.score(post.text, post.ref), self.extremism.score(post.text, post.ref)
        )

    def score_posts(self, posts: Iterable[Post]) -> Iterator[PostScores]:
        for post in posts:
            yield self.score_post(post)

    def score_account(self, account: Account | None, ref: SubjectRef, scored: list[PostScores]) -> AccountScores:
        profile = ""
        if account is not None:
            profile = " \n".join(x for x in (account.display_name, account.bio, account.location) if x)
        profile_extremism = self.extremism.score(profile, ref) if profile else Score(0.0)
        # One credible threat is enough: threat is the maximum over posts.
        threat = max((s.threat.value for s in scored), default=0.0)
        top = sorted(scored, key=lambda s: s.extremism.value, reverse=True)[:TOP_POSTS]
        miss = 1.0 - PROFILE_WEIGHT * profile_extremism.value
        for s in top:
            miss *= 1.0 - POST_WEIGHT * s.extremism.value
        evidence = [e for s in sorted(scored, key=lambda s: s.threat.value, reverse=True)[:1] for e in s.threat.evidence]
        evidence += [e for s in top for e in s.extremism.evidence]
        evidence += list(profile_extremism.evidence)
        return AccountScores(
            account=ref,
            username=account.handle if account else "",
            threat=round(threat, 4),
            extremism=round(1.0 - miss, 4),
            posts=len(scored),
            evidence=tuple(evidence),
        )
