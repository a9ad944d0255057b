"""Signing in: argon2 hashes, server-side sessions behind an opaque cookie, expiry, the
failed-attempt limit, signing out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from webkit import PASSWORD, T0, USERS, csrf_of, sign_in

from cordon.domain import Role
from cordon.errors import StoreError
from cordon.store.base import ConsoleSession, User
from cordon.web.auth import token_hash

MOD = USERS[Role.MODERATOR]


def test_queue_needs_sign_in(client):
    answer = client.get("/queue", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=/queue")
    assert client.get("/api/cases").status_code == 401


def test_sign_in_sets_a_strict_http_only_cookie_and_stores_only_its_hash(client, store):
    page = client.get("/login")
    answer = client.post("/login", data={
        "username": MOD, "password": PASSWORD, "csrf": page.cookies["cordon_login"], "next": "/queue",
    }, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/queue"
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and v.startswith("cordon_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    token = client.cookies["cordon_session"]
    assert store.get_session(token_hash(token)).user == MOD
    assert store.get_session(token) is None  # the raw token is not a key
    assert client.get("/queue").status_code == 200


def test_wrong_password_and_unknown_user_look_the_same(client):
    page = client.get("/login")
    for name in (MOD, "nobody"):
        answer = client.post("/login", data={"username": name, "password": "wrong", "csrf": page.cookies["cordon_login"]})
        assert answer.status_code == 401
        assert "Wrong name or password" in answer.text
    assert "cordon_session" not in client.cookies


def test_sign_in_without_the_form_token_is_refused(client):
    client.get("/login")
    answer = client.post("/login", data={"username": MOD, "password": PASSWORD, "csrf": "forged"})
    assert answer.status_code == 403
    assert "cordon_session" not in client.cookies


def test_failed_sign_ins_are_rate_limited(client, settings):
    page = client.get("/login")
    for _ in range(settings.console_login_attempts):
        client.post("/login", data={"username": MOD, "password": "nope", "csrf": page.cookies["cordon_login"]})
    answer = client.post("/login", data={"username": MOD, "password": PASSWORD, "csrf": page.cookies["cordon_login"]})
    assert answer.status_code == 429
    assert int(answer.headers["retry-after"]) > 0


def test_the_next_parameter_never_leaves_the_app(client):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        page = client.get("/login")
        answer = client.post("/login", data={"username": MOD, "password": PASSWORD, "csrf": page.cookies["cordon_login"],
                                             "next": target}, follow_redirects=False)
        assert answer.headers["location"] == "/queue"


def test_sign_out_ends_the_session_in_the_store(client, store):
    sign_in(client, MOD)
    token = client.cookies["cordon_session"]
    answer = client.post("/logout", data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert answer.status_code == 303
    assert store.get_session(token_hash(token)) is None
    client.cookies.set("cordon_session", token)  # a copy of the old cookie signs no one in
    assert client.get("/api/cases").status_code == 401


def test_an_expired_session_is_refused_and_removed(client, store):
    sign_in(client, MOD)
    token = client.cookies["cordon_session"]
    digest = token_hash(token)
    store.delete_session(digest)
    store.create_session(ConsoleSession(digest, MOD, T0, T0 + timedelta(hours=1)))
    assert client.get("/api/cases").status_code == 401
    assert store.get_session(digest) is None


def test_a_disabled_user_is_signed_out_at_once(client, store):
    sign_in(client, MOD)
    store.update_user(MOD, disabled=True)
    assert client.get("/api/cases").status_code == 401


def test_store_keeps_hashes_only(store):
    with pytest.raises(StoreError, match="not a password"):
        store.create_user(User("carol", Role.MODERATOR, "hunter2", T0))
    with pytest.raises(StoreError, match="bad user name"):
        store.create_user(User("Carol <b>", Role.MODERATOR, "$argon2id$" + "x" * 40, T0))
    with pytest.raises(StoreError, match="64 lower-case hex"):
        store.create_session(ConsoleSession("raw-token", "x", T0, T0 + timedelta(hours=1)))


def test_store_users_and_sessions_round_trip(store):
    user = store.create_user(User("carol", Role.MODERATOR, "$argon2id$" + "x" * 40, T0))
    assert store.get_user("carol") == user
    with pytest.raises(StoreError, match="exists"):
        store.create_user(user)
    digest = "ab" * 32
    store.create_session(ConsoleSession(digest, "carol", T0, T0 + timedelta(hours=8)))
    assert store.get_session(digest).expires == T0 + timedelta(hours=8)
    changed = store.update_user("carol", role=Role.ADMIN, password_hash="$argon2id$" + "y" * 40)
    assert changed.role is Role.ADMIN and store.get_user("carol").role is Role.ADMIN
    assert store.get_session(digest) is None  # a new password ends the sessions
    assert [u.name for u in store.users()] == ["carol"]
    assert store.get_user("no such") is None
    with pytest.raises(StoreError, match="no such user"):
        store.update_user("dave", disabled=True)
