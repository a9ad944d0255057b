"""The interaction graph: counts and decay per kind, endorsement apart from attention, the
incremental update against a full rebuild, the store's bulk read, and the follows CSV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from cordon.domain import Interaction, InteractionKind, SubjectRef
from cordon.errors import StoreError
from cordon.graph import KINDS, InteractionGraph, read_follows_csv
from cordon.scenario import ScenarioConfig, generate

F, R, Q, M, P = (InteractionKind(k) for k in ("follow", "repost", "quote", "mention", "reply"))
NOW = datetime(2015, 7, 1, tzinfo=UTC)


def edge(kind, a, b, days_ago=0.0, post=None, platform="t"):
    return Interaction(platform, kind, str(a), str(b), NOW - timedelta(days=days_ago), post)


def node(graph, ident, platform="t"):
    return graph.nodes.index(SubjectRef.account(platform, ident))


def test_counts_decay_and_kinds_apart():
    graph = InteractionGraph.from_interactions(
        [
            edge(R, "a", "b", 0, "p1"), edge(R, "a", "b", 30, "p2"), edge(R, "a", "b", 60, "p3"),
            edge(F, "a", "b", 3000), edge(M, "j", "b", 0, "p4"), edge(P, "j", "b", 0, "p5"),
            edge(Q, "j", "b", 0, "p6"),
        ],
        now=NOW,
    )
    a, b, j = node(graph, "a"), node(graph, "b"), node(graph, "j")
    assert graph.counts(R)[a, b] == 3 and graph.counts(F)[a, b] == 1
    # 30-day half-life for reposts: 1 + 1/2 + 1/4; follows do not decay.
    assert graph.decayed(R)[a, b] == pytest.approx(1.75)
    assert graph.decayed(F)[a, b] == pytest.approx(1.0)
    endorse, attention = graph.endorsement(), graph.attention()
    assert endorse[a, b] == pytest.approx(2.75)
    assert endorse[j, b] == pytest.approx(0.1)  # a quote counts a tenth of a repost
    assert attention[j, b] == pytest.approx(2.0) and attention[a, b] == 0
    assert graph.n_nodes == 3 and graph.n_edges == 5 and graph.n_interactions == 7
    assert graph.nodes.ref(a) == SubjectRef.account("t", "a")
    with pytest.raises(ValueError, match="half-life"):
        InteractionGraph(half_lives={"repost": 0})


def test_now_defaults_to_the_latest_interaction_and_future_edges_do_not_grow():
    graph = InteractionGraph.from_interactions([edge(R, "a", "b", 10, "p1"), edge(R, "a", "c", 0, "p2")])
    assert graph.now == NOW.timestamp()
    graph.update([edge(R, "a", "d", -20, "p3")])  # after now: counted at age 0, not more
    assert graph.decayed(R)[node(graph, "a"), node(graph, "d")] == pytest.approx(1.0)


def test_same_ids_on_two_platforms_are_two_nodes():
    graph = InteractionGraph.from_interactions(
        [edge(F, "1", "2", platform="twitter"), edge(F, "1", "2", platform="mastodon")]
    )
    assert graph.n_nodes == 4
    assert graph.counts(F)[node(graph, "1", "mastodon"), node(graph, "2", "mastodon")] == 1
    assert graph.counts(F)[node(graph, "1", "mastodon"), node(graph, "2", "twitter")] == 0


def _assert_same(full: InteractionGraph, other: InteractionGraph) -> None:
    assert other.nodes.ids == full.nodes.ids
    assert other.n_nodes == full.n_nodes and other.n_edges == full.n_edges
    for kind in KINDS:
        x, y = full.counts(kind), other.counts(kind)
        assert np.array_equal(x.indptr, y.indptr) and np.array_equal(x.indices, y.indices)
        assert np.array_equal(x.data, y.data)
        assert np.array_equal(full.decayed(kind).data, other.decayed(kind).data)  # exactly


@pytest.fixture(scope="module")
def scenario():
    return generate(ScenarioConfig(seed=7, accounts=2000))


def test_incremental_update_equals_a_full_rebuild(scenario):
    edges = scenario.interactions
    full = InteractionGraph.from_interactions(edges)
    # Reads between updates force merges; merge_every forces some inside an update too.
    grown = InteractionGraph.from_interactions(edges[:5000], now=full.now, merge_every=7000)
    for start in range(5000, len(edges), 9000):
        grown.update(edges[start : start + 9000])
        assert grown.n_edges > 0
    _assert_same(full, grown)
    # A new account arriving in an update gets a node and its edges.
    grown.update([Interaction(scenario.config.platform, F, "new-1", edges[0].source_id)])
    assert grown.n_nodes == full.n_nodes + 1
    assert grown.counts(F)[node(grown, "new-1", scenario.config.platform), node(grown, edges[0].source_id, scenario.config.platform)] == 1


def test_from_arrays():
    graph = InteractionGraph.from_arrays(
        np.array([0, 0, 2]), np.array([1, 1, 0]), np.array([1, 1, 0], np.int8), ids=["x", "y", "z"]
    )
    assert graph.counts(R)[0, 1] == 2 and graph.counts(F)[2, 0] == 1
    assert graph.nodes.ref(2) == SubjectRef.account("twitter", "z")
    with pytest.raises(ValueError, match="unique"):
        InteractionGraph.from_arrays(np.array([0]), np.array([1]), "follow", ids=["x", "x"])


def test_from_store_matches_from_interactions(store, scenario):
    edges = scenario.interactions[:3000] + scenario.interactions[-3000:]
    store.insert_interactions(edges)
    cols = store.interaction_arrays()
    assert len(cols) == len({(e.platform, e.post_id or "", e.kind, e.source_id, e.target_id) for e in edges})
    built = InteractionGraph.from_store(store, now=NOW)
    direct = InteractionGraph.from_interactions(store.interactions(), now=NOW)
    assert built.n_nodes == direct.n_nodes and built.n_edges == direct.n_edges
    for kind in KINDS:
        a, b = built.counts(kind), direct.counts(kind)
        order = [direct.nodes.index(built.nodes.ref(i)) for i in range(built.n_nodes)]
        assert (a - b[order][:, order]).nnz == 0
        da, db = built.decayed(kind), direct.decayed(kind)[order][:, order]
        assert np.allclose(da.toarray(), db.toarray(), rtol=1e-9)
    only = store.interaction_arrays(kinds=["repost"], platform=scenario.config.platform)
    assert set(only.kind.tolist()) == {KINDS.index(R)}
    assert len(store.interaction_arrays(platform="elsewhere")) == 0
    with pytest.raises(StoreError, match="unknown interaction kind"):
        store.interaction_arrays(kinds=["like"])


def test_follows_csv(tmp_path: Path):
    path = tmp_path / "follows.csv"
    path.write_bytes(
        b"follower_id,followee_id\n1,2\r\n3,4\n\n007,8\n\"abc\",9\nbad line\n5,\n10,11\n"
    )
    got = read_follows_csv(path)
    assert list(zip(got.follower.tolist(), got.followee.tolist(), strict=True)) == [
        ("1", "2"), ("3", "4"), ("007", "8"), ("abc", "9"), ("10", "11"),
    ]
    assert got.errors == [
        f"{path}:7: expected follower_id,followee_id, got 1 fields: 'bad line'",
        f"{path}:8: empty id: '5,'",
    ]
    graph = InteractionGraph().update(got.columns("twitter"))
    assert graph.counts(F)[node(graph, "007", "twitter"), node(graph, "8", "twitter")] == 1


def test_follows_csv_fast_path_scale(tmp_path: Path):
    rng = np.random.default_rng(0)
    a, b = rng.integers(1, 10**12, 200_000), rng.integers(1, 10**12, 200_000)
    path = tmp_path / "big.csv"
    path.write_text("".join(f"{x},{y}\n" for x, y in zip(a.tolist(), b.tolist(), strict=True)))
    got = read_follows_csv(path)
    assert got.errors == [] and len(got) == 200_000
    assert got.follower[-1] == str(a[-1]) and got.followee[123] == str(b[123])
