"""What the console tests share: a small platform whose accounts are hostile (XSS payloads
in names, bios and posts), console users of every role, and signing in."""

from __future__ import annotations

from datetime import UTC, datetime

from cordon.domain import (
    Account,
    AccountRisk,
    AccountStatus,
    EventName,
    Evidence,
    Interaction,
    InteractionKind,
    ModerationEvent,
    Post,
    Report,
    Role,
    Span,
    SubjectRef,
)
from cordon.store.base import User
from cordon.web.auth import hash_password

P = "twitter"
T0 = datetime(2015, 6, 1, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
#: One user per role, named after it.
USERS = {role: role.value.replace("_", "-") for role in Role}

# Payloads a hostile account puts in its name, bio and posts: each would run script, load a
# remote resource or break out of an attribute if it reached the page unescaped.
XSS = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=\"window.__xss=1\">",
    "<svg onload=\"window.__xss=1\"></svg>",
    "<svg><script>window.__xss=1</script></svg>",
    "\"><script>window.__xss=1</script>",
    "' onmouseover='window.__xss=1' x='",
    "\" autofocus onfocus=\"window.__xss=1\" x=\"",
    "javascript:window.__xss=1",
    "<a href=\"javascript:window.__xss=1\">click</a>",
    "<iframe src=\"javascript:window.__xss=1\"></iframe>",
    "<img src=\"https://evil.example/beacon.png\">",
    "<link rel=stylesheet href=\"https://evil.example/x.css\">",
    "<style>@import 'https://evil.example/y.css';</style>",
    "<body onload=window.__xss=1>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    "{{ 7*7 }} {% raw %}{{ config }}{% endraw %} ${7*7} #{7*7}",
    "</textarea><script>window.__xss=1</script>",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\">",
    "<base href=\"https://evil.example/\">",
    "<form action=\"https://evil.example/\"><button>go</button></form>",
]

HOSTILE = SubjectRef.account(P, "666")
CALM = SubjectRef.account(P, "100")


def build_world(store) -> dict[str, str]:
    """Accounts, posts with evidence spans over the payloads, reports, a small network, and two
    open cases (one on the hostile account). Returns the case ids."""
    hostile = Account(
        P, HOSTILE.id, handle="evil\"><script>window.__xss=1</script>",
        display_name=XSS[1] + XSS[2], bio=" ".join(XSS), location=XSS[4], created_at=T0,
    )
    calm = Account(P, CALM.id, handle="calm", display_name="A calm account", created_at=T0)
    seed = Account(P, "1", handle="seed_hub", status=AccountStatus.SUSPENDED, created_at=T0)
    friends = [Account(P, str(200 + i), handle=f"friend{i}", created_at=T0) for i in range(4)]
    posts = [
        Post(P, f"9{i}", HOSTILE.id, text=f"we will attack {payload} tomorrow", created_at=T0,
             urls=("javascript:window.__xss=1", "https://evil.example/propaganda"))
        for i, payload in enumerate(XSS)
    ]
    evidence = tuple(
        Evidence("text.threat", p.ref, 0.9, f"threat words {XSS[0]}", spans=(Span(3, 14, XSS[1]),))
        for p in posts
    ) + (
        Evidence("media.pdq", posts[0].ref, 0.98, "media on list 'known'", detail={
            "hash": "ab" * 32, "distance": 12, "list": "known<script>", "label": XSS[2], "kind": "pdq"}),
        Evidence("evasion.returning", HOSTILE, 0.7, f"may be suspended account 1 back {XSS[3]}",
                 detail={"candidate": "account/twitter/1"}),
    )
    edges = [Interaction(P, InteractionKind.FOLLOW, f.id, "1") for f in friends]
    edges += [Interaction(P, InteractionKind.FOLLOW, HOSTILE.id, "1"),
              Interaction(P, InteractionKind.REPOST, HOSTILE.id, "200", post_id="x1")]
    reports = [Report(P, "r1", "555", HOSTILE, "violent_threat", text=XSS[0], created_at=T0)]
    store.write_batch(accounts=[hostile, calm, seed, *friends], posts=posts, interactions=edges, reports=reports)
    store.save_risks([AccountRisk(HOSTILE, 0.93, {"threat": 0.9}, evidence)])
    cases = {"hostile": "case-hostile", "calm": "case-calm"}
    for (key, ref, queue, risk) in (("hostile", HOSTILE, "threats", 0.93), ("calm", CALM, "reports", 0.2)):
        store.append_event(ModerationEvent(
            EventName.CASE_OPENED, "policy:review-threat", T0, ref, cases[key], f"opened {XSS[0]}",
            {"queue": queue, "priority": 1.0 + risk, "policy_clause": "review-threat", "risk": risk},
        ))
    return cases


def add_users(store) -> None:
    digest = hash_password(PASSWORD)  # one hash for all: argon2 is slow on purpose
    for role, name in USERS.items():
        store.create_user(User(name, role, digest, T0))


def sign_in(client, name: str, password: str = PASSWORD):
    """Sign a TestClient in; returns the session's CSRF token (from a page's form)."""
    page = client.get("/login")
    token = page.cookies.get("cordon_login") or client.cookies.get("cordon_login")
    answer = client.post("/login", data={"username": name, "password": password, "csrf": token, "next": "/queue"},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return csrf_of(client)


def csrf_of(client) -> str:
    from cordon.web.auth import csrf_token

    return csrf_token(client.cookies.get("cordon_session"))
