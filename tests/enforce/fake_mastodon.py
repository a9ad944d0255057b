"""A local HTTP server that speaks the slice of Mastodon's admin API the actuator uses.

It serves real response bodies recorded from a Mastodon instance (../shared/data/
mastodon_fixtures, read in place and never copied), keeps each account's moderation flags
in memory so that actions change what the next GET returns, checks the bearer token, and
records every request (method, path, form fields, headers) for the tests to assert on.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

# The account the admin fixtures are about (mastodonpy_test_2 on the recording instance).
FIXTURE_ACCOUNT_ID = "117020566092212359"
FIXTURE_REPORT_ID = "1"

_ACCOUNT_PATH = re.compile(r"^/api/v1/admin/accounts/(?P<id>[^/]+)$")
_ACCOUNT_OP = re.compile(
    r"^/api/v1/admin/accounts/(?P<id>[^/]+)/(?P<op>action|unsuspend|unsilence|enable|unsensitive)$"
)
_REPORT_RESOLVE = re.compile(r"^/api/v1/admin/reports/(?P<id>[^/]+)/resolve$")

# Admin::AccountAction type → the admin account flag it sets.
_ACTION_FLAG = {
    "suspend": "suspended",
    "silence": "silenced",
    "disable": "disabled",
    "sensitive": "sensitized",
}
# Undo endpoint → the flag it clears.
_UNDO_FLAG = {
    "unsuspend": "suspended",
    "unsilence": "silenced",
    "enable": "disabled",
    "unsensitive": "sensitized",
}


def _fixture(path: Path, method: str, url_path: str, status: int = 200) -> Any:
    """The body of the first recorded response with this method, path and status."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["method"] == method and row["path"] == url_path and row["status"] == status:
                return row["body"]
    raise LookupError(f"{path.name} has no {method} {url_path} answered {status}")


@dataclass
class Recorded:
    method: str
    path: str
    form: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class FakeMastodon:
    fixtures: Path
    token: str = "test-admin-token"
    requests: list[Recorded] = field(default_factory=list)
    # account id → {"suspended": bool, "silenced": ..., "disabled": ..., "sensitized": ...}
    accounts: dict[str, dict[str, bool]] = field(default_factory=dict)
    reports: dict[str, bool] = field(default_factory=dict)  # report id → resolved
    # (method, path) → (status, body): answered instead of the normal response
    failures: dict[tuple[str, str], tuple[int, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        moderation = self.fixtures / "test_admin_moderation.jsonl"
        reports = self.fixtures / "test_admin_reports.jsonl"
        account_path = f"/api/v1/admin/accounts/{FIXTURE_ACCOUNT_ID}"
        # The response to unsuspend: the account with every flag clear.
        self._account_body = _fixture(moderation, "POST", f"{account_path}/unsuspend")
        self._report_body = _fixture(
            reports, "POST", f"/api/v1/admin/reports/{FIXTURE_REPORT_ID}/resolve"
        )
        self._forbidden = _fixture(moderation, "POST", f"{account_path}/unsuspend", 403)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- setup --------------------------------------------------------------------------

    def add_account(self, account_id: str = FIXTURE_ACCOUNT_ID, **flags: bool) -> str:
        state = {"suspended": False, "silenced": False, "disabled": False, "sensitized": False}
        state.update(flags)
        self.accounts[account_id] = state
        return account_id

    def add_report(self, report_id: str) -> str:
        self.reports[report_id] = False
        return report_id

    def fail(self, method: str, path: str, status: int, body: Any) -> None:
        self.failures[(method, path)] = (status, body)

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Self:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def calls(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.requests]

    # -- serving ------------------------------------------------------------------------

    def _admin_account(self, account_id: str) -> dict[str, Any]:
        body = copy.deepcopy(self._account_body)
        body["id"] = account_id
        body["account"]["id"] = account_id
        body.update(self.accounts[account_id])
        return body

    def _respond(self, method: str, path: str) -> tuple[int, Any]:
        if (method, path) in self.failures:
            return self.failures[(method, path)]
        if m := _ACCOUNT_PATH.match(path):
            if method != "GET":
                return 405, {"error": "Method not allowed"}
            if m["id"] not in self.accounts:
                return 404, {"error": "Record not found"}
            return 200, self._admin_account(m["id"])
        if m := _ACCOUNT_OP.match(path):
            if method != "POST":
                return 405, {"error": "Method not allowed"}
            account_id, op = m["id"], m["op"]
            if account_id not in self.accounts:
                return 404, {"error": "Record not found"}
            state = self.accounts[account_id]
            if op == "action":
                form = self.requests[-1].form
                kind = form.get("type", ["none"])[0]
                if kind not in ("none", *_ACTION_FLAG):
                    return 422, {
                        "error": f"Validation failed: Type is not included in the list ({kind})"
                    }
                if kind in _ACTION_FLAG:
                    state[_ACTION_FLAG[kind]] = True
                if "report_id" in form:
                    self.reports[form["report_id"][0]] = True
                return 200, {}
            flag = _UNDO_FLAG[op]
            if op == "unsuspend" and not state[flag]:
                return 403, self._forbidden  # what Mastodon answers for an account not suspended
            state[flag] = False
            return 200, self._admin_account(account_id)
        if m := _REPORT_RESOLVE.match(path):
            if m["id"] not in self.reports:
                return 404, {"error": "Record not found"}
            self.reports[m["id"]] = True
            body = copy.deepcopy(self._report_body)
            body["id"] = m["id"]
            return 200, body
        return 404, {"error": "Endpoint not found"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                path = urlsplit(self.path).path
                with fake._lock:
                    fake.requests.append(
                        Recorded(
                            method=self.command,
                            path=path,
                            form=parse_qs(raw.decode("utf-8"), keep_blank_values=True),
                            headers={k: v for k, v in self.headers.items()},
                        )
                    )
                    if self.headers.get("Authorization") != f"Bearer {fake.token}":
                        status, body = 401, {"error": "The access token is invalid"}
                    else:
                        status, body = fake._respond(self.command, path)
                data = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _serve
            do_POST = _serve
            do_DELETE = _serve

        return Handler
