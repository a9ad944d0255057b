"""The law-enforcement packet: the threat with its evidence spans, the preserved evidence's
hash, and HTML that neither runs nor loads anything the account wrote. Every backend."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from cordon.cases.permissions import PermissionDenied
from cordon.domain import (
    Account,
    AccountRisk,
    Actor,
    EventName,
    Post,
    Report,
    Role,
    SubjectRef,
)
from cordon.enforce.escalation import escalate_to_law_enforcement, highlight
from cordon.enforce.evidence import EvidenceError, verify_evidence

T0 = datetime(2015, 6, 1, tzinfo=UTC)
P = "twitter"
A = SubjectRef.account(P, "1")
LIAISON = Actor("lee", Role.LE_LIAISON)
XSS = '<script>alert("x")</script><img src=https://evil.example/p.png onerror=alert(1)>'
THREAT = "We will slaughter the twitter employees, their staff are targets"


def seed(store) -> None:
    store.upsert_accounts([Account(P, "1", "abu_threat", display_name=f"abu {XSS}", bio=f"bio {XSS}",
                                   location='"><a href="https://evil.example/">x</a>')])
    store.insert_posts([
        Post(P, "p1", "1", f"{THREAT} {XSS}", created_at=T0),
        Post(P, "p2", "1", "lovely weather for football", created_at=T0 + timedelta(hours=1)),
        Post(P, "p3", "1", "read https://evil.example/manifesto.pdf", created_at=T0 + timedelta(hours=2)),
    ])
    store.insert_reports([Report(P, "r1", "9", SubjectRef.post(P, "p1"), "violent_threat", f"threat {XSS}", T0)])
    store.save_risks([AccountRisk(A, 0.99, {"threat": 0.99, "extremism": 0.6})])


def test_the_packet_carries_the_threat_its_spans_and_the_evidence_hash(store, tmp_path):
    seed(store)
    packet = escalate_to_law_enforcement(store, LIAISON, A, "threat to our staff", "FBI", tmp_path / "pk", "c1",
                                         now=T0 + timedelta(days=1))
    data = orjson.loads(packet.json_path.read_bytes())
    assert data["packet"]["agency"] == "FBI" and data["account"]["handle"] == "abu_threat"
    [post] = data["threatening_posts"]  # the weather and the link are no threat
    assert post["post"] == "post/twitter/p1" and post["threat"] >= 0.9
    labels = {s["label"] for s in post["spans"]}
    assert {"intent to kill", "named target"} <= labels
    for span in post["spans"]:
        assert span["text"] == post["text"][span["start"]:span["end"]]
    assert data["risk"]["score"] == 0.99 and [r["id"] for r in data["reports"]] == ["r1"]
    assert [t["what"] for t in data["timeline"]][:2] == ["threatening post", "user report: violent_threat"]
    assert data["evidence"]["manifest_sha256"] == packet.evidence.manifest_sha256

    # The evidence verifies, and its custody records the packet.
    check = verify_evidence(packet.evidence.folder)
    assert check.ok
    custody = (packet.evidence.folder / "custody.jsonl").read_text()
    assert "packet for FBI" in custody and packet.sha256 in custody
    escalated = next(e for e in store.events(subject=A) if e.name is EventName.ESCALATED)
    assert escalated.payload["agency"] == "FBI" and escalated.payload["packet_sha256"] == packet.sha256
    assert escalated.case_id == "c1" and escalated.actor == "lee"
    names = [e.name for e in store.events(subject=A)]
    assert names == [EventName.EVIDENCE_PRESERVED, EventName.ESCALATED]


class Tags(HTMLParser):
    """The elements and attributes a browser would see."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.names.add(tag)
        self.attrs.extend(attrs)


def test_the_html_escapes_hostile_content_and_loads_nothing(store, tmp_path):
    seed(store)
    html = escalate_to_law_enforcement(store, LIAISON, A, f"reason {XSS}", "FBI", tmp_path / "pk").html_path.read_text()
    assert "<script" not in html.lower() and "<img" not in html.lower() and "<a " not in html.lower()
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html  # post, bio, name, report, reason
    assert html.count("&lt;script&gt;") >= 5
    tags = Tags()
    tags.feed(html)
    # The only elements are the template's own, and none points anywhere.
    assert tags.names <= {"html", "head", "meta", "title", "style", "body", "p", "h1", "h2", "table", "tr",
                          "th", "td", "div", "mark", "code"}
    assert not [v for name, v in tags.attrs if name in ("src", "href", "action") or (v and "//" in v and name != "content")]
    assert not re.search(r"url\(", html)  # nor does the CSS
    assert "<mark" in html and "@media print" in html
    assert "Content-Security-Policy" in html


def test_only_the_liaison_or_an_admin_exports_a_packet_with_reason_and_agency(store, tmp_path):
    seed(store)
    for role in (Role.MODERATOR, Role.SENIOR_MODERATOR):
        with pytest.raises(PermissionDenied, match="export packet"):
            escalate_to_law_enforcement(store, Actor("mo", role), A, "r", "FBI", tmp_path / role.value)
    with pytest.raises(EvidenceError, match="agency"):
        escalate_to_law_enforcement(store, LIAISON, A, "r", " ", tmp_path / "x")
    assert list(store.events()) == []
    escalate_to_law_enforcement(store, Actor("root", Role.ADMIN), A, "r", "FBI", tmp_path / "ok")
    with pytest.raises(EvidenceError, match="never written over"):
        escalate_to_law_enforcement(store, LIAISON, A, "r", "FBI", tmp_path / "ok")


def test_highlight_cuts_text_at_every_span_edge():
    spans = [{"start": 0, "end": 7, "label": "a"}, {"start": 3, "end": 10, "label": "b"}]
    assert highlight("0123456789xy", spans) == [("012", "a"), ("3456", "a, b"), ("789", "b"), ("xy", None)]
