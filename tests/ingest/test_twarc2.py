"""twarc2 / Twitter API v2: raw pages and flattened tweets, on the real twarc test data."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import orjson
import pytest

from cordon.domain import Account, AccountStatus, Interaction, InteractionKind, Post
from cordon.errors import RecordError
from cordon.ingest import twarc2
from cordon.ingest.reader import read_records
from cordon.ingest.records import Quarantined


@pytest.fixture(scope="module")
def v2(shared_data: Path) -> Path:
    return shared_data / "twitter_v2_fixtures"


def parse_file(path: Path) -> list:
    return [
        r
        for line in path.read_bytes().splitlines()
        if line.strip()
        for r in twarc2.parse(orjson.loads(line))
    ]


def of(records: list, kind: type) -> list:
    return [r for r in records if isinstance(r, kind)]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


# -- flattened ---------------------------------------------------------------------------


def test_flat_one_post_per_line_plus_the_referenced_tweets(v2: Path) -> None:
    lines = (v2 / "flat.jsonl").read_bytes().splitlines()
    assert len(lines) == 100
    primary = []
    for line in lines:
        obj = orjson.loads(line)
        assert twarc2.looks_twarc2(obj)
        posts = of(list(twarc2.parse(obj)), Post)
        # The line's own tweet comes after the referenced tweets inlined in it.
        assert posts[-1].id == obj["id"]
        primary.append(posts[-1])
    assert len({p.id for p in primary}) == 100
    everything = parse_file(v2 / "flat.jsonl")
    assert len({p.id for p in of(everything, Post)}) == 164  # 100 tweets + 64 referenced
    assert all(p.platform == "twitter" for p in of(everything, Post))


def test_flat_first_tweet_is_a_retweet(v2: Path) -> None:
    first = orjson.loads((v2 / "flat.jsonl").read_bytes().splitlines()[0])
    records = list(twarc2.parse(first))
    post = of(records, Post)[-1]
    assert post.id == "1380242611781386245"
    assert post.author_id == "1352661060663336960"
    assert post.text.startswith("RT @williamserafino: De manera simultánea, vuelven a asediar")
    assert post.created_at == utc(2021, 4, 8, 19, 34, 16)
    assert post.lang == "es"
    assert post.repost_of_id == "1380175475545362437"
    assert post.reply_to_id is None and post.quote_of_id is None
    assert post.mentions == ("2718660392",)
    assert post.media_hashes == ()

    original = of(records, Post)[0]
    assert original.id == "1380175475545362437"
    assert original.author_id == "2718660392"
    assert original.created_at == utc(2021, 4, 8, 15, 7, 30)

    author = next(a for a in of(records, Account) if a.id == "1352661060663336960")
    assert (author.handle, author.display_name) == ("Alexandravm12", "Alexandra Machado")
    assert (author.followers_count, author.following_count, author.posts_count) == (58, 49, 14483)
    assert author.avatar_hash is None and author.status is AccountStatus.ACTIVE

    edges = {(i.kind, i.source_id, i.target_id, i.post_id) for i in of(records, Interaction)}
    assert edges == {
        (InteractionKind.REPOST, "1352661060663336960", "2718660392", "1380242611781386245"),
        (InteractionKind.MENTION, "1352661060663336960", "2718660392", "1380242611781386245"),
    }
    assert all(i.created_at == post.created_at for i in of(records, Interaction))


def test_flat_reply_with_mentions(v2: Path) -> None:
    line = orjson.loads((v2 / "flat.jsonl").read_bytes().splitlines()[3])
    records = list(twarc2.parse(line))
    post = of(records, Post)[-1]
    assert post.id == "1380242586288328707"
    assert post.reply_to_id == "1380229267770933248"
    assert post.mentions == ("1142605723601264640", "592730371")
    edges = {(i.kind, i.target_id) for i in of(records, Interaction) if i.post_id == post.id}
    assert edges == {
        (InteractionKind.REPLY, "1142605723601264640"),
        (InteractionKind.MENTION, "1142605723601264640"),
        (InteractionKind.MENTION, "592730371"),
    }
    # The replied-to tweet is inlined, with its photo link expanded (not the t.co wrapper).
    parent = next(p for p in of(records, Post) if p.id == "1380229267770933248")
    assert parent.urls == ("https://twitter.com/TalkToTheFoot/status/1380229267770933248/photo/1",)
    assert parent.lang is None  # "und"
    # Mentioned users arrive as full user objects, so they are accounts too.
    handles = {a.id: a.handle for a in of(records, Account)}
    assert handles == {
        "1910479285": "PDXPapaG",
        "1142605723601264640": "TalkToTheFoot",
        "592730371": "JackPosobiec",
    }


def test_flat_hashtags_urls_and_quotes(v2: Path) -> None:
    lines = (v2 / "flat.jsonl").read_bytes().splitlines()
    post = of(list(twarc2.parse(orjson.loads(lines[53]))), Post)[-1]
    assert post.id == "1380242237263581184"
    assert post.hashtags == ("obama", "soros")
    assert post.urls == ("https://twitter.com/bucksexton/status/1380227493475590152",)
    assert post.quote_of_id == "1380227493475590152"
    quote = of(list(twarc2.parse(orjson.loads(lines[24]))), Interaction)
    assert (InteractionKind.QUOTE, "942248349213904896", "375721095") in {
        (i.kind, i.source_id, i.target_id) for i in quote
    }


# -- raw pages ---------------------------------------------------------------------------


def test_raw_and_flattened_give_the_same_records(v2: Path) -> None:
    flat = parse_file(v2 / "flat.jsonl")
    raw = parse_file(v2 / "noflat.jsonl")
    assert {(p.id, p.author_id) for p in of(raw, Post)} == {
        (p.id, p.author_id) for p in of(flat, Post)
    }
    # Records are unhashable (not frozen, for speed): compare their reprs, which hold every field.
    assert {repr(p) for p in of(raw, Post)} == {repr(p) for p in of(flat, Post)}
    assert {a.id for a in of(raw, Account)} == {a.id for a in of(flat, Account)}
    assert len({a.id for a in of(raw, Account)}) == 178
    # Raw mentions carry only a username; they resolve through includes.users.
    assert {repr(i) for i in of(raw, Interaction)} == {repr(i) for i in of(flat, Interaction)}
    unique = {repr(i): i for i in of(raw, Interaction)}.values()
    kinds = {k: sum(1 for i in unique if i.kind is k) for k in InteractionKind}
    assert kinds[InteractionKind.REPOST] == 45
    assert kinds[InteractionKind.FOLLOW] == 0


def test_user_lookup_page(v2: Path) -> None:
    page = orjson.loads((v2 / "users.jsonl").read_bytes())
    assert len(page["data"]) == 96
    records = list(twarc2.parse(page))
    accounts = of(records, Account)
    # 96 entries, 4 users listed more than once: one account each.
    assert len(accounts) == len({a.id for a in accounts}) == 91
    first = accounts[0]
    assert first == Account(
        platform="twitter",
        id="119369819",
        handle="DoDirty78",
        display_name="DoDirtysHouse",
        bio="Love is the highest form of understanding",
        location="NC",
        created_at=utc(2010, 3, 3, 12, 49, 24),
        followers_count=580,
        following_count=518,
        posts_count=55186,
    )
    assert all(a.followers_count is not None and a.posts_count is not None for a in accounts)
    # includes.tweets holds the users' pinned tweets: posts by those users.
    pinned = of(records, Post)
    assert len(pinned) == 52
    assert next(p for p in pinned if p.id == "1434874170039545862").author_id == "119369819"


def test_single_object_data_and_a_truncated_stream(v2: Path) -> None:
    items = list(read_records(v2 / "streaming_output_with_error.jsonl"))
    bad = of(items, Quarantined)
    assert [(q.line, q.reason.startswith("invalid JSON")) for q in bad] == [(8, True)]
    assert bad[0].raw == b'{"data": {"author_id": "1021159080151404544"'
    posts = of(items, Post)
    assert {"1377650459033280516", "1377650500687044618"} <= {p.id for p in posts}
    reply = next(p for p in posts if p.id == "1377650459033280516")
    assert reply.reply_to_id == "1377645742874038274"


def test_a_page_with_data_and_errors_is_ingested(v2: Path) -> None:
    page = orjson.loads((v2 / "noflat.jsonl").read_bytes())
    assert page["errors"]
    assert len([p for p in twarc2.parse(page) if isinstance(p, Post)]) == 164


def test_lines_that_are_not_tweets_are_refused_with_a_reason(v2: Path) -> None:
    counts = list(read_records(v2 / "counts.jsonl"))
    assert [(q.line, q.reason) for q in counts] == [
        (1, "twarc2 counts response: not a tweet or user")
    ]
    lists = list(read_records(v2 / "lists.jsonl"))
    assert [q.reason for q in lists] == ["twarc2 list response: not a tweet or user"] * 2
    compliance = list(read_records(v2 / "tweets_compliance.jsonl"))
    assert [q.line for q in compliance] == [2, 3]  # line 1 is blank
    assert compliance[1].reason == (
        "twarc2 compliance record (delete 1170147183095664640, reason deactivated): "
        "not a tweet or user"
    )
    assert all(isinstance(q, Quarantined) for q in counts + lists + compliance)


def test_an_error_only_line_is_an_api_error() -> None:
    line = {
        "errors": [
            {"title": "Not Found Error", "detail": "Could not find tweet with id: [1]."},
            {"title": "Not Found Error", "detail": "Could not find tweet with id: [2]."},
        ]
    }
    assert twarc2.looks_twarc2(line)
    with pytest.raises(RecordError) as err:
        list(twarc2.parse(line))
    assert (
        str(err.value)
        == "API error: Not Found Error: Could not find tweet with id: [1]. (and 1 more)"
    )


# -- hostile records ---------------------------------------------------------------------


def tweet(**fields: object) -> dict:
    base: dict = {
        "id": "10",
        "author_id": "1",
        "text": "hello",
        "created_at": "2021-04-08T19:34:16.000Z",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (tweet(id=None), "id: missing id"),
        (tweet(id={"x": 1}), "id: expected a string id, got dict"),
        (tweet(author_id=None), "author_id: missing id"),
        (tweet(text=["a", "b"]), "text: expected text, got list"),
        (tweet(created_at="yesterday"), "created_at: not an ISO-8601 time: 'yesterday'"),
        (tweet(entities=[]), None),  # empty: nothing to read, not an error
        (tweet(entities="x"), "entities: expected an object, got str"),
        (tweet(entities={"mentions": "x"}), "entities.mentions: expected a list, got str"),
        (
            tweet(entities={"urls": [{"expanded_url": 5}]}),
            "entities.urls.expanded_url: expected text, got int",
        ),
        (
            tweet(referenced_tweets=[{"type": "liked", "id": "3"}]),
            "referenced_tweets[0].type: unknown reference type 'liked'; "
            "expected retweeted, quoted or replied_to",
        ),
        (tweet(referenced_tweets=[{"type": "quoted"}]), "referenced_tweets[0].id: missing id"),
        ({"data": [tweet(), tweet(id=None)]}, "data[1].id: missing id"),
        (
            {"data": [tweet()], "includes": {"users": [{"id": "1", "name": "x"}]}},
            "includes.users[0].username: missing username",
        ),
        (
            {
                "data": [tweet()],
                "includes": {
                    "users": [
                        {"id": "1", "username": "a", "public_metrics": {"followers_count": "many"}}
                    ]
                },
            },
            "includes.users[0].public_metrics.followers_count: expected an integer, got str",
        ),
        ({"data": [tweet()], "includes": []}, "includes: expected an object, got list"),
        ({"data": "x"}, "data: expected a list or an object, got str"),
        ({"data": [1]}, "data[0]: expected an object, got int"),
        (tweet(author={"id": "1", "username": ""}), "author.username: missing username"),
        ({"nothing": "here"}, "twarc2: not a tweet, user or API response page (keys: nothing)"),
        ([1, 2], "expected a JSON object, got list"),
    ],
)
def test_bad_records_name_the_field(line: object, message: str | None) -> None:
    if message is None:
        assert len(list(twarc2.parse(line))) == 1
        return
    with pytest.raises(RecordError) as err:
        list(twarc2.parse(line))
    assert str(err.value) == message


def test_entities_and_edges_from_a_hand_made_tweet() -> None:
    line = tweet(
        entities={
            "hashtags": [{"tag": "Dawla"}, {"tag": "DAWLA"}, {"tag": "news"}],
            "urls": [
                {"url": "https://t.co/a", "expanded_url": "https://example.org/a"},
                {"url": "https://t.co/b"},
            ],
            "mentions": [
                {"username": "me", "id": "1"},
                {"username": "x", "id": "7"},
                {"username": "y"},
            ],
        },
        referenced_tweets=[{"type": "replied_to", "id": "9"}],
        in_reply_to_user_id="1",
    )
    records = list(twarc2.parse(line))
    post = of(records, Post)[0]
    assert post.hashtags == ("dawla", "news")
    assert post.urls == ("https://example.org/a", "https://t.co/b")
    assert post.mentions == ("1", "7")  # a mention without an id cannot be resolved here
    assert post.reply_to_id == "9"
    # Replying to and mentioning oneself (a thread) draws no edge.
    assert [(i.kind, i.target_id) for i in of(records, Interaction)] == [
        (InteractionKind.MENTION, "7")
    ]


def test_reply_edge_falls_back_to_in_reply_to_user_id() -> None:
    line = tweet(referenced_tweets=[{"type": "replied_to", "id": "9"}], in_reply_to_user_id="5")
    edges = of(list(twarc2.parse(line)), Interaction)
    assert [(i.kind, i.source_id, i.target_id, i.post_id) for i in edges] == [
        (InteractionKind.REPLY, "1", "5", "10")
    ]


def test_repost_of_an_unavailable_tweet_keeps_the_id_but_draws_no_edge() -> None:
    records = list(twarc2.parse(tweet(referenced_tweets=[{"type": "retweeted", "id": "9"}])))
    assert of(records, Post)[0].repost_of_id == "9"
    assert of(records, Interaction) == []
