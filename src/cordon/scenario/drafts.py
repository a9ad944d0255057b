"""A post before it has an id: who wrote what, when, and which other drafts it points at.

Drafts reference each other directly, so ids can be handed out afterwards (snowflakes need
the final time) and a referenced post's author is always at hand for the native format's
*_author_id keys and for the twarc2 export.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cordon.domain import Post
from cordon.scenario import ids


@dataclass(slots=True, eq=False)
class Draft:
    author: int  # account position in the plan
    ts: int  # Unix seconds
    text: str
    lang: str
    kind: str  # what the generator meant it as: "release", "threat", "everyday", ...
    urls: tuple[str, ...] = ()
    media: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()  # lower-case, no '#'
    mentions: tuple[int, ...] = ()  # account positions
    reply_to: Draft | None = None
    repost_of: Draft | None = None
    quote_of: Draft | None = None
    obfuscated: bool = False
    id: str = ""

    def assign(self, serial: int) -> None:
        self.id = ids.post_id(self.ts, serial)

    def to_post(self, platform: str, account_id: Callable[[int], str]) -> Post:
        return Post(
            platform=platform,
            id=self.id,
            author_id=account_id(self.author),
            text=self.text,
            created_at=ids.when(self.ts),
            lang=self.lang,
            urls=self.urls,
            media_hashes=self.media,
            reply_to_id=self.reply_to.id if self.reply_to is not None else None,
            repost_of_id=self.repost_of.id if self.repost_of is not None else None,
            quote_of_id=self.quote_of.id if self.quote_of is not None else None,
            mentions=tuple(account_id(m) for m in self.mentions),
            hashtags=self.hashtags,
        )


def sort_key(draft: Draft) -> tuple[int, int]:
    return draft.ts, draft.author


def tags_of(tags: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Hashtags as Post keeps them: lower-case, without '#', first occurrence kept."""
    return tuple(dict.fromkeys(tag.lower() for tag in tags))


def repost(original: Draft, author: int, ts: int, original_handle: str) -> Draft:
    """A retweet: Twitter's "RT @author: text", carrying the original's entities."""
    return Draft(
        author,
        ts,
        f"RT @{original_handle}: {original.text}",
        original.lang,
        "repost",
        urls=original.urls,
        media=original.media,
        hashtags=original.hashtags,
        repost_of=original,
    )


class Timeline:
    """Drafts sorted by time, for picking something recent to repost, reply to or quote."""

    def __init__(self, drafts: Sequence[Draft]) -> None:
        self.drafts = sorted(drafts, key=sort_key)
        self.times = [d.ts for d in self.drafts]

    def __len__(self) -> int:
        return len(self.drafts)

    def recent(self, ts: int, horizon: int, rng: random.Random) -> Draft | None:
        """A draft made in [ts - horizon, ts), the newest ones likelier (attention decays)."""
        hi = bisect_left(self.times, ts)
        lo = bisect_left(self.times, ts - horizon)
        if hi <= lo:
            return None
        return self.drafts[hi - 1 - int((hi - lo) * rng.random() ** 2)]
