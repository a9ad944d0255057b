"""Seed expansion: from confirmed or suspended accounts to ranked candidates, each with its why.

Personalized PageRank over ENDORSEMENT edges only (follow, repost, quote). Each step of the
walk moves to the accounts that endorse the current one (its followers, reposters and
quoters) with probability ``1 - out_share``, and to the accounts it endorses with probability
``out_share``: the network is found through the people who spread it. Each part is normalised
on its own, so an account nobody endorses (a fresh supporter) sends only ``out_share`` of
its walk to whoever it follows (the news, a journalist); the rest restarts at the seeds. Mentions and replies are never walked: journalists,
researchers and counter-speech reply to and mention extremists all day. They appear in the
why, marked as attention.

Two scorers share everything but the PPR solver (the scikit-learn estimator contract: every
parameter in ``__init__``, ``fit(graph)`` returns self, fitted state ends in ``_``):

- ``PowerIterationPPR``: scipy sparse matvec until the L1 change is below ``tol`` (exact);
- ``PushPPR``: Andersen-Chung-Lang forward push (local: its work is bounded by
  1 / (alpha * epsilon), independent of the graph's size), compiled with numba.

Both treat a missing direction the same way: that part of the walk restarts at the seeds. ``expand(graph, seeds)`` is the one-call API.

Community hook: ``rank(..., community_of={ref: community})`` multiplies a candidate's score by
``1 + community_boost * (share of seeds in its community)`` and says "same community as N
seeds" in the why. Without it nothing changes.
"""

from __future__ import annotations

import inspect
import math
from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import scipy.sparse as sp

from cordon.domain import InteractionKind, SubjectRef
from cordon.errors import CordonError
from cordon.graph.build import ENDORSEMENT, InteractionGraph

_F, _R, _Q = InteractionKind.FOLLOW, InteractionKind.REPOST, InteractionKind.QUOTE
_M, _P = InteractionKind.MENTION, InteractionKind.REPLY


class NotFittedError(CordonError, RuntimeError):
    """rank() before fit()."""


@dataclass(frozen=True, slots=True)
class Edge:
    """One real edge of a path: ``count`` interactions of ``kind`` from source to target."""

    source: SubjectRef
    target: SubjectRef
    kind: InteractionKind
    count: int


@dataclass(frozen=True, slots=True)
class Path:
    """seed -> ... -> candidate (at most 2 hops), with the real edges between each pair of
    consecutive accounts and the share of the candidate's score that flowed along it."""

    nodes: tuple[SubjectRef, ...]
    hops: tuple[tuple[Edge, ...], ...]
    flow: float

    def describe(self, names: Mapping[SubjectRef, str] | None = None) -> str:
        def name(ref: SubjectRef) -> str:
            handle = (names or {}).get(ref)
            return f"@{handle}" if handle else ref.id

        parts = [name(self.nodes[0])]
        for node, edges in zip(self.nodes[1:], self.hops, strict=True):
            what = ", ".join(
                f"{name(e.source)} {_VERB[e.kind]} {name(e.target)}"
                + (f" x{e.count}" if e.count > 1 else "")
                for e in edges
            )
            parts.append(f"-> {name(node)} ({what})")
        return " ".join(parts)

    def __str__(self) -> str:
        return self.describe()


_VERB = {_F: "follows", _R: "reposted", _Q: "quoted", _M: "mentioned", _P: "replied to"}


@dataclass(frozen=True, slots=True)
class Candidate:
    account: SubjectRef
    username: str
    score: float
    rank: int
    why: str
    paths: list[Path] = field(default_factory=list)
    # The numbers behind the why, for risk fusion and reports.
    detail: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- push kernel
def _push(indptr, indices, probs, leak, thr, seeds, seed_w, alpha, eps, p, r, queue, inq):  # pragma: no cover
    qn = queue.shape[0]
    head = 0
    tail = 0
    for i in range(seeds.shape[0]):
        r[seeds[i]] += seed_w[i]
    for i in range(seeds.shape[0]):
        s = seeds[i]
        if not inq[s] and r[s] > eps * thr[s]:
            queue[tail] = s
            tail = (tail + 1) % qn
            inq[s] = True
    pushes = 0
    while head != tail:
        u = queue[head]
        head = (head + 1) % qn
        inq[u] = False
        ru = r[u]
        p[u] += alpha * ru
        r[u] = 0.0
        mass = (1.0 - alpha) * ru
        pushes += 1
        back = mass * leak[u]
        if back > 0.0:  # the part of the step with nowhere to go restarts at the seeds
            for i in range(seeds.shape[0]):
                v = seeds[i]
                r[v] += back * seed_w[i]
                if not inq[v] and r[v] > eps * thr[v]:
                    queue[tail] = v
                    tail = (tail + 1) % qn
                    inq[v] = True
        for j in range(indptr[u], indptr[u + 1]):
            v = indices[j]
            r[v] += mass * probs[j]
            if not inq[v] and r[v] > eps * thr[v]:
                queue[tail] = v
                tail = (tail + 1) % qn
                inq[v] = True
    return pushes


@cache
def _push_kernel() -> Any:
    import numba

    return numba.njit(cache=True, nogil=True, boundscheck=False)(_push)


# --------------------------------------------------------------------------- scorers
class SeedExpander(ABC):
    """Personalized PageRank from seed accounts over endorsement edges. Subclasses solve PPR.

    alpha: restart probability (the walk's mean length is 1/alpha steps).
    weights: kind -> weight over the graph's own (follow, repost, quote; others are ignored).
    out_share: share of each step that goes to the accounts the current one endorses; the
        rest goes to the accounts that endorse it.
    smoothing: weight, in interactions, added to each account's endorsements when they are
        normalised, its share restarting at the seeds: a seed whose only endorser quoted it
        once does not hand that account its whole walk.
    top_k: candidates returned by rank().
    community_boost: at most this relative boost when a community_of map is given.
    max_paths: paths kept per candidate.
    """

    def __init__(
        self,
        *,
        alpha: float = 0.15,
        weights: Mapping[InteractionKind | str, float] | None = None,
        out_share: float = 0.1,
        smoothing: float = 1.0,
        top_k: int = 1000,
        community_boost: float = 0.1,
        max_paths: int = 3,
    ) -> None:
        self.alpha = alpha
        self.weights = weights
        self.out_share = out_share
        self.smoothing = smoothing
        self.top_k = top_k
        self.community_boost = community_boost
        self.max_paths = max_paths

    # -- the scikit-learn estimator contract ------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            init = klass.__dict__.get("__init__")
            if init is None or klass is object:
                continue
            for p in inspect.signature(init).parameters.values():
                if p.name != "self" and p.kind is not p.VAR_KEYWORD and p.name not in names:
                    names.append(p.name)
        return names

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> SeedExpander:
        valid = set(self._param_names())
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"{type(self).__name__} has no parameter {name!r}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _check_params(self) -> None:
        if not (isinstance(self.alpha, (int, float)) and 0.0 < self.alpha < 1.0):
            raise ValueError(f"alpha must be in (0, 1), not {self.alpha!r}")
        if not (isinstance(self.out_share, (int, float)) and 0.0 <= self.out_share <= 1.0):
            raise ValueError(f"out_share must be in [0, 1], not {self.out_share!r}")
        for name in ("smoothing", "community_boost"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, not {value!r}")
        for name in ("top_k", "max_paths"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value >= 0):
                raise ValueError(f"{name} must be an integer >= 0, not {value!r}")

    # -- fit ---------------------------------------------------------------------------
    def fit(self, graph: InteractionGraph, y: Any = None) -> SeedExpander:
        """Build the walk over the graph's endorsement edges. Returns self."""
        self._check_params()
        endorse = graph.endorsement(self.weights)  # E[a, b]: a endorses b
        share = float(self.out_share)
        walk = (1.0 - share) * _row_normalised(endorse.T.tocsr(), self.smoothing) + share * _row_normalised(
            endorse, self.smoothing
        )
        transition = walk.tocsr()  # T[u, v]: the walk's step u -> v; rows sum to <= 1
        transition.eliminate_zeros()
        transition.sort_indices()
        self.graph_ = graph
        self.transition_ = transition
        self.transition_t_ = transition.T.tocsr()  # T^T: who sends score to a node
        # What a step from each account does not place restarts at the seeds.
        self.leak_ = np.clip(1.0 - np.asarray(transition.sum(axis=1)).ravel(), 0.0, 1.0)
        self._fit_solver()
        return self

    def _fit_solver(self) -> None:
        pass

    def _check_fitted(self) -> None:
        if not hasattr(self, "transition_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted: call fit(graph) first")

    # -- rank --------------------------------------------------------------------------
    def ppr(self, seeds: Iterable[SubjectRef]) -> np.ndarray:
        """The PPR vector over all nodes (seeds included), uniform restart over known seeds."""
        self._check_fitted()
        nodes = self.graph_.nodes.indices(dict.fromkeys(seeds))
        if len(nodes) == 0:
            return np.zeros(self.graph_.n_nodes)
        return self._solve(np.unique(nodes))

    @abstractmethod
    def _solve(self, seeds: np.ndarray) -> np.ndarray:
        """The PPR vector for these seed node numbers: each scorer's own solver."""

    def top(self, seeds: Iterable[SubjectRef], k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(node numbers, scores) of the top-k non-seed nodes with a score > 0, best first
        (ties by node number): the ranking without the why, for benchmarks and tests."""
        seeds = list(seeds)
        scores = self.ppr(seeds)
        return _top(scores, self.graph_.nodes.indices(seeds), self.top_k if k is None else k)

    def rank(
        self,
        seeds: Iterable[SubjectRef],
        *,
        community_of: Mapping[SubjectRef, Hashable] | None = None,
        usernames: Mapping[SubjectRef, str] | None = None,
    ) -> list[Candidate]:
        """The top_k candidates (seeds left out), best first, each with its why and paths."""
        self._check_fitted()
        seeds = list(dict.fromkeys(seeds))
        graph = self.graph_
        seed_nodes = np.unique(graph.nodes.indices(seeds))
        if len(seed_nodes) == 0 or self.top_k == 0:
            return []
        scores = self._solve(seed_nodes)
        pool = self.top_k * 2 if community_of else self.top_k
        nodes, values = _top(scores, seed_nodes, pool)
        same = np.zeros(len(nodes), np.int64)
        if community_of:
            seed_comms: dict[Hashable, int] = {}
            for s in seed_nodes:
                c = community_of.get(graph.nodes.ref(int(s)))
                if c is not None:
                    seed_comms[c] = seed_comms.get(c, 0) + 1
            for i, node in enumerate(nodes):
                c = community_of.get(graph.nodes.ref(int(node)))
                same[i] = seed_comms.get(c, 0) if c is not None else 0
            values = values * (1.0 + self.community_boost * same / len(seed_nodes))
            order = np.lexsort((nodes, -values))[: self.top_k]
            nodes, values, same = nodes[order], values[order], same[order]
        explain = _Explainer(graph, self.transition_, self.transition_t_, seed_nodes, scores)
        names = usernames or {}
        out = []
        for rank, (node, value, n_same) in enumerate(zip(nodes.tolist(), values.tolist(), same.tolist(), strict=True), 1):
            ref = graph.nodes.ref(node)
            detail = explain.detail(node)
            if community_of:
                detail["same_community_seeds"] = n_same
            paths = explain.paths(node, self.max_paths)
            out.append(Candidate(
                account=ref, username=names.get(ref, ""), score=value, rank=rank,
                why=_why(detail, paths, names), paths=paths, detail=detail,
            ))
        return out


class PowerIterationPPR(SeedExpander):
    """Exact PPR by power iteration: p <- alpha*s + (1-alpha)*(T^T p + (leak . p) * s),
    until the L1 change is below tol (or max_iter)."""

    def __init__(
        self,
        *,
        alpha: float = 0.15,
        weights: Mapping[InteractionKind | str, float] | None = None,
        out_share: float = 0.1,
        smoothing: float = 1.0,
        top_k: int = 1000,
        community_boost: float = 0.1,
        max_paths: int = 3,
        tol: float = 1e-10,
        max_iter: int = 500,
    ) -> None:
        super().__init__(
            alpha=alpha, weights=weights, out_share=out_share, smoothing=smoothing, top_k=top_k,
            community_boost=community_boost, max_paths=max_paths,
        )
        self.tol = tol
        self.max_iter = max_iter

    def _solve(self, seeds: np.ndarray) -> np.ndarray:
        n = self.graph_.n_nodes
        s = np.zeros(n)
        s[seeds] = 1.0 / len(seeds)
        p = s.copy()
        tt, leak, a = self.transition_t_, self.leak_, float(self.alpha)
        done = 0
        for done in range(1, self.max_iter + 1):
            nxt = tt @ p
            nxt *= 1.0 - a
            nxt += (a + (1.0 - a) * (leak @ p)) * s
            change = np.abs(nxt - p).sum()
            p = nxt
            if change < self.tol:
                break
        self.n_iter_ = done
        return p


class PushPPR(SeedExpander):
    """Approximate PPR by forward push (Andersen, Chung, Lang 2006): residual mass moves along
    the walk until no node holds more than epsilon per out-edge. Local: it never touches
    the parts of the graph the seeds' walks do not reach."""

    def __init__(
        self,
        *,
        alpha: float = 0.15,
        weights: Mapping[InteractionKind | str, float] | None = None,
        out_share: float = 0.1,
        smoothing: float = 1.0,
        top_k: int = 1000,
        community_boost: float = 0.1,
        max_paths: int = 3,
        epsilon: float = 3e-7,
    ) -> None:
        super().__init__(
            alpha=alpha, weights=weights, out_share=out_share, smoothing=smoothing, top_k=top_k,
            community_boost=community_boost, max_paths=max_paths,
        )
        self.epsilon = epsilon

    def _check_params(self) -> None:
        super()._check_params()
        if not (isinstance(self.epsilon, float) and 0.0 < self.epsilon < 1.0):
            raise ValueError(f"epsilon must be a float in (0, 1), not {self.epsilon!r}")

    def _fit_solver(self) -> None:
        t = self.transition_
        self._indptr = t.indptr.astype(np.int64)
        self._indices = t.indices.astype(np.int32)
        self._probs = t.data.astype(np.float64)
        self._thr = np.maximum(np.diff(self._indptr), 1).astype(np.float64)
        _push_kernel()

    def _solve(self, seeds: np.ndarray) -> np.ndarray:
        n = self.graph_.n_nodes
        p = np.zeros(n)
        r = np.zeros(n)
        queue = np.empty(n + 1, np.int32)
        inq = np.zeros(n, np.bool_)
        seed_w = np.full(len(seeds), 1.0 / len(seeds))
        self.n_pushes_ = _push_kernel()(
            self._indptr, self._indices, self._probs, self.leak_, self._thr, seeds.astype(np.int64), seed_w,
            float(self.alpha), float(self.epsilon), p, r, queue, inq,
        )
        return p


_METHODS: dict[str, type[SeedExpander]] = {"push": PushPPR, "power": PowerIterationPPR}


def expand(
    graph: InteractionGraph,
    seeds: Iterable[SubjectRef],
    method: str = "push",
    top_k: int = 1000,
    *,
    community_of: Mapping[SubjectRef, Hashable] | None = None,
    usernames: Mapping[SubjectRef, str] | None = None,
    **params: Any,
) -> list[Candidate]:
    """Rank the accounts around the seeds: top_k candidates, best first, with their why."""
    try:
        klass = _METHODS[method]
    except KeyError:
        raise ValueError(f"unknown method {method!r}: one of {', '.join(_METHODS)}") from None
    scorer = klass(top_k=top_k, **params).fit(graph)
    return scorer.rank(seeds, community_of=community_of, usernames=usernames)


# --------------------------------------------------------------------------- explaining
def _top(scores: np.ndarray, seeds: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    scores = scores.copy()
    scores[seeds] = 0.0
    nz = np.flatnonzero(scores > 0)
    if len(nz) > k:
        part = np.argpartition(-scores[nz], k - 1)[:k]
        nz = nz[part]
    order = np.lexsort((nz, -scores[nz]))
    nodes = nz[order]
    return nodes, scores[nodes]


class _Explainer:
    """The counts behind a candidate's why, and its best paths from the seeds, read from
    the graph's raw per-kind count matrices."""

    def __init__(
        self, graph: InteractionGraph, t: sp.csr_matrix, tt: sp.csr_matrix, seeds: np.ndarray,
        scores: np.ndarray,
    ) -> None:
        self.graph = graph
        self.t, self.tt, self.scores = t, tt, scores
        self.is_seed = np.zeros(graph.n_nodes, np.bool_)
        self.is_seed[seeds] = True
        self.counts = {k: graph.counts(k) for k in (_F, _R, _Q, _M, _P)}
        # Columns of the seeds' rows, for "followed by N seeds" / "reposted by".
        self.seed_rows = {k: m[seeds].tocsc() for k, m in self.counts.items()}
        self.seed_t = t[seeds].tocsc()  # T[s, x] by column x
        self.seeds = seeds

    def _out_to_seeds(self, kind: InteractionKind, node: int) -> tuple[int, int]:
        m = self.counts[kind]
        a, b = m.indptr[node], m.indptr[node + 1]
        hit = self.is_seed[m.indices[a:b]]
        return int(m.data[a:b][hit].sum()), int(hit.sum())

    def _in_from_seeds(self, kind: InteractionKind, node: int) -> tuple[int, int]:
        m = self.seed_rows[kind]
        a, b = m.indptr[node], m.indptr[node + 1]
        return int(m.data[a:b].sum()), int(b - a)

    def detail(self, node: int) -> dict[str, int]:
        d: dict[str, int] = {}
        for kind, name in ((_R, "reposted"), (_Q, "quoted"), (_M, "mentioned"), (_P, "replied")):
            posts, accounts = self._out_to_seeds(kind, node)
            d[f"{name}_posts"], d[f"{name}_seeds"] = posts, accounts
        d["follows_seeds"] = self._out_to_seeds(_F, node)[1]
        d["followed_by_seeds"] = self._in_from_seeds(_F, node)[1]
        d["reposted_by_seeds"] = self._in_from_seeds(_R, node)[1]
        return d

    def _edges(self, a: int, b: int) -> tuple[Edge, ...]:
        refs = self.graph.nodes
        out = []
        for src, dst in ((b, a), (a, b)):
            for kind in ENDORSEMENT:
                m = self.counts[kind]
                lo, hi = m.indptr[src], m.indptr[src + 1]
                j = lo + np.searchsorted(m.indices[lo:hi], dst)
                if j < hi and m.indices[j] == dst:
                    out.append(Edge(refs.ref(src), refs.ref(dst), kind, int(m.data[j])))
        return tuple(out)

    def paths(self, node: int, limit: int) -> list[Path]:
        """The best seed -> (x ->) node paths by the score that flowed along them."""
        if limit == 0:
            return []
        share = 1.0 / len(self.seeds)
        found: list[tuple[float, tuple[int, ...]]] = []
        lo, hi = self.tt.indptr[node], self.tt.indptr[node + 1]
        mids, probs = self.tt.indices[lo:hi], self.tt.data[lo:hi]  # T[x, node]
        flow = self.scores[mids] * probs
        for i in np.argsort(-flow, kind="stable")[: 4 * limit]:
            x = int(mids[i])
            if self.is_seed[x]:
                found.append((share * probs[i], (x, node)))
                continue
            a, b = self.seed_t.indptr[x], self.seed_t.indptr[x + 1]
            if a == b:
                continue
            best = a + int(np.argmax(self.seed_t.data[a:b]))
            s = int(self.seeds[self.seed_t.indices[best]])
            found.append((share * self.seed_t.data[best] * probs[i], (s, x, node)))
        found.sort(key=lambda f: (-f[0], f[1]))
        refs = self.graph.nodes
        return [
            Path(
                nodes=tuple(refs.ref(n) for n in chain),
                hops=tuple(self._edges(chain[i], chain[i + 1]) for i in range(len(chain) - 1)),
                flow=float(f),
            )
            for f, chain in found[:limit]
        ]


def _row_normalised(m: sp.csr_matrix, smoothing: float) -> sp.csr_matrix:
    total = np.asarray(m.sum(axis=1)).ravel() + smoothing
    inv = np.divide(1.0, total, out=np.zeros_like(total), where=total > 0)
    return sp.diags(inv).dot(m).tocsr()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _why(detail: dict[str, int], paths: list[Path], names: Mapping[SubjectRef, str]) -> str:
    """The why in words a reviewer can check against the account's activity."""
    parts = []
    if detail["reposted_seeds"]:
        parts.append(
            f"reposted {_plural(detail['reposted_posts'], 'post')} of "
            f"{_plural(detail['reposted_seeds'], 'seed account')}"
        )
    if detail["quoted_seeds"]:
        parts.append(
            f"quoted {_plural(detail['quoted_posts'], 'post')} of "
            f"{_plural(detail['quoted_seeds'], 'seed account')}"
        )
    if detail["followed_by_seeds"]:
        parts.append(f"followed by {_plural(detail['followed_by_seeds'], 'seed account')}")
    if detail["follows_seeds"]:
        parts.append(f"follows {_plural(detail['follows_seeds'], 'seed account')}")
    if detail["reposted_by_seeds"]:
        parts.append(f"reposted by {_plural(detail['reposted_by_seeds'], 'seed account')}")
    if not parts:
        parts.append("no direct endorsement of a seed account")
    if detail.get("same_community_seeds"):
        parts.append(f"same community as {_plural(detail['same_community_seeds'], 'seed account')}")
    attention = []
    if detail["replied_seeds"]:
        attention.append(f"replied to {_plural(detail['replied_seeds'], 'seed account')}")
    if detail["mentioned_seeds"]:
        attention.append(f"mentioned {_plural(detail['mentioned_seeds'], 'seed account')}")
    if attention:
        parts.append(" and ".join(attention) + " (attention, not scored)")
    why = "; ".join(parts)
    if paths:
        why += "; via " + paths[0].describe(names)
    return why
