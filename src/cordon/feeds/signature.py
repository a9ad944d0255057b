"""Mastodon's webhook signature: `X-Hub-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw
request body under the webhook's secret (mastodon/mastodon app/workers/webhooks/
delivery_worker.rb). It covers the body only, no timestamp: freshness is replay.py's job."""

from __future__ import annotations

import hashlib
import hmac

from cordon.feeds.errors import SignatureError

HEADER = "X-Hub-Signature"
_PREFIX = "sha256="


def sign(secret: bytes, body: bytes) -> str:
    """The header value Mastodon sends for `body` (tests and replay tools use it)."""
    return _PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, header: str | None) -> None:
    """Raise SignatureError unless `header` is the signature of the exact bytes received. The
    comparison takes the same time wherever the first wrong digit is, so an attacker cannot
    find the signature one digit at a time."""
    if not header:
        raise SignatureError(f"missing {HEADER} header")
    if not header.startswith(_PREFIX):
        raise SignatureError(f"{HEADER} must be sha256=<hex>")
    expected = sign(secret, body)
    if not hmac.compare_digest(expected.encode(), header.strip().lower().encode()):
        raise SignatureError(f"{HEADER} does not match the body")
