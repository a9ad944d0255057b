"""The follow graph: topical communities, heavy-tailed popularity, and the network's wiring.

Follows are drawn per chunk of followers with numpy. A follow's target is drawn in
proportion to the target's popularity, mostly inside the follower's community: a fitness
(Chung-Lu) model, the stationary form of preferential attachment, which gives power-law
in-degrees without having to grow the graph one node at a time, and so can be streamed.

On top of that, the network's structure: supporters follow a personal subset of the hubs and
officials (a returner re-follows exactly its original's subset, within hours of being made,
and a share of its original's other follows over its first days, style.inherited_follows),
hubs follow every official. Hard negatives never follow into the network; a few curious
ordinary users do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cordon.scenario import seeds
from cordon.scenario.config import ScenarioConfig
from cordon.scenario.roles import Role
from cordon.scenario.style import inherited_follows
from cordon.scenario.texts import TOPICS

HOUR = 3_600
DAY = 86_400

# Fixed communities; the rest are topical communities of ordinary users.
NETWORK_COMMUNITY = 0
NEWS_COMMUNITY = 1
BRIGADE_COMMUNITY = 2
FIRST_TOPICAL = 3

# Popularity multipliers: officials and hubs are the network's celebrities.
_BOOST = {
    Role.OFFICIAL: 150.0,
    Role.HUB: 60.0,
    Role.SUPPORTER: 1.0,
    Role.RETURNING: 0.5,
    Role.ORDINARY: 1.0,
    Role.JOURNALIST: 40.0,
    Role.RESEARCHER: 15.0,
    Role.COUNTER_SPEECH: 5.0,
    Role.BRIGADE: 0.3,
}
# Median follows per role, as multiples of the configured median.
_DEGREE = {
    Role.OFFICIAL: 0.5,
    Role.HUB: 5.0,
    Role.SUPPORTER: 2.5,
    Role.RETURNING: 1.5,
    Role.ORDINARY: 1.0,
    Role.JOURNALIST: 4.0,
    Role.RESEARCHER: 3.0,
    Role.COUNTER_SPEECH: 2.0,
    Role.BRIGADE: 0.3,
}
_MAX_DEGREE = 1_000
_EMPTY = np.empty(0, dtype=np.int64)


@dataclass
class Layout:
    community: np.ndarray  # int16 per account
    community_topic: list[str]  # per community ("network", "news", "brigade", or a TOPICS entry)
    community_arabic: np.ndarray  # bool per community
    popularity: np.ndarray  # float64 per account
    out_degree: np.ndarray  # int32 per account: follows drawn (before de-duplication)
    hub_mask: np.ndarray  # int64 per account: bit k = follows hub k
    official_mask: np.ndarray  # int64 per account: bit k = follows official k


def make_layout(
    config: ScenarioConfig,
    role: np.ndarray,
    created: np.ndarray,
    original: np.ndarray,
    rng: np.random.Generator,
) -> Layout:
    n = len(role)
    k = config.communities
    topical = np.arange(FIRST_TOPICAL, k)
    topics = ["network", "news", "brigade"] + [
        TOPICS[(c - FIRST_TOPICAL) % len(TOPICS)] for c in topical
    ]
    arabic = np.zeros(k, dtype=bool)
    n_arabic = round(len(topical) * config.arabic_share)
    arabic[rng.choice(topical, size=n_arabic, replace=False)] = True

    community = np.empty(n, dtype=np.int16)
    community[role <= Role.RETURNING] = NETWORK_COMMUNITY
    hard = (role == Role.JOURNALIST) | (role == Role.RESEARCHER) | (role == Role.COUNTER_SPEECH)
    community[hard] = NEWS_COMMUNITY
    community[role == Role.BRIGADE] = BRIGADE_COMMUNITY
    ordinary = np.flatnonzero(role == Role.ORDINARY)
    # Zipf-like community sizes; the news community also draws ordinary news readers.
    choices = np.concatenate([[NEWS_COMMUNITY], topical])
    weights = 1.0 / np.arange(1, len(choices) + 1) ** 0.8
    weights[0] = weights[len(weights) // 2]
    community[ordinary] = rng.choice(choices, size=len(ordinary), p=weights / weights.sum())

    popularity = rng.pareto(config.popularity_exponent, n) + 1.0
    degree_scale = np.ones(n)
    for r in Role:
        mask = role == r
        popularity[mask] *= _BOOST[r]
        degree_scale[mask] = _DEGREE[r]
    median = config.follows_median * degree_scale
    out_degree = np.clip(np.rint(rng.lognormal(np.log(median), 1.0)), 1, _MAX_DEGREE).astype(
        np.int32
    )

    hubs = np.flatnonzero(role == Role.HUB)
    officials = np.flatnonzero(role == Role.OFFICIAL)
    if len(hubs) > 62 or len(officials) > 62:
        raise ValueError("at most 62 hubs and 62 officials (follow subsets are 64-bit masks)")
    hub_mask = np.zeros(n, dtype=np.int64)
    official_mask = np.zeros(n, dtype=np.int64)
    every_hub = (1 << len(hubs)) - 1
    every_official = (1 << len(officials)) - 1
    for i in np.flatnonzero(role == Role.SUPPORTER).tolist():
        hub_mask[i] = _subset(rng, len(hubs), low=min(3, len(hubs)))
        official_mask[i] = _subset(rng, len(officials), low=1)
    # Positions are in creation order, so an original's masks are set before its returner's.
    for i in np.flatnonzero(role == Role.RETURNING).tolist():
        hub_mask[i] = hub_mask[original[i]]
        official_mask[i] = official_mask[original[i]]
    hub_mask[hubs] = every_hub
    official_mask[hubs] = every_official
    official_mask[officials] = every_official
    curious = ordinary[rng.random(len(ordinary)) < config.curious_share]
    for i in curious.tolist():
        if rng.random() < 0.5:
            hub_mask[i] = 1 << int(rng.integers(len(hubs)))
        else:
            official_mask[i] = 1 << int(rng.integers(len(officials)))
    return Layout(community, topics, arabic, popularity, out_degree, hub_mask, official_mask)


def _subset(rng: np.random.Generator, size: int, low: int) -> int:
    k = int(rng.integers(low, size + 1))
    mask = 0
    for bit in rng.choice(size, size=k, replace=False).tolist():
        mask |= 1 << bit
    return mask


class FollowSampler:
    """Draws the follows of one chunk of followers; the same chunk always gives the same edges."""

    def __init__(
        self,
        config: ScenarioConfig,
        role: np.ndarray,
        created: np.ndarray,
        suspended_at: np.ndarray,
        layout: Layout,
        original: np.ndarray | None = None,
    ) -> None:
        self.config = config
        # For a returner, the position of its original (else -1): it follows again a share of
        # its original's other follows (style.inherited_follows), not only its hub set.
        self.original = original
        self._kept: dict[int, np.ndarray] = {}  # original -> its follows outside the masks
        self._kept_upto = 0  # chunks whose originals are in _kept
        self._is_original: np.ndarray | None = None
        self.role = role
        self.created = created
        self.suspended_at = suspended_at
        self.layout = layout
        self.n = len(role)
        self.hubs = np.flatnonzero(role == Role.HUB)
        self.officials = np.flatnonzero(role == Role.OFFICIAL)
        self.broadcaster = (role == Role.HUB) | (role == Role.OFFICIAL)
        community = layout.community
        self.members: list[np.ndarray] = []
        self.cumulative: list[np.ndarray] = []
        for c in range(config.communities):
            members = np.flatnonzero(community == c)
            self.members.append(members)
            self.cumulative.append(np.cumsum(layout.popularity[members]))
        # Cross-community follows never land in the network: only the masks wire into it.
        outside = np.flatnonzero(community != NETWORK_COMMUNITY)
        self.outside = outside
        self.outside_cumulative = np.cumsum(layout.popularity[outside])

    @property
    def chunks(self) -> int:
        return -(-self.n // self.config.chunk_size)

    def bounds(self, chunk: int) -> tuple[int, int]:
        lo = chunk * self.config.chunk_size
        return lo, min(self.n, lo + self.config.chunk_size)

    def sample(self, community: int, count: int, rng: np.random.Generator) -> np.ndarray:
        """`count` accounts of `community`, drawn in proportion to popularity."""
        cumulative = self.cumulative[community]
        if count == 0 or len(cumulative) == 0:
            return np.empty(0, dtype=np.int64)
        picks = np.searchsorted(cumulative, rng.random(count) * cumulative[-1], side="right")
        return self.members[community][np.minimum(picks, len(cumulative) - 1)]

    def edges(self, chunk: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(follower, followee, time) arrays for the chunk's followers, sorted and de-duplicated."""
        src, dst, ts = self._drawn(chunk)
        if self.original is None:
            return src, dst, ts
        # Originals come before their returners (positions are creation ranks), so the chunks
        # up to this one hold them all. Drawn in order (degrees() does), each chunk once.
        while self._kept_upto < chunk:
            self._keep(*self._drawn(self._kept_upto)[:2])
            self._kept_upto += 1
        if self._kept_upto == chunk:
            self._keep(src, dst)
            self._kept_upto += 1
        lo, hi = self.bounds(chunk)
        returners = np.flatnonzero(self.original[lo:hi] >= 0) + lo
        if not len(returners):
            return src, dst, ts
        rng = seeds.numpy_rng(self.config.seed, seeds.STYLE, 2, chunk)
        extra_src, extra_dst = [], []
        for r in returners.tolist():
            again = inherited_follows(self._kept.get(int(self.original[r]), _EMPTY), rng)
            extra_src.append(np.full(len(again), r, dtype=np.int64))
            extra_dst.append(again)
        e_src, e_dst = np.concatenate(extra_src), np.concatenate(extra_dst)
        new = ~np.isin(e_src * self.n + e_dst, src * self.n + dst) & (e_src != e_dst)
        e_src, e_dst = e_src[new], e_dst[new]
        e_src, e_dst, e_ts = self._timed(e_src, e_dst, rng, refollow=True)
        order = np.argsort(np.concatenate([src, e_src]) * self.n + np.concatenate([dst, e_dst]))
        return (
            np.concatenate([src, e_src])[order],
            np.concatenate([dst, e_dst])[order],
            np.concatenate([ts, e_ts])[order],
        )

    def _keep(self, src: np.ndarray, dst: np.ndarray) -> None:
        """Remember the follows (outside the hub and official masks) of a chunk's originals."""
        if self._is_original is None:
            self._is_original = np.zeros(self.n, dtype=bool)
            self._is_original[self.original[self.original >= 0]] = True
        pick = self._is_original[src] & ~self.broadcaster[dst]
        order = np.argsort(src[pick], kind="stable")  # each original's follows in drawn order
        s, d = src[pick][order], dst[pick][order]
        if not len(s):
            return
        ids, starts = np.unique(s, return_index=True)
        for i, follows in zip(ids.tolist(), np.split(d, starts[1:]), strict=True):
            self._kept[i] = follows

    def _drawn(self, chunk: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The chunk's follows as drawn before returners kept their originals' (stream FOLLOWS)."""
        rng = seeds.numpy_rng(self.config.seed, seeds.FOLLOWS, chunk)
        lo, hi = self.bounds(chunk)
        layout = self.layout
        followers = np.arange(lo, hi, dtype=np.int64)
        src = np.repeat(followers, layout.out_degree[lo:hi])
        dst = np.empty(len(src), dtype=np.int64)
        inside = rng.random(len(src)) < self.config.community_affinity
        src_community = layout.community[src]
        for c in range(self.config.communities):
            sel = np.flatnonzero(inside & (src_community == c))
            if len(sel):
                dst[sel] = self.sample(c, len(sel), rng)
        cross = np.flatnonzero(~inside)
        picks = np.searchsorted(
            self.outside_cumulative,
            rng.random(len(cross)) * self.outside_cumulative[-1],
            side="right",
        )
        dst[cross] = self.outside[np.minimum(picks, len(self.outside) - 1)]
        # Follows into the network, and of hubs and officials from inside it, come only from the
        # masks: so a returner's hub follows are exactly its original's.
        stray = (layout.community[dst] == NETWORK_COMMUNITY) & (src_community != NETWORK_COMMUNITY)
        stray |= self.broadcaster[dst]
        keep = ~stray
        src, dst = src[keep], dst[keep]

        mask_src, mask_dst = self._mask_edges(followers, layout.hub_mask[lo:hi], self.hubs)
        off_src, off_dst = self._mask_edges(followers, layout.official_mask[lo:hi], self.officials)
        src = np.concatenate([src, mask_src, off_src])
        dst = np.concatenate([dst, mask_dst, off_dst])

        keys = np.unique(src[src != dst] * self.n + dst[src != dst])
        src, dst = keys // self.n, keys % self.n
        return self._timed(src, dst, rng)

    @staticmethod
    def _mask_edges(
        followers: np.ndarray, masks: np.ndarray, targets: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        if len(targets) == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        bits = ((masks[:, None] >> np.arange(len(targets))) & 1).astype(bool)
        rows, cols = np.nonzero(bits)
        return followers[rows], targets[cols].astype(np.int64)

    def _timed(
        self, src: np.ndarray, dst: np.ndarray, rng: np.random.Generator, refollow: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """When each follow happened; drops follows that could not have happened (a target
        made after the follower was suspended, or a follower made after the target was)."""
        end = self.config.end_ts
        earliest = np.maximum(self.created[src], self.created[dst])
        src_role = self.role[src]
        # A returner re-follows its circle within hours; everyone else over weeks or years.
        scale = np.where(src_role == Role.RETURNING, 6 * HOUR, 120 * DAY)
        if refollow:  # the old circle, found again over the first days
            scale = np.full(len(src), DAY)
        ts = earliest + rng.exponential(scale).astype(np.int64)
        latest = np.full(len(src), end - 1, dtype=np.int64)
        for gone in (self.suspended_at[src], self.suspended_at[dst]):
            latest = np.where(gone > 0, np.minimum(latest, gone - 1), latest)
        possible = earliest < latest
        # Past the latest possible moment: spread uniformly instead of piling up at the end.
        late = ts >= latest
        ts[late] = earliest[late] + (
            (latest[late] - earliest[late]) * rng.random(int(late.sum()))
        ).astype(np.int64)
        return src[possible], dst[possible], ts[possible]

    def degrees(self) -> tuple[np.ndarray, np.ndarray]:
        """(followers, following) counts for every account, drawing every chunk once."""
        followers = np.zeros(self.n, dtype=np.int64)
        following = np.zeros(self.n, dtype=np.int64)
        for chunk in range(self.chunks):
            src, dst, _ = self.edges(chunk)
            followers += np.bincount(dst, minlength=self.n)
            following += np.bincount(src, minlength=self.n)
        return followers.astype(np.int32), following.astype(np.int32)
