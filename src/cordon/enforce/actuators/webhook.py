"""The signed webhook actuator: POSTs each action as JSON to a URL the platform runs.

What the receiver gets, per action:

    POST <url>
    Content-Type: application/json
    Idempotency-Key: <a stable string per action; the same on every retry>
    X-Cordon-Timestamp: <unix seconds when this attempt was sent>
    X-Cordon-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>

    {"action": "suspend", "actor": ..., "case_id": ..., "idempotency_key": ..., "platform": ...,
     "policy_clause": ..., "reason": ..., "subject": "account/mastodon/123", "subject_id": "123",
     "subject_kind": "account"}

The timestamp is inside the signed material, so a receiver that checks the signature and
refuses timestamps older than a few minutes (`verify_signature` does both) cannot be
replayed an old request; the idempotency key lets it drop a retry of one it already did.
The body is the same bytes on every attempt (keys sorted, no send time in it).

Retries: connection errors, timeouts, 5xx and 429 are retried with exponential backoff and
full jitter, honouring Retry-After; any other 4xx (and a 3xx: redirects are not followed, the
signature is for this URL) fails at once with the URL and the status. Only the standard
library is used (urllib), so this adapter brings no dependency.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from cordon.domain import Action
from cordon.errors import ConfigError, CordonError

if TYPE_CHECKING:
    from cordon.config import Settings

SIGNATURE_HEADER = "X-Cordon-Signature"
TIMESTAMP_HEADER = "X-Cordon-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
USER_AGENT = "cordon-webhook/1"

# How old a signed timestamp a receiver accepts by default (seconds, either direction).
DEFAULT_TOLERANCE_S = 300


class WebhookError(CordonError):
    """The receiver refused the action, or could not be reached after every retry.

    `retryable` says whether trying again later may succeed (5xx, 429, connection errors):
    an outbox keeps such an action for a later run and gives up on the others."""

    def __init__(self, message: str, *, url: str, status: int | None, retryable: bool) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.retryable = retryable


def action_payload(action: Action, idempotency_key: str) -> dict[str, object]:
    """The JSON object sent for an action (also what the key is derived from, without it)."""
    subject = action.subject
    return {
        "action": action.kind.value,
        "actor": action.actor,
        "case_id": action.case_id,
        "idempotency_key": idempotency_key,
        "platform": subject.platform,
        "policy_clause": action.policy_clause,
        "reason": action.reason,
        "subject": str(subject),
        "subject_id": subject.id,
        "subject_kind": subject.kind.value,
    }


def default_idempotency_key(action: Action) -> str:
    """A stable key from the action's own fields, for callers that do not pass one.

    Two equal actions get the same key, so a re-run that sends the same action again is
    dropped by the receiver; the executor's outbox passes its own key per action instead."""
    fields = action_payload(action, "")
    del fields["idempotency_key"]
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "cordon-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def sign(secret: str | bytes, timestamp: str, body: bytes) -> str:
    """The X-Cordon-Signature value for a body sent at `timestamp` (unix seconds, as text)."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    digest = hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: str | bytes,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    *,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """What a receiver runs on each request: a valid signature over this exact body and a
    timestamp no further than `tolerance_s` from now. Constant-time comparison."""
    if not timestamp or not signature:
        return False
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirected POST would be re-sent (or turned into a GET) to a URL nobody configured.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class WebhookActuator:
    """Carries an action out by POSTing it, signed, to `url`.

    url: where the platform's receiver listens (http or https).
    secret: the shared HMAC key.
    timeout: seconds per attempt (connect and read).
    max_attempts: attempts in all, the first included.
    backoff_base / backoff_max: the delay before retry n is uniform in
        [0, min(backoff_max, backoff_base * 2**(n-1))] ("full jitter"); a Retry-After from the
        server replaces it, capped at `retry_after_max`.
    sleep, rng, clock: injectable for tests.
    """

    name = "webhook"

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        timeout: float = 10.0,
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        retry_after_max: float = 120.0,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"webhook URL must be an http(s) URL, got {url!r}")
        if not secret:
            raise ConfigError("webhook secret is empty: set CORDON_WEBHOOK_SECRET")
        if max_attempts < 1:
            raise ConfigError(f"webhook max_attempts must be at least 1, got {max_attempts}")
        if timeout <= 0:
            raise ConfigError(f"webhook timeout must be positive, got {timeout}")
        self.url = url
        self._secret = secret
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._retry_after_max = retry_after_max
        self._extra_headers = dict(headers or {})
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._clock = clock
        self._opener = urllib.request.build_opener(_NoRedirect())

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookActuator:
        if not settings.webhook_url:
            raise ConfigError("CORDON_WEBHOOK_URL is not set")
        if settings.webhook_secret is None:
            raise ConfigError("CORDON_WEBHOOK_SECRET is not set")
        return cls(
            settings.webhook_url,
            settings.webhook_secret.get_secret_value(),
            timeout=settings.webhook_timeout,
            max_attempts=settings.webhook_max_attempts,
        )

    def body(self, action: Action, idempotency_key: str) -> bytes:
        payload = action_payload(action, idempotency_key)
        return json.dumps(
            payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8")

    def apply(self, action: Action, idempotency_key: str | None = None) -> None:
        """Deliver the action, retrying what may pass later; raises WebhookError otherwise."""
        key = idempotency_key or default_idempotency_key(action)
        body = self.body(action, key)
        last: str = ""
        last_status: int | None = None
        for attempt in range(1, self._max_attempts + 1):
            status, retry_after, detail = self._send(body, key)
            if status is not None and 200 <= status < 300:
                return
            if status is not None and not _retryable(status):
                raise WebhookError(
                    f"webhook {self.url} refused {action.kind.value} of {action.subject}: "
                    f"HTTP {status}{detail}",
                    url=self.url,
                    status=status,
                    retryable=False,
                )
            last, last_status = (f"HTTP {status}{detail}" if status is not None else detail), status
            if attempt < self._max_attempts:
                self._sleep(self._delay(attempt, retry_after))
        raise WebhookError(
            f"webhook {self.url} failed {self._max_attempts} attempts to deliver "
            f"{action.kind.value} of {action.subject}; last: {last}",
            url=self.url,
            status=last_status,
            retryable=True,
        )

    def _send(self, body: bytes, key: str) -> tuple[int | None, float | None, str]:
        """One attempt: (status or None on a connection error, Retry-After seconds, detail)."""
        timestamp = str(int(self._clock()))
        headers = {
            **self._extra_headers,
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            IDEMPOTENCY_HEADER: key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
        }
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                response.read()
                return response.status, None, ""
        except urllib.error.HTTPError as err:
            try:
                text = _snippet(err.read())
            except (OSError, http.client.HTTPException):
                text = ""
            finally:
                err.close()
            retry_after = _retry_after(err.headers.get("Retry-After"), self._clock())
            return err.code, retry_after, f" ({text})" if text else ""
        except urllib.error.URLError as err:
            return None, None, f"connection error: {err.reason}"
        except (OSError, http.client.HTTPException) as err:  # timeouts, resets, bad status lines
            return None, None, f"connection error: {type(err).__name__}: {err}"

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self._retry_after_max)
        ceiling = min(self._backoff_max, self._backoff_base * 2 ** (attempt - 1))
        return self._rng.uniform(0.0, ceiling)


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _retry_after(value: str | None, now: float) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.fromtimestamp(now, UTC)).total_seconds())


def _snippet(raw: bytes, limit: int = 200) -> str:
    text = raw.decode("utf-8", "replace").strip().replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"
