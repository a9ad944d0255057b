"""The JSON API: report intake (token, rate limit, the store), metrics, the OpenAPI schema,
and a schemathesis run against that schema."""

from __future__ import annotations

from webkit import HOSTILE, USERS, csrf_of, sign_in

from cordon.domain import Role

REPORT = {"platform": "twitter", "reporter_id": "777", "subject_id": "666", "reason": "violent_threat",
          "text": "<script>alert(1)</script> they threatened me"}
TOKEN = {"Authorization": "Bearer platform-token-123"}


def test_report_intake_with_the_platform_token_writes_a_report(client, store):
    answer = client.post("/api/reports", json={**REPORT, "id": "p-1"}, headers=TOKEN)
    assert answer.status_code == 202 and answer.json() == {"id": "p-1", "new": True}
    again = client.post("/api/reports", json={**REPORT, "id": "p-1"}, headers=TOKEN)
    assert again.json() == {"id": "p-1", "new": False}  # the platform may send one twice
    stored = [r for r in store.reports(subject=HOSTILE) if r.id == "p-1"]
    assert stored and stored[0].reporter_id == "777" and stored[0].created_at is not None


def test_report_intake_refuses_a_wrong_token_and_no_token(client):
    assert client.post("/api/reports", json=REPORT, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.post("/api/reports", json=REPORT).status_code == 401


def test_report_intake_by_a_signed_in_user_needs_csrf(client):
    sign_in(client, USERS[Role.MODERATOR])
    assert client.post("/api/reports", json=REPORT).status_code == 403
    assert client.post("/api/reports", json=REPORT, headers={"X-CSRF-Token": csrf_of(client)}).status_code == 202


def test_report_intake_is_rate_limited_per_reporter(client, settings):
    for i in range(settings.console_report_limit):
        assert client.post("/api/reports", json={**REPORT, "id": f"q{i}"}, headers=TOKEN).status_code == 202
    answer = client.post("/api/reports", json={**REPORT, "id": "over"}, headers=TOKEN)
    assert answer.status_code == 429 and 1 <= int(answer.headers["retry-after"]) <= 60
    other = client.post("/api/reports", json={**REPORT, "reporter_id": "778", "id": "r9"}, headers=TOKEN)
    assert other.status_code == 202  # another reporter is not held back


def test_report_intake_checks_its_input(client):
    bad = client.post("/api/reports", json={**REPORT, "subject_id": "../../etc"}, headers=TOKEN)
    assert bad.status_code == 422


def test_metrics_count_requests_by_route_template(client):
    client.post("/api/reports", json=REPORT, headers=TOKEN)
    client.get("/api/cases/case-calm")
    text = client.get("/metrics").text
    assert 'cordon_reports_received_total{outcome="new"} 1.0' in text
    assert 'route="/api/cases/{case_id}"' in text and "case-calm" not in text


def test_openapi_schema_lists_the_api(client):
    assert client.get("/api/openapi.json").status_code == 401
    sign_in(client, USERS[Role.MODERATOR])
    schema = client.get("/api/openapi.json").json()
    assert {"/api/cases", "/api/reports", "/api/cases/{case_id}/decide"} <= set(schema["paths"])


def test_schemathesis_finds_no_server_error(app, store):
    """Fuzz the JSON API against its own schema, signed in as an admin: no answer is a 5xx and
    every answer matches the schema."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from webkit import T0

    from cordon.store.base import ConsoleSession
    from cordon.web.auth import csrf_token, new_token, token_hash

    token = new_token()
    store.create_session(ConsoleSession(token_hash(token), USERS[Role.ADMIN], T0.replace(year=2100),
                                        T0.replace(year=2100, month=7)))
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app, headers={
        "Cookie": f"cordon_session={token}", "X-CSRF-Token": csrf_token(token)})
    failures, calls = [], []
    for operation in schema.get_all_operations():
        op = operation.ok()

        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=op.as_strategy())
        def check(case):
            calls.append(op.path)
            response = case.call(headers={"Cookie": f"cordon_session={token}", "X-CSRF-Token": csrf_token(token)})
            if response.status_code >= 500:
                failures.append(f"{op.method.upper()} {op.path}: {response.status_code} {response.text[:200]}")

        check()
    assert not failures, failures
    assert len(set(calls)) >= 10  # every operation was reached, not skipped
