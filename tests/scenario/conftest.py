"""One default world per test session: it takes seconds to draw, and tests only read it."""

from __future__ import annotations

import pytest

from cordon.scenario import Scenario, ScenarioConfig, ScenarioFiles, generate, write_scenario


@pytest.fixture(scope="session")
def world() -> Scenario:
    return generate(ScenarioConfig())


@pytest.fixture(scope="session")
def world_files(world: Scenario, tmp_path_factory: pytest.TempPathFactory) -> ScenarioFiles:
    return write_scenario(world, tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="session")
def small_config() -> ScenarioConfig:
    return ScenarioConfig(accounts=3_000, chunk_size=1_000)


@pytest.fixture(scope="session")
def small_twarc2(
    small_config: ScenarioConfig, tmp_path_factory: pytest.TempPathFactory
) -> ScenarioFiles:
    return write_scenario(generate(small_config), tmp_path_factory.mktemp("twarc2"), fmt="twarc2")
