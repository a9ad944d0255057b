"""cordon's own JSONL format: one record a line, with a "type". Documented in docs/formats.md.

It is the one format that carries follows and reports as well as accounts and posts, and the
format the scenario generator writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cordon.domain import (
    Account,
    AccountStatus,
    Interaction,
    InteractionKind,
    Post,
    Report,
    SubjectKind,
    SubjectRef,
)
from cordon.errors import RecordError
from cordon.ingest import fields as f
from cordon.ingest.records import Record

DEFAULT_PLATFORM = "native"
RECORD_TYPES = ("account", "post", "interaction", "report")


def looks_native(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("type") in RECORD_TYPES


def parse(obj: Any) -> Iterator[Record]:
    """The records one line stands for. A post also yields the interactions it carries."""
    if not isinstance(obj, dict):
        raise RecordError(f"expected a JSON object, got {type(obj).__name__}")
    kind = obj.get("type")
    platform = f.text(obj, "platform", DEFAULT_PLATFORM) or DEFAULT_PLATFORM
    if kind == "account":
        yield _account(obj, platform)
    elif kind == "post":
        post = _post(obj, platform)
        yield post
        yield from _post_interactions(obj, post)
    elif kind == "interaction":
        yield _interaction(obj, platform)
    elif kind == "report":
        yield _report(obj, platform)
    else:
        raise RecordError(f"unknown record type {kind!r}; expected one of {', '.join(RECORD_TYPES)}", "type")


def _account(obj: dict[str, Any], platform: str) -> Account:
    status = f.text(obj, "status", AccountStatus.ACTIVE.value)
    try:
        account_status = AccountStatus(status)
    except ValueError:
        raise RecordError(f"unknown status {status!r}", "status") from None
    return Account(
        platform=platform,
        id=f.require_id(obj, "id"),
        handle=f.text(obj, "handle"),
        display_name=f.text(obj, "display_name"),
        bio=f.text(obj, "bio"),
        location=f.text(obj, "location"),
        created_at=f.timestamp(obj, "created_at"),
        followers_count=f.optional_int(obj, "followers_count"),
        following_count=f.optional_int(obj, "following_count"),
        posts_count=f.optional_int(obj, "posts_count"),
        avatar_hash=f.text(obj, "avatar_hash") or None,
        status=account_status,
    )


def _post(obj: dict[str, Any], platform: str) -> Post:
    return Post(
        platform=platform,
        id=f.require_id(obj, "id"),
        author_id=f.require_id(obj, "author_id"),
        text=f.text(obj, "text"),
        created_at=f.timestamp(obj, "created_at"),
        lang=f.text(obj, "lang") or None,
        urls=f.string_list(obj, "urls"),
        media_hashes=f.string_list(obj, "media_hashes"),
        reply_to_id=f.optional_id(obj, "reply_to_id"),
        repost_of_id=f.optional_id(obj, "repost_of_id"),
        quote_of_id=f.optional_id(obj, "quote_of_id"),
        mentions=f.string_list(obj, "mentions"),
        hashtags=tuple(h.lower().lstrip("#") for h in f.string_list(obj, "hashtags")),
    )


# Optional post fields naming the author of the referenced post, so the edge can be drawn
# without looking the referenced post up.
_REFERENCE_AUTHORS = (
    ("repost_of_author_id", InteractionKind.REPOST),
    ("quote_of_author_id", InteractionKind.QUOTE),
    ("reply_to_author_id", InteractionKind.REPLY),
)


def _post_interactions(obj: dict[str, Any], post: Post) -> Iterator[Interaction]:
    for field, kind in _REFERENCE_AUTHORS:
        target = f.optional_id(obj, field)
        if target is not None:
            yield Interaction(post.platform, kind, post.author_id, target, post.created_at, post.id)
    for target in post.mentions:
        yield Interaction(
            post.platform, InteractionKind.MENTION, post.author_id, target, post.created_at, post.id
        )


def _interaction(obj: dict[str, Any], platform: str) -> Interaction:
    kind = f.text(obj, "kind")
    try:
        interaction_kind = InteractionKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in InteractionKind)
        raise RecordError(f"unknown interaction kind {kind!r}; expected one of {allowed}", "kind") from None
    return Interaction(
        platform=platform,
        kind=interaction_kind,
        source_id=f.require_id(obj, "source_id"),
        target_id=f.require_id(obj, "target_id"),
        created_at=f.timestamp(obj, "created_at"),
        post_id=f.optional_id(obj, "post_id"),
        weight=f.optional_float(obj, "weight", 1.0),
    )


def _report(obj: dict[str, Any], platform: str) -> Report:
    subject_kind = f.text(obj, "subject_kind", SubjectKind.ACCOUNT.value)
    try:
        kind = SubjectKind(subject_kind)
    except ValueError:
        raise RecordError(f"unknown subject kind {subject_kind!r}", "subject_kind") from None
    return Report(
        platform=platform,
        id=f.require_id(obj, "id"),
        reporter_id=f.require_id(obj, "reporter_id"),
        subject=SubjectRef(kind, platform, f.require_id(obj, "subject_id")),
        reason=f.text(obj, "reason", "other") or "other",
        text=f.text(obj, "text"),
        created_at=f.timestamp(obj, "created_at"),
    )


def to_json(record: Record) -> dict[str, Any]:
    """The native line for a record: the inverse of parse (derived interactions aside)."""
    if isinstance(record, Account):
        return {
            "type": "account",
            "platform": record.platform,
            "id": record.id,
            "handle": record.handle,
            "display_name": record.display_name,
            "bio": record.bio,
            "location": record.location,
            "created_at": f.isoformat(record.created_at),
            "followers_count": record.followers_count,
            "following_count": record.following_count,
            "posts_count": record.posts_count,
            "avatar_hash": record.avatar_hash,
            "status": record.status.value,
        }
    if isinstance(record, Post):
        return {
            "type": "post",
            "platform": record.platform,
            "id": record.id,
            "author_id": record.author_id,
            "text": record.text,
            "created_at": f.isoformat(record.created_at),
            "lang": record.lang,
            "urls": list(record.urls),
            "media_hashes": list(record.media_hashes),
            "reply_to_id": record.reply_to_id,
            "repost_of_id": record.repost_of_id,
            "quote_of_id": record.quote_of_id,
            "mentions": list(record.mentions),
            "hashtags": list(record.hashtags),
        }
    if isinstance(record, Interaction):
        return {
            "type": "interaction",
            "platform": record.platform,
            "kind": record.kind.value,
            "source_id": record.source_id,
            "target_id": record.target_id,
            "created_at": f.isoformat(record.created_at),
            "post_id": record.post_id,
            "weight": record.weight,
        }
    if isinstance(record, Report):
        return {
            "type": "report",
            "platform": record.platform,
            "id": record.id,
            "reporter_id": record.reporter_id,
            "subject_kind": record.subject.kind.value,
            "subject_id": record.subject.id,
            "reason": record.reason,
            "text": record.text,
            "created_at": f.isoformat(record.created_at),
        }
    raise TypeError(f"not a cordon record: {type(record).__name__}")
