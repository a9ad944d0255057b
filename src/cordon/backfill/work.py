"""What a worker runs for one partition. Each job opens the store from its URL and reads its own
slice: the driver sends account ids and the URL, never the posts, and gets small results back.

These functions run on the Dask workers, so they import nothing of Dask and hold no state
between jobs (a worker may run jobs of several runs, or die between two)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cordon.backfill.models import TextModels, scorer_for
from cordon.cases.reports import ReportFigures
from cordon.domain import Account, ModerationEvent, Post, SubjectRef
from cordon.flow import SCORE_BATCH, ContentScores
from cordon.policy.backtest import Backtest, backtest
from cordon.policy.model import Policy
from cordon.signals.accounts import TextScorer
from cordon.signals.known import NOTHING_KNOWN, KnownContent
from cordon.store import Store, open_store

#: Accounts per risk query: well under SQLite's limit on bound parameters.
RISK_CHUNK = 5_000

# One job at a time per process, whatever the worker's threads: neither the text signals
# (a Hyperscan database has one scratch space; two threads scanning at once raise
# ScratchInUseError) nor opening a store (Alembic's upgrade sets module globals) is
# thread-safe. Run one thread per worker process to use every core.
_ONE_JOB = threading.Lock()


@dataclass(frozen=True, slots=True)
class PartitionScores:
    """A partition's content scores (one per account) and how many posts they read."""

    content: list[ContentScores]
    posts: int


def _profiles_and_posts(
    store: Store, accounts: Sequence[SubjectRef]
) -> Iterator[tuple[Account | None, SubjectRef, list[Post]]]:
    # Two batched reads for the whole partition (one query per chunk of ids), not two round
    # trips per account: reading one account at a time cost more than scoring it.
    profiles = store.get_accounts(accounts)
    by_author: dict[SubjectRef, list[Post]] = {ref: [] for ref in accounts}
    for post in store.posts_of(accounts):
        by_author[post.author_ref].append(post)
    for ref in accounts:
        yield profiles.get(ref), ref, by_author[ref]


def score_partition(models: TextModels, store_url: str, accounts: Sequence[SubjectRef]) -> PartitionScores:
    """Each account's text and known-content scores, as flow.content_scores computes them."""
    with _ONE_JOB:
        return _score(scorer_for(models), store_url, accounts)


def _score(scorer: TextScorer, store_url: str, accounts: Sequence[SubjectRef]) -> PartitionScores:
    store = open_store(store_url)
    try:
        known = KnownContent.from_store(store)
        content: list[ContentScores] = []
        pending: list[tuple[Account | None, SubjectRef, list[Post]]] = []
        size = posts = 0

        def flush() -> None:
            for scores, scored in scorer.score_accounts(pending):
                found = known.score_posts([s.post for s in scored]) if known else NOTHING_KNOWN
                content.append(ContentScores(scores, found))
            pending.clear()

        for account, ref, mine in _profiles_and_posts(store, accounts):
            pending.append((account, ref, mine))
            size += len(mine) + 1
            posts += len(mine)
            if size >= SCORE_BATCH:
                flush()
                size = 0
        flush()
        return PartitionScores(content, posts)
    finally:
        store.close()


def backtest_partition(
    policy: Policy, store_url: str, accounts: Sequence[SubjectRef], figures: ReportFigures,
    decisions: Sequence[ModerationEvent], keep: int,
) -> Backtest:
    """policy.backtest over the partition's accounts: their saved risks, their report figures
    and the decisions on them (`figures` and `decisions` hold this partition's only)."""
    with _ONE_JOB:
        store = open_store(store_url)
        try:
            risks = [
                risk for start in range(0, len(accounts), RISK_CHUNK)
                for risk in store.risks(accounts=accounts[start:start + RISK_CHUNK])
            ]
        finally:
            store.close()
        return backtest(policy, risks, figures, decisions, keep)
