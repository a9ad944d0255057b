"""The k-hop neighbourhood of seed accounts, read from the store through the adjacency
indexes, on every backend; and expansion on that subgraph."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect

from cordon.domain import Interaction, InteractionKind, SubjectRef
from cordon.errors import StoreError
from cordon.graph import InteractionGraph, expand

F, R, M = InteractionKind.FOLLOW, InteractionKind.REPOST, InteractionKind.MENTION
T0 = datetime(2015, 7, 1, tzinfo=UTC)


def acc(i: str) -> SubjectRef:
    return SubjectRef.account("t", i)


# s <- a <- b <- c <- d (follows), a reposts s twice, j mentions s, s follows x,
# celebrity y followed by s and by 5 others; the same ids on another platform.
EDGES = [
    Interaction("t", F, "a", "s", T0), Interaction("t", R, "a", "s", T0, "p1"),
    Interaction("t", R, "a", "s", T0, "p2"), Interaction("t", F, "b", "a", T0),
    Interaction("t", F, "c", "b", T0), Interaction("t", F, "d", "c", T0),
    Interaction("t", M, "j", "s", T0, "p3"), Interaction("t", F, "s", "x", T0),
    Interaction("t", F, "s", "y", T0),
    *[Interaction("t", F, f"fan{i}", "y", T0) for i in range(5)],
    Interaction("other", F, "a", "s", T0),
]


def keys(edges) -> set[tuple[str, str, str, str]]:
    return {(e.kind.value, e.source_id, e.target_id, e.post_id or "") for e in edges}


def test_hops_directions_kinds_and_each_edge_once(store):
    store.insert_interactions(EDGES)
    one = list(store.neighbourhood([acc("s")], hops=1))
    assert keys(one) == {
        ("follow", "a", "s", ""), ("repost", "a", "s", "p1"), ("repost", "a", "s", "p2"),
        ("mention", "j", "s", "p3"), ("follow", "s", "x", ""), ("follow", "s", "y", ""),
    }
    assert all(e.platform == "t" for e in one)
    two = list(store.neighbourhood([acc("s")], hops=2))
    assert len(two) == len(keys(two))  # each edge once
    assert keys(two) - keys(one) == {("follow", "b", "a", "")} | {
        ("follow", f"fan{i}", "y", "") for i in range(5)
    }
    three = keys(store.neighbourhood([acc("s")], hops=3))
    assert ("follow", "c", "b", "") in three and ("follow", "d", "c", "") not in three
    endorse = keys(store.neighbourhood([acc("s")], hops=2, kinds=["follow", "repost", "quote"]))
    assert not [k for k in endorse if k[0] == "mention"]
    # A celebrity (more than max_degree edges in) is reached but not expanded.
    capped = keys(store.neighbourhood([acc("s")], hops=2, max_degree=3))
    assert ("follow", "s", "y", "") in capped and ("follow", "fan0", "y", "") not in capped
    assert ("follow", "b", "a", "") in capped
    assert len(list(store.neighbourhood([acc("s")], hops=2, limit=4))) == 4
    assert list(store.neighbourhood([acc("nobody")], hops=2)) == []
    assert list(store.neighbourhood([], hops=2)) == []


def test_many_seeds_cross_the_batch_size(store):
    store.insert_interactions([Interaction("t", F, f"u{i}", f"v{i}", T0) for i in range(2500)])
    got = list(store.neighbourhood([acc(f"u{i}") for i in range(2500)], hops=2))
    assert len(got) == 2500


def test_bad_input(store):
    with pytest.raises(StoreError, match="not an account"):
        list(store.neighbourhood([SubjectRef.post("t", "1")]))
    with pytest.raises(StoreError, match="hops"):
        store.neighbourhood([acc("s")], hops=0)
    with pytest.raises(StoreError, match="unknown interaction kind"):
        store.neighbourhood([acc("s")], kinds=["like"])
    with pytest.raises(StoreError, match="max_degree"):
        store.neighbourhood([acc("s")], max_degree=0)


def test_adjacency_indexes_exist(store):
    indexes = {i["name"]: i["column_names"] for i in inspect(store.engine).get_indexes("interactions")}
    assert indexes["ix_interactions_source"] == ["platform", "source_id", "kind"]
    assert indexes["ix_interactions_target_kind"] == ["platform", "target_id", "kind"]
    assert "ix_interactions_target" not in indexes  # the wider index serves its queries


def test_expansion_on_the_neighbourhood_equals_expansion_on_the_store(store):
    from cordon.scenario import ScenarioConfig, generate

    scenario = generate(ScenarioConfig(seed=7, accounts=2000))
    store.insert_interactions(scenario.interactions)
    truth, platform = scenario.truth, scenario.config.platform
    seeds = [SubjectRef.account(platform, a) for a in truth.officials]
    whole = InteractionGraph.from_store(store)
    local = InteractionGraph.from_interactions(
        store.neighbourhood(seeds, hops=2, kinds=["follow", "repost", "quote"]), now=whole.now
    )
    assert local.n_edges < whole.n_edges
    top_whole = [c.account for c in expand(whole, seeds, top_k=30)]
    top_local = [c.account for c in expand(local, seeds, top_k=30)]
    assert len(set(top_whole) & set(top_local)) >= 27


def reference_neighbourhood(store, seeds, hops, kinds, limit, max_degree):
    """The definition of Store.neighbourhood, as a scan of every interaction per hop: what
    the indexed, frontier-by-frontier SQL must return."""
    seen_nodes = {(r.platform, r.id) for r in seeds}
    frontier = set(seen_nodes)
    seen_edges: set[tuple] = set()
    sent = 0
    for hop in range(hops):
        found: list[tuple[Interaction, tuple[str, str], bool]] = []
        degree: dict[tuple[str, str, bool], int] = {}
        for edge in store.interactions():
            if kinds is not None and edge.kind not in kinds:
                continue
            for node, out in (((edge.platform, edge.source_id), True), ((edge.platform, edge.target_id), False)):
                if node in frontier:
                    degree[(*node, out)] = degree.get((*node, out), 0) + 1
                    found.append((edge, node, out))
        capped = {
            (p, i, out) for (p, i, out), d in degree.items()
            if hop > 0 and max_degree is not None and d > max_degree
        }
        nxt: set[tuple[str, str]] = set()
        for edge, node, out in found:
            other = (edge.platform, edge.target_id if out else edge.source_id)
            if (*node, out) in capped and other not in seen_nodes:
                continue
            key = (edge.platform, edge.post_id or "", edge.kind, edge.source_id, edge.target_id)
            if key in seen_edges:
                continue
            seen_edges.add(key)
            yield edge
            sent += 1
            if limit is not None and sent >= limit:
                return
            if other not in seen_nodes:
                nxt.add(other)
        seen_nodes |= nxt
        frontier = nxt
        if not frontier:
            return


def test_the_sql_backend_follows_the_definition(store):
    """The indexed SQL neighbourhood equals a full scan per hop; the generic column read
    (for a backend without a fast path) equals the SQL one."""
    from cordon.store.base import InteractionColumns, Store

    store.insert_interactions(EDGES)
    for hops, cap in ((1, None), (2, None), (2, 3), (3, None)):
        generic = list(reference_neighbourhood(store, [acc("s")], hops, None, None, cap))
        assert keys(generic) == keys(store.neighbourhood([acc("s")], hops=hops, max_degree=cap))
    generic = InteractionColumns.concat(list(Store._interaction_batches(store, None, "t")))
    fast = store.interaction_arrays(platform="t")
    assert sorted(zip(generic.source_id, generic.target_id, generic.kind.tolist(), strict=True)) == sorted(
        zip(fast.source_id, fast.target_id, fast.kind.tolist(), strict=True)
    )
