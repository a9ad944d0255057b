"""The bulk read of interactions (Store.interaction_batches) on every backend: integer ids
stay numbers, other ids stay text, times are exact, and the graph built from it is the
graph built from Store.interactions(), edge for edge and weight for weight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from cordon.domain import Interaction, InteractionKind, SubjectRef
from cordon.graph import KINDS, InteractionGraph
from cordon.store import sql
from cordon.store.base import InteractionColumns, canonical_int

F, R, Q, M, P = (InteractionKind(k) for k in ("follow", "repost", "quote", "mention", "reply"))
T0 = datetime(2015, 6, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _edges() -> list[Interaction]:
    ids = [str(i) for i in range(40)] + [
        "1234567890123456789", "9223372036854775807", "-5", "0",  # numbers
        "007", "abc", "9223372036854775808", "+1", " 2", "1_0", "é1", "-0",  # text
    ]
    rng = np.random.default_rng(5)
    out = []
    for i in range(600):
        a, b = (ids[j] for j in rng.integers(0, len(ids), 2))
        kind = KINDS[int(rng.integers(0, len(KINDS)))]
        when = T0 - timedelta(days=float(rng.random() * 90), microseconds=int(rng.integers(0, 10**6)))
        if i % 97 == 0:
            when = None  # unknown time
        elif i % 31 == 0:
            when = when.replace(microsecond=0)
        weight = (0.1 + 0.2) if i % 53 == 0 else 1.0
        platform = "mastodon" if i % 5 == 0 else "twitter"
        out.append(Interaction(platform, kind, a, b, when, None if kind is F else f"p{i}", weight))
    return out


def _same(built: InteractionGraph, direct: InteractionGraph) -> None:
    assert built.now == direct.now
    assert built.n_nodes == direct.n_nodes and built.n_edges == direct.n_edges
    assert built.n_interactions == direct.n_interactions
    assert set(built.nodes.ids) == set(direct.nodes.ids)
    order = [direct.nodes.index(built.nodes.ref(i)) for i in range(built.n_nodes)]
    for kind in KINDS:
        a, b = built.counts(kind), direct.counts(kind)[order][:, order]
        assert (a != b).nnz == 0
        da, db = built.decayed(kind), direct.decayed(kind)[order][:, order]
        assert np.allclose(da.toarray(), db.toarray(), rtol=1e-13, atol=0)


@pytest.mark.parametrize("chunked", [False, True])
def test_graph_from_batches_equals_graph_from_interactions(store, monkeypatch, chunked):
    if chunked:  # several chunks per platform: SQLite by key ranges, PostgreSQL by heap blocks
        monkeypatch.setattr(sql, "_SQLITE_CHUNK", 37)
        monkeypatch.setattr(sql, "_PG_CHUNK_BLOCKS", 1)
    store.insert_interactions(_edges())
    built = InteractionGraph.from_store(store)
    direct = InteractionGraph.from_interactions(store.interactions(), now=built.now)
    _same(built, direct)
    assert built.now == max(i.created_at for i in store.interactions() if i.created_at).timestamp()
    batches = list(store.interaction_batches())
    assert sum(map(len, batches)) == store.counts()["interactions"]
    assert any(b.numeric_ids for b in batches) and any(not b.numeric_ids for b in batches)
    for b in batches:
        if b.numeric_ids:
            assert b.source_id.dtype == np.int64 and b.target_id.dtype == np.int64
    only = InteractionGraph.from_store(store, kinds=[R, Q])
    _same(only, InteractionGraph.from_interactions(
        [i for i in store.interactions() if i.kind in (R, Q)], now=only.now
    ))


def test_columns_carry_exact_values(store):
    edges = _edges()
    store.insert_interactions(edges)
    cols = store.interaction_arrays()
    assert not cols.numeric_ids  # interaction_arrays keeps text ids
    got = sorted(
        (p, KINDS[k], s, t, None if np.isnan(c) else c, w)
        for p, k, s, t, c, w in zip(
            cols.platform.tolist(), cols.kind.tolist(), cols.source_id.tolist(), cols.target_id.tolist(),
            cols.created_at.tolist(), cols.weight.tolist(), strict=True,
        )
    )
    want = sorted(
        (i.platform, i.kind, i.source_id, i.target_id, i.created_at and i.created_at.timestamp(), i.weight)
        for i in store.interactions()
    )
    assert got == want  # times to the microsecond, weights to the bit
    only = store.interaction_arrays(kinds=["quote"], platform="mastodon")
    assert set(only.kind.tolist()) == {KINDS.index(Q)} and set(only.platform.tolist()) == {"mastodon"}


def test_an_id_holding_the_separator_takes_the_slow_path(store):
    edges = [
        Interaction("twitter", F, "1", "2", T0),
        Interaction("twitter", F, "3\x1f4", "5", T0),
        Interaction("twitter", R, "6", "1", T0, "p1"),
    ]
    store.insert_interactions(edges)
    graph = InteractionGraph.from_store(store)
    _same(graph, InteractionGraph.from_interactions(store.interactions(), now=graph.now))
    assert graph.nodes.index(SubjectRef.account("twitter", "3\x1f4")) is not None


def test_text_and_number_ids_of_one_account_are_one_node():
    graph = InteractionGraph.from_interactions([Interaction("t", F, "10", "abc"), Interaction("t", F, "11", "12")])
    number = InteractionColumns(
        platform=np.array(["t", "t"], dtype=object), kind=np.zeros(2, np.int8),
        source_id=np.array([12, 99], np.int64), target_id=np.array([10, 11], np.int64),
        created_at=np.full(2, np.nan), weight=np.ones(2),
    )
    graph.update(number)
    assert graph.n_nodes == 5  # only 99 is new
    graph.update([Interaction("t", F, "99", "10"), Interaction("t", F, "0099", "10")])
    assert graph.n_nodes == 6  # '99' is the number's node; '0099' is another account
    ten, twelve = (graph.nodes.index(SubjectRef.account("t", x)) for x in ("10", "12"))
    assert graph.counts(F)[twelve, ten] == 1
    text = InteractionGraph.from_columns(number.with_text_ids())
    same = InteractionGraph.from_columns(number)
    assert text.nodes.ids == same.nodes.ids == ["12", "10", "99", "11"]


def test_number_table_grows_and_keeps_first_appearance_order():
    rng = np.random.default_rng(1)
    src = rng.integers(-(2**62), 2**62, 300_000)
    dst = rng.integers(0, 1000, 300_000)
    cols = InteractionColumns(
        np.full(len(src), "t", dtype=object), np.zeros(len(src), np.int8), src, dst,
        np.full(len(src), np.nan), np.ones(len(src)),
    )
    fast = InteractionGraph.from_columns(cols)
    slow = InteractionGraph.from_columns(cols.with_text_ids())
    assert fast.nodes.ids == slow.nodes.ids
    assert (fast.counts(F) != slow.counts(F)).nnz == 0


def test_canonical_int():
    assert [canonical_int(s) for s in ("0", "42", "-7", "9223372036854775807")] == [0, 42, -7, 2**63 - 1]
    for s in ("", "007", "+1", " 1", "1 ", "1_0", "-0", "9223372036854775808", "١", "0x10", "1e3"):
        assert canonical_int(s) is None, s
