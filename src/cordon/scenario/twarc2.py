"""The world as twarc2 would have collected it: flattened v2 tweets, one a line.

The shape follows twarc2's `flatten` output (see ../shared/data/twitter_v2_fixtures/flat.jsonl):
the author and every referenced tweet inlined, entities with code-point offsets, links
wrapped in t.co as Twitter showed them. Follows, which the v2 tweet stream does not carry,
go to follows.csv; reports, which no Twitter export has, to reports.jsonl in the native format.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson

from cordon.domain import Account, Post
from cordon.scenario.generate import Scenario, ScenarioStream
from cordon.scenario.writer import write_reports

_HASHTAG = re.compile(r"(?<![\w&])#(\w+)")
_SOURCES = ("Twitter for Android", "Twitter for iPhone", "Twitter Web Client", "TweetDeck")
_DEFAULT_AVATAR = "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
_BUFFER = 1 << 20


def twitter_time(value: datetime | None) -> str | None:
    """Twitter v2's timestamp: '2015-06-01T12:34:56.000Z'."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def tco(url: str) -> str:
    """A stable t.co wrapper for a link: a retweet shows the same wrapper as the original."""
    digest = hashlib.blake2b(url.encode(), digest_size=8).hexdigest()
    return f"https://t.co/{digest[:10]}"


def user(account: Account) -> dict[str, Any]:
    followers = account.followers_count or 0
    avatar = _DEFAULT_AVATAR
    if account.avatar_hash:
        picture, name = int(account.avatar_hash[:12], 16), account.avatar_hash[12:20]
        avatar = f"https://pbs.twimg.com/profile_images/{picture}/{name}_normal.jpg"
    return {
        "id": account.id,
        "username": account.handle,
        "name": account.display_name,
        "description": account.bio,
        "location": account.location,
        "created_at": twitter_time(account.created_at),
        "public_metrics": {
            "followers_count": followers,
            "following_count": account.following_count or 0,
            "tweet_count": account.posts_count or 0,
            "listed_count": followers // 40,
        },
        "protected": False,
        "verified": False,
        "url": "",
        "profile_image_url": avatar,
    }


def _entities(text: str, post: Post, mentioned: list[Account]) -> tuple[str, dict[str, Any]]:
    """The tweet's text as Twitter showed it (links wrapped) and its entities with offsets."""
    urls = []
    for url in dict.fromkeys(post.urls):
        short = tco(url)
        at = text.find(url)
        if at < 0:
            continue
        text = text[:at] + short + text[at + len(url) :]
        display = url.split("://", 1)[-1]
        urls.append(
            {
                "start": at,
                "end": at + len(short),
                "url": short,
                "expanded_url": url,
                "display_url": display if len(display) <= 26 else display[:25] + "…",
            }
        )
    entities: dict[str, Any] = {}
    mentions = []
    for account in mentioned:
        at = _find_handle(text, account.handle)
        if at >= 0:
            mentions.append(
                {
                    "start": at,
                    "end": at + 1 + len(account.handle),
                    "username": account.handle,
                    "id": account.id,
                }
            )
    hashtags = [
        {"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in _HASHTAG.finditer(text)
    ]
    if hashtags:
        entities["hashtags"] = hashtags
    if mentions:
        entities["mentions"] = sorted(mentions, key=lambda m: m["start"])
    if urls:
        # A retweet repeats links of the original; offsets follow each wrapped link's position.
        entities["urls"] = sorted(urls, key=lambda u: u["start"])
    return text, entities


def _find_handle(text: str, handle: str) -> int:
    """Where "@handle" stands on its own (not as the start of a longer handle), or -1."""
    token = f"@{handle}"
    at = text.find(token)
    while at >= 0:
        after = at + len(token)
        if after == len(text) or not (text[after].isalnum() or text[after] == "_"):
            return at
        at = text.find(token, at + 1)
    return -1


def _conversation(post: Post) -> str:
    return post.reply_to_id or post.id


def _tweet(post: Post, author: Account, mentioned: list[Account]) -> dict[str, Any]:
    text, entities = _entities(post.text, post, mentioned)
    tweet: dict[str, Any] = {
        "id": post.id,
        "text": text,
        "author_id": post.author_id,
        "created_at": twitter_time(post.created_at),
        "lang": post.lang or "und",
        "conversation_id": _conversation(post),
        "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0},
        "possibly_sensitive": False,
        "reply_settings": "everyone",
        "source": _SOURCES[int(author.id) % len(_SOURCES)],
        "author": user(author),
    }
    if entities:
        tweet["entities"] = entities
    return tweet


def flatten(
    post: Post,
    account: Callable[[str], Account],
    referenced: dict[str, Post],
    retrieved_at: str = "2015-07-01T00:00:00+00:00",
) -> dict[str, Any]:
    """One flattened twarc2 tweet for `post`. `account` looks an account up by id;
    `referenced` holds the posts it reposts, quotes or replies to."""
    author = account(post.author_id)
    mentioned = [account(m) for m in post.mentions]
    if post.repost_of_id is not None and post.repost_of_id in referenced:
        # Twitter lists the retweeted author among a retweet's mentions.
        mentioned.insert(0, account(referenced[post.repost_of_id].author_id))
    tweet = _tweet(post, author, mentioned)
    refs = []
    for ref_id, kind in (
        (post.repost_of_id, "retweeted"),
        (post.quote_of_id, "quoted"),
        (post.reply_to_id, "replied_to"),
    ):
        if ref_id is None:
            continue
        original = referenced.get(ref_id)
        if original is None:
            refs.append({"type": kind, "id": ref_id})
            continue
        inner = _tweet(
            original, account(original.author_id), [account(m) for m in original.mentions]
        )
        inner["type"] = kind
        refs.append(inner)
        if kind == "replied_to":
            tweet["in_reply_to_user_id"] = original.author_id
            tweet["in_reply_to_user"] = inner["author"]
            tweet["conversation_id"] = _conversation(original)
    if refs:
        tweet["referenced_tweets"] = refs
    tweet["__twarc"] = {
        "url": "https://api.twitter.com/2/tweets/search/all",
        "version": "2.0.3",
        "retrieved_at": retrieved_at,
    }
    return tweet


def write_twarc2(scenario: Scenario | ScenarioStream, directory: Path) -> tuple[Path, Path, Path]:
    """tweets.jsonl, follows.csv and reports.jsonl for `scenario` in `directory`."""
    tweets = directory / "tweets.jsonl"
    follows = directory / "follows.csv"
    reports = directory / "reports.jsonl"
    end = scenario.config.end_ts
    retrieved = datetime.fromtimestamp(end, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    dumps = orjson.dumps
    with (
        tweets.open("wb", buffering=_BUFFER) as t_out,
        follows.open("w", buffering=_BUFFER, newline="") as f_out,
    ):
        f_out.write("follower_id,followee_id\n")
        for batch in scenario.batches():
            lines = [
                dumps(flatten(p, scenario.account, batch.referenced, retrieved))
                for p in batch.posts
            ]
            if lines:
                t_out.write(b"\n".join(lines) + b"\n")
            cols = batch.follow_columns
            pairs = (
                zip(cols.source.tolist(), cols.target.tolist(), strict=True)
                if cols is not None
                else ((f.source_id, f.target_id) for f in batch.follows)
            )
            f_out.write("".join(f"{s},{t}\n" for s, t in pairs))
    with reports.open("wb", buffering=_BUFFER) as r_out:
        write_reports(r_out, scenario.reports)
    return tweets, follows, reports
