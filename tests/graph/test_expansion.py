"""Seed expansion: one contract suite for every scorer (the scikit-learn estimator contract),
the ranking on the scenario against its ground truth, push against exact PPR on a larger
random graph, and the why in counts a reviewer can check."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import numpy as np
import pytest
from sklearn.base import clone

from cordon.domain import Interaction, InteractionKind, SubjectRef
from cordon.graph import InteractionGraph, PowerIterationPPR, PushPPR, expand
from cordon.graph.expansion import NotFittedError
from cordon.scenario import ScenarioConfig, generate

SCORERS = [PushPPR, PowerIterationPPR]
NETWORK = {"official", "hub", "supporter", "returning"}
HARD_NEGATIVES = {"journalist", "researcher", "counter_speech"}
F, R, Q, M, P = (InteractionKind(k) for k in ("follow", "repost", "quote", "mention", "reply"))
T0 = datetime(2015, 7, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def world():
    scenario = generate(ScenarioConfig(seed=7, accounts=3000))
    truth, platform = scenario.truth, scenario.config.platform
    suspended = [a for a in truth.suspended_at if truth.roles[a] == "supporter"][:5]
    seeds = [SubjectRef.account(platform, a) for a in truth.officials + suspended]
    return InteractionGraph.from_interactions(scenario.interactions), seeds, truth, scenario


@pytest.fixture(scope="module")
def small(world):
    return world[0], world[1]


# --------------------------------------------------------------------------- contract
@pytest.mark.parametrize("klass", SCORERS)
def test_contract_params(klass):
    scorer = klass(alpha=0.2, top_k=7)
    params = scorer.get_params()
    assert params["alpha"] == 0.2 and params["top_k"] == 7
    assert set(params) >= {"alpha", "weights", "out_share", "smoothing", "top_k", "community_boost"}
    twin = clone(scorer)
    assert twin is not scorer and twin.get_params() == params
    assert scorer.set_params(top_k=3) is scorer and scorer.top_k == 3
    with pytest.raises(ValueError, match="no parameter"):
        scorer.set_params(nope=1)
    assert repr(scorer).startswith(klass.__name__ + "(")


@pytest.mark.parametrize("klass", SCORERS)
def test_contract_fit(klass, small):
    graph, seeds = small
    scorer = klass(top_k=20)
    with pytest.raises(NotFittedError):
        scorer.rank(seeds)
    before = scorer.get_params()
    assert scorer.fit(graph) is scorer
    assert scorer.get_params() == before  # fit never changes a parameter
    for bad in ({"alpha": 0.0}, {"alpha": 1.5}, {"out_share": -0.1}, {"top_k": -1}, {"smoothing": float("nan")}):
        with pytest.raises(ValueError):
            klass(**bad).fit(graph)


@pytest.mark.parametrize("klass", SCORERS)
def test_contract_rank(klass, small):
    graph, seeds = small
    scorer = klass(top_k=50).fit(graph)
    got = scorer.rank(seeds)
    assert len(got) == 50
    assert [c.rank for c in got] == list(range(1, 51))
    assert all(a.score >= b.score for a, b in itertools.pairwise(got))
    assert not {c.account for c in got} & set(seeds)  # seeds are never candidates
    assert got == scorer.rank(seeds)  # deterministic
    assert scorer.rank([SubjectRef.account("nowhere", "1")]) == []
    assert klass(top_k=0).fit(graph).rank(seeds) == []
    for c in got:
        assert c.why and 1 <= len(c.paths) <= 3
        for path in c.paths:
            assert path.nodes[0] in seeds and path.nodes[-1] == c.account and len(path.nodes) <= 3
            assert all(hop for hop in path.hops)  # every hop is a real edge


# --------------------------------------------------------------------------- the scenario
@pytest.mark.parametrize("method", ["push", "power"])
def test_expansion_finds_the_network_not_those_who_talk_about_it(world, method):
    graph, seeds, truth, _ = world
    got = expand(graph, seeds, method=method, top_k=100)
    roles = [truth.roles[c.account.id] for c in got]
    # Measured: 100 of 100 (seeds 3 and 7, 3,000 and 5,000 accounts); the network has 120
    # non-seed accounts here.
    assert sum(r in NETWORK for r in roles) / len(roles) >= 0.95
    assert not [r for r in roles if r in HARD_NEGATIVES]
    assert set(roles[:16]) <= {"hub", "official", "supporter", "returning"}


def test_walking_attention_would_pull_in_journalists(world):
    """The check above can fail: treat mentions and replies as reposts, and the journalists
    and researchers who reply to the network all day come up among the candidates."""
    _, seeds, truth, scenario = world
    relabelled = [
        Interaction(i.platform, R if i.kind in (M, P) else i.kind, i.source_id, i.target_id, i.created_at, i.post_id)
        for i in scenario.interactions
    ]
    got = expand(InteractionGraph.from_interactions(relabelled), seeds, top_k=100)
    assert [c for c in got if truth.roles[c.account.id] in HARD_NEGATIVES]


def test_push_matches_exact_ppr_on_a_larger_graph():
    rng = np.random.default_rng(5)
    n, m = 100_000, 1_000_000
    src = rng.integers(0, n, m)
    dst = rng.permutation(n)[(n * rng.random(m) ** 2.5).astype(np.int64)]  # popular targets
    kind = rng.choice(np.array([0, 1, 2], np.int8), m, p=[0.6, 0.35, 0.05])
    graph = InteractionGraph.from_arrays(src, dst, kind, n_nodes=n)
    seeds = [graph.nodes.ref(int(i)) for i in rng.choice(n, 20, replace=False)]
    exact, _ = PowerIterationPPR(tol=1e-12).fit(graph).top(seeds, 1000)
    pushed, _ = PushPPR().fit(graph).top(seeds, 1000)
    overlap = len(set(exact.tolist()) & set(pushed.tolist())) / 1000
    assert overlap >= 0.98, overlap  # measured 0.986 at 1M nodes and 10M edges


# --------------------------------------------------------------------------- the why
def _star() -> tuple[InteractionGraph, list[SubjectRef]]:
    edges = []
    seeds = [f"s{i}" for i in range(6)]
    for i, s in enumerate(seeds):  # c reposts 14 posts of the 6 seeds
        for j in range(3 if i < 2 else 2):
            edges.append(Interaction("t", R, "c", s, T0, f"p{i}-{j}"))
    for s in seeds[:3]:
        edges.append(Interaction("t", F, s, "c", T0))  # followed by 3
    for s in seeds[3:5]:
        edges.append(Interaction("t", F, "c", s, T0))  # follows 2
    edges.append(Interaction("t", M, "c", "s0", T0, "m1"))
    edges.append(Interaction("t", F, "x", "c", T0))  # x is two hops from the seeds
    edges.append(Interaction("t", M, "journalist", "s1", T0, "m2"))  # attention only
    edges.append(Interaction("t", P, "journalist", "s2", T0, "m3"))
    return InteractionGraph.from_interactions(edges), [SubjectRef.account("t", s) for s in seeds]


@pytest.mark.parametrize("method", ["push", "power"])
def test_the_why_names_real_counts(method):
    graph, seeds = _star()
    got = expand(graph, seeds, method=method, usernames={SubjectRef.account("t", "c"): "abu_c"})
    assert [c.account.id for c in got] == ["c", "x"]  # the journalist only mentioned: never
    c, x = got
    assert c.username == "abu_c" and x.username == ""
    assert c.why.startswith(
        "reposted 14 posts of 6 seed accounts; followed by 3 seed accounts; follows 2 seed "
        "accounts; mentioned 1 seed account (attention, not scored); via "
    )
    assert c.detail["reposted_posts"] == 14 and c.detail["followed_by_seeds"] == 3
    assert x.why.startswith("no direct endorsement of a seed account; via ")
    two_hop = x.paths[0]
    assert [n.id for n in two_hop.nodes][1:] == ["c", "x"] and two_hop.nodes[0] in seeds
    assert "x follows abu_c" in two_hop.describe({SubjectRef.account("t", "c"): "abu_c"}).replace("@", "")


def test_community_hook_boosts_and_says_so():
    graph, seeds = _star()
    plain = expand(graph, seeds, top_k=5)
    community = {s: "net" for s in seeds} | {SubjectRef.account("t", "x"): "net"}
    boosted = expand(graph, seeds, top_k=5, community_of=community, community_boost=0.5)
    x0 = next(c for c in plain if c.account.id == "x")
    x1 = next(c for c in boosted if c.account.id == "x")
    assert x1.score == pytest.approx(x0.score * 1.5)
    assert "same community as 6 seed accounts" in x1.why and "community" not in x0.why


def test_unknown_method():
    graph, seeds = _star()
    with pytest.raises(ValueError, match="unknown method"):
        expand(graph, seeds, method="magic")
