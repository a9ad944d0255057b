"""A small generated platform in a store on every backend, addressed by a URL the workers can
open on their own, and one LocalCluster for the module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from cordon.backfill import Cluster
from cordon.ingest.lists import import_list_file
from cordon.ingest.pipeline import ingest_files
from cordon.scenario import ScenarioConfig, ScenarioFiles, generate, write_scenario
from cordon.store import Store, open_store


@pytest.fixture(scope="session")
def platform_files(tmp_path_factory: pytest.TempPathFactory) -> ScenarioFiles:
    # The smallest platform the generator draws (600 accounts, about 3,000 posts), with every
    # role in it: scored in seconds.
    return write_scenario(generate(ScenarioConfig(accounts=600, seed=11)), tmp_path_factory.mktemp("platform"))


def load_platform(store: Store, files: ScenarioFiles) -> None:
    ingest_files([files.platform], store)
    import_list_file(store, files.media_list, name="industry-hashes")
    import_list_file(store, files.link_list, name="propaganda-hosts")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def platform(
    request: pytest.FixtureRequest, tmp_path: Path, platform_files: ScenarioFiles
) -> Iterator[tuple[Store, str]]:
    """(store, url): the platform loaded into a store, and the URL that opens the same store
    from any process. On PostgreSQL the test's schema travels in the URL's options."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'platform.sqlite'}"
    else:
        base, options = request.getfixturevalue("pg_schema")
        url = f"{base}?options={quote(options['connect_args']['options'])}"
    store = open_store(url)
    load_platform(store, platform_files)
    yield store, url
    store.close()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    # Threads, not processes: it starts in 0.05 s instead of 0.7 s (measured here); the
    # subprocess tests run the CLI's process cluster.
    with Cluster(workers=2, processes=False) as c:
        yield c
