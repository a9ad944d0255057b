"""Every route × every role, generated from the app's own route table: a route added later
is in the matrix without anyone writing a test for it, and app.py refuses to build an app
with a route that names no permission."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from webkit import T0, USERS

from cordon.cases.permissions import can
from cordon.domain import Role
from cordon.errors import CordonError
from cordon.store.base import ConsoleSession
from cordon.web import create_app
from cordon.web.app import check_guarded, is_public, route_guard
from cordon.web.auth import csrf_token, new_token, token_hash

# A value for every path parameter a route may have; a new one must be added here.
SAMPLES = {
    "case_id": "case-calm", "platform": "twitter", "account_id": "666", "digest": "ab" * 32,
    "name": USERS[Role.MODERATOR], "hold_id": "0123456789abcdef", "snapshot_id": "twitter_666_x",
    "packet_id": "twitter_666_x", "file": "packet.json",
}


def _routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    out = []
    for route in app.routes:
        if isinstance(route, APIRoute):
            out.extend((method, route.path, route) for method in sorted(route.methods))
    return out


def _url(path: str) -> str:
    names = re.findall(r"{(\w+)}", path)
    missing = [n for n in names if n not in SAMPLES]
    assert not missing, f"{path}: add a sample value for {missing} to SAMPLES"
    return path.format(**{n: SAMPLES[n] for n in names})


def _session(store, role: Role) -> tuple[str, str]:
    token = new_token()
    store.create_session(ConsoleSession(token_hash(token), USERS[role], T0.replace(year=2100),
                                        T0.replace(year=2100) + timedelta(hours=1)))
    return token, csrf_token(token)


def _call(client: TestClient, method: str, url: str, csrf: str | None):
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    return client.request(method, url, headers=headers, follow_redirects=False)


def test_every_route_names_a_permission_or_is_public(app):
    routes = _routes(app)
    assert len(routes) >= 30
    for method, path, route in routes:
        assert route_guard(route) is not None or is_public(path), f"{method} {path} is unguarded"


def test_an_unguarded_route_stops_the_app(app):
    app.add_api_route("/sneaky", lambda: {"ok": True}, methods=["GET"])
    with pytest.raises(CordonError, match="/sneaky declares no permission"):
        check_guarded(app)


@pytest.mark.parametrize("role", list(Role))
def test_every_route_for_every_role(store, world, settings, role):
    app = create_app(store, settings, clock=lambda: T0.replace(year=2100))
    token, csrf = _session(store, role)
    with TestClient(app) as client:
        for method, path, route in _routes(app):
            guard = route_guard(route)
            if guard is None:
                continue
            client.cookies.set("cordon_session", token)
            answer = _call(client, method, _url(path), csrf)
            allowed = guard.permission is None or can(role, guard.permission)
            where = f"{role.value} {method} {path}: {answer.status_code} {answer.text[:200]}"
            if allowed:
                assert answer.status_code not in (401, 403), where
            else:
                assert answer.status_code == 403, where
            if path == "/logout":  # that route ends the session it was called with
                token, csrf = _session(store, role)


def test_every_guarded_route_refuses_the_anonymous(app):
    with TestClient(app) as client:
        for method, path, route in _routes(app):
            if route_guard(route) is None:
                continue
            answer = _call(client, method, _url(path), None)
            if path.startswith("/api/"):
                assert answer.status_code == 401, f"{method} {path}: {answer.status_code}"
            else:
                assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), path


def test_every_state_change_needs_the_csrf_token(store, world, settings):
    app = create_app(store, settings)
    token, csrf = _session(store, Role.ADMIN)
    with TestClient(app) as client:
        for method, path, route in _routes(app):
            if route_guard(route) is None or method in ("GET", "HEAD"):
                continue
            client.cookies.set("cordon_session", token)
            for bad in (None, "0" * 64, csrf_token(new_token())):
                answer = _call(client, method, _url(path), bad)
                assert answer.status_code == 403, f"{method} {path} with csrf {bad}: {answer.status_code}"
                assert "CSRF" in answer.text


def test_the_csrf_token_in_a_form_field_is_accepted(client, store):
    token, csrf = _session(store, Role.MODERATOR)
    client.cookies.set("cordon_session", token)
    answer = client.post("/cases/case-calm/claim", data={"csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303
    assert store.case("case-calm").assigned_to == USERS[Role.MODERATOR]
    answer = client.post("/cases/case-calm/release", data={"csrf": "wrong"}, follow_redirects=False)
    assert answer.status_code == 403
    assert store.case("case-calm").assigned_to == USERS[Role.MODERATOR]
