"""The files a world is written to: deterministic, parseable, and with truth kept apart."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import orjson

from cordon.domain import Account, Interaction, InteractionKind, Post, Report
from cordon.ingest import native
from cordon.scenario import (
    GroundTruth,
    Scenario,
    ScenarioConfig,
    ScenarioFiles,
    generate,
    stream,
    write_scenario,
    write_twarc2_corpus,
)

ROLE_WORDS = (
    "role",
    "hub",
    "supporter",
    "official",
    "returning",
    "journalist",
    "researcher",
    "brigade",
    "counter_speech",
    "violat",
    "threat",
    "truth",
    "ordinary",
)
NATIVE_KEYS = {
    "account": set(native.to_json(Account("p", "1", "h"))),
    "post": set(native.to_json(Post("p", "1", "2", "")))
    | {"repost_of_author_id", "quote_of_author_id", "reply_to_author_id"},
    "interaction": set(native.to_json(Interaction("p", InteractionKind.FOLLOW, "1", "2"))),
}


def _bytes(files: ScenarioFiles) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in [files.truth, *files.data]}


def test_same_seed_same_bytes_other_seed_other_bytes(
    small_config: ScenarioConfig, tmp_path: Path
) -> None:
    first = _bytes(write_scenario(generate(small_config), tmp_path / "a"))
    second = _bytes(write_scenario(generate(small_config), tmp_path / "b"))
    assert first == second
    other = ScenarioConfig(
        seed=8, accounts=small_config.accounts, chunk_size=small_config.chunk_size
    )
    third = _bytes(write_scenario(generate(other), tmp_path / "c"))
    assert third["platform.jsonl"] != first["platform.jsonl"]
    assert third["truth.json"] != first["truth.json"]


def test_twarc2_output_is_deterministic(
    small_config: ScenarioConfig, small_twarc2: ScenarioFiles, tmp_path: Path
) -> None:
    again = write_scenario(generate(small_config), tmp_path, fmt="twarc2")
    assert _bytes(again) == _bytes(small_twarc2)


def test_streaming_writes_the_same_bytes_as_lists(
    small_config: ScenarioConfig, tmp_path: Path
) -> None:
    listed = _bytes(write_scenario(generate(small_config), tmp_path / "listed"))
    streamed = _bytes(write_scenario(stream(small_config), tmp_path / "streamed"))
    assert listed == streamed


def test_every_line_parses_and_gives_back_the_world(
    world: Scenario, world_files: ScenarioFiles
) -> None:
    lines = world_files.platform.read_bytes().splitlines()
    records = [
        r for line in lines for r in native.parse(orjson.loads(line))
    ]  # raises RecordError if bad
    kinds = Counter(type(r).__name__ for r in records)
    assert kinds["Account"] == len(world.accounts)
    assert kinds["Post"] == len(world.posts)
    assert kinds["Report"] == len(world.reports)
    # The edges native.parse derives from the posts, plus the follow records, are the world's.
    parsed = Counter(repr(r) for r in records if isinstance(r, Interaction))
    assert parsed == Counter(repr(i) for i in world.interactions)
    assert [r for r in records if isinstance(r, Account)] == world.accounts
    assert [r for r in records if isinstance(r, Report)] == world.reports


def test_only_follows_are_written_as_interaction_records(world_files: ScenarioFiles) -> None:
    kinds = Counter()
    for line in world_files.platform.read_bytes().splitlines():
        obj = orjson.loads(line)
        if obj["type"] == "interaction":
            kinds[obj["kind"]] += 1
    assert set(kinds) == {"follow"}


def test_truth_is_kept_out_of_the_platform_file(
    world: Scenario, world_files: ScenarioFiles
) -> None:
    assert world_files.truth.name == "truth.json" and world_files.truth != world_files.platform
    assert GroundTruth.load(world_files.truth) == world.truth
    seen_types = set()
    for line in world_files.platform.read_bytes().splitlines():
        obj = orjson.loads(line)
        seen_types.add(obj["type"])
        if obj["type"] == "report":
            continue
        assert set(obj) <= NATIVE_KEYS[obj["type"]], set(obj) - NATIVE_KEYS[obj["type"]]
        assert not any(word in key for key in obj for word in ROLE_WORDS)
    assert seen_types == {"account", "post", "interaction", "report"}


def test_records_come_in_sections(world_files: ScenarioFiles) -> None:
    order = []
    for line in world_files.platform.read_bytes().splitlines():
        kind = orjson.loads(line)["type"]
        if not order or order[-1] != kind:
            order.append(kind)
    assert order == ["account", "post", "interaction", "report"]


def test_twarc2_lines_have_the_flattened_shape(small_twarc2: ScenarioFiles) -> None:
    tweets = [orjson.loads(line) for line in small_twarc2.tweets.read_bytes().splitlines()]
    assert len(tweets) > 1000
    kinds = Counter()
    for tweet in tweets:
        assert {
            "id",
            "text",
            "author_id",
            "created_at",
            "lang",
            "author",
            "public_metrics",
            "conversation_id",
        } <= set(tweet)
        assert tweet["created_at"].endswith(".000Z")
        author = tweet["author"]
        assert author["id"] == tweet["author_id"]
        assert {
            "id",
            "username",
            "name",
            "description",
            "location",
            "created_at",
            "public_metrics",
        } <= set(author)
        assert set(author["public_metrics"]) == {
            "followers_count",
            "following_count",
            "tweet_count",
            "listed_count",
        }
        entities = tweet.get("entities", {})
        for tag in entities.get("hashtags", []):
            assert tweet["text"][tag["start"] : tag["end"]] == "#" + tag["tag"]
        for mention in entities.get("mentions", []):
            assert {"username", "id"} <= set(mention)
            assert tweet["text"][mention["start"] : mention["end"]] == "@" + mention["username"]
        for url in entities.get("urls", []):
            assert url["url"].startswith("https://t.co/") and url["expanded_url"].startswith(
                "https://"
            )
            assert tweet["text"][url["start"] : url["end"]] == url["url"]
        for ref in tweet.get("referenced_tweets", []):
            kinds[ref["type"]] += 1
            assert ref["type"] in ("retweeted", "quoted", "replied_to")
            assert {"id", "author_id", "author", "text"} <= set(ref)
            assert ref["author"]["id"] == ref["author_id"]
            if ref["type"] == "retweeted":
                assert tweet["text"].startswith("RT @" + ref["author"]["username"] + ": ")
            if ref["type"] == "replied_to":
                assert tweet["in_reply_to_user_id"] == ref["author_id"]
    assert all(kinds[k] > 50 for k in ("retweeted", "quoted", "replied_to"))


def test_twarc2_follows_and_reports(
    small_config: ScenarioConfig, small_twarc2: ScenarioFiles
) -> None:
    world = generate(small_config)
    with small_twarc2.follows.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["follower_id", "followee_id"]
    assert [tuple(r) for r in rows[1:]] == [(f.source_id, f.target_id) for f in world.follows]
    reports = [
        r
        for line in small_twarc2.reports.read_bytes().splitlines()
        for r in native.parse(orjson.loads(line))
    ]
    assert reports == world.reports
    assert small_twarc2.platform is None


def test_corpus_writer_reaches_its_size_with_unique_tweets(tmp_path: Path) -> None:
    stats = write_twarc2_corpus(tmp_path / "corpus.jsonl", 3_000_000, seed=3, pool_accounts=1_000)
    data = (tmp_path / "corpus.jsonl").read_bytes()
    assert stats.bytes == len(data) and 3_000_000 <= len(data) < 3_000_000 + 20_000
    tweets = [orjson.loads(line) for line in data.splitlines()]
    assert len(tweets) == stats.tweets
    assert len({t["id"] for t in tweets}) == len(tweets)
    assert all("author" in t and "text" in t for t in tweets)
    again = write_twarc2_corpus(tmp_path / "again.jsonl", 3_000_000, seed=3, pool_accounts=1_000)
    assert (tmp_path / "again.jsonl").read_bytes() == data and again.tweets == stats.tweets
