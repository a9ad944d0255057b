"""Known content: posts whose media or links are on the match lists in the store.

The highest-precision signals a platform has: people who saw the content put it on the list.
Each match is evidence on the post, and an account's components are its strongest match of
each kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cordon.domain import Evidence, Post
from cordon.domain.lists import HASH_KINDS, LINK_KINDS
from cordon.signals.links import LinkSignal
from cordon.signals.media.signal import MediaMatchSignal
from cordon.store import Store


@dataclass(frozen=True, slots=True)
class KnownScores:
    media: float = 0.0
    links: float = 0.0
    evidence: tuple[Evidence, ...] = ()


NOTHING_KNOWN = KnownScores()


class KnownContent:
    def __init__(self, media: MediaMatchSignal | None, links: LinkSignal | None) -> None:
        self.media = media
        self.links = links

    @classmethod
    def from_store(cls, store: Store) -> KnownContent | None:
        """The store's lists, less the entries marked false positive; None without any."""
        entries = list(store.list_entries())
        hashes = [(name, e) for name, e in entries if e.kind in HASH_KINDS]
        links = [(name, e) for name, e in entries if e.kind in LINK_KINDS]
        if not hashes and not links:
            return None
        return cls(MediaMatchSignal(hashes) if hashes else None, LinkSignal(links) if links else None)

    def score_posts(self, posts: Sequence[Post]) -> KnownScores:
        """One account's posts: its strongest media and link matches, with every match's
        evidence (on the post it was found in)."""
        media_evidence: list[Evidence] = []
        link_evidence: list[Evidence] = []
        if self.media is not None:
            with_media = [p for p in posts if p.media_hashes]
            for found in self.media.match_many([(p.media_hashes, p.ref) for p in with_media]):
                media_evidence.extend(found)
        if self.links is not None:
            for p in posts:
                if p.urls:
                    link_evidence.extend(self.links.match(p.urls, p.ref))
        if not media_evidence and not link_evidence:
            return NOTHING_KNOWN
        return KnownScores(
            media=max((e.score for e in media_evidence), default=0.0),
            links=max((e.score for e in link_evidence), default=0.0),
            evidence=tuple(sorted(media_evidence, key=lambda e: -e.score) + sorted(link_evidence, key=lambda e: -e.score)),
        )
