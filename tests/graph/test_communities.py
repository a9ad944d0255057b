"""Leiden communities: the network apart from ordinary users on the scenario, and each
community's suspended, flagged and reported shares counted right on a hand-made store."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
import scipy.sparse as sp

from cordon.domain import (
    Account,
    AccountStatus,
    EventName,
    Interaction,
    InteractionKind,
    ModerationEvent,
    Post,
    Report,
    SubjectRef,
)
from cordon.errors import CordonError
from cordon.graph.communities import CommunityFinder, community_of, neighbourhood
from cordon.scenario import ScenarioConfig, generate

NETWORK = {"official", "hub", "supporter", "returning"}
# Measured on seeds 1, 2, 3 and 11 at 2,500 and 5,000 accounts (2 hops around the officials):
# one community holds 99-100% of the network's accounts and is 98-100% network; 99.9-100% of
# the ordinary users fall in communities that are not mostly network. Floors leave a margin.
NETWORK_IN_ONE = 0.9
PURITY = 0.9
ORDINARY_APART = 0.97


@pytest.fixture(scope="module", params=(3, 11))
def scenario_communities(request):
    scenario = generate(ScenarioConfig(seed=request.param, accounts=2_500))
    officials = [SubjectRef.account(scenario.config.platform, o) for o in scenario.truth.officials]
    matrix, nodes = neighbourhood(scenario.interactions, officials, hops=2)
    return scenario.truth, nodes, CommunityFinder(seed=7).communities(None, matrix, nodes)


def test_the_network_is_one_community_apart_from_ordinary_users(scenario_communities):
    truth, nodes, communities = scenario_communities
    role = truth.roles
    in_network = [r for r in nodes if role[r.id] in NETWORK]
    assert len(in_network) >= 0.9 * len(truth.violating_accounts) - 60  # the returners not yet linked aside
    counts = sorted(((sum(role[m.id] in NETWORK for m in c.members), c) for c in communities),
                    key=lambda x: -x[0])
    best, community = counts[0]
    assert best / len(in_network) >= NETWORK_IN_ONE
    assert best / community.size >= PURITY
    mostly_network = {c.id for k, c in counts if k / c.size >= 0.5}
    where = {m: c.id for c in communities for m in c.members}
    ordinary = [r for r in nodes if role[r.id] == "ordinary"]
    apart = sum(where[r] not in mostly_network for r in ordinary) / len(ordinary)
    assert apart >= ORDINARY_APART
    # The hubs are the network community's best-connected members.
    top = {ref.id for ref, _ in community.top_members[:5]}
    assert top <= set(truth.hubs) | set(truth.officials)


def test_same_seed_same_communities(scenario_communities):
    _truth, nodes, communities = scenario_communities
    assert [c.id for c in communities] == list(range(len(communities)))
    assert [c.size for c in communities] == sorted((c.size for c in communities), reverse=True)
    assert sum(c.size for c in communities) == len(nodes)


# -- a hand-made store ------------------------------------------------------------------
P = "x"
A = [f"a{i}" for i in range(1, 5)]
B = [f"b{i}" for i in range(1, 5)]
WHEN = datetime(2015, 6, 10, tzinfo=UTC)


def ref(ident: str) -> SubjectRef:
    return SubjectRef.account(P, ident)


def two_cliques() -> list[Interaction]:
    """Two groups of four that all follow each other, and one follow between them."""
    follow = InteractionKind.FOLLOW
    edges = [Interaction(P, follow, s, t) for group in (A, B) for s in group for t in group if s != t]
    edges.append(Interaction(P, follow, "a1", "b1"))
    edges.append(Interaction(P, InteractionKind.MENTION, "b2", "a2", WHEN, "pm"))  # attention: left out
    return edges


def fill(store) -> None:
    store.write_batch(
        accounts=[Account(P, i, i) for i in A + B],
        posts=[Post(P, "pb3", "b3", "a post", WHEN), Post(P, "pm", "b2", "@a2", WHEN)],
        interactions=two_cliques(),
        reports=[
            Report(P, "r1", "someone", ref("a4"), "terrorism"),
            Report(P, "r2", "someone", SubjectRef.post(P, "pb3"), "violent_threat"),
            Report(P, "r3", "someone", SubjectRef.post(P, "pb3"), "violent_threat"),
        ],
    )
    store.set_account_status(ref("a1"), AccountStatus.SUSPENDED)
    store.append_events([
        # Suspended by the log where the store's status has not caught up.
        ModerationEvent(EventName.ACTION_EXECUTED, "cordon", WHEN, ref("a2"), payload={"action": "suspend"}),
        # Suspended, then reinstated: not suspended.
        ModerationEvent(EventName.ACTION_EXECUTED, "cordon", WHEN, ref("a3"), payload={"action": "suspend"}),
        ModerationEvent(EventName.REINSTATED, "cordon", WHEN, ref("a3")),
        ModerationEvent(EventName.CASE_OPENED, "cordon", WHEN, ref("b1"), case_id="c1", payload={"queue": "q"}),
        ModerationEvent(EventName.FLAGGED, "cordon", WHEN, ref("b2")),
    ])


def test_shares_on_a_hand_made_store(store):
    fill(store)
    matrix, nodes = neighbourhood(store, [ref("a1")], hops=2)
    assert sorted(n.id for n in nodes) == sorted(A + B)
    communities = CommunityFinder(seed=1).communities(store, matrix, nodes)
    assert [c.size for c in communities] == [4, 4]
    by_group = {c.members[0].id[0]: c for c in communities}
    a, b = by_group["a"], by_group["b"]
    assert {m.id for m in a.members} == set(A) and {m.id for m in b.members} == set(B)
    assert (a.suspended, a.flagged, a.reported) == (2, 0, 1)
    assert (b.suspended, b.flagged, b.reported) == (0, 2, 1)
    assert (a.suspended_share, b.flagged_share, b.reported_share) == (0.5, 0.5, 0.25)
    # a1 has the extra edge out, but degree counts inside the community: all equal, ties by name.
    assert [r.id for r, _ in a.top_members] == A
    assert all(d == 6.0 for _, d in a.top_members)


def test_the_store_and_memory_give_the_same_neighbourhood(store):
    fill(store)
    for hops in (1, 2):
        m_store, n_store = neighbourhood(store, [ref("a1")], hops=hops)
        m_mem, n_mem = neighbourhood(two_cliques(), [ref("a1")], hops=hops)
        assert sorted(map(str, n_store)) == sorted(map(str, n_mem))
        order = [n_mem.index(r) for r in n_store]
        assert (m_store != m_mem[order][:, order]).nnz == 0
    _, one_hop = neighbourhood(two_cliques(), [ref("a1")], hops=1)
    assert sorted(n.id for n in one_hop) == sorted([*A, "b1"])


def test_from_an_interaction_graph():
    from cordon.graph.build import InteractionGraph

    graph = InteractionGraph.from_interactions(two_cliques())
    matrix, nodes = neighbourhood(graph, [ref("b4")], hops=1)
    assert sorted(n.id for n in nodes) == sorted(B)
    membership = community_of(matrix, nodes, seed=3)
    assert set(membership) == set(nodes) and set(membership.values()) == {0}


def test_community_of_is_deterministic_and_numbered_by_size():
    rng = np.random.default_rng(0)
    dense = (rng.random((60, 60)) < 0.05).astype(float)
    dense[:20, :20] += rng.random((20, 20)) < 0.6  # one dense block
    matrix = sp.csr_matrix(dense)
    nodes = [ref(str(i)) for i in range(60)]
    first = community_of(matrix, nodes, seed=11)
    assert first == community_of(matrix, nodes, seed=11)
    sizes = np.bincount(list(first.values()))
    assert list(sizes) == sorted(sizes, reverse=True)
    block = {first[nodes[i]] for i in range(20)}
    assert len(block) == 1


def test_bad_input_fails_clearly():
    with pytest.raises(CordonError, match="resolution"):
        CommunityFinder(resolution=0)
    with pytest.raises(CordonError, match="objective"):
        CommunityFinder(objective="louvain")
    with pytest.raises(CordonError, match="node refs"):
        community_of(sp.csr_matrix((3, 3)), [ref("a")])
    assert community_of(sp.csr_matrix((0, 0)), []) == {}
    assert CommunityFinder().communities(None, sp.csr_matrix((0, 0)), []) == []
