"""The network and evasion components of risk, on a generated platform the models were not
fitted on (the network model: seeds 1 and 2; the linker: seed 101)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cordon.ingest.lists import import_list_file
from cordon.ingest.pipeline import ingest_files
from cordon.risk.evasion import evasion_scores
from cordon.risk.network import last_round_seeds, network_scores
from cordon.scenario import ScenarioConfig, generate, write_scenario
from cordon.store import open_store

HARD = {"journalist", "researcher", "counter_speech"}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("platform")
    scenario = generate(ScenarioConfig(seed=13, accounts=4_000))
    files = write_scenario(scenario, tmp / "world")
    store = open_store(f"sqlite:///{tmp / 'store.sqlite'}")
    ingest_files(files.data, store)
    for name, path in (("media", files.media_list), ("links", files.link_list)):
        import_list_file(store, path, name=name)
    yield store, scenario.truth
    store.close()


def test_network_component_finds_the_network_not_its_critics(platform):
    store, truth = platform
    seeds = last_round_seeds(store)
    scores = network_scores(store, seeds)
    seeds = {r.id for r in seeds}
    assert scores and not seeds & {r.id for r in scores}
    flagged = [r.id for r, s in scores.items() if s.value >= 0.5]
    violating = set(truth.violating_accounts)
    assert len(flagged) >= 20
    assert sum(a in violating for a in flagged) / len(flagged) >= 0.75
    assert sum(truth.roles[a] in HARD for a in flagged) <= 2
    best = max(scores.values(), key=lambda s: s.value)
    assert best.evidence.signal == "network.expansion" and best.evidence.summary.startswith("network ")
    assert best.evidence.detail["follows_seeds"] + best.evidence.detail["reposted_seeds"] > 0


def test_evasion_component_points_at_the_original(platform):
    store, truth = platform
    scores = evasion_scores(store)
    likely = {r.id: s for r, s in scores.items() if s.value >= 0.5}
    assert likely, "no returning account found"
    returners = truth.returning_of
    assert sum(a in returners for a in likely) / len(likely) >= 0.8
    right = sum(s.evidence.detail["candidate"].endswith("/" + returners[a]) for a, s in likely.items() if a in returners)
    assert right / len(likely) >= 0.7
    assert all(truth.roles[a] not in HARD for a in likely)


def test_no_suspended_accounts_no_network(tmp_path: Path):
    with open_store(f"sqlite:///{tmp_path / 's.sqlite'}") as store:
        assert network_scores(store) == {} and evasion_scores(store) == {}
