"""The interaction graph: who follows, reposts, quotes, replies to and mentions whom.

One sparse matrix per interaction kind, rows = source account, columns = target account,
over one node index of (platform, account id). Each kind keeps two aligned arrays over the
same CSR structure:

- ``counts(kind)``: how many interactions of that kind (the raw "why": 14 reposts), and
- ``decayed(kind)``: the same interactions summed with time decay, ``weight * 0.5 **
  (age / half_life)``, age measured back from the graph's fixed ``now``.

ENDORSEMENT (follow, repost, quote) and ATTENTION (mention, reply) stay apart: journalists and
researchers reply to and mention extremists all day. ``endorsement()`` is what seed expansion
walks; ``attention()`` is there for explanations and other analyses.

``update(new)`` appends new interactions to a COO buffer and merges it into the CSR matrices
on the next read (or when it grows past ``merge_every``): O(edges) array work, no re-read of
the store, and the same matrices as a full rebuild over the same interactions in the same
order, exactly (the merge sums in the same left-to-right order as a build does).

Edges come from the store in bulk (``Store.interaction_batches``), from Interaction objects,
from integer arrays, or from a follows CSV (``read_follows_csv``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from cordon.domain import Interaction, InteractionKind, SubjectRef
from cordon.errors import InputError
from cordon.store.base import KIND_CODES, InteractionColumns, Store, canonical_int

#: Kinds in code order (the int8 codes of InteractionColumns.kind).
KINDS: tuple[InteractionKind, ...] = KIND_CODES
ENDORSEMENT: tuple[InteractionKind, ...] = tuple(k for k in KINDS if k.is_endorsement)
ATTENTION: tuple[InteractionKind, ...] = tuple(k for k in KINDS if not k.is_endorsement)

#: How much one interaction of each kind counts. A quote is a tenth of a repost: journalists,
#: researchers and counter-speech quote propaganda to criticise it, more often than
#: supporters quote it to spread it (on the scenario at 0.5 a journalist quoting six
#: official accounts ranked in the top 25; at 0.1 it falls below the network).
DEFAULT_WEIGHTS: dict[InteractionKind, float] = {
    InteractionKind.FOLLOW: 1.0,
    InteractionKind.REPOST: 1.0,
    InteractionKind.QUOTE: 0.1,
    InteractionKind.MENTION: 1.0,
    InteractionKind.REPLY: 1.0,
}
#: Half-life in days of each kind's weight (None: no decay). A follow stands until undone;
#: a repost from last month says more about an account today than one from last year.
DEFAULT_HALF_LIVES: dict[InteractionKind, float | None] = {
    InteractionKind.FOLLOW: None,
    InteractionKind.REPOST: 30.0,
    InteractionKind.QUOTE: 30.0,
    InteractionKind.MENTION: 30.0,
    InteractionKind.REPLY: 30.0,
}
_DAY = 86400.0


def _kind(value: Any) -> InteractionKind:
    return value if isinstance(value, InteractionKind) else InteractionKind(value)


def _timestamp(value: datetime | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive time {value.isoformat()}: give times in UTC")
        return value.timestamp()
    return float(value)


# --------------------------------------------------------------------------- node index
class NodeIndex:
    """Node number <-> (platform, account id). Ids are kept as plain strings per node and a
    SubjectRef is made only when asked for, so a million nodes cost tens of MB, not hundreds."""

    def __init__(self) -> None:
        self.platforms: list[str] = []
        self._platform_code: dict[str, int] = {}
        self._lookup: list[dict[str, int]] = []  # per platform code: id -> node
        # Per platform code, once int64 ids have come (add_numbers): a hash table of the
        # nodes whose id is a canonical decimal integer, number -> node.
        self._numbers: list[_IntTable | None] = []
        self.ids: list[str] = []
        self._plat: list[int] = []

    def __len__(self) -> int:
        return len(self.ids)

    def platform_code(self, platform: str) -> int:
        code = self._platform_code.get(platform)
        if code is None:
            code = self._platform_code[platform] = len(self.platforms)
            self.platforms.append(platform)
            self._lookup.append({})
            self._numbers.append(None)
        return code

    def ref(self, node: int) -> SubjectRef:
        return SubjectRef.account(self.platforms[self._plat[node]], self.ids[node])

    def platform_of(self, node: int) -> str:
        return self.platforms[self._plat[node]]

    def index(self, ref: SubjectRef | tuple[str, str]) -> int | None:
        platform, ident = (ref.platform, ref.id) if isinstance(ref, SubjectRef) else ref
        code = self._platform_code.get(platform)
        return None if code is None else self._lookup[code].get(ident)

    def indices(self, refs: Iterable[SubjectRef]) -> np.ndarray:
        """Node numbers of the refs the graph knows, in order, unknown ones left out."""
        found = [self.index(r) for r in refs]
        return np.array([i for i in found if i is not None], dtype=np.int64)

    def add(self, platform: str, ids: Sequence[str]) -> np.ndarray:
        """Node numbers of ids on one platform, adding the new ones in first-appearance order."""
        code = self.platform_code(platform)
        lookup = self._lookup[code]
        new = [s for s in dict.fromkeys(ids) if s not in lookup]
        if new:
            start = len(self.ids)
            lookup.update(zip(new, range(start, start + len(new)), strict=True))
            self.ids.extend(new)
            self._plat.extend([code] * len(new))
            table = self._numbers[code]
            if table is not None:  # the number-keyed table must know these too
                table.insert_text(new, start)
        return np.fromiter(map(lookup.__getitem__, ids), dtype=np.int32, count=len(ids))

    def add_numbers(self, platform: str, source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Node numbers of int64 ids (canonical decimal integers: the id is str() of the number)
        on one platform, of source and target row by row, adding new ones in the same order as
        add() of the same ids as text would: a compiled hash table, no str per row."""
        code = self.platform_code(platform)
        table = self._numbers[code]
        if table is None:
            table = self._numbers[code] = _IntTable()
            lookup = self._lookup[code]
            if lookup:
                table.insert_text(list(lookup), 0, list(lookup.values()))
        start = len(self.ids)
        src, dst, new = table.number(np.asarray(source, np.int64), np.asarray(target, np.int64), start)
        if len(new):
            names = new.astype(str).tolist()
            self._lookup[code].update(zip(names, range(start, start + len(names)), strict=True))
            self.ids.extend(names)
            self._plat.extend([code] * len(names))
        return src, dst

    def nbytes(self) -> int:
        """A rough count: the id strings, the lookup dicts, the lists and the number tables."""
        strings = sum(49 + len(s) for s in self.ids)  # CPython compact ASCII str
        tables = sum(t.keys.nbytes + t.vals.nbytes for t in self._numbers if t is not None)
        return strings + len(self.ids) * (8 + 8) + sum(d.__sizeof__() for d in self._lookup) + tables


class _IntTable:
    """Open addressing (linear probing, at most half full) from int64 id to int32 node."""

    __slots__ = ("keys", "used", "vals")

    def __init__(self, capacity: int = 1 << 16) -> None:
        self.keys = np.zeros(capacity, np.int64)
        self.vals = np.full(capacity, -1, np.int32)
        self.used = 0

    @property
    def shift(self) -> np.uint64:
        return np.uint64(64 - (len(self.keys).bit_length() - 1))

    def _grow(self, need: int) -> None:
        capacity = len(self.keys)
        while need > capacity // 2:
            capacity *= 2
        if capacity != len(self.keys):
            keys, vals = self.keys, self.vals
            self.keys = np.zeros(capacity, np.int64)
            self.vals = np.full(capacity, -1, np.int32)
            full = vals >= 0
            _kernels().table_insert(self.keys, self.vals, keys[full], vals[full], self.shift)

    def insert_text(self, ids: list[str], start: int, nodes: list[int] | None = None) -> None:
        """Add the ids among these text ids that are canonical integers (nodes start, start+1...
        unless given)."""
        pairs = [
            (n, start + i if nodes is None else nodes[i])
            for i, n in enumerate(map(canonical_int, ids)) if n is not None
        ]
        if pairs:
            self._grow(self.used + len(pairs))
            keys = np.array([k for k, _ in pairs], np.int64)
            vals = np.array([v for _, v in pairs], np.int32)
            self.used += _kernels().table_insert(self.keys, self.vals, keys, vals, self.shift)

    def number(self, source: np.ndarray, target: np.ndarray, start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nodes of source[i], target[i] interleaved; unknown ids get start, start+1... in
        first-appearance order. Returns both node arrays and the new ids in order."""
        m = len(source)
        out_src, out_dst = np.empty(m, np.int32), np.empty(m, np.int32)
        new = np.empty(2 * m, np.int64)
        state = np.array([0, self.used, len(self.keys) // 2, start, 0], np.int64)
        number = _kernels().table_number
        while True:
            number(self.keys, self.vals, source, target, out_src, out_dst, new, state, self.shift)
            self.used = int(state[1])
            if state[0] >= 2 * m:
                break
            self._grow(self.used + 1 + min(2 * m - int(state[0]), self.used + 1))
            state[2] = len(self.keys) // 2
        return out_src, out_dst, new[: state[4]].copy()


# --------------------------------------------------------------------------- kernels
def _coo_to_csr(rows, cols, counts, weights, n_rows, n_cols, by_col, order):  # pragma: no cover
    """Canonical CSR of COO triples: rows sorted, columns sorted within a row, duplicates
    summed in input order (two stable counting sorts, then one merge pass). by_col and order
    are scratch arrays of the edges' length (int32 below 2**31 edges: half the memory)."""
    m = rows.shape[0]
    start = np.zeros(n_cols + 1, np.int64)
    for i in range(m):
        start[cols[i] + 1] += 1
    for c in range(n_cols):
        start[c + 1] += start[c]
    for i in range(m):
        c = cols[i]
        by_col[start[c]] = i
        start[c] += 1
    rstart = np.zeros(n_rows + 1, np.int64)
    for i in range(m):
        rstart[rows[i] + 1] += 1
    for r in range(n_rows):
        rstart[r + 1] += rstart[r]
    pos = rstart[:-1].copy()
    for j in range(m):
        i = by_col[j]
        r = rows[i]
        order[pos[r]] = i
        pos[r] += 1
    indptr = np.zeros(n_rows + 1, np.int64)
    indices = np.empty(m, np.int32)
    out_counts = np.empty(m, np.int32)
    out_weights = np.empty(m, np.float64)
    k = 0
    for r in range(n_rows):
        last = -1
        for j in range(rstart[r], rstart[r + 1]):
            i = order[j]
            c = cols[i]
            if c == last:
                out_counts[k - 1] += counts[i]
                out_weights[k - 1] += weights[i]
            else:
                indices[k] = c
                out_counts[k] = counts[i]
                out_weights[k] = weights[i]
                k += 1
                last = c
        indptr[r + 1] = k
    return indptr, indices[:k].copy(), out_counts[:k].copy(), out_weights[:k].copy()


def _split_lines(data, out_a, out_b):  # pragma: no cover - numba
    """Parse 'digits,digits\\n' lines of a bytes buffer into two int64 arrays. Returns the
    number parsed and, for the first line it cannot take, its index from the start (-1 if
    none). Ids with a leading zero or of 19+ digits are left to the caller, like bad lines:
    this is only the fast path."""
    n = data.shape[0]
    i = 0
    k = 0
    line = 0
    while i < n:
        a = 0
        da = 0
        za = i < n and data[i] == 48
        while i < n and 48 <= data[i] <= 57:
            a = a * 10 + (data[i] - 48)
            da += 1
            i += 1
        ok = da > 0 and da < 19 and not (za and da > 1) and i < n and data[i] == 44
        b = 0
        db = 0
        if ok:
            i += 1
            zb = i < n and data[i] == 48
            while i < n and 48 <= data[i] <= 57:
                b = b * 10 + (data[i] - 48)
                db += 1
                i += 1
            if i < n and data[i] == 13:
                i += 1
            ok = db > 0 and db < 19 and not (zb and db > 1) and (i >= n or data[i] == 10)
        if not ok:
            if da == 0 and i < n and data[i] == 10:  # blank line
                i += 1
                line += 1
                continue
            return k, line
        out_a[k] = a
        out_b[k] = b
        k += 1
        line += 1
        i += 1
    return k, -1


_MIX = 0x9E3779B97F4A7C15  # Fibonacci hashing: the top bits of id * 2**64 / golden ratio


def _table_insert(keys, vals, new_keys, new_vals, shift):  # pragma: no cover - numba
    """Insert (key, node) pairs not yet in the table; returns how many were new. shift: 64 -
    log2 of the table's size (a power of two)."""
    mask = keys.shape[0] - 1
    added = 0
    for i in range(new_keys.shape[0]):
        x = new_keys[i]
        j = np.int64((np.uint64(x) * np.uint64(_MIX)) >> shift)
        while vals[j] >= 0 and keys[j] != x:
            j = (j + 1) & mask
        if vals[j] < 0:
            keys[j] = x
            vals[j] = new_vals[i]
            added += 1
    return added


def _table_number(keys, vals, src, dst, out_src, out_dst, new, state, shift):  # pragma: no cover - numba
    """Look up src[i] then dst[i] for i in order from state[0] (a position in that interleaved
    sequence), giving unknown ids the next node state[3] and listing them in new[state[4]:].
    Stops when the table holds state[2] keys (state[1]: keys held) so that it can grow."""
    mask = keys.shape[0] - 1
    pos, used, limit, nxt, n_new = state[0], state[1], state[2], state[3], state[4]
    end = 2 * src.shape[0]
    while pos < end and used < limit:
        i = pos >> 1
        x = src[i] if pos & 1 == 0 else dst[i]
        j = np.int64((np.uint64(x) * np.uint64(_MIX)) >> shift)
        while vals[j] >= 0 and keys[j] != x:
            j = (j + 1) & mask
        if vals[j] < 0:
            keys[j] = x
            vals[j] = nxt
            new[n_new] = x
            n_new += 1
            nxt += 1
            used += 1
        if pos & 1 == 0:
            out_src[i] = vals[j]
        else:
            out_dst[i] = vals[j]
        pos += 1
    state[0], state[1], state[3], state[4] = pos, used, nxt, n_new


@cache
def _kernels() -> Any:
    import numba

    jit = numba.njit(cache=True, nogil=True, boundscheck=False)

    class K:
        coo_to_csr = jit(_coo_to_csr)
        split_lines = jit(_split_lines)
        table_insert = jit(_table_insert)
        table_number = jit(_table_number)

    return K


# --------------------------------------------------------------------------- the graph
@dataclass(slots=True)
class _KindMatrix:
    indptr: np.ndarray
    indices: np.ndarray
    counts: np.ndarray
    decayed: np.ndarray


class InteractionGraph:
    """The interaction graph of one or more platforms. Build it with one of the class methods
    (``from_store``, ``from_interactions``, ``from_columns``, ``from_arrays``); grow it with
    ``update``. ``now`` is fixed at the first build (the latest interaction time when not
    given), so that an update and a rebuild weigh the same interaction the same."""

    def __init__(
        self,
        *,
        weights: Mapping[InteractionKind | str, float] | None = None,
        half_lives: Mapping[InteractionKind | str, float | None] | None = None,
        now: datetime | float | None = None,
        merge_every: int = 1_000_000,
    ) -> None:
        self.weights = dict(DEFAULT_WEIGHTS)
        self.weights.update({_kind(k): float(v) for k, v in (weights or {}).items()})
        self.half_lives = dict(DEFAULT_HALF_LIVES)
        self.half_lives.update({_kind(k): v for k, v in (half_lives or {}).items()})
        for k, w in self.weights.items():
            if not math.isfinite(w) or w < 0:
                raise ValueError(f"weight of {k}: {w!r} is not a finite number >= 0")
        for k, h in self.half_lives.items():
            if h is not None and not h > 0:
                raise ValueError(f"half-life of {k}: {h!r} days is not > 0")
        self.now: float | None = _timestamp(now)
        self.merge_every = merge_every
        self.nodes = NodeIndex()
        self._mats: dict[InteractionKind, _KindMatrix] = {}
        self._n = 0  # nodes covered by the merged matrices
        # COO buffer of updates not yet merged: (kind code, rows, cols, decayed) per chunk.
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._pending_edges = 0
        self.n_interactions = 0

    # ---------------------------------------------------------------- building
    @classmethod
    def from_store(
        cls, store: Store, *, kinds: Iterable[InteractionKind] | None = None, **options: Any
    ) -> InteractionGraph:
        """Every interaction in the store (or of some kinds), read in bulk as columns
        (``Store.interaction_batches``: integer ids stay numbers up to the node index). The
        same graph as ``from_interactions(store.interactions())``, up to node numbering."""
        graph = cls(**options)
        parts = []
        for cols in store.interaction_batches(kinds=kinds):
            if len(cols):
                parts.append((*graph._number(cols), cols.kind, cols.created_at, cols.weight))
        if graph.now is None:  # the latest time of all batches, as one build of them all
            latest = [float(np.max(t, initial=-np.inf, where=np.isfinite(t))) for *_, t, _ in parts]
            latest = [x for x in latest if math.isfinite(x)]
            graph.now = max(latest) if latest else datetime.now().timestamp()
        merge_every, graph.merge_every = graph.merge_every, 2**62  # one merge, on first read
        try:
            for part in parts:
                graph._add(*part)
        finally:
            graph.merge_every = merge_every
        return graph

    @classmethod
    def from_interactions(cls, interactions: Iterable[Interaction], **options: Any) -> InteractionGraph:
        return cls(**options).update(interactions)

    @classmethod
    def from_columns(cls, columns: InteractionColumns, **options: Any) -> InteractionGraph:
        return cls(**options).update(columns)

    @classmethod
    def from_arrays(
        cls,
        source: np.ndarray,
        target: np.ndarray,
        kind: np.ndarray | InteractionKind | str,
        *,
        ids: Sequence[str] | None = None,
        n_nodes: int | None = None,
        platform: str = "twitter",
        created_at: np.ndarray | None = None,
        weight: np.ndarray | None = None,
        **options: Any,
    ) -> InteractionGraph:
        """Edges between integer node numbers 0..n-1, named by ``ids`` (default: the number
        as text). ``kind`` is one kind for all edges or an int8 array of KINDS codes."""
        src = np.asarray(source, dtype=np.int32)
        dst = np.asarray(target, dtype=np.int32)
        n = n_nodes if n_nodes is not None else (len(ids) if ids is not None else 0)
        if len(src):
            n = max(n, int(src.max()) + 1, int(dst.max()) + 1)
        names = [str(i) for i in range(n)] if ids is None else list(ids)
        if len(names) < n:
            raise ValueError(f"{len(names)} ids for {n} nodes")
        graph = cls(**options)
        graph.nodes.add(platform, names)
        if len(graph.nodes) != len(names):
            raise ValueError("ids are not unique")
        graph._add(src, dst, _codes(kind, len(src)), created_at, weight)
        return graph

    def update(self, new: Iterable[Interaction] | InteractionColumns) -> InteractionGraph:
        """Add interactions (objects or store columns): new nodes are appended, new edges go to
        the COO buffer, merged into the matrices on the next read. Returns the graph."""
        if isinstance(new, InteractionColumns):
            self._add_columns(new)
            return self
        batch: list[Interaction] = []
        for item in new:
            batch.append(item)
            if len(batch) >= 200_000:
                self._add_columns(InteractionColumns.from_interactions(batch))
                batch = []
        if batch or self.now is None:
            self._add_columns(InteractionColumns.from_interactions(batch))
        return self

    def _add_columns(self, cols: InteractionColumns) -> None:
        m = len(cols)
        if m == 0:
            if self.now is None:
                self.now = datetime.now().timestamp()
            return
        self._add(*self._number(cols), cols.kind, cols.created_at, cols.weight)

    def _number(self, cols: InteractionColumns) -> tuple[np.ndarray, np.ndarray]:
        """Node numbers of the columns' sources and targets, adding new accounts."""
        m = len(cols)
        plats = cols.platform
        src = np.empty(m, np.int32)
        dst = np.empty(m, np.int32)
        if plats.dtype != object:
            unique = [str(plats)]
        elif m and plats[0] is plats[-1] and (plats == plats[0]).all():
            unique = [plats[0]]
        else:
            unique = list(dict.fromkeys(plats.tolist()))
        for platform in unique:
            sel = slice(None) if len(unique) == 1 else np.flatnonzero(plats == platform)
            s, t = cols.source_id[sel], cols.target_id[sel]
            # Interleaved, so that node numbers follow first appearance row by row, however
            # the interactions are cut into batches.
            if cols.numeric_ids:
                src[sel], dst[sel] = self.nodes.add_numbers(platform, s, t)
                continue
            both = np.empty(2 * len(s), dtype=object)
            both[0::2], both[1::2] = s, t
            nodes = self.nodes.add(platform, both.tolist())
            src[sel], dst[sel] = nodes[0::2], nodes[1::2]
        return src, dst

    def _add(
        self,
        src: np.ndarray,
        dst: np.ndarray,
        kind: np.ndarray,
        created_at: np.ndarray | None,
        weight: np.ndarray | None,
    ) -> None:
        m = len(src)
        if self.now is None:
            finite = created_at[np.isfinite(created_at)] if created_at is not None else ()
            self.now = float(np.max(finite)) if len(finite) else datetime.now().timestamp()
        decayed = (
            np.ones(m, np.float64) if weight is None else np.asarray(weight, np.float64).copy()
        )
        if created_at is not None:
            ts = np.asarray(created_at, np.float64)
            for code, k in enumerate(KINDS):
                h = self.half_lives[k]
                if h is None:
                    continue
                sel = kind == code
                if sel.any():
                    age = np.maximum(self.now - ts[sel], 0.0)
                    age[~np.isfinite(age)] = 0.0
                    decayed[sel] *= np.exp2(-age / (h * _DAY))
        self._pending.append((np.asarray(kind, np.int8), src, dst, decayed))
        self._pending_edges += m
        self.n_interactions += m
        if self._pending_edges >= self.merge_every:
            self._merge()

    def _merge(self) -> None:
        n = len(self.nodes)
        if not self._pending and n == self._n:
            return
        kinds = np.concatenate([p[0] for p in self._pending]) if self._pending else None
        srcs = np.concatenate([p[1] for p in self._pending]) if self._pending else None
        dsts = np.concatenate([p[2] for p in self._pending]) if self._pending else None
        ws = np.concatenate([p[3] for p in self._pending]) if self._pending else None
        self._pending, self._pending_edges = [], 0
        coo_to_csr = _kernels().coo_to_csr
        for code, k in enumerate(KINDS):
            old = self._mats.get(k)
            sel = np.flatnonzero(kinds == code) if kinds is not None else np.empty(0, np.int64)
            if old is not None and len(sel) == 0:
                if n != self._n:  # new nodes: pad indptr
                    pad = np.full(n - self._n, old.indptr[-1], dtype=old.indptr.dtype)
                    old.indptr = np.concatenate([old.indptr, pad])
                continue
            if old is None and len(sel) == 0:
                continue
            rows, cols, cnt, w = srcs[sel], dsts[sel], np.ones(len(sel), np.int32), ws[sel]
            if old is not None:  # old edges first: the sums run in the same order as a rebuild
                old_rows = np.repeat(np.arange(self._n, dtype=np.int32), np.diff(old.indptr))
                rows = np.concatenate([old_rows, rows])
                cols = np.concatenate([old.indices, cols])
                cnt = np.concatenate([old.counts, cnt])
                w = np.concatenate([old.decayed, w])
            scratch = np.int32 if len(rows) < 2**31 else np.int64
            by_col, order = np.empty(len(rows), scratch), np.empty(len(rows), scratch)
            self._mats[k] = _KindMatrix(*coo_to_csr(rows, cols, cnt, w, n, n, by_col, order))
            del by_col, order
        self._n = n

    # ---------------------------------------------------------------- reading
    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        """Distinct (source, target, kind) edges."""
        self._merge()
        return sum(len(m.indices) for m in self._mats.values())

    def _matrix(self, kind: InteractionKind | str, data: str) -> sp.csr_matrix:
        self._merge()
        k = _kind(kind)
        n = self.n_nodes
        m = self._mats.get(k)
        if m is None:
            dtype = np.int32 if data == "counts" else np.float64
            return sp.csr_matrix((n, n), dtype=dtype)
        return sp.csr_matrix((getattr(m, data), m.indices, m.indptr), shape=(n, n), copy=False)

    def counts(self, kind: InteractionKind | str) -> sp.csr_matrix:
        """How many interactions of a kind from each row account to each column account."""
        return self._matrix(kind, "counts")

    def decayed(self, kind: InteractionKind | str) -> sp.csr_matrix:
        """The same interactions summed with their time decay (kind weight not applied)."""
        return self._matrix(kind, "decayed")

    def combined(
        self,
        kinds: Iterable[InteractionKind | str],
        weights: Mapping[InteractionKind | str, float] | None = None,
    ) -> sp.csr_matrix:
        """sum over kinds of weight[kind] * decayed(kind), as one CSR matrix."""
        use = dict(self.weights)
        use.update({_kind(k): float(v) for k, v in (weights or {}).items()})
        n = self.n_nodes
        total = sp.csr_matrix((n, n), dtype=np.float64)
        for k in map(_kind, kinds):
            if use[k] > 0 and k in self._mats_merged():
                total = total + use[k] * self.decayed(k)
        return total.tocsr()

    def _mats_merged(self) -> dict[InteractionKind, _KindMatrix]:
        self._merge()
        return self._mats

    def endorsement(self, weights: Mapping[InteractionKind | str, float] | None = None) -> sp.csr_matrix:
        """Follows, reposts and quotes: what seed expansion walks."""
        return self.combined(ENDORSEMENT, weights)

    def attention(self, weights: Mapping[InteractionKind | str, float] | None = None) -> sp.csr_matrix:
        """Mentions and replies: kept for explanations, never walked by expansion."""
        return self.combined(ATTENTION, weights)

    def edges(self) -> dict[tuple[SubjectRef, SubjectRef, InteractionKind], tuple[int, float]]:
        """Every edge as {(source, target, kind): (count, decayed weight)}; for tests and
        small graphs (it makes a SubjectRef per endpoint)."""
        out = {}
        for k, m in self._mats_merged().items():
            for r in range(self.n_nodes):
                for j in range(m.indptr[r], m.indptr[r + 1]):
                    key = (self.nodes.ref(r), self.nodes.ref(int(m.indices[j])), k)
                    out[key] = (int(m.counts[j]), float(m.decayed[j]))
        return out

    def nbytes(self) -> int:
        """Bytes held by the matrices, the pending buffer and the node index."""
        total = self.nodes.nbytes()
        for m in self._mats.values():
            total += m.indptr.nbytes + m.indices.nbytes + m.counts.nbytes + m.decayed.nbytes
        for p in self._pending:
            total += sum(a.nbytes for a in p)
        return total

    def __repr__(self) -> str:
        return f"InteractionGraph({self.n_nodes} nodes, {self.n_edges} edges, {self.n_interactions} interactions)"


def _codes(kind: np.ndarray | InteractionKind | str, m: int) -> np.ndarray:
    if isinstance(kind, (InteractionKind, str)):
        return np.full(m, KINDS.index(_kind(kind)), dtype=np.int8)
    codes = np.asarray(kind, dtype=np.int8)
    if len(codes) != m:
        raise ValueError(f"{len(codes)} kinds for {m} edges")
    return codes


# --------------------------------------------------------------------------- follows CSV
@dataclass(frozen=True, slots=True)
class FollowsFile:
    """The follows of a CSV: follower and followee ids (text), and the bad lines skipped."""

    follower: np.ndarray  # object array of str
    followee: np.ndarray
    errors: list[str]  # "file:line: reason", one per bad line

    def __len__(self) -> int:
        return len(self.follower)

    def columns(self, platform: str) -> InteractionColumns:
        m = len(self.follower)
        return InteractionColumns(
            platform=np.full(m, platform, dtype=object),
            kind=np.zeros(m, np.int8),  # follow
            source_id=self.follower,
            target_id=self.followee,
            created_at=np.full(m, np.nan),
            weight=np.ones(m),
        )


_HEADER = (b"follower_id", b"followee_id")
_CHUNK = 16 << 20


def read_follows_csv(path: str | Path, *, max_errors: int = 1000) -> FollowsFile:
    """A follows CSV: ``follower_id,followee_id`` per line, an optional header of those two
    names. Numeric ids take a compiled fast path (about 3M lines in a second or two); other
    ids, quoted fields and bad lines go through a plain split. Bad lines are skipped and
    named as file:line in ``errors`` (at most ``max_errors`` of them, then a count)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read follows: {exc.strerror or exc}") from exc
    errors: list[str] = []
    dropped = 0
    line_no = 1
    start = 0
    first = data.split(b"\n", 1)[0].strip().lower().replace(b'"', b"").replace(b" ", b"")
    if tuple(first.split(b",")) == _HEADER:
        start = data.find(b"\n") + 1 if b"\n" in data else len(data)
        line_no = 2
    buf = np.frombuffer(data, dtype=np.uint8)
    k = _kernels()
    followers: list[np.ndarray] = []
    followees: list[np.ndarray] = []
    pos = start
    while pos < len(data):
        view = buf[pos:]
        cap = view.shape[0] // 4 + 1  # a line has at least 4 bytes: "1,2\n"
        a = np.empty(cap, np.int64)
        b = np.empty(cap, np.int64)
        got, bad = k.split_lines(view, a, b)
        if got:
            followers.append(a[:got].astype(str).astype(object))
            followees.append(b[:got].astype(str).astype(object))
        if bad < 0:
            break
        # The fast path stopped at a line it cannot parse: find that line and handle it.
        line_start = pos
        for _ in range(bad):
            line_start = data.index(b"\n", line_start) + 1
        end = data.find(b"\n", line_start)
        end = len(data) if end < 0 else end
        raw = data[line_start:end].rstrip(b"\r")
        row = _slow_row(raw)
        number = line_no + bad
        if isinstance(row, str):
            if len(errors) < max_errors:
                errors.append(f"{path}:{number}: {row}")
            else:
                dropped += 1
        else:
            followers.append(np.array([row[0]], dtype=object))
            followees.append(np.array([row[1]], dtype=object))
        line_no = number + 1
        pos = end + 1
    if dropped:
        errors.append(f"{path}: {dropped} more bad lines not listed")
    empty = np.empty(0, dtype=object)
    return FollowsFile(
        np.concatenate(followers) if followers else empty,
        np.concatenate(followees) if followees else empty,
        errors,
    )


def _slow_row(raw: bytes) -> tuple[str, str] | str:
    """One line the fast path could not take: two non-empty ids, possibly quoted, or why not."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
    parts = [p.strip().strip('"').strip() for p in text.split(",")]
    if len(parts) != 2:
        return f"expected follower_id,followee_id, got {len(parts)} fields: {text[:80]!r}"
    if not parts[0] or not parts[1]:
        return f"empty id: {text[:80]!r}"
    if any(len(p) > 64 or any(c.isspace() for c in p) for p in parts):
        return f"bad id: {text[:80]!r}"
    return parts[0], parts[1]
