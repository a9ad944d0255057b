"""Proactive detection at sign-up: a new account scored from its profile and its first
follows, before it posts. This is the returning-accounts matcher (graph/evasion.py's
ReturningAccountLinker, fitted on the suspended accounts) run on one account at a time as
its events arrive, instead of on everyone in `cordon assess`.

Twitter said 75% of its terrorism suspensions in H1 2017 came before the account's first
tweet. What a brand-new account shows is its handle, name, bio, avatar, creation time and
whom it follows first; a returner tends to keep some of them (benchmarks/signup_detection.py
measures how many are caught).

The worker calls, once per batch, with the batch's records in order:
    scores = detector.observe(records, new_accounts)   # {account ref: EvasionScore}
and gives each score to risk fusion as the account's evasion component (risk/evasion.py's
EvasionScore, evidence under the same signal name). `observe` tracks accounts created in the
batch (`new_accounts`: the refs not in the store before it), adds the follows of accounts still
in sign-up, stops tracking an account at its first post, and scores every account it touched
in one pass of the matcher: one at a time costs about 70 ms, a batch about 0.2 ms an account.
`on_account` / `on_follow` / `on_post` do the same one event at a time. `flagged(score)` says
whether a score reaches the policy's review threshold. Refit (`fit` or `from_store`) when
suspensions change.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cordon.domain import (
    Account,
    AccountStatus,
    Evidence,
    Interaction,
    InteractionKind,
    Post,
    SubjectRef,
)
from cordon.errors import PolicyError
from cordon.graph.evasion import (
    SIGNUP_WEIGHTS,
    AccountProfile,
    ReturningAccountLinker,
    profile_from_posts,
    profiles_from_store,
)
from cordon.policy.model import Policy
from cordon.risk.evasion import EvasionScore

#: The rule whose threshold decides "flagged", in the default policy.
REVIEW_RULE = "review-returning-account"
#: Same signal name as the batch evasion score, so the worker's saved evidence reads alike.
SIGNAL = "evasion.returning"


def review_threshold(policy: Policy) -> float:
    """The evasion level at which the policy opens a review: the rule that looks at evasion
    alone (review-returning-account in the default policy)."""
    levels = [
        c.at_least for rule in policy.rules for c in rule.when
        if len(rule.when) == 1 and c.fact == "evasion" and c.at_least is not None
    ]
    if not levels:
        raise PolicyError(f"policy {policy.name} has no rule on evasion alone (like {REVIEW_RULE}): "
                          "nothing to flag sign-ups against")
    return min(levels)


@dataclass
class _SignUp:
    account: Account
    follows: list[Interaction] = field(default_factory=list)


class SignupDetector:
    """Scores accounts still in sign-up (no post seen yet). Remembers at most `max_tracked`
    of them (the oldest are forgotten first) and `early_follows` follows each, as the batch
    matcher reads a new account's first 50."""

    def __init__(self, linker: ReturningAccountLinker | None = None, *, threshold: float = 0.5,
                 early_follows: int = 50, max_tracked: int = 100_000) -> None:
        # Weights learned on pairs cut to the sign-up view (graph/evasion.py SIGNUP_WEIGHTS).
        self.linker = linker or ReturningAccountLinker(weights=SIGNUP_WEIGHTS, top_k=1)
        self.threshold = threshold
        self.early_follows = early_follows
        self.max_tracked = max_tracked
        self._tracked: OrderedDict[SubjectRef, _SignUp] = OrderedDict()
        self._fitted = False

    def fit(self, suspended: Sequence[AccountProfile]) -> SignupDetector:
        """Index the suspended accounts (their profiles, with suspended_at)."""
        profiles = list(suspended)
        self._fitted = bool(profiles)
        if profiles:
            self.linker.fit(profiles)
        return self

    @classmethod
    def from_store(cls, store, policy: Policy | None = None, *,
                   suspended_at: Mapping[SubjectRef, datetime] | None = None, **kwargs) -> SignupDetector:
        """Fitted on the store's suspended accounts, flagging at the policy's threshold.

        When each was suspended matters: a returner signs up hours after its suspension. The
        times come from the moderation log (cordon's own suspensions), or from `suspended_at`
        (the platform's record, for suspensions made outside cordon); failing both, the last
        post, which scores returners far lower (on one generated world, 5 in 15 returners
        that kept their handle's look were flagged instead of 15 in 15)."""
        if policy is not None:
            kwargs.setdefault("threshold", review_threshold(policy))
        suspended = [a.ref for a in store.accounts() if a.status is AccountStatus.SUSPENDED]
        if not suspended:
            return cls(**kwargs).fit([])
        return cls(**kwargs).fit(profiles_from_store(store, suspended, suspended_at=suspended_at))

    def refit(self, store) -> SignupDetector:
        """The same detector (threshold, limits, accounts in sign-up) fitted on the store's
        suspended accounts as they are now: a worker calls it when suspensions change."""
        fresh = SignupDetector.from_store(
            store, threshold=self.threshold, early_follows=self.early_follows, max_tracked=self.max_tracked,
        )
        fresh._tracked = self._tracked
        return fresh

    # -- events --------------------------------------------------------------------------
    def observe(self, records: Sequence[object], new_accounts: Collection[SubjectRef] | None = None,
                ) -> dict[SubjectRef, EvasionScore]:
        """A worker's batch: track, update, then score each touched account once. An Account
        record starts sign-up when its ref is in `new_accounts` (every Account record when
        None: a feed of account.created events only)."""
        touched: dict[SubjectRef, _SignUp] = {}
        for r in records:
            if isinstance(r, Account):
                if (new_accounts is None or r.ref in new_accounts or r.ref in self._tracked) \
                        and self._track(r) is not None:
                    touched[r.ref] = self._tracked[r.ref]
            elif isinstance(r, Interaction):
                entry = self._add_follow(r)
                if entry is not None:
                    touched[entry.account.ref] = entry
            elif isinstance(r, Post):
                self.on_post(r)
                touched.pop(r.author_ref, None)
        refs = list(touched)
        scores = self.score_many([(touched[r].account, touched[r].follows) for r in refs])
        return {r: s for r, s in zip(refs, scores, strict=True) if s is not None}

    def on_account(self, account: Account) -> EvasionScore | None:
        """A new account: start tracking it and score its profile."""
        entry = self._track(account)
        return None if entry is None else self._score(entry)

    def _track(self, account: Account) -> _SignUp | None:
        if account.status is AccountStatus.SUSPENDED:
            return None
        entry = self._tracked.get(account.ref)
        if entry is None:
            entry = _SignUp(account)
            self._tracked[account.ref] = entry
            while len(self._tracked) > self.max_tracked:
                self._tracked.popitem(last=False)
        else:
            entry.account = account  # a profile update during sign-up
        return entry

    def on_follow(self, edge: Interaction) -> EvasionScore | None:
        """A follow: rescored when its source is still in sign-up; None otherwise."""
        entry = self._add_follow(edge)
        return None if entry is None else self._score(entry)

    def _add_follow(self, edge: Interaction) -> _SignUp | None:
        if edge.kind is not InteractionKind.FOLLOW:
            return None
        entry = self._tracked.get(SubjectRef.account(edge.platform, edge.source_id))
        if entry is None or len(entry.follows) >= self.early_follows:
            return None
        if any(e.target_id == edge.target_id for e in entry.follows):
            return None  # a replayed event changes nothing
        entry.follows.append(edge)
        return entry

    def on_post(self, post: Post) -> None:
        """The account posted: sign-up is over, the batch matcher takes it from here."""
        self._tracked.pop(post.author_ref, None)

    def flagged(self, score: EvasionScore | None) -> bool:
        return score is not None and score.value >= self.threshold

    def tracked(self) -> int:
        return len(self._tracked)

    # -- scoring -------------------------------------------------------------------------
    def score(self, account: Account, follows: Sequence[Interaction] = ()) -> EvasionScore | None:
        """The evasion score of an account from its profile and follows alone (no posts);
        None when no suspended account is a candidate."""
        return self.score_many([(account, follows)])[0]

    def score_many(self, items: Sequence[tuple[Account, Sequence[Interaction]]]) -> list[EvasionScore | None]:
        """score() for many accounts in one pass of the matcher (a worker's batch)."""
        if not self._fitted or not items:
            return [None] * len(items)
        profiles = [profile_from_posts(a, (), f, early_follows=self.early_follows) for a, f in items]
        return [self._evidence(m[0], len(p.follows)) if m else None
                for p, m in zip(profiles, self.linker.rank(profiles), strict=True)]

    @staticmethod
    def _evidence(best, follows: int) -> EvasionScore:
        value = round(float(best.score), 4)
        return EvasionScore(value, Evidence(
            signal=SIGNAL, subject=best.account, score=value,
            summary=f"at sign-up, may be suspended account {best.candidate.id} back ({value:.2f}): "
                    + "; ".join(best.reasons[:3]),
            detail={"candidate": str(best.candidate), "reasons": best.reasons, "features": best.features,
                    "stage": "signup", "follows": follows},
        ))

    def _score(self, entry: _SignUp) -> EvasionScore | None:
        return self.score(entry.account, entry.follows)
