"""The actuators the settings ask for, and `cordon assess` delivering signed webhooks with them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cordon.config import Settings
from cordon.domain import Action, ActionKind, Report, SubjectRef
from cordon.enforce.actuators import InternalActuator, configured_actuators
from cordon.enforce.actuators.configured import stored_reports
from cordon.enforce.actuators.mastodon import MastodonActuator
from cordon.enforce.actuators.webhook import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookActuator,
    verify_signature,
)
from cordon.errors import ConfigError

SECRET = "shared-with-the-platform"


def settings(**values) -> Settings:
    # Explicit values: whatever the developer's environment says about actuators is ignored.
    defaults = {"webhook_url": None, "webhook_secret": None, "mastodon_url": None, "mastodon_token": None}
    return Settings(**{**defaults, **values})


def kinds(actuators) -> list[type]:
    return [type(a) for a in actuators]


def test_internal_only_when_nothing_is_configured(store):
    assert kinds(configured_actuators(store, settings())) == [InternalActuator]


def test_each_configured_platform_gets_its_actuator(store):
    found = configured_actuators(store, settings(
        webhook_url="https://platform.example/cordon", webhook_secret=SECRET, webhook_timeout=3,
        mastodon_url="https://mastodon.example", mastodon_token="tok",
    ))
    assert kinds(found) == [InternalActuator, WebhookActuator, MastodonActuator]
    assert found[1].url == "https://platform.example/cordon"
    assert found[2].api_base_url == "https://mastodon.example"


@pytest.mark.parametrize(("values", "message"), [
    ({"webhook_url": "https://platform.example/cordon"}, "CORDON_WEBHOOK_URL is set but CORDON_WEBHOOK_SECRET is not"),
    ({"webhook_url": "https://platform.example/cordon", "webhook_secret": ""}, "CORDON_WEBHOOK_SECRET is not"),
    ({"webhook_url": "ftp://platform.example", "webhook_secret": SECRET}, "webhook URL must be an http(s) URL"),
    ({"mastodon_url": "https://mastodon.example"}, "CORDON_MASTODON_URL is set but CORDON_MASTODON_TOKEN is not"),
])
def test_half_configured_is_an_error(store, values: dict, message: str):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        configured_actuators(store, settings(**values))


def test_the_mastodon_actuator_closes_the_reports_stored_about_the_account(store):
    who = SubjectRef.account("mastodon", "42")
    store.insert_reports([
        Report("mastodon", "r1", "7", who, "terrorism"),
        Report("mastodon", "r2", "8", who, "violent_threat"),
        Report("twitter", "t1", "9", who, "terrorism"),  # not the instance's report
        Report("mastodon", "r3", "7", SubjectRef.account("mastodon", "43"), "spam"),
    ])
    reports = stored_reports(store, "mastodon")
    assert sorted(reports(Action(ActionKind.SUSPEND, who, "moderator:ann", "threat"))) == ["r1", "r2"]


# -- `cordon assess` with a webhook configured ------------------------------------------
class Receiver:
    def __init__(self) -> None:
        self.hits: list[dict] = []
        self.lock = threading.Lock()


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            ts, sig = self.headers.get(TIMESTAMP_HEADER), self.headers.get(SIGNATURE_HEADER)
            with rec.lock:
                rec.hits.append({
                    "valid": verify_signature(SECRET, body, ts, sig), "key": self.headers.get(IDEMPOTENCY_HEADER),
                    "path": self.path, "body": json.loads(body),
                })
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec, f"http://127.0.0.1:{server.server_address[1]}/cordon/actions"
    finally:
        server.shutdown()
        server.server_close()


THREATS = b"\n".join([
    b'{"type":"account","id":"1","handle":"abu_one"}',
    b'{"type":"post","id":"p1","author_id":"1","text":"We will slaughter the twitter employees, the staff are targets #khilafah"}',
    b'{"type":"account","id":"2","handle":"quiet_reader"}',
    b'{"type":"post","id":"p2","author_id":"2","text":"lovely weather for the match today"}',
])
POLICY = "rules:\n  - id: threat-suspend\n    when: {threat: {at_least: 0.95}}\n    then: [{suspend: {}}, {open_case: {queue: threats}}]\n"


def cordon(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "CORDON_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200", **env}
    for name in ("CORDON_DATABASE_URL", "CORDON_MASTODON_URL", "CORDON_WEBHOOK_URL", "CORDON_WEBHOOK_SECRET"):
        if name not in env:
            full.pop(name, None)
    return subprocess.run([sys.executable, "-m", "cordon", *args], capture_output=True, env=full, timeout=120)


def test_assess_delivers_signed_webhooks(receiver, tmp_path: Path):
    rec, url = receiver
    (tmp_path / "in.jsonl").write_bytes(THREATS)
    (tmp_path / "policy.yaml").write_text(POLICY)
    assert cordon("ingest", str(tmp_path / "in.jsonl"), tmp_path=tmp_path).returncode == 0
    hook = {"CORDON_WEBHOOK_URL": url, "CORDON_WEBHOOK_SECRET": SECRET}
    done = cordon("assess", "--policy", str(tmp_path / "policy.yaml"), tmp_path=tmp_path, **hook)
    assert done.returncode == 0, done.stderr.decode()
    assert "suspended 1" in done.stdout.decode()
    assert len(rec.hits) == 1
    hit = rec.hits[0]
    assert hit["valid"] and hit["path"] == "/cordon/actions"
    assert hit["body"]["action"] == "suspend" and hit["body"]["subject_id"] == "1"
    assert hit["body"]["policy_clause"] == "threat-suspend" and hit["key"] == hit["body"]["idempotency_key"]
    # Again: the account is suspended already, so nothing more is sent.
    again = cordon("assess", "--policy", str(tmp_path / "policy.yaml"), tmp_path=tmp_path, **hook)
    assert again.returncode == 0 and len(rec.hits) == 1


def test_a_webhook_url_without_a_secret_is_one_clear_line_and_exit_2(receiver, tmp_path: Path):
    rec, url = receiver
    (tmp_path / "in.jsonl").write_bytes(THREATS)
    (tmp_path / "policy.yaml").write_text(POLICY)
    assert cordon("ingest", str(tmp_path / "in.jsonl"), tmp_path=tmp_path).returncode == 0
    done = cordon("assess", "--policy", str(tmp_path / "policy.yaml"), tmp_path=tmp_path, CORDON_WEBHOOK_URL=url)
    lines = done.stderr.decode().strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1
    assert lines[0] == (
        "error: CORDON_WEBHOOK_URL is set but CORDON_WEBHOOK_SECRET is not: every webhook is signed, "
        "so set the secret shared with the receiver (or unset the URL)"
    )
    assert rec.hits == [] and "suspended" not in done.stdout.decode()
