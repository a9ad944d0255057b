"""The synthetic platform behind `cordon demo`, the tests and the benchmarks.

A seeded, deterministic world modelled on the 2015 campaign against ISIS on Twitter: official
media accounts, the 16 distribution hubs, supporters (many quiet, some making threats, some
against the platform's own staff), suspended accounts returning under new handles, an
ordinary majority, hard negatives who talk about the network all day, honest and false user
reports, and a brigade mass-reporting a journalist. Ground truth for all of it comes apart
from the data, in GroundTruth.

    scenario = generate(ScenarioConfig(seed=7, accounts=20_000))
    files = write_scenario(scenario, "out/")                  # platform.jsonl + truth.json
    write_scenario(stream(ScenarioConfig(accounts=1_000_000)), "big/")   # chunk by chunk
"""

from cordon.scenario.config import ScenarioConfig
from cordon.scenario.corpus import CorpusStats, write_twarc2_corpus
from cordon.scenario.generate import Batch, Scenario, ScenarioStream, generate, stream
from cordon.scenario.roles import Role
from cordon.scenario.truth import GroundTruth
from cordon.scenario.writer import ScenarioFiles, write_scenario

__all__ = [
    "Batch",
    "CorpusStats",
    "GroundTruth",
    "Role",
    "Scenario",
    "ScenarioConfig",
    "ScenarioFiles",
    "ScenarioStream",
    "generate",
    "stream",
    "write_scenario",
    "write_twarc2_corpus",
]
