"""What the pages send: security headers on every answer, adversary text escaped, no remote
URL anywhere, and the workflow from claim to reinstatement through the forms."""

from __future__ import annotations

import re
from pathlib import Path

from webkit import HOSTILE, USERS, csrf_of, sign_in

from cordon.domain import AccountStatus, Role
from cordon.web.render import STATIC, TEMPLATES
from cordon.web.security import HEADERS

PAGES = ["/login", "/queue", "/cases/case-hostile", "/accounts/twitter/666", "/audit", "/dashboard",
         "/users", "/static/console.css", "/static/console.js", "/no-such-page", "/api/cases"]


def test_security_headers_on_every_answer(client):
    sign_in(client, USERS[Role.ADMIN])
    for url in PAGES:
        answer = client.get(url)
        for name, value in HEADERS.items():
            assert answer.headers.get(name) == value, f"{url}: {name}"
    csp = HEADERS["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp


def test_no_remote_url_and_no_inline_script_or_style_in_templates_or_static():
    files = [*TEMPLATES.glob("*.html"), *STATIC.glob("*")]
    assert len(files) >= 10
    for path in files:
        text = path.read_text("utf-8")
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), f"{path.name} names a remote host"
        if path.suffix == ".html":
            assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"{path.name} has an inline script"
            assert "<style" not in text and " style=" not in text, f"{path.name} has an inline style"
            assert not re.search(r"\son[a-z]+=", text), f"{path.name} has an inline handler"
            assert "|safe" not in text.replace(" ", "") and "Markup" not in text, f"{path.name} marks text safe"


def test_hostile_text_is_escaped_everywhere_it_is_shown(client):
    sign_in(client, USERS[Role.ADMIN])
    for url in ("/cases/case-hostile", "/accounts/twitter/666", "/queue", "/audit"):
        html = client.get(url).text
        # The only script element is the console's own; no payload became markup.
        assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/console.js" defer>'], url
        for tag in ("<img src=x", "<svg onload", "<iframe", "<base href", "<meta http-equiv", "<link rel=stylesheet"):
            assert tag not in html, f"{url}: {tag}"
        assert 'href="javascript:' not in html and 'src="javascript:' not in html, url
        assert not re.search(r'(href|src)="[^"]*evil\.example', html), url
    html = client.get("/accounts/twitter/666").text
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and "49" not in html.split("{{ 7*7 }}")[0][-10:]
    # URLs in posts are text, never links.
    assert "<code class=\"url\">javascript:window.__xss=1</code>" in html
    # Evidence spans are highlighted, their label escaped too.
    assert '<mark class="evidence" title="&lt;img src=x onerror=&#34;window.__xss=1&#34;&gt;">' in html


def test_account_view_shows_evidence_media_network_and_predecessors(client):
    sign_in(client, USERS[Role.MODERATOR])
    html = client.get("/accounts/twitter/666").text
    assert "ab" * 32 in html and "distance 12" in html and "no local copy" in html
    assert '<svg class="graph"' in html and "node-seed" in html and "node-center" in html
    assert "Likely predecessors" in html and "account/twitter/1" in html
    assert "violent_threat" in html  # the report against it
    assert "case_opened" in html  # its event history


def test_a_local_copy_of_matched_media_is_served_blurred(client, settings):
    media = Path(settings.data_dir) / "media"
    media.mkdir(parents=True)
    (media / f"{'ab' * 32}.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    sign_in(client, USERS[Role.MODERATOR])
    html = client.get("/accounts/twitter/666").text
    assert f'<img class="shielded" src="/media/{"ab" * 32}"' in html
    assert client.get(f"/media/{'ab' * 32}").status_code == 200
    assert client.get("/media/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_claim_suspend_appeal_and_reinstate_through_the_forms(client, store):
    sign_in(client, USERS[Role.MODERATOR])
    csrf = csrf_of(client)
    assert client.post("/cases/case-hostile/claim", data={"csrf": csrf}).status_code == 200
    assert store.case("case-hostile").assigned_to == USERS[Role.MODERATOR]
    page = client.post("/cases/case-hostile/decide", data={
        "csrf": csrf, "decision": "suspend", "policy_clause": "violent-threat-1", "reason": "credible threat"})
    assert page.status_code == 200
    assert store.get_account(HOSTILE).status is AccountStatus.SUSPENDED
    assert "suspend" in client.get("/audit").text
    client.post("/cases/case-hostile/appeal", data={"csrf": csrf, "reason": "the user says it was a joke"})
    assert store.case("case-hostile").state.value == "appealed"
    # The moderator may not decide the appeal; a senior who did not decide it may.
    assert client.post("/cases/case-hostile/appeal-decision",
                       data={"csrf": csrf, "outcome": "overturn", "reason": "x"}).status_code == 403
    client.cookies.clear()
    sign_in(client, USERS[Role.SENIOR_MODERATOR])
    answer = client.post("/cases/case-hostile/appeal-decision",
                         data={"csrf": csrf_of(client), "outcome": "overturn", "reason": "satire, on review"})
    assert answer.status_code == 200
    assert store.get_account(HOSTILE).status is AccountStatus.ACTIVE


def test_queue_filters_and_sorts(client):
    sign_in(client, USERS[Role.MODERATOR])
    html = client.get("/queue?order=risk").text
    assert html.index("/cases/case-hostile") < html.index("/cases/case-calm")
    html = client.get("/queue?order=risk&min_risk=0.5").text
    assert "/cases/case-hostile" in html and "/cases/case-calm" not in html
    html = client.get("/queue?queue=reports").text
    assert "/cases/case-calm" in html and "/cases/case-hostile" not in html
    assert client.get("/api/cases?order=risk").json()["cases"][0]["id"] == "case-hostile"



def test_the_dashboard_takes_a_period(client):
    sign_in(client, USERS[Role.MODERATOR])
    html = client.get("/dashboard?since=2015-01-01&until=2016-01-01").text
    assert '<small id="period">2015-01-01 to 2016-01-01</small>' in html
    assert 'name="since" value="2015-01-01"' in html
    assert '<small id="period">all time</small>' in client.get("/dashboard").text
    assert client.get("/dashboard?since=2016-01-01&until=2015-01-01").status_code == 400
    assert client.get("/dashboard?since=not-a-date").status_code == 400
    assert client.get("/api/transparency?since=2015-06-01").json()["period"] == "since 2015-06-01"
    # The case opened at T0 (2015-06-01) counts in a period holding it, not in one before it.
    inside = {r["metric"]: r["value"] for r in client.get("/api/transparency?since=2015-01-01").json()["rows"]}
    before = {r["metric"]: r["value"] for r in client.get("/api/transparency?until=2015-01-01").json()["rows"]}
    assert inside != before
