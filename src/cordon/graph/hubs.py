"""Distribution hubs: the accounts that carry the designated official media's content furthest.

In 2015 ISIS ran its propaganda through about 16 accounts that reposted every release of its
official media within minutes, to thousands of supporters who reposted them in turn. Three
things mark such a hub, and the ranker measures each:

- **carry**: how many distinct official releases it reposted (a repost of a repost counts:
  `Post.repost_of_id` chains are followed to the release), and quoted (a quote counts less);
- **speed**: the median delay between a release and its repost; a hub is there in minutes;
- **audience**: how many distinct accounts reposted or quoted its posts, and how many follow
  it, each weighted by whether that account is in the network's audience (it reposted
  official content or follows an official account) rather than anyone.

Each becomes a number in [0,1] that saturates (x / (x + half)), and the hub score is their
weighted geometric mean: an account has to do all three to rank. That is what keeps
journalists out: they quote releases rather than repost them, hours later, to an audience
that is not the supporters'. Officials themselves are never hubs.

The ranker reads the posts once, keeping ids, authors, times and references in numpy arrays
(texts are dropped as each post goes by), then the follows once.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import numpy as np

from cordon.domain import (
    Account,
    AccountStatus,
    CaseState,
    EventName,
    Interaction,
    InteractionKind,
    ModerationEvent,
    Post,
    SubjectKind,
    SubjectRef,
)
from cordon.errors import CordonError
from cordon.store import Store
from cordon.store.base import KIND_CODES, InteractionColumns

_ORIGINAL, _REPOST, _QUOTE = 0, 1, 2
# Case states that still wait on a reviewer: a hub with such a case is queued.
_WAITING = frozenset({CaseState.OPEN, CaseState.ASSIGNED, CaseState.ESCALATED, CaseState.APPEALED})


@dataclass(frozen=True, slots=True)
class Hub:
    """One ranked account, with the figures behind its score and a reviewer's sentence."""

    account: SubjectRef
    username: str
    hub_score: float
    rank: int
    why: str
    #: Distinct official releases it reposted, and quoted without reposting.
    reposted: int = 0
    quoted: int = 0
    #: Median seconds between a release and its repost or quote; None when times are missing.
    median_delay_s: float | None = None
    #: Distinct accounts (officials left out) that reposted or quoted its posts.
    reposters: int = 0
    followers: int = 0
    #: Of those followers, the ones in the network's audience.
    audience_followers: int = 0


@dataclass
class PlatformData:
    """Platform records in memory, for the ranker without a store (tests, notebooks). Any
    object with these three attributes will do (a generated Scenario does)."""

    posts: Iterable[Post] = ()
    interactions: Iterable[Interaction] = ()
    accounts: Iterable[Account] = ()


class _Records(Protocol):
    posts: Iterable[Post]
    interactions: Iterable[Interaction]
    accounts: Iterable[Account]


Source = Store | PlatformData | _Records


class HubRanker:
    """Ranks the accounts that carry official content furthest. All parameters are set here
    (the scikit-learn estimator contract); `rank` takes only data.

    quote_weight: what a quote of a release counts for, against 1 for a repost; it also
        weighs a quote of an account's post against a repost of it.
    delay_half_s: the median delay at which speed is 0.5 (30 min: hubs take minutes).
    carry_half_share: the share of all official releases at which carry is 0.5.
    audience_half_share: the audience (weighted reposters + follower_weight × weighted
        followers), as a share of the network's whole audience, at which reach is 0.5.
    follower_weight: what a follower counts for, against a reposter.
    outsider_weight: what an account outside the network's audience counts for, against 1.
    weights: (carry, speed, audience) exponents of the weighted geometric mean.
    top: how many hubs `rank` returns (None: every account that carried official content).
    max_chain: how many reposts deep a chain is followed to its release.
    """

    def __init__(
        self,
        *,
        quote_weight: float = 0.3,
        delay_half_s: float = 1800.0,
        carry_half_share: float = 0.1,
        audience_half_share: float = 0.05,
        follower_weight: float = 0.5,
        outsider_weight: float = 0.1,
        weights: tuple[float, float, float] = (1.0, 1.0, 1.0),
        top: int | None = None,
        max_chain: int = 16,
    ) -> None:
        self.quote_weight = quote_weight
        self.delay_half_s = delay_half_s
        self.carry_half_share = carry_half_share
        self.audience_half_share = audience_half_share
        self.follower_weight = follower_weight
        self.outsider_weight = outsider_weight
        self.weights = weights
        self.top = top
        self.max_chain = max_chain
        self._check()

    def get_params(self) -> dict[str, Any]:
        return {
            "quote_weight": self.quote_weight,
            "delay_half_s": self.delay_half_s,
            "carry_half_share": self.carry_half_share,
            "audience_half_share": self.audience_half_share,
            "follower_weight": self.follower_weight,
            "outsider_weight": self.outsider_weight,
            "weights": self.weights,
            "top": self.top,
            "max_chain": self.max_chain,
        }

    def _check(self) -> None:
        problems = []
        for name in ("quote_weight", "follower_weight", "outsider_weight"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and 0.0 <= value <= 1.0):
                problems.append(f"{name} must be within 0..1, got {value!r}")
        for name in ("delay_half_s", "carry_half_share", "audience_half_share"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and value > 0 and math.isfinite(value)):
                problems.append(f"{name} must be a positive number, got {value!r}")
        if len(self.weights) != 3 or any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
            problems.append(f"weights must be three non-negative numbers, not all 0, got {self.weights!r}")
        if self.top is not None and self.top < 1:
            problems.append(f"top must be at least 1, got {self.top!r}")
        if self.max_chain < 1:
            problems.append(f"max_chain must be at least 1, got {self.max_chain!r}")
        if problems:
            raise CordonError("HubRanker: " + "; ".join(problems))

    # -- ranking -------------------------------------------------------------------------
    def rank(
        self,
        source: Source,
        official: Iterable[SubjectRef],
        *,
        follows: Iterable[Interaction] | InteractionColumns = (),
    ) -> list[Hub]:
        """Hubs, best first. `source` is a Store (posts and follows are streamed once each) or
        in-memory records (PlatformData, a Scenario). `official` are the designated official
        media accounts. `follows` adds follow edges the source lacks (a follows CSV, as
        Interactions or InteractionColumns)."""
        officials = [ref for ref in official]
        for ref in officials:
            if not isinstance(ref, SubjectRef) or ref.kind is not SubjectKind.ACCOUNT:
                raise CordonError(f"official accounts must be account refs, got {ref!r}")
        index = _Index()
        official_ids = {index.of(ref.platform, ref.id) for ref in officials}
        is_store = isinstance(source, Store)
        posts = source.post_skeletons() if is_store else source.posts
        table = _PostTable.read(posts, index)
        interactions: Sequence[Interaction] = ()
        if not is_store:
            # Read twice below (stand-ins, follows): a generator would be spent after the first.
            given = source.interactions  # type: ignore[union-attr]
            interactions = given if isinstance(given, list | tuple) else list(given)
        if table.unresolved() and not is_store:
            table.resolve_from(_kinds(interactions, (InteractionKind.REPOST, InteractionKind.QUOTE)), index)
        elif table.unresolved():
            table.resolve_from(_chain(source.interactions(InteractionKind.REPOST),
                                      source.interactions(InteractionKind.QUOTE)), index)
        figures = self._carry(table, index, official_ids)
        if not figures.candidates:
            return []
        edges = (
            _triples(source.interaction_arrays(kinds=[InteractionKind.FOLLOW]))
            if is_store
            else _triples(interactions)
        )
        self._follows(_chain(edges, _triples(follows)), index, figures, official_ids)
        hubs = self._score(figures, index, table.official_releases)
        if self.top is not None:
            hubs = hubs[: self.top]
        names = _usernames(source, [h.account for h in hubs])
        return [
            Hub(h.account, names.get(h.account, ""), h.hub_score, k, h.why, h.reposted, h.quoted,
                h.median_delay_s, h.reposters, h.followers, h.audience_followers)
            for k, h in enumerate(hubs, 1)
        ]

    def _carry(self, table: _PostTable, index: _Index, official_ids: set[int]) -> _Figures:
        """Who reposted or quoted which release how fast, and who reposted whom."""
        n_accounts = len(index)
        is_official = np.zeros(n_accounts, dtype=bool)
        is_official[list(official_ids)] = True
        author, kind, ts = table.author, table.kind, table.ts
        ref_idx = table.ref_index()
        found = ref_idx >= 0
        # Follow repost chains to the post they started from (pointer jumping).
        parent = np.arange(len(author))
        chained = (kind == _REPOST) & found
        parent[chained] = ref_idx[chained]
        for _ in range(max(1, self.max_chain.bit_length() + 1)):
            nxt = parent[parent]
            if np.array_equal(nxt, parent):
                break
            parent = nxt
        origin = np.full(len(author), -1, dtype=np.int64)
        origin[chained] = parent[chained]
        quoting = (kind == _QUOTE) & found
        origin[quoting] = parent[ref_idx[quoting]]
        has_origin = origin >= 0
        safe_origin = np.where(has_origin, origin, 0)
        release = has_origin & is_official[author[safe_origin]] & (kind[safe_origin] != _REPOST)
        release &= ~is_official[author]
        table.official_releases = int(np.count_nonzero(is_official[author] & (kind != _REPOST)))

        figures = _Figures(n_accounts)
        # Distinct (account, release, kind) with the earliest time.
        sel = np.flatnonzero(release)
        delay = ts[sel] - ts[origin[sel]]
        rows = sorted(zip(author[sel].tolist(), origin[sel].tolist(), kind[sel].tolist(), delay.tolist(),
                          strict=True))
        seen: dict[tuple[int, int], int] = {}
        for acc, root, k, d in rows:
            key = (acc, root)
            prior = seen.get(key)
            if prior is None:
                seen[key] = k
                figures.delays.setdefault(acc, []).append(d)
                if k == _REPOST:
                    figures.reposted[acc] = figures.reposted.get(acc, 0) + 1
                else:
                    figures.quoted[acc] = figures.quoted.get(acc, 0) + 1
            elif prior == _QUOTE and k == _REPOST:
                # Quoted and reposted the same release: it counts as reposted.
                seen[key] = _REPOST
                figures.quoted[acc] -= 1
                figures.reposted[acc] = figures.reposted.get(acc, 0) + 1
        figures.candidates = set(figures.reposted) | set(figures.quoted)
        figures.audience = np.zeros(n_accounts, dtype=bool)
        figures.audience[list(figures.reposted)] = True

        # Who reposted or quoted a candidate's posts (its own, or its reposts).
        derived = np.flatnonzero(found & (kind != _ORIGINAL))
        src = author[derived]
        dst = author[ref_idx[derived]]
        keep = (src != dst) & ~is_official[src]
        cand = np.zeros(n_accounts, dtype=bool)
        cand[list(figures.candidates)] = True
        keep &= cand[dst]
        figures.reposts_from = (dst[keep], src[keep], kind[derived][keep])
        return figures

    def _follows(
        self, edges: Iterable[tuple[str, str, str]], index: _Index, figures: _Figures, official_ids: set[int]
    ) -> None:
        """Followers of each candidate, and who follows an official (the network's audience)."""
        watch: dict[str, dict[str, int]] = {}
        for acc in figures.candidates | official_ids:
            platform, ident = index.key(acc)
            watch.setdefault(platform, {})[ident] = acc
        pairs_dst: list[int] = []
        pairs_src: list[int] = []
        fans: set[int] = set()
        for platform, source_id, target_id in edges:
            targets = watch.get(platform)
            if targets is None:
                continue
            dst = targets.get(target_id)
            if dst is None:
                continue
            src = index.of(platform, source_id)
            if src == dst:
                continue
            if dst in official_ids:
                fans.add(src)
            else:
                pairs_dst.append(dst)
                pairs_src.append(src)
        n = len(index)
        audience = np.zeros(n, dtype=bool)
        audience[: len(figures.audience)] = figures.audience
        audience[list(fans)] = True
        is_official = np.zeros(n, dtype=bool)
        is_official[list(official_ids)] = True
        audience &= ~is_official
        figures.audience = audience
        figures.follows = (np.asarray(pairs_dst, dtype=np.int64), np.asarray(pairs_src, dtype=np.int64))
        figures.is_official = is_official

    def _score(self, figures: _Figures, index: _Index, releases: int) -> list[Hub]:
        audience, is_official = figures.audience, figures.is_official
        outsider = self.outsider_weight
        # Reposters: distinct (candidate, account) pairs, the strongest kind counting.
        dst, src, kind = figures.reposts_from
        weight = np.where(audience[src], 1.0, outsider) * np.where(kind == _REPOST, 1.0, self.quote_weight)
        reach_w, reach_n = _distinct_sum(dst, src, weight)
        # Followers.
        fdst, fsrc = figures.follows
        keep = ~is_official[fsrc] if len(fsrc) else np.zeros(0, dtype=bool)
        fdst, fsrc = fdst[keep], fsrc[keep]
        fweight = np.where(audience[fsrc], 1.0, outsider)
        follow_w, follow_n = _distinct_sum(fdst, fsrc, fweight)
        follow_aud, _ = _distinct_sum(fdst, fsrc, audience[fsrc].astype(float))

        carry_half = max(1.0, self.carry_half_share * releases)
        audience_half = max(1.0, self.audience_half_share * int(np.count_nonzero(audience)))
        wc, ws, wa = self.weights
        total = wc + ws + wa
        out = []
        for acc in figures.candidates:
            if is_official[acc]:
                continue
            reposted = figures.reposted.get(acc, 0)
            quoted = figures.quoted.get(acc, 0)
            carry = reposted + self.quote_weight * quoted
            delays = [d for d in figures.delays.get(acc, []) if math.isfinite(d)]
            median = float(np.median(delays)) if delays else None
            # Unknown times: no evidence of speed, count it as a slow day.
            speed = self.delay_half_s / (self.delay_half_s + max(0.0, median if median is not None else 86_400.0))
            reach = reach_w.get(acc, 0.0) + self.follower_weight * follow_w.get(acc, 0.0)
            parts = (carry / (carry + carry_half), speed, reach / (reach + audience_half))
            score = math.exp(sum(w * math.log(max(p, 1e-12)) for w, p in zip((wc, ws, wa), parts, strict=True)) / total)
            ref = SubjectRef.account(*index.key(acc))
            hub = Hub(
                account=ref, username="", hub_score=round(min(1.0, max(0.0, score)), 6), rank=0, why="",
                reposted=reposted, quoted=quoted, median_delay_s=median,
                reposters=reach_n.get(acc, 0), followers=follow_n.get(acc, 0),
                audience_followers=round(follow_aud.get(acc, 0.0)),
            )
            out.append(hub)
        out.sort(key=lambda h: (-h.hub_score, str(h.account)))
        return [_with_why(h) for h in out]


def top_hubs(store: Store, official: Iterable[SubjectRef], k: int = 16, **params: Any) -> list[SubjectRef]:
    """The k accounts that rank highest as hubs, for a report's hub figures."""
    return [h.account for h in HubRanker(top=k, **params).rank(store, official)]


# -- coverage -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HubCoverage:
    """What has been done about the hubs: suspended, queued for review, or held under watch.
    Each hub counts once, in that order; the rest are untouched."""

    total: int
    suspended: int
    queued: int
    watched: int
    untouched: tuple[SubjectRef, ...] = field(default=())

    @property
    def sentence(self) -> str:
        """'13 of 16 hubs suspended, 2 queued for review, 1 watched.'"""
        parts = [f"{self.suspended} of {self.total} hubs suspended"]
        if self.queued:
            parts.append(f"{self.queued} queued for review")
        if self.watched:
            parts.append(f"{self.watched} watched")
        return ", ".join(parts) + "."


def hub_coverage(
    store: Store, hubs: Iterable[SubjectRef | Hub], *, events: Sequence[ModerationEvent] | None = None
) -> HubCoverage:
    """How many of the hubs (refs, or ranked Hubs) are suspended, queued (a case waiting on
    review) or watched. An account's status in the store decides suspended and watched;
    where the store does not hold the account, its last executed action does. `events` saves
    reading the log again."""
    from cordon.cases import fold_cases

    hub_list = list(dict.fromkeys(h.account if isinstance(h, Hub) else h for h in hubs))
    wanted = set(hub_list)
    log = list(store.events()) if events is None else events
    last_action: dict[SubjectRef, str] = {}
    for event in log:
        if event.subject in wanted and event.name is EventName.ACTION_EXECUTED:
            last_action[event.subject] = str(event.payload.get("action", ""))
        elif event.subject in wanted and event.name is EventName.REINSTATED:
            last_action[event.subject] = "reinstate"
    waiting = {c.subject for c in fold_cases(log).values() if c.subject in wanted and c.state in _WAITING}
    suspended = queued = watched = 0
    untouched = []
    for ref in hub_list:
        account = store.get_account(ref)
        if account is not None:
            status = account.status
        else:
            status = {"suspend": AccountStatus.SUSPENDED, "watch": AccountStatus.WATCHED}.get(
                last_action.get(ref, ""), AccountStatus.ACTIVE)
        if status is AccountStatus.SUSPENDED:
            suspended += 1
        elif ref in waiting:
            queued += 1
        elif status is AccountStatus.WATCHED:
            watched += 1
        else:
            untouched.append(ref)
    return HubCoverage(len(hub_list), suspended, queued, watched, tuple(untouched))


# -- internals ----------------------------------------------------------------------------
class _Index:
    """(platform, account id) <-> a dense int."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], int] = {}
        self._keys: list[tuple[str, str]] = []

    def of(self, platform: str, ident: str) -> int:
        key = (platform, ident)
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = len(self._keys)
            self._keys.append(key)
        return found

    def key(self, index: int) -> tuple[str, str]:
        return self._keys[index]

    def __len__(self) -> int:
        return len(self._keys)


class _PostTable:
    """The fields of every post the ranker needs, as arrays: a 64-bit hash of (platform, id),
    the author's index, the time (Unix seconds, NaN when unknown), what kind of post it is,
    and the hash of the post it reposts or quotes."""

    def __init__(self) -> None:
        self.official_releases = 0
        self._unresolved: dict[int, int] | None = None

    @classmethod
    def read(cls, posts: Iterable[Post], index: _Index) -> _PostTable:
        keys, refs, authors, times, kinds = array("q"), array("q"), array("q"), array("d"), array("b")
        nan = math.nan
        for post in posts:
            platform = post.platform
            keys.append(hash((platform, post.id)))
            authors.append(index.of(platform, post.author_id))
            created: datetime | None = post.created_at
            times.append(created.timestamp() if created is not None else nan)
            if post.repost_of_id is not None:
                refs.append(hash((platform, post.repost_of_id)))
                kinds.append(_REPOST)
            elif post.quote_of_id is not None:
                refs.append(hash((platform, post.quote_of_id)))
                kinds.append(_QUOTE)
            else:
                refs.append(0)
                kinds.append(_ORIGINAL)
        table = cls()
        table.key = np.frombuffer(keys, dtype=np.int64).copy() if keys else np.zeros(0, np.int64)
        table.ref = np.frombuffer(refs, dtype=np.int64).copy() if refs else np.zeros(0, np.int64)
        table.author = np.frombuffer(authors, dtype=np.int64).copy() if authors else np.zeros(0, np.int64)
        table.ts = np.frombuffer(times, dtype=np.float64).copy() if times else np.zeros(0)
        table.kind = np.frombuffer(kinds, dtype=np.int8).copy() if kinds else np.zeros(0, np.int8)
        table._index()
        return table

    def _index(self) -> None:
        self._order = np.argsort(self.key, kind="stable")
        self._sorted = self.key[self._order]

    def ref_index(self) -> np.ndarray:
        """Row of the post each row reposts or quotes; -1 when none or not in the data."""
        out = np.full(len(self.key), -1, dtype=np.int64)
        if not len(self.key):
            return out
        has = self.kind != _ORIGINAL
        pos = np.searchsorted(self._sorted, self.ref[has])
        pos = np.minimum(pos, len(self._sorted) - 1)
        hit = self._sorted[pos] == self.ref[has]
        rows = np.flatnonzero(has)
        out[rows[hit]] = self._order[pos[hit]]
        return out

    def unresolved(self) -> dict[int, int]:
        """Hash of each repost or quote whose target is not in the data -> that target's hash."""
        if self._unresolved is None:
            missing = np.flatnonzero((self.kind != _ORIGINAL) & (self.ref_index() < 0))
            self._unresolved = dict(zip(self.key[missing].tolist(), self.ref[missing].tolist(), strict=True))
        return self._unresolved

    def resolve_from(self, edges: Iterable[Interaction], index: _Index) -> None:
        """Stand in for reposted or quoted posts that are not in the data with what their
        repost/quote interaction says: who wrote them (time unknown)."""
        missing = self.unresolved()
        standins: dict[int, int] = {}
        for edge in edges:
            if edge.post_id is None:
                continue
            target = missing.get(hash((edge.platform, edge.post_id)))
            if target is not None and target not in standins:
                standins[target] = index.of(edge.platform, edge.target_id)
        if not standins:
            return
        n = len(standins)
        self.key = np.concatenate([self.key, np.fromiter(standins.keys(), np.int64, n)])
        self.author = np.concatenate([self.author, np.fromiter(standins.values(), np.int64, n)])
        self.ref = np.concatenate([self.ref, np.zeros(n, np.int64)])
        self.ts = np.concatenate([self.ts, np.full(n, math.nan)])
        self.kind = np.concatenate([self.kind, np.zeros(n, np.int8)])
        self._index()
        self._unresolved = None


@dataclass
class _Figures:
    n_accounts: int
    reposted: dict[int, int] = field(default_factory=dict)
    quoted: dict[int, int] = field(default_factory=dict)
    delays: dict[int, list[float]] = field(default_factory=dict)
    candidates: set[int] = field(default_factory=set)
    audience: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    is_official: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    reposts_from: tuple[np.ndarray, np.ndarray, np.ndarray] = field(default=())  # type: ignore[assignment]
    follows: tuple[np.ndarray, np.ndarray] = field(default=())  # type: ignore[assignment]


def _distinct_sum(dst: np.ndarray, src: np.ndarray, weight: np.ndarray) -> tuple[dict[int, float], dict[int, int]]:
    """Per dst: the sum over distinct src of the largest weight, and the count of distinct src."""
    if not len(dst):
        return {}, {}
    order = np.lexsort((-weight, src, dst))
    dst, src, weight = dst[order], src[order], weight[order]
    first = np.ones(len(dst), dtype=bool)
    first[1:] = (dst[1:] != dst[:-1]) | (src[1:] != src[:-1])
    dst, weight = dst[first], weight[first]
    targets, start, counts = np.unique(dst, return_index=True, return_counts=True)
    sums = np.add.reduceat(weight, start)
    return (
        dict(zip(targets.tolist(), sums.tolist(), strict=True)),
        dict(zip(targets.tolist(), counts.tolist(), strict=True)),
    )


def _kinds(interactions: Iterable[Interaction], kinds: tuple[InteractionKind, ...]) -> Iterator[Interaction]:
    return (i for i in interactions if i.kind in kinds)


def _chain(*iterables: Iterable[Any]) -> Iterator[Any]:
    for it in iterables:
        yield from it


_FOLLOW_CODE = KIND_CODES.index(InteractionKind.FOLLOW)


def _triples(edges: Iterable[Interaction] | InteractionColumns) -> Iterator[tuple[str, str, str]]:
    """(platform, source id, target id) of each follow."""
    if isinstance(edges, InteractionColumns):
        keep = np.asarray(edges.kind) == _FOLLOW_CODE
        yield from zip(edges.platform[keep].tolist(), edges.source_id[keep].tolist(),
                       edges.target_id[keep].tolist(), strict=True)
        return
    for edge in edges:
        if edge.kind == InteractionKind.FOLLOW:
            yield edge.platform, edge.source_id, edge.target_id


def _usernames(source: Source, refs: list[SubjectRef]) -> dict[SubjectRef, str]:
    wanted = set(refs)
    if not wanted:
        return {}
    if isinstance(source, Store):
        if len(wanted) <= 200:
            found = (source.get_account(ref) for ref in refs)
            return {a.ref: a.handle for a in found if a is not None}
        accounts: Iterable[Account] = source.accounts()
    else:
        accounts = source.accounts
    out = {}
    for account in accounts:
        ref = SubjectRef.account(account.platform, account.id)
        if ref in wanted:
            out[ref] = account.handle
    return out


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} days"


def _with_why(hub: Hub) -> Hub:
    """The reviewer's sentence: 'reposted 41 official releases within a median 6 min;
    230 accounts reposted from it; 1,900 followers (1,200 in the network's audience)'."""
    parts = []
    carried = []
    if hub.reposted:
        carried.append(f"reposted {hub.reposted:,} official release{'s' if hub.reposted != 1 else ''}")
    if hub.quoted:
        carried.append(f"quoted {hub.quoted:,}" if hub.reposted else
                       f"quoted {hub.quoted:,} official release{'s' if hub.quoted != 1 else ''}")
    text = " and ".join(carried)
    if hub.median_delay_s is not None:
        text += f" within a median {_duration(hub.median_delay_s)}"
    parts.append(text)
    parts.append(f"{hub.reposters:,} account{'s' if hub.reposters != 1 else ''} reposted from it")
    followers = f"{hub.followers:,} follower{'s' if hub.followers != 1 else ''}"
    if hub.followers:
        followers += f" ({hub.audience_followers:,} in the network's audience)"
    parts.append(followers)
    return Hub(hub.account, hub.username, hub.hub_score, hub.rank, "; ".join(parts), hub.reposted, hub.quoted,
               hub.median_delay_s, hub.reposters, hub.followers, hub.audience_followers)
