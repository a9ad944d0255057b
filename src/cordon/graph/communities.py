"""Communities of the expanded neighbourhood: who clusters with whom on endorsement edges.

Leiden (igraph's own `community_leiden`, the only place cordon imports igraph) on the
undirected, weighted endorsement graph around given accounts: follows, reposts and quotes,
never mentions or replies (journalists do those to extremists all day). Each community is
then described for a reviewer: its size, its members, the share already suspended, flagged
(has a case) and reported, and its best-connected members.

The graph comes in as a scipy.sparse matrix and the node refs of its rows, so it plugs into
InteractionGraph (`graph.endorsement()`, `graph.nodes`); `neighbourhood()` builds the
subgraph within a few hops of some accounts from an InteractionGraph, a Store or plain
Interactions.

    matrix, nodes = neighbourhood(store, seeds, hops=2)
    finder = CommunityFinder(resolution=1.0, seed=7)
    membership = finder.community_of(matrix, nodes)          # {ref: community}
    for c in finder.communities(store, matrix, nodes):
        print(c.id, c.size, f"{c.suspended_share:.0%} suspended", c.top_members[:3])

Deterministic: the same graph and seed give the same communities, numbered by size.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from cordon.domain import (
    AccountStatus,
    EventName,
    Interaction,
    InteractionKind,
    SubjectKind,
    SubjectRef,
)
from cordon.errors import CordonError
from cordon.graph.build import DEFAULT_WEIGHTS
from cordon.store import Store

_ENDORSEMENT = tuple(k for k in InteractionKind if k.is_endorsement)
#: What each endorsement kind weighs on an edge: the graph's own weights (build.py).
DEFAULT_KIND_WEIGHTS: dict[InteractionKind, float] = {k: DEFAULT_WEIGHTS[k] for k in _ENDORSEMENT}


@dataclass(frozen=True, slots=True)
class Community:
    """One community, numbered from 0 by size (largest first)."""

    id: int
    size: int
    members: tuple[SubjectRef, ...]
    #: Members suspended (store status, or a suspend action the log executed).
    suspended: int
    #: Members with a case (any state) or a flagged event.
    flagged: int
    #: Members with a report against the account or one of its posts.
    reported: int
    #: The best-connected members: (ref, weighted degree inside the community), highest first.
    top_members: tuple[tuple[SubjectRef, float], ...]

    @property
    def suspended_share(self) -> float:
        return self.suspended / self.size if self.size else 0.0

    @property
    def flagged_share(self) -> float:
        return self.flagged / self.size if self.size else 0.0

    @property
    def reported_share(self) -> float:
        return self.reported / self.size if self.size else 0.0


class CommunityFinder:
    """Leiden communities. All parameters are set here (the scikit-learn estimator contract).

    resolution: higher gives more, smaller communities (modularity's gamma).
    objective: "modularity" or "CPM" (igraph's names).
    beta: Leiden's randomness in refinement.
    n_iterations: Leiden passes; negative runs until the partition is stable.
    seed: seeds igraph's random number generator for the call, so results repeat.
    top_members: how many best-connected members each Community lists.
    """

    def __init__(
        self,
        *,
        resolution: float = 1.0,
        objective: str = "modularity",
        beta: float = 0.01,
        n_iterations: int = -1,
        seed: int = 7,
        top_members: int = 10,
    ) -> None:
        self.resolution = resolution
        self.objective = objective
        self.beta = beta
        self.n_iterations = n_iterations
        self.seed = seed
        self.top_members = top_members
        problems = []
        if not resolution > 0:
            problems.append(f"resolution must be > 0, got {resolution!r}")
        if objective not in ("modularity", "CPM"):
            problems.append(f"objective must be 'modularity' or 'CPM', got {objective!r}")
        if not beta > 0:
            problems.append(f"beta must be > 0, got {beta!r}")
        if top_members < 0:
            problems.append(f"top_members must be >= 0, got {top_members!r}")
        if problems:
            raise CordonError("CommunityFinder: " + "; ".join(problems))

    def get_params(self) -> dict[str, Any]:
        return {
            "resolution": self.resolution,
            "objective": self.objective,
            "beta": self.beta,
            "n_iterations": self.n_iterations,
            "seed": self.seed,
            "top_members": self.top_members,
        }

    def membership(self, matrix: sp.spmatrix | sp.sparray) -> np.ndarray:
        """Community number of each row (node) of a square matrix, by size, largest 0."""
        sym = _symmetric(matrix)
        n = sym.shape[0]
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        upper = sp.triu(sym, k=1).tocoo()
        raw = _leiden(n, upper.row, upper.col, upper.data, self)
        return _renumber(raw)

    def community_of(
        self, matrix: sp.spmatrix | sp.sparray, nodes: Sequence[SubjectRef]
    ) -> dict[SubjectRef, int]:
        """{account: community number} for every node."""
        _check_nodes(matrix, nodes)
        return dict(zip(nodes, self.membership(matrix).tolist(), strict=True))

    def communities(
        self,
        store: Store | None,
        matrix: sp.spmatrix | sp.sparray,
        nodes: Sequence[SubjectRef],
        membership: np.ndarray | Mapping[SubjectRef, int] | None = None,
    ) -> list[Community]:
        """Every community described, largest first. With no store, the suspended, flagged and
        reported counts are 0. `membership` reuses a partition already found."""
        _check_nodes(matrix, nodes)
        if membership is None:
            labels = self.membership(matrix)
        elif isinstance(membership, Mapping):
            labels = np.array([membership[ref] for ref in nodes], dtype=np.int64)
        else:
            labels = np.asarray(membership, dtype=np.int64)
        status = _moderation(store, nodes) if store is not None else _Moderation()
        return describe(matrix, nodes, labels, status, self.top_members)


def community_of(
    matrix: sp.spmatrix | sp.sparray, nodes: Sequence[SubjectRef], **params: Any
) -> dict[SubjectRef, int]:
    """{account: community number} by Leiden with CommunityFinder(**params): what seed
    expansion uses to tell which community a candidate falls in."""
    return CommunityFinder(**params).community_of(matrix, nodes)


# -- the neighbourhood --------------------------------------------------------------------
def neighbourhood(
    source: Any,
    seeds: Iterable[SubjectRef],
    *,
    hops: int = 2,
    kind_weights: Mapping[InteractionKind, float] | None = None,
    max_degree: int | None = None,
    limit: int | None = 5_000_000,
) -> tuple[sp.csr_matrix, list[SubjectRef]]:
    """The endorsement subgraph induced on the accounts within `hops` of the seeds (either
    direction), as a square CSR matrix of summed edge weights (row follows/reposts/quotes
    column) and the accounts' refs. Induced: the edges between two accounts first reached at
    the last hop are in it, or those accounts would hang off the rest as leaves and
    modularity would glue each to whoever reached it.

    `source` is an InteractionGraph (its endorsement matrix is cut down), a Store, or an
    iterable of Interactions. From a Store only the neighbourhood is read, through
    Store.neighbourhood with one hop more (that is what closes the last hop's edges), at
    most `limit` edges. `max_degree`: an account reached after the seeds with more edges
    than that is kept, with the edges that reached it, but not expanded further (a
    celebrity)."""
    weights = dict(DEFAULT_KIND_WEIGHTS if kind_weights is None else kind_weights)
    seed_list = list(dict.fromkeys(seeds))
    if hops < 1:
        raise CordonError(f"neighbourhood: hops must be >= 1, got {hops!r}")
    if hasattr(source, "endorsement") and hasattr(source, "nodes"):
        matrix = sp.csr_matrix(source.endorsement())
        start = [i for i in (source.nodes.index(s) for s in seed_list) if i is not None]
        matrix, keep = _induced(matrix, start, hops, max_degree)
        return matrix, [source.nodes.ref(int(i)) for i in keep.tolist()]
    if isinstance(source, Store):
        edges: Iterable[Interaction] = source.neighbourhood(
            seed_list, hops=hops + 1, kinds=_ENDORSEMENT, limit=limit, max_degree=max_degree
        )
    else:
        edges = source
    matrix, nodes = _from_interactions(edges, weights)
    index = {ref: i for i, ref in enumerate(nodes)}
    matrix, keep = _induced(matrix, [index[s] for s in seed_list if s in index], hops, max_degree)
    return matrix, [nodes[i] for i in keep.tolist()]


def _from_interactions(
    edges: Iterable[Interaction], weights: Mapping[InteractionKind, float]
) -> tuple[sp.csr_matrix, list[SubjectRef]]:
    ids: dict[tuple[str, str], int] = {}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for edge in edges:
        w = weights.get(edge.kind, 0.0)
        if not w or edge.source_id == edge.target_id:
            continue
        src = ids.setdefault((edge.platform, edge.source_id), len(ids))
        dst = ids.setdefault((edge.platform, edge.target_id), len(ids))
        rows.append(src)
        cols.append(dst)
        vals.append(w * edge.weight)
    n = len(ids)
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(n, n), dtype=np.float64)
    matrix.sum_duplicates()
    return matrix, [SubjectRef.account(p, i) for p, i in ids]


def _induced(
    matrix: sp.csr_matrix, start: list[int], hops: int, max_degree: int | None
) -> tuple[sp.csr_matrix, np.ndarray]:
    """The subgraph induced on the accounts within `hops` of `start`, and their node numbers
    (sorted)."""
    n = matrix.shape[0]
    adjacency = (_symmetric(matrix) > 0).astype(np.int8).tocsr()
    is_seed = np.zeros(n, dtype=bool)
    is_seed[start] = True
    expandable = is_seed.copy()
    expandable |= True if max_degree is None else np.diff(adjacency.indptr) <= max_degree
    seen = is_seed.copy()
    frontier = is_seed.copy()
    for _ in range(hops):
        reached = (adjacency.T @ (frontier & expandable).astype(np.int8)) > 0
        frontier = reached & ~seen
        seen |= reached
        if not frontier.any():
            break
    keep = np.flatnonzero(seen)
    return matrix[keep][:, keep].tocsr(), keep


# -- moderation facts ---------------------------------------------------------------------
@dataclass
class _Moderation:
    suspended: frozenset[SubjectRef] = frozenset()
    flagged: frozenset[SubjectRef] = frozenset()
    reported: frozenset[SubjectRef] = frozenset()


def _moderation(store: Store, nodes: Sequence[SubjectRef]) -> _Moderation:
    """Which of the nodes are suspended, flagged and reported, from one pass over accounts,
    events and reports."""
    from cordon.cases import fold_cases

    wanted = set(nodes)
    suspended = {
        a.ref for a in store.accounts() if a.status is AccountStatus.SUSPENDED and a.ref in wanted
    }
    events = list(store.events())
    last: dict[SubjectRef, str] = {}
    flagged: set[SubjectRef] = set()
    for e in events:
        if e.subject not in wanted:
            continue
        if e.name is EventName.ACTION_EXECUTED:
            last[e.subject] = str(e.payload.get("action", ""))
        elif e.name is EventName.REINSTATED:
            last[e.subject] = "reinstate"
        elif e.name is EventName.FLAGGED:
            flagged.add(e.subject)
    # An executed suspension counts even where the store's status has not caught up.
    suspended |= {ref for ref, action in last.items() if action == "suspend"}
    flagged |= {c.subject for c in fold_cases(events).values() if c.subject in wanted}
    reported: set[SubjectRef] = set()
    on_posts: list[SubjectRef] = []
    for report in store.reports():
        if report.subject.kind is SubjectKind.ACCOUNT:
            if report.subject in wanted:
                reported.add(report.subject)
        else:
            on_posts.append(report.subject)
    if on_posts:
        reported |= {a for a in store.post_authors(on_posts).values() if a in wanted}
    return _Moderation(frozenset(suspended), frozenset(flagged), frozenset(reported))


def describe(
    matrix: sp.spmatrix | sp.sparray,
    nodes: Sequence[SubjectRef],
    labels: np.ndarray,
    status: _Moderation,
    top_members: int = 10,
) -> list[Community]:
    """Communities from a membership array and the moderation facts, largest first."""
    sym = _symmetric(matrix)
    out: list[Community] = []
    if not len(labels):
        return out
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    for members in np.split(order, bounds):
        community = int(labels[members[0]])
        refs = tuple(nodes[i] for i in members.tolist())
        inner = sym[members][:, members]
        degree = np.asarray(inner.sum(axis=1)).ravel()
        best = sorted(range(len(members)), key=lambda k: (-degree[k], str(refs[k])))[:top_members]
        out.append(
            Community(
                id=community,
                size=len(members),
                members=refs,
                suspended=sum(r in status.suspended for r in refs),
                flagged=sum(r in status.flagged for r in refs),
                reported=sum(r in status.reported for r in refs),
                top_members=tuple((refs[k], float(degree[k])) for k in best),
            )
        )
    out.sort(key=lambda c: c.id)
    return out


# -- internals ----------------------------------------------------------------------------
def _check_nodes(matrix: Any, nodes: Sequence[SubjectRef]) -> None:
    shape = matrix.shape
    if shape[0] != shape[1]:
        raise CordonError(f"communities: the matrix must be square, got {shape}")
    if len(nodes) != shape[0]:
        raise CordonError(f"communities: {len(nodes)} node refs for a {shape[0]}-node matrix")


def _symmetric(matrix: Any) -> sp.csr_matrix:
    m = sp.csr_matrix(matrix, dtype=np.float64)
    sym = (m + m.T).tocsr()
    sym.setdiag(0)
    sym.eliminate_zeros()
    return sym


def _leiden(n: int, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray, finder: CommunityFinder) -> np.ndarray:
    import igraph as ig

    graph = ig.Graph(n=n, edges=np.column_stack([rows, cols]).tolist(), directed=False)
    rng = random.Random(finder.seed)
    ig.set_random_number_generator(rng)
    try:
        partition = graph.community_leiden(
            objective_function=finder.objective,
            weights=weights.tolist() if len(weights) else None,
            resolution=finder.resolution,
            beta=finder.beta,
            n_iterations=finder.n_iterations,
        )
    finally:
        ig.set_random_number_generator(random)
    return np.asarray(partition.membership, dtype=np.int64)


def _renumber(raw: np.ndarray) -> np.ndarray:
    """Communities numbered by size, largest first; ties by their first node."""
    labels, first, sizes = np.unique(raw, return_index=True, return_counts=True)
    order = sorted(range(len(labels)), key=lambda k: (-sizes[k], first[k]))
    mapping = np.empty(int(labels.max()) + 1, dtype=np.int64)
    mapping[labels[order]] = np.arange(len(labels))
    return mapping[raw]
