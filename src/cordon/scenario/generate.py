"""Putting a world together: the plan, the network, the reports and truth up front, then the
accounts, posts and follows of one chunk of accounts at a time.

`stream(config)` never holds more than one chunk of posts and follows, so a million accounts
fit in a few hundred MB; `generate(config)` collects everything into lists for tests and the
demo.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from cordon.domain import Account, Interaction, InteractionKind, Post, Report
from cordon.scenario import ids
from cordon.scenario.config import ScenarioConfig
from cordon.scenario.crowd import chunk_drafts
from cordon.scenario.drafts import Draft, sort_key
from cordon.scenario.graph import FollowSampler
from cordon.scenario.network import make_network
from cordon.scenario.plan import make_plan
from cordon.scenario.reports import make_reports
from cordon.scenario.truth import GroundTruth, build_truth, role_pieces, save_streaming


class FollowColumns(NamedTuple):
    """A batch's follows as columns: follower ids, followee ids, Unix times (int64 arrays)."""

    source: np.ndarray
    target: np.ndarray
    ts: np.ndarray


@dataclass
class Batch:
    """The posts and follows of one chunk of accounts."""

    index: int
    platform: str
    posts: list[Post]
    # Every post a post of this batch reposts, quotes or replies to, by id (from this batch or
    # the network), so a writer can name its author without looking further.
    referenced: dict[str, Post]
    # Streamed batches carry follows as columns (a writer can format them without making an
    # object per follow); lists carry Interaction objects. `follows` gives objects either way.
    follow_columns: FollowColumns | None = None
    _follows: list[Interaction] | None = field(default=None, repr=False)

    @property
    def follows(self) -> list[Interaction]:
        if self._follows is None:
            cols = self.follow_columns
            assert cols is not None
            follow, when, platform = InteractionKind.FOLLOW, ids.when, self.platform
            self._follows = [
                Interaction(platform, follow, str(s), str(t), when(ts))
                for s, t, ts in zip(
                    cols.source.tolist(), cols.target.tolist(), cols.ts.tolist(), strict=True
                )
            ]
        return self._follows


@dataclass
class Scenario:
    """A whole world in memory."""

    config: ScenarioConfig
    truth: GroundTruth
    accounts: list[Account]
    posts: list[Post]
    # Follows, then the reposts, quotes, replies and mentions the posts carry, derived exactly
    # as cordon.ingest.native.parse derives them from the written posts.
    interactions: list[Interaction]
    reports: list[Report]
    _by_id: dict[str, Post] = field(default_factory=dict, repr=False)
    _accounts_by_id: dict[str, Account] = field(default_factory=dict, repr=False)

    @property
    def follows(self) -> list[Interaction]:
        return [i for i in self.interactions if i.kind == InteractionKind.FOLLOW]

    def iter_accounts(self) -> Iterator[Account]:
        return iter(self.accounts)

    def account(self, account_id: str) -> Account:
        if not self._accounts_by_id:
            self._accounts_by_id.update((a.id, a) for a in self.accounts)
        return self._accounts_by_id[account_id]

    def save_truth(self, path: Path) -> None:
        self.truth.save(path)

    @property
    def release_media(self) -> list[str]:
        return self.truth.propaganda_media_hashes

    def post(self, post_id: str) -> Post:
        if not self._by_id:
            self._by_id.update((p.id, p) for p in self.posts)
        return self._by_id[post_id]

    def batches(self) -> Iterator[Batch]:
        """The whole world as one batch, so writers treat lists and streams alike."""
        if not self._by_id:
            self._by_id.update((p.id, p) for p in self.posts)
        yield Batch(0, self.config.platform, self.posts, self._by_id, _follows=self.follows)


class ScenarioStream:
    """A world drawn chunk by chunk. Iterating twice gives the same records."""

    def __init__(self, config: ScenarioConfig) -> None:
        self.config = config
        self.plan = make_plan(config)
        plan = self.plan
        self.sampler = FollowSampler(
            config, plan.role, plan.created, plan.suspended_at, plan.graph, plan.original
        )
        plan.followers, plan.following = self.sampler.degrees()
        self.network = make_network(plan)
        plan.network_posts = self.network.per_author
        self._reports = make_reports(plan, self.network)
        # Network posts are written with their author's chunk.
        self._network_by_chunk: dict[int, list[Draft]] = {}
        for draft in self.network.drafts:
            self._network_by_chunk.setdefault(draft.author // config.chunk_size, []).append(draft)
        self._account_id = plan.id_of
        # Authors and mentioned accounts recur (hubs, journalists): cache the lookups.
        self._account_cached = lru_cache(maxsize=1 << 16)(lambda a: plan.account(plan.index_of(a)))

    @property
    def release_media(self) -> list[str]:
        return self.network.release_media

    @property
    def truth(self) -> GroundTruth:
        """Built afresh on each access and not kept: for a million accounts it is ~90 MB,
        which a streaming writer needs only for the moment it writes truth.json."""
        return build_truth(self.plan, self.network, self._reports)

    def save_truth(self, path: Path) -> None:
        """truth.json, byte for byte as GroundTruth.save writes it, without holding the roles
        of every account in memory."""
        light = build_truth(self.plan, self.network, self._reports, with_roles=False)
        save_streaming(path, light, role_pieces(self.plan))

    @property
    def reports(self) -> list[Report]:
        return self._reports.reports

    @property
    def chunks(self) -> int:
        return self.sampler.chunks

    def iter_accounts(self) -> Iterator[Account]:
        for i in range(self.plan.n):
            yield self.plan.account(i)

    def account(self, account_id: str) -> Account:
        return self._account_cached(account_id)

    def batches(self) -> Iterator[Batch]:
        serial = len(self.network.drafts)
        for chunk in range(self.chunks):
            crowd = chunk_drafts(self.plan, self.network, self.sampler, chunk)
            crowd.sort(key=sort_key)
            for draft in crowd:
                draft.assign(serial)
                serial += 1
            drafts = sorted(self._network_by_chunk.get(chunk, []) + crowd, key=sort_key)
            src, dst, ts = self.sampler.edges(chunk)
            columns = FollowColumns(self.plan.ids[src], self.plan.ids[dst], ts)
            yield Batch(
                chunk,
                self.config.platform,
                [self._post(d) for d in drafts],
                self._referenced(drafts),
                columns,
            )

    def _post(self, draft: Draft) -> Post:
        return draft.to_post(self.config.platform, self._account_id)

    def _referenced(self, drafts: list[Draft]) -> dict[str, Post]:
        out: dict[str, Post] = {}
        for d in drafts:
            for ref in (d.repost_of, d.quote_of, d.reply_to):
                if ref is not None and ref.id not in out:
                    out[ref.id] = self._post(ref)
        return out


def stream(config: ScenarioConfig | None = None) -> ScenarioStream:
    return ScenarioStream(config or ScenarioConfig())


def generate(config: ScenarioConfig | None = None) -> Scenario:
    """A whole world as lists. For big worlds use stream() and write_scenario() on it."""
    s = stream(config)
    accounts = list(s.iter_accounts())
    posts: list[Post] = []
    follows: list[Interaction] = []
    authors: dict[str, str] = {}
    for batch in s.batches():
        posts.extend(batch.posts)
        follows.extend(batch.follows)
        authors.update((p.id, p.author_id) for p in batch.referenced.values())
    derived = [i for post in posts for i in post_interactions(post, authors)]
    return Scenario(s.config, s.truth, accounts, posts, follows + derived, list(s.reports))


def post_interactions(post: Post, author_of: dict[str, str]) -> list[Interaction]:
    """The edges a post carries, in the order cordon.ingest.native.parse yields them."""
    out = []
    for ref, kind in (
        (post.repost_of_id, InteractionKind.REPOST),
        (post.quote_of_id, InteractionKind.QUOTE),
        (post.reply_to_id, InteractionKind.REPLY),
    ):
        if ref is not None:
            out.append(
                Interaction(
                    post.platform, kind, post.author_id, author_of[ref], post.created_at, post.id
                )
            )
    for target in post.mentions:
        out.append(
            Interaction(
                post.platform,
                InteractionKind.MENTION,
                post.author_id,
                target,
                post.created_at,
                post.id,
            )
        )
    return out


def reference_authors(post: Post, author_of: dict[str, str]) -> dict[str, str]:
    """The native format's *_author_id keys for a post."""
    out = {}
    if post.repost_of_id is not None:
        out["repost_of_author_id"] = author_of[post.repost_of_id]
    if post.quote_of_id is not None:
        out["quote_of_author_id"] = author_of[post.quote_of_id]
    if post.reply_to_id is not None:
        out["reply_to_author_id"] = author_of[post.reply_to_id]
    return out
