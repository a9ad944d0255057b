"""Console fixtures: the hostile little platform in a store (every backend), the app over
it, and a TestClient."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cordon.config import Settings
from cordon.web import create_app
from webkit import add_users, build_world


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, console_api_token="platform-token-123", console_report_limit=3)


@pytest.fixture
def world(store):
    cases = build_world(store)
    add_users(store)
    return cases


@pytest.fixture
def app(store, world, settings):
    return create_app(store, settings)


@pytest.fixture
def client(app):
    with TestClient(app, base_url="http://testserver") as c:
        yield c
