"""The signed webhook actuator against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cordon.config import Settings
from cordon.domain import Action, ActionKind, SubjectRef
from cordon.enforce.actuators.webhook import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookActuator,
    WebhookError,
    default_idempotency_key,
    sign,
    verify_signature,
)
from cordon.errors import ConfigError, CordonError

SECRET = "s3cret-shared-with-the-platform"
ACTION = Action(
    ActionKind.SUSPEND,
    SubjectRef.account("mastodon", "117020566092212359"),
    actor="policy:threat-suspend",
    reason="direct, specific threat of violence",
    case_id="case-42",
    policy_clause="threat-suspend",
)


@dataclass
class Hit:
    key: str | None
    timestamp: str | None
    signature: str | None
    body: bytes
    valid: bool


@dataclass
class Receiver:
    """The platform's side: checks each signature, answers from a script, records keys."""

    secret: str = SECRET
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # then 200s
    delay_first_s: float = 0.0
    hits: list[Hit] = field(default_factory=list)
    done_keys: set[str] = field(default_factory=set)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            ts = self.headers.get(TIMESTAMP_HEADER)
            sig = self.headers.get(SIGNATURE_HEADER)
            key = self.headers.get(IDEMPOTENCY_HEADER)
            valid = verify_signature(rec.secret, body, ts, sig)
            with lock:
                first = not rec.hits
                rec.hits.append(Hit(key, ts, sig, body, valid))
                if not valid:
                    status, headers = 401, {}
                elif rec.script:
                    status, headers = rec.script.pop(0)
                else:
                    status, headers = (
                        (200, {}) if key not in rec.done_keys else (200, {"X-Duplicate": "1"})
                    )
                    rec.done_keys.add(key or "")
            if first and rec.delay_first_s:
                time.sleep(rec.delay_first_s)
            reply = json.dumps(
                {"ok": 200 <= status < 300, "error": None if valid else "bad signature"}
            ).encode()
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/cordon"
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def actuator(url: str, secret: str = SECRET, **kwargs) -> tuple[WebhookActuator, Sleeps]:
    sleeps = Sleeps()
    kwargs.setdefault("timeout", 5.0)
    return WebhookActuator(url, secret, sleep=sleeps, rng=random.Random(7), **kwargs), sleeps


def test_two_503s_then_delivered_with_the_same_key_and_body(receiver: Receiver):
    receiver.script = [(503, {}), (503, {})]
    hook, sleeps = actuator(receiver.url, backoff_base=0.5, backoff_max=30)

    hook.apply(ACTION, idempotency_key="outbox-17")

    assert len(receiver.hits) == 3
    assert all(h.valid for h in receiver.hits)
    assert {h.key for h in receiver.hits} == {"outbox-17"}
    assert len({h.body for h in receiver.hits}) == 1, "a retry must send the same bytes"
    assert receiver.done_keys == {"outbox-17"}
    # exponential backoff with full jitter: retry n waits in [0, base * 2**(n-1)]
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.5 and 0 <= sleeps[1] <= 1.0

    payload = json.loads(receiver.hits[0].body)
    assert payload == {
        "action": "suspend",
        "actor": "policy:threat-suspend",
        "case_id": "case-42",
        "idempotency_key": "outbox-17",
        "platform": "mastodon",
        "policy_clause": "threat-suspend",
        "reason": "direct, specific threat of violence",
        "subject": "account/mastodon/117020566092212359",
        "subject_id": "117020566092212359",
        "subject_kind": "account",
    }


def test_signature_covers_timestamp_and_raw_body(receiver: Receiver):
    hook, _ = actuator(receiver.url)
    hook.apply(ACTION, idempotency_key="k1")
    hit = receiver.hits[0]
    assert hit.signature == sign(SECRET, hit.timestamp or "", hit.body)
    assert hit.signature.startswith("sha256=") and len(hit.signature) == len("sha256=") + 64


def test_429_honours_retry_after(receiver: Receiver):
    receiver.script = [(429, {"Retry-After": "3"})]
    hook, sleeps = actuator(receiver.url)
    hook.apply(ACTION, idempotency_key="k2")
    assert sleeps == [3.0]
    assert [h.key for h in receiver.hits] == ["k2", "k2"]


def test_retry_after_as_http_date_and_capped(receiver: Receiver):
    receiver.script = [(503, {"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})]
    hook, sleeps = actuator(receiver.url, retry_after_max=60)
    hook.apply(ACTION, idempotency_key="k3")
    assert sleeps == [60]


def test_400_is_not_retried(receiver: Receiver):
    receiver.script = [(400, {})]
    hook, sleeps = actuator(receiver.url)
    with pytest.raises(WebhookError) as err:
        hook.apply(ACTION, idempotency_key="k4")
    assert len(receiver.hits) == 1 and sleeps == []
    assert err.value.status == 400 and not err.value.retryable
    assert receiver.url in str(err.value) and "HTTP 400" in str(err.value)
    assert isinstance(err.value, CordonError)


def test_a_bad_signature_is_rejected_by_the_receiver(receiver: Receiver):
    hook, sleeps = actuator(receiver.url, secret="not-the-shared-secret")
    with pytest.raises(WebhookError, match="HTTP 401"):
        hook.apply(ACTION, idempotency_key="k5")
    assert [h.valid for h in receiver.hits] == [False]
    assert receiver.done_keys == set() and sleeps == []


def test_verify_signature_refuses_tampering_and_replays():
    body = b'{"action":"suspend"}'
    now = 1_800_000_000
    ts = str(now)
    sig = sign(SECRET, ts, body)
    assert verify_signature(SECRET, body, ts, sig, now=now)
    assert not verify_signature(SECRET, body + b" ", ts, sig, now=now)  # body changed
    assert not verify_signature(SECRET, body, str(now + 1), sig, now=now)  # timestamp changed
    assert not verify_signature("other", body, ts, sig, now=now)
    assert not verify_signature(SECRET, body, ts, sig, now=now + 301)  # a replay, too late
    assert not verify_signature(SECRET, body, None, sig, now=now)
    assert not verify_signature(SECRET, body, "abc", sig, now=now)


def test_server_errors_until_the_last_attempt_fail_retryable(receiver: Receiver):
    receiver.script = [(500, {})] * 3
    hook, sleeps = actuator(receiver.url, max_attempts=3)
    with pytest.raises(WebhookError) as err:
        hook.apply(ACTION, idempotency_key="k6")
    assert len(receiver.hits) == 3 and len(sleeps) == 2
    assert err.value.retryable and err.value.status == 500
    assert "3 attempts" in str(err.value) and receiver.url in str(err.value)


def test_connection_refused_is_retried_then_fails():
    with socket.socket() as s:  # a port that nothing listens on once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/hook"
    hook, sleeps = actuator(url, max_attempts=4)
    with pytest.raises(WebhookError) as err:
        hook.apply(ACTION, idempotency_key="k7")
    assert len(sleeps) == 3
    assert err.value.retryable and err.value.status is None
    assert "connection error" in str(err.value) and url in str(err.value)


def test_a_timeout_is_retried(receiver: Receiver):
    receiver.delay_first_s = 1.0
    hook, sleeps = actuator(receiver.url, timeout=0.3)
    hook.apply(ACTION, idempotency_key="k8")
    assert len(sleeps) == 1
    assert [h.key for h in receiver.hits] == ["k8", "k8"]


def test_without_a_key_one_is_derived_from_the_action(receiver: Receiver):
    hook, _ = actuator(receiver.url)
    hook.apply(ACTION)
    hook.apply(ACTION)
    keys = [h.key for h in receiver.hits]
    assert keys[0] == keys[1] == default_idempotency_key(ACTION)
    other = Action(ActionKind.REINSTATE, ACTION.subject, "reviewer:ana", "appeal upheld")
    assert default_idempotency_key(other) != keys[0]


def test_configuration_is_checked(monkeypatch: pytest.MonkeyPatch):
    with pytest.raises(ConfigError, match="http"):
        WebhookActuator("file:///etc/passwd", SECRET)
    with pytest.raises(ConfigError, match="secret"):
        WebhookActuator("https://platform.example/hook", "")
    monkeypatch.delenv("CORDON_WEBHOOK_URL", raising=False)
    with pytest.raises(ConfigError, match="CORDON_WEBHOOK_URL"):
        WebhookActuator.from_settings(Settings())
    monkeypatch.setenv("CORDON_WEBHOOK_URL", "https://platform.example/hook")
    monkeypatch.setenv("CORDON_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("CORDON_WEBHOOK_MAX_ATTEMPTS", "2")
    hook = WebhookActuator.from_settings(Settings())
    assert hook.url == "https://platform.example/hook" and hook.name == "webhook"
    assert SECRET not in repr(Settings())


def test_a_redirect_is_not_followed(receiver: Receiver):
    receiver.script = [(302, {"Location": "http://127.0.0.1:1/elsewhere"})]
    hook, sleeps = actuator(receiver.url)
    with pytest.raises(WebhookError, match="HTTP 302") as err:
        hook.apply(ACTION, idempotency_key="k9")
    assert len(receiver.hits) == 1 and sleeps == [] and not err.value.retryable
