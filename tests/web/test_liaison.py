"""The law-enforcement liaison in the console: watch holds placed and lifted through the
forms and the API, evidence preserved and verified (and caught when altered), and LE packets
built and handed out only as downloads."""

from __future__ import annotations

import json
from pathlib import Path

from webkit import HOSTILE, USERS, csrf_of, sign_in

from cordon.domain import AccountStatus, EventName, Role
from cordon.web.security import HEADERS


def _liaison(client) -> str:
    sign_in(client, USERS[Role.LE_LIAISON])
    return csrf_of(client)


def test_a_hold_placed_from_the_account_page_shows_and_lifts(client, store):
    csrf = _liaison(client)
    page = client.get("/accounts/twitter/666").text
    assert 'id="place-hold"' in page and "No watch hold in force." in page
    answer = client.post("/holds", data={
        "csrf": csrf, "account": "twitter/666", "requesting_body": "FBI <b>JTTF</b>", "expires": "30d",
        "reason": "keep up: live investigation"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/accounts/twitter/666#liaison"
    assert store.get_account(HOSTILE).status is AccountStatus.WATCHED

    page = client.get("/accounts/twitter/666").text
    assert "watch hold" in page and "FBI &lt;b&gt;JTTF&lt;/b&gt;" in page
    holds = client.get("/api/holds").json()
    assert [h["account"] for h in holds] == [str(HOSTILE)] and holds[0]["requesting_body"] == "FBI <b>JTTF</b>"
    listing = client.get("/holds").text
    assert f'id="hold-{holds[0]["id"]}"' in listing

    answer = client.post(f"/holds/{holds[0]['id']}/lift", data={"csrf": csrf, "reason": "case closed"},
                         follow_redirects=False)
    assert answer.status_code == 303
    assert store.get_account(HOSTILE).status is AccountStatus.ACTIVE
    assert client.get("/api/holds").json() == []
    assert "No hold in force." in client.get("/holds").text


def test_a_hold_from_the_api_blocks_a_suspension(client, store):
    csrf = _liaison(client)
    answer = client.post("/api/holds", headers={"X-CSRF-Token": csrf}, json={
        "account": "twitter/666", "reason": "watch", "requesting_body": "Europol", "expires": "2w",
        "case_id": "case-hostile"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["case_id"] == "case-hostile"
    client.cookies.clear()
    sign_in(client, USERS[Role.MODERATOR])
    csrf = csrf_of(client)
    client.post("/cases/case-hostile/claim", data={"csrf": csrf})
    client.post("/cases/case-hostile/decide", data={
        "csrf": csrf, "decision": "suspend", "policy_clause": "violent-threat-1", "reason": "threat"})
    assert store.get_account(HOSTILE).status is AccountStatus.WATCHED
    assert any(e.name is EventName.ACTION_BLOCKED for e in store.events(subject=HOSTILE))


def test_a_hold_needs_a_sane_expiry_and_a_known_account(client, store):
    csrf = _liaison(client)
    base = {"csrf": csrf, "account": "twitter/666", "requesting_body": "FBI", "reason": "r"}
    for expires in ("yesterday", "9999d", "2001-01-01"):
        answer = client.post("/holds", data={**base, "expires": expires})
        assert answer.status_code == 400, expires
    assert client.post("/holds", data={**base, "account": "twitter/nobody", "expires": "1d"}).status_code == 400
    assert client.post("/holds", data={**base, "account": "no-slash", "expires": "1d"}).status_code == 400
    assert store.get_account(HOSTILE).status is AccountStatus.ACTIVE


def test_evidence_is_preserved_listed_and_verified(client, store, settings):
    csrf = _liaison(client)
    answer = client.post("/accounts/twitter/666/evidence", data={"csrf": csrf, "reason": "credible threat"},
                         follow_redirects=False)
    assert answer.status_code == 303
    folders = list((Path(settings.data_dir) / "evidence").iterdir())
    assert len(folders) == 1 and (folders[0] / "manifest.json").is_file()
    snapshot = folders[0].name
    assert f'href="/evidence/{snapshot}"' in client.get("/accounts/twitter/666").text
    assert "intact" in client.get(f"/evidence/{snapshot}").text
    assert client.get(f"/api/evidence/{snapshot}").json()["ok"] is True

    (folders[0] / "posts.jsonl").write_text("rewritten\n")
    verdict = client.get(f"/api/evidence/{snapshot}").json()
    assert verdict["ok"] is False and verdict["changed"] == ["posts.jsonl"]
    assert "changed: posts.jsonl" in client.get(f"/evidence/{snapshot}").text
    for bad in ("...", "..%2F..%2Fetc", "%2E%2E", "nope"):
        assert client.get(f"/evidence/{bad}", follow_redirects=False).status_code == 404, bad
    assert client.app.state.liaison.snapshot("..") is None  # a client would not even send it


def test_a_packet_is_built_and_served_only_as_a_download(client, store, settings):
    csrf = _liaison(client)
    answer = client.post("/api/accounts/twitter/666/packets", headers={"X-CSRF-Token": csrf},
                         json={"agency": "FBI", "reason": "threat against a named person", "case_id": "case-hostile"})
    assert answer.status_code == 201, answer.text
    made = answer.json()
    packet = client.get(made["files"]["packet.json"])
    assert packet.status_code == 200
    assert packet.headers["content-disposition"].startswith("attachment")
    assert json.loads(packet.content)["packet"]["agency"] == "FBI"
    html = client.get(made["files"]["packet.html"])
    assert html.headers["content-disposition"].startswith("attachment")
    for name, value in HEADERS.items():
        assert html.headers.get(name) == value, name
    assert "<script>window.__xss=1</script>" not in html.text  # the hostile name, escaped

    page = client.get("/accounts/twitter/666").text
    assert f'href="/packets/{made["id"]}/packet.html" download' in page and made["sha256"] in page
    assert client.get(f"/api/evidence/{made['id']}").json()["ok"] is True  # the packet's own evidence
    assert client.get(f"/packets/{made['id']}/manifest.json").status_code == 404
    assert client.get("/packets/..%2F..%2Fetc/packet.json").status_code == 404

    # A moderator sees that a packet exists, but no link to it, and may not fetch it.
    client.cookies.clear()
    sign_in(client, USERS[Role.MODERATOR])
    page = client.get("/accounts/twitter/666").text
    assert made["sha256"] in page and f"/packets/{made['id']}/" not in page and 'id="build-packet"' not in page
    assert client.get(made["files"]["packet.json"]).status_code == 403
