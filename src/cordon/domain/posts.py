"""A post (tweet, status, toot) with the entities detectors and the graph need."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cordon.domain.subjects import SubjectRef


@dataclass(slots=True)
class Post:
    platform: str
    id: str
    author_id: str
    text: str
    created_at: datetime | None = None
    lang: str | None = None
    # Expanded URLs where the source gives them (twarc2 entities), not t.co wrappers.
    urls: tuple[str, ...] = ()
    media_hashes: tuple[str, ...] = ()
    reply_to_id: str | None = None
    repost_of_id: str | None = None
    quote_of_id: str | None = None
    # Account ids of the mentioned accounts.
    mentions: tuple[str, ...] = ()
    # Lower-cased, without the leading '#'.
    hashtags: tuple[str, ...] = ()

    @property
    def ref(self) -> SubjectRef:
        return SubjectRef.post(self.platform, self.id)

    @property
    def author_ref(self) -> SubjectRef:
        return SubjectRef.account(self.platform, self.author_id)
