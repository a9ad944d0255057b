"""The Mastodon webhook receiver on a real uvicorn port, signed with real HMACs, publishing
onto Redis Streams. Bodies are Mastodon's webhook envelope around recorded API objects
(../shared/data/mastodon_fixtures)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from feeds_support import Served, TcpProxy, missing

from cordon.domain import Account, Post, Report
from cordon.feeds import signature
from cordon.feeds.mastodon_webhook import PATH, create_app
from cordon.feeds.quarantine import FeedQuarantine
from cordon.feeds.replay import ReplayGuard
from cordon.stream import envelope
from cordon.stream.redis_streams import RedisPublisher, read_stream

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "data" / "mastodon_fixtures"
SECRET = b"a webhook secret from the instance"


#: The recorded response whose body is the webhook's object: Mastodon's webhook serializer
#: sends the same entity as the admin API (Admin::Account, Admin::Report) or a Status.
_RECORDED = {
    "test_admin_accounts_v2.jsonl": ("GET", "/api/v1/admin/accounts/"),
    "test_admin_reports.jsonl": ("GET", "/api/v1/admin/reports/1"),
    "test_status.jsonl": ("GET", "/api/v1/statuses/"),
}


def _fixture_body(name: str) -> dict:
    if not FIXTURES.is_dir():
        missing(f"{FIXTURES} not found: the Mastodon fixtures live in ../shared/data")
    method, path = _RECORDED[name]
    for text in (FIXTURES / name).read_text().splitlines():
        line = json.loads(text)
        if line["method"] == method and line["path"].startswith(path) and isinstance(line["body"], dict):
            return line["body"]
    raise AssertionError(f"no {method} {path} response in {name}")


def event(name: str, obj: dict, created_at: datetime | None = None) -> bytes:
    when = (created_at or datetime.now(UTC)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps({"event": name, "created_at": when, "object": obj}).encode()


def post(client: httpx.Client, body: bytes, secret: bytes = SECRET) -> httpx.Response:
    return client.post(PATH, content=body, headers={
        "Content-Type": "application/json", signature.HEADER: signature.sign(secret, body)})


@pytest.fixture
def receiver(redis_url, stream, tmp_path):
    publisher = RedisPublisher(redis_url, stream)
    quarantine = FeedQuarantine(tmp_path / "quarantine.jsonl")
    app = create_app(publisher, SECRET, ReplayGuard(window=600), quarantine)
    with Served(app) as served, httpx.Client(base_url=served.url, timeout=10) as client:
        yield client, quarantine
    publisher.close()


def published(redis_url: str, stream: str) -> list:
    return [r for _, value, _ in read_stream(redis_url, stream) for r in envelope.decode(value)]


def test_the_three_events_arrive_on_the_stream(receiver, redis_url, stream):
    client, quarantine = receiver
    account = _fixture_body("test_admin_accounts_v2.jsonl")
    report = _fixture_body("test_admin_reports.jsonl")
    status = _fixture_body("test_status.jsonl")
    for name, obj in (("account.created", account), ("report.created", report), ("status.created", status)):
        r = post(client, event(name, obj))
        assert r.status_code == 202, r.text
    records = published(redis_url, stream)
    assert any(isinstance(r, Account) and r.id == str(account["id"]) for r in records)
    assert any(isinstance(r, Report) and r.id == str(report["id"]) for r in records)
    assert any(isinstance(r, Post) and r.id == str(status["id"]) for r in records)
    assert quarantine.count == 0


def test_a_wrong_signature_is_refused_and_nothing_published(receiver, redis_url, stream):
    client, _ = receiver
    body = event("account.created", _fixture_body("test_admin_accounts_v2.jsonl"))
    assert post(client, body, secret=b"not the secret").status_code == 401
    r = client.post(PATH, content=body)  # no signature at all
    assert r.status_code == 401 and "missing X-Hub-Signature" in r.json()["error"]
    tampered = body.replace(b"account.created", b"account.created ", 1)
    r = client.post(PATH, content=tampered, headers={signature.HEADER: signature.sign(SECRET, body)})
    assert r.status_code == 401
    assert read_stream(redis_url, stream) == []


def test_a_replay_is_refused_and_nothing_published(receiver, redis_url, stream):
    client, _ = receiver
    body = event("status.created", _fixture_body("test_status.jsonl"))
    assert post(client, body).status_code == 202
    before = len(read_stream(redis_url, stream))
    r = post(client, body)
    assert r.status_code == 409 and "already received" in r.json()["error"]
    assert len(read_stream(redis_url, stream)) == before


def test_a_stale_event_is_refused(receiver, redis_url, stream):
    client, _ = receiver
    old = datetime.now(UTC) - timedelta(hours=2)
    r = post(client, event("account.created", _fixture_body("test_admin_accounts_v2.jsonl"), old))
    assert r.status_code == 409 and "outside the 600 s replay window" in r.json()["error"]
    future = datetime.now(UTC) + timedelta(hours=1)
    assert post(client, event("account.created", _fixture_body("test_admin_accounts_v2.jsonl"), future)).status_code == 409
    assert read_stream(redis_url, stream) == []


@pytest.mark.parametrize("body, reason", [
    (b"{not json", "body is not JSON"),
    (b"[1, 2]", "body must be a JSON object"),
    (json.dumps({"event": "account.approved", "created_at": "2026-01-01T00:00:00Z", "object": {}}).encode(),
     "unsupported event 'account.approved'"),
    (json.dumps({"event": "account.created", "created_at": "yesterday", "object": {"id": "1"}}).encode(),
     "created_at: not an ISO-8601 time"),
    (json.dumps({"event": "status.created", "created_at": "2026-01-01T00:00:00Z"}).encode(), "object: missing object"),
])
def test_a_malformed_body_gets_400_with_one_reason_and_is_quarantined(receiver, redis_url, stream, body, reason):
    client, quarantine = receiver
    r = post(client, body)
    assert r.status_code == 400
    error = r.json()["error"]
    assert reason in error and "\n" not in error
    assert [e["raw"] for e in quarantine.entries()] == [body.decode()]
    assert quarantine.entries()[0]["reason"] == error
    assert read_stream(redis_url, stream) == []


def test_an_event_whose_object_is_not_what_it_says(receiver, redis_url, stream):
    client, quarantine = receiver
    r = post(client, event("report.created", _fixture_body("test_status.jsonl")))
    assert r.status_code == 400 and "report.created must carry a report" in r.json()["error"]
    assert quarantine.count == 1 and read_stream(redis_url, stream) == []


def test_a_broken_stream_answers_503_and_the_retry_is_not_a_replay(redis_url, stream, tmp_path):
    # A publisher that reaches Redis through a proxy, which then goes away: Redis is "down".
    with TcpProxy(6379) as proxy:
        dead = RedisPublisher(f"redis://127.0.0.1:{proxy.port}/15", stream)
    guard = ReplayGuard(window=600)
    body = event("account.created", _fixture_body("test_admin_accounts_v2.jsonl"))
    with Served(create_app(dead, SECRET, guard, FeedQuarantine(None))) as served, \
            httpx.Client(base_url=served.url, timeout=10) as client:
        assert post(client, body).status_code == 503
    live = RedisPublisher(redis_url, stream)
    with Served(create_app(live, SECRET, guard, FeedQuarantine(None))) as served, \
            httpx.Client(base_url=served.url, timeout=10) as client:
        assert post(client, body).status_code == 202  # the instance's retry goes through
    live.close()
    assert len(published(redis_url, stream)) >= 1
