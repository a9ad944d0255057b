"""Shared fixtures: the real data sets, and a Store on every backend."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cordon.config import Settings
from service_checks import missing

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        missing(f"{SHARED_DATA} not found: the real data sets live beside the repo in ../shared/data")
    return SHARED_DATA


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = Settings().test_postgres_url
    try:
        import psycopg

        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        psycopg.connect(dsn, connect_timeout=3).close()
    except Exception as exc:  # any failure to reach the server means: no PostgreSQL here
        missing(f"PostgreSQL not reachable at {url}: {exc}")
    return url


@pytest.fixture
def pg_schema(postgres_url: str) -> Iterator[tuple[str, dict]]:
    """A fresh schema per test, dropped afterwards, so tests never see each other's rows."""
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield postgres_url, {"connect_args": {"options": f"-csearch_path={schema}"}}
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path):
    """The same Store tests run against every backend."""
    from cordon.store.sql import SqlStore

    if request.param == "sqlite":
        s = SqlStore(f"sqlite:///{tmp_path / 'store.sqlite'}")
    else:
        url, options = request.getfixturevalue("pg_schema")
        s = SqlStore(url, engine_options=options)
    yield s
    s.close()
