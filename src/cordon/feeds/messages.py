"""Records to stream messages, for every feed.

A post goes as one message that carries its edges: the envelope's reader (native.parse)
re-derives a post's mentions and, from the optional `*_author_id` fields, its reply, repost
and quote edges. Publishing those edges again beside the post would count each twice, so
they ride inside the post's message, and only edges that belong to no post in the batch
(follows, say) go as messages of their own.
"""

from __future__ import annotations

from collections.abc import Sequence

from cordon.domain import Interaction, InteractionKind, Post
from cordon.ingest import native
from cordon.ingest.records import Record
from cordon.stream import envelope

_AUTHOR_FIELDS = {
    InteractionKind.REPOST: "repost_of_author_id",
    InteractionKind.QUOTE: "quote_of_author_id",
    InteractionKind.REPLY: "reply_to_author_id",
}


def to_messages(records: Sequence[Record]) -> list[tuple[bytes, bytes]]:
    """(key, value) messages for the records, in their order."""
    posts = {(r.platform, r.id): r for r in records if isinstance(r, Post)}
    carried: dict[tuple[str, str], dict[str, str]] = {}
    out_of_posts: set[int] = set()
    for i, r in enumerate(records):
        if not isinstance(r, Interaction) or r.post_id is None:
            continue
        post = posts.get((r.platform, r.post_id))
        if post is None or post.author_id != r.source_id:
            continue
        if r.kind is InteractionKind.MENTION and r.target_id in post.mentions:
            out_of_posts.add(i)
        elif r.kind in _AUTHOR_FIELDS:
            carried.setdefault((r.platform, r.post_id), {})[_AUTHOR_FIELDS[r.kind]] = r.target_id
            out_of_posts.add(i)
    messages = []
    for i, r in enumerate(records):
        if i in out_of_posts:
            continue
        if isinstance(r, Post):
            line = native.to_json(r)
            line.update(carried.get((r.platform, r.id), {}))
            messages.append(envelope.encode_line(line))
        else:
            messages.append(envelope.encode(r))
    return messages
