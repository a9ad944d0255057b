"""Text scoring for a live worker: the batch scorer, with each post's scores remembered.

An account's text score aggregates all its posts, so every new post means scoring the
account again, and without a memory its old posts would be scored again with it. The worker
keeps the accounts of its own partitions, so the same posts come back batch after batch.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from cordon.domain import Post, SubjectRef
from cordon.signals.accounts import PostScores, TextScorer
from cordon.signals.base import TextSignal

#: Posts whose scores a worker remembers (least recently used go first): about 1 KB each.
CACHE_POSTS = 100_000


class CachingTextScorer(TextScorer):
    """TextScorer whose `score_posts` scores only the posts it has not seen."""

    def __init__(
        self, threat: Sequence[TextSignal] | None = None, extremism: Sequence[TextSignal] | None = None,
        cache_posts: int = CACHE_POSTS,
    ) -> None:
        super().__init__(threat, extremism)
        self._cache: OrderedDict[SubjectRef, PostScores] = OrderedDict()
        self._limit = cache_posts

    def score_posts(self, posts: Sequence[Post]) -> list[PostScores]:
        refs = [p.ref for p in posts]  # a property that builds a new ref each call: once
        cache = self._cache
        missing = list({ref: p for ref, p in zip(refs, posts) if ref not in cache}.values())
        fresh = {s.post.ref: s for s in super().score_posts(missing)} if missing else {}
        out = []
        for ref in refs:
            scores = fresh.get(ref) or cache[ref]
            cache[ref] = scores
            cache.move_to_end(ref)
            out.append(scores)
        while len(cache) > self._limit:
            cache.popitem(last=False)
        return out
