"""Mastodon REST entities, on the responses recorded by Mastodon.py's test suite."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from pathlib import Path

import orjson
import pytest

from cordon.domain import (
    Account,
    AccountStatus,
    Interaction,
    InteractionKind,
    Post,
    Report,
    SubjectRef,
)
from cordon.errors import RecordError
from cordon.ingest import mastodon
from cordon.ingest.reader import read_records
from cordon.ingest.records import Quarantined

ADMIN = "117020565693913441"
TEST_2 = "117020566092212359"


@pytest.fixture(scope="module")
def fixtures(shared_data: Path) -> Path:
    return shared_data / "mastodon_fixtures"


def lines(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def of(records: list, kind: type) -> list:
    return [r for r in records if isinstance(r, kind)]


def parse(obj: object) -> list:
    return list(mastodon.parse(obj))


# -- statuses ----------------------------------------------------------------------------


def test_status(fixtures: Path) -> None:
    response = lines(fixtures / "test_status.jsonl")[0]
    assert response["body"]["content"] == "<p>Toot!</p>"
    assert mastodon.looks_mastodon(response)
    records = parse(response)
    account, post = records
    assert post == Post(
        platform="mastodon",
        id="117020583223442465",
        author_id="117020565966271181",
        text="Toot!",
        created_at=datetime(2026, 8, 1, 13, 53, 15, 378000, tzinfo=timezone.utc),
        lang="en",
    )
    assert account == Account(
        platform="mastodon",
        id="117020565966271181",
        handle="mastodonpy_test",
        display_name="John Lennon",
        bio="I walk funny",
        created_at=datetime(2026, 8, 1, tzinfo=timezone.utc),
        followers_count=0,
        following_count=0,
        posts_count=23,
    )


def test_deleted_status_carries_source_text(fixtures: Path) -> None:
    deleted = lines(fixtures / "test_status.jsonl")[2]
    assert deleted["method"] == "DELETE" and "content" not in deleted["body"]
    assert of(parse(deleted), Post)[0].text == "Toot!"


def test_public_timeline_html_mentions_and_entities(fixtures: Path) -> None:
    timeline = lines(fixtures / "test_public_tl.jsonl")[2]
    assert len(timeline["body"]) == 8
    records = parse(timeline)
    posts = {p.id: p for p in of(records, Post)}
    assert len(posts) == 8
    assert posts["117020592137523525"].text == "you can't say that on television"
    jeep = posts["117020588169351887"]
    assert jeep.text == "@mastodonpy_test beep beep I'm a jeep"
    assert jeep.mentions == ("117020565966271181",)
    assert jeep.urls == ()  # the mention's link is not a URL the post shares
    assert of(records, Interaction) == [
        Interaction(
            "mastodon",
            InteractionKind.MENTION,
            jeep.author_id,
            "117020565966271181",
            jeep.created_at,
            jeep.id,
        )
    ]


def test_hashtags_and_links(fixtures: Path) -> None:
    hoot = of(parse(lines(fixtures / "test_hashtag_tl.jsonl")[0]), Post)[0]
    assert hoot.text == "#hoot (hashtag toot)"
    assert hoot.hashtags == ("hoot",)
    assert hoot.urls == ()
    card = of(parse(lines(fixtures / "test_status_card.jsonl")[1]), Post)[0]
    assert card.text == "http://example.org/"
    assert card.urls == ("http://example.org/",)


def test_context_gives_its_statuses(fixtures: Path) -> None:
    status = lines(fixtures / "test_status.jsonl")[0]["body"]
    assert parse(lines(fixtures / "test_status_context.jsonl")[1]) == []  # empty thread
    child = copy.deepcopy(status) | {
        "id": "2",
        "in_reply_to_id": "117020583223442465",
        "in_reply_to_account_id": "99",
    }
    records = parse({"ancestors": [status], "descendants": [child]})
    assert [p.id for p in of(records, Post)] == ["117020583223442465", "2"]
    assert of(records, Post)[1].reply_to_id == "117020583223442465"
    assert [(i.kind, i.target_id) for i in of(records, Interaction)] == [
        (InteractionKind.REPLY, "99")
    ]
    assert len(of(records, Account)) == 1  # the same author, once


def test_reblog_quote_spoiler_and_html(fixtures: Path) -> None:
    status = lines(fixtures / "test_status.jsonl")[0]["body"]
    other = copy.deepcopy(status)
    other["id"] = "500"
    other["account"] = copy.deepcopy(status["account"]) | {
        "id": "77",
        "acct": "friend@example.social",
    }
    other["content"] = (
        "<p>line one<br />line two</p><p>para &amp; "
        '<a href="https://example.org/x" rel="nofollow">example.org/x</a></p>'
    )
    other["spoiler_text"] = "CW: violence"
    reblog = copy.deepcopy(status) | {"id": "600", "content": "", "reblog": other}
    records = parse(reblog)
    posts = {p.id: p for p in of(records, Post)}
    assert posts["600"].repost_of_id == "500"
    assert posts["500"].text == "CW: violence\n\nline one\nline two\n\npara & example.org/x"
    assert posts["500"].urls == ("https://example.org/x",)
    assert {a.id: a.handle for a in of(records, Account)} == {
        "117020565966271181": "mastodonpy_test",
        "77": "friend@example.social",
    }
    assert [(i.kind, i.source_id, i.target_id, i.post_id) for i in of(records, Interaction)] == [
        (InteractionKind.REPOST, "117020565966271181", "77", "600")
    ]
    quote = copy.deepcopy(status) | {
        "id": "700",
        "quote": {"state": "accepted", "quoted_status": other},
    }
    records = parse(quote)
    assert of(records, Post)[-1].quote_of_id == "500"
    assert (InteractionKind.QUOTE, "77") in {
        (i.kind, i.target_id) for i in of(records, Interaction)
    }
    shallow = copy.deepcopy(status) | {
        "id": "701",
        "quote": {"state": "accepted", "quoted_status_id": "500"},
    }
    assert of(parse(shallow), Post)[0].quote_of_id == "500"


# -- accounts ----------------------------------------------------------------------------


def test_account_and_its_suspended_flag(fixtures: Path) -> None:
    body = lines(fixtures / "test_account.jsonl")[0]["body"]
    account = parse(body)[0]
    assert (account.id, account.handle, account.status) == (
        "117020457910412882",
        body["acct"],
        AccountStatus.ACTIVE,
    )
    assert parse(body | {"suspended": True})[0].status is AccountStatus.SUSPENDED
    assert parse(body | {"limited": True})[0].status is AccountStatus.RESTRICTED


def test_admin_accounts_carry_moderation_state(fixtures: Path) -> None:
    moderation = lines(fixtures / "test_admin_moderation.jsonl")
    states = {}
    for response in moderation:
        body = response["body"]
        if response["status"] == 200 and isinstance(body, dict) and "email" in body:
            (account,) = parse(response)
            assert account.id == TEST_2 and account.handle == "mastodonpy_test_2"
            states[response["index"]] = account.status
    assert states[2] is AccountStatus.RESTRICTED  # disabled (frozen)
    assert states[5] is AccountStatus.RESTRICTED  # silenced (limited)
    assert states[8] is AccountStatus.ACTIVE  # sensitized only
    assert states[19] is AccountStatus.SUSPENDED
    assert states[20] is AccountStatus.ACTIVE  # unsuspended
    listing = parse(lines(fixtures / "test_admin_accounts_v2.jsonl")[0])
    assert [(a.id, a.handle) for a in listing] == [
        ("117020565837443964", "admin2"),
        (ADMIN, "admin"),
    ]


def test_admin_report(fixtures: Path) -> None:
    response = lines(fixtures / "test_admin_reports.jsonl")[4]
    assert response["path"] == "/api/v1/admin/reports"
    records = parse(response)
    (report,) = of(records, Report)
    assert report == Report(
        platform="mastodon",
        id="1",
        reporter_id=ADMIN,
        subject=SubjectRef.account("mastodon", TEST_2),
        reason="other",
        text="api crimes",
        created_at=datetime(2026, 8, 1, 13, 49, 58, 485000, tzinfo=timezone.utc),
    )
    assert {a.id for a in of(records, Account)} == {ADMIN, TEST_2}
    assert [(p.id, p.author_id, p.text) for p in of(records, Post)] == [
        ("117020570302719057", TEST_2, "Toot, finally!")
    ]


def test_user_report_without_reporter_is_refused(fixtures: Path) -> None:
    response = lines(fixtures / "test_admin_reports.jsonl")[3]
    assert response["path"] == "/api/v1/reports/"
    with pytest.raises(RecordError, match="without a reporter"):
        parse(response)


# -- what is not mapped ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "index", "reason"),
    [
        (
            "test_admin_moderation.jsonl",
            1,
            "body: mastodon empty object: not an account, status or report",
        ),
        (
            "test_admin_moderation.jsonl",
            9,
            "body: mastodon media attachment: not an account, status or report",
        ),
        (
            "test_admin_moderation.jsonl",
            21,
            "mastodon API error: HTTP 403 on POST "
            "/api/v1/admin/accounts/117020566092212359/unsuspend: This action is not allowed",
        ),
        ("test_instance.jsonl", 0, "body: mastodon instance: not an account, status or report"),
        (
            "test_status_edit.jsonl",
            1,
            "body[0]: mastodon status edit: not an account, status or report",
        ),
        (
            "test_status_edit.jsonl",
            5,
            "body: mastodon status source: not an account, status or report",
        ),
    ],
)
def test_other_entities_are_refused_with_what_they_are(
    fixtures: Path, file: str, index: int, reason: str
) -> None:
    with pytest.raises(RecordError) as err:
        parse(lines(fixtures / file)[index])
    assert str(err.value) == reason


def test_every_fixture_file_reads_through(fixtures: Path) -> None:
    """Every recorded response is either records or a quarantine with a reason; nothing raises."""
    total = {"records": 0, "quarantined": 0}
    for path in sorted(fixtures.glob("*.jsonl")):
        for item in read_records(path):
            if isinstance(item, Quarantined):
                assert item.reason and item.line >= 1
                total["quarantined"] += 1
            else:
                assert item.platform == "mastodon"
                total["records"] += 1
    assert total == {"records": 119, "quarantined": 14}


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (
            {"id": "1", "account": {"id": "2", "acct": "a"}, "content": 5},
            "content: expected text, got int",
        ),
        (
            {"account": {"id": "2", "acct": "a"}, "content": "<p>x</p>", "uri": "u"},
            "id: missing id",
        ),
        (
            {"id": "1", "account": {"acct": "a"}, "content": "", "uri": "u"},
            "account.id: missing id",
        ),
        (
            {
                "id": "1",
                "account": {"id": "2", "acct": "a"},
                "content": "",
                "mentions": [{"acct": "b"}],
            },
            "mentions[0].id: missing id",
        ),
        (
            {"id": "1", "account": {"id": "2", "acct": "a"}, "content": "", "reblog": "yes"},
            "reblog: expected an object, got str",
        ),
        ({"id": {"x": 1}, "acct": "a"}, "id: expected a string id, got dict"),
        (
            {"id": "1", "acct": "a", "followers_count": "lots"},
            "followers_count: expected an integer, got str",
        ),
        (
            [{"id": "1", "acct": "a"}, {"id": "2", "acct": ["b"]}],
            "[1].acct: expected text, got list",
        ),
        (7, "expected a JSON object or list, got int"),
    ],
)
def test_bad_entities_name_the_field(obj: object, message: str) -> None:
    with pytest.raises(RecordError) as err:
        parse(obj)
    assert str(err.value) == message


def test_html_to_text() -> None:
    assert mastodon.html_to_text("plain") == ("plain", [])
    text, links = mastodon.html_to_text(
        '<p>a &lt;b&gt;<br>c</p><p><a href="https://x.test/t/y" class="mention hashtag">#y</a> '
        '<span class="h-card"><a href="https://x.test/@z" class="u-url mention">@z</a></span> '
        '<a href="https://news.test/1">news</a></p>'
    )
    assert text == "a <b>\nc\n\n#y @z news"
    assert links == ["https://news.test/1"]
