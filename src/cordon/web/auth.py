"""Who is signed in: argon2id password hashes, server-side sessions and CSRF tokens.

A session is an opaque random token in an HttpOnly, SameSite=Strict cookie. The store keeps
only its SHA-256, with the user and the expiry, so a copy of the database signs no one in.
The CSRF token is an HMAC of the session token: bound to the session, known to the server
from the cookie on every request, and never stored (the synchronizer token pattern without
the storage)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cordon.domain import Actor, Role
from cordon.store import Store
from cordon.store.base import ConsoleSession, User
from cordon.web.ratelimit import SlidingWindow

SESSION_COOKIE = "cordon_session"
# The login form's own CSRF token, before there is a session (double-submit cookie).
LOGIN_COOKIE = "cordon_login"

_hasher = PasswordHasher()
# Checked against when the user does not exist, so a wrong name costs as long as a wrong
# password and the timing does not tell which names exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def new_password() -> str:
    """A random password for a new user, shown once."""
    return secrets.token_urlsafe(15)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"cordon-csrf", hashlib.sha256).hexdigest()


def same_token(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The user behind a request, their session token (None for an API token) and CSRF token."""

    user: User
    token: str | None
    # The session's CSRF token, computed once: a queue page puts it in a form on every row.
    csrf: str = ""

    @property
    def actor(self) -> Actor:
        return Actor(self.user.name, Role(self.user.role))


class Authenticator:
    """Signs users in and out and finds the session behind a cookie. Failed sign-ins are rate
    limited per user name and per client address."""

    def __init__(
        self, store: Store, session_hours: float, attempts: int, attempt_window: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.lifetime = timedelta(hours=session_hours)
        self.failures = SlidingWindow(attempts, attempt_window)
        self.clock = clock

    def sign_in(self, name: str, password: str, client: str) -> str | None:
        """A new session token for the right password of an enabled user, else None. Raises
        TooManyRequests after too many failures for this name or this address."""
        name = name.strip().lower()
        keys = (f"user:{name}", f"addr:{client}")
        for key in keys:
            self.failures.check(key)
        user = self.store.get_user(name)
        if not self._password_ok(user, password):
            for key in keys:
                self.failures.hit(key)
            return None
        assert user is not None
        if _hasher.check_needs_rehash(user.password_hash):
            self.store.update_user(user.name, password_hash=hash_password(password))
        self.failures.clear(keys[0])
        token = new_token()
        now = self.clock()
        self.store.create_session(ConsoleSession(token_hash(token), user.name, now, now + self.lifetime))
        return token

    @staticmethod
    def _password_ok(user: User | None, password: str) -> bool:
        try:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return False
        return user is not None and not user.disabled

    def resolve(self, token: str | None) -> SignedIn | None:
        """The signed-in user behind a session token, or None (no, unknown or expired
        session, or a disabled user)."""
        if not token:
            return None
        digest = token_hash(token)
        session = self.store.get_session(digest)
        if session is None:
            return None
        if session.expires <= self.clock():
            self.store.delete_session(digest)
            return None
        user = self.store.get_user(session.user)
        if user is None or user.disabled:
            return None
        return SignedIn(user, token, csrf_token(token))

    def sign_out(self, token: str | None) -> None:
        if token:
            self.store.delete_session(token_hash(token))
