"""The console's errors. Each is a CordonError; app.py turns them into HTTP answers."""

from __future__ import annotations

from cordon.errors import CordonError


class NotSignedIn(CordonError):
    """No valid session (or API token): pages redirect to /login, the API answers 401."""


class CsrfRejected(CordonError):
    """A state-changing request without the session's CSRF token: 403."""


class TooManyRequests(CordonError):
    """A rate limit ran out: 429 with Retry-After."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class NotFound(CordonError):
    """No such case, account or user: 404."""
