"""Domain objects to table rows and back. Rows are tuples in table column order, because bulk
writes hand them straight to the driver."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from cordon.domain import (
    Account,
    AccountRisk,
    AccountStatus,
    Action,
    ActionKind,
    EventName,
    Evidence,
    Interaction,
    InteractionKind,
    ModerationEvent,
    Post,
    Report,
    Span,
    SubjectKind,
    SubjectRef,
)
from cordon.store.base import OutboxEntry


def utc(value: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; everything in cordon is aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def dumps(value: Any) -> str:
    # Most posts have no urls, media or hashtags: skip the encoder for those (ingest hot path).
    if value == ():
        return "[]"
    return orjson.dumps(value).decode()


def loads(text: str | None) -> Any:
    return orjson.loads(text) if text else None


def account_digest(a: Account) -> str:
    """The profile's fingerprint. Status is left out: it has its own rule (see sql.py)."""
    joined = "\x1f".join(
        str(v)
        for v in (
            a.handle, a.display_name, a.bio, a.location, a.created_at, a.followers_count,
            a.following_count, a.posts_count, a.avatar_hash,
        )
    )
    return hashlib.blake2b(joined.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def account_row(a: Account) -> tuple:
    return (
        a.platform, a.id, a.handle, a.display_name, a.bio, a.location, a.created_at,
        a.followers_count, a.following_count, a.posts_count, a.avatar_hash, a.status.value,
        account_digest(a),
    )


def post_row(p: Post) -> tuple:
    return (
        p.platform, p.id, p.author_id, p.text, p.created_at, p.lang, dumps(p.urls),
        dumps(p.media_hashes), p.reply_to_id, p.repost_of_id, p.quote_of_id, dumps(p.mentions),
        dumps(p.hashtags),
    )


def interaction_row(i: Interaction) -> tuple:
    return (i.platform, i.post_id or "", i.kind.value, i.source_id, i.target_id, i.created_at, i.weight)


def report_row(r: Report) -> tuple:
    return (
        r.platform, r.id, r.reporter_id, r.subject.kind.value, r.subject.id, r.reason, r.text,
        r.created_at,
    )


def row_to_account(r: Mapping[str, Any]) -> Account:
    return Account(
        platform=r["platform"], id=r["id"], handle=r["handle"], display_name=r["display_name"],
        bio=r["bio"], location=r["location"], created_at=utc(r["created_at"]),
        followers_count=r["followers_count"], following_count=r["following_count"],
        posts_count=r["posts_count"], avatar_hash=r["avatar_hash"],
        status=AccountStatus(r["status"]),
    )


def row_to_post(r: Mapping[str, Any]) -> Post:
    return Post(
        platform=r["platform"], id=r["id"], author_id=r["author_id"], text=r["text"],
        created_at=utc(r["created_at"]), lang=r["lang"], urls=tuple(loads(r["urls"])),
        media_hashes=tuple(loads(r["media_hashes"])), reply_to_id=r["reply_to_id"],
        repost_of_id=r["repost_of_id"], quote_of_id=r["quote_of_id"],
        mentions=tuple(loads(r["mentions"])), hashtags=tuple(loads(r["hashtags"])),
    )


def row_to_post_skeleton(r: Mapping[str, Any]) -> Post:
    """A post's structure only (Store.post_skeletons): the text and the lists stay empty."""
    return Post(
        platform=r["platform"], id=r["id"], author_id=r["author_id"], text="",
        created_at=utc(r["created_at"]), reply_to_id=r["reply_to_id"],
        repost_of_id=r["repost_of_id"], quote_of_id=r["quote_of_id"],
    )


def row_to_interaction(r: Mapping[str, Any]) -> Interaction:
    return Interaction(
        platform=r["platform"], kind=InteractionKind(r["kind"]), source_id=r["source_id"],
        target_id=r["target_id"], created_at=utc(r["created_at"]), post_id=r["post_id"] or None,
        weight=r["weight"],
    )


def row_to_report(r: Mapping[str, Any]) -> Report:
    return Report(
        platform=r["platform"], id=r["id"], reporter_id=r["reporter_id"],
        subject=SubjectRef(SubjectKind(r["subject_kind"]), r["platform"], r["subject_id"]),
        reason=r["reason"], text=r["text"], created_at=utc(r["created_at"]),
    )


def evidence_to_json(e: Evidence) -> dict[str, Any]:
    return {
        "signal": e.signal, "subject": str(e.subject), "score": e.score, "summary": e.summary,
        "spans": [[s.start, s.end, s.label] for s in e.spans], "detail": e.detail,
    }


def evidence_from_json(d: Mapping[str, Any]) -> Evidence:
    return Evidence(
        signal=d["signal"], subject=SubjectRef.parse(d["subject"]), score=d["score"],
        summary=d["summary"], spans=tuple(Span(*s) for s in d["spans"]), detail=d["detail"],
    )


def risk_row(r: AccountRisk) -> tuple:
    return (
        r.account.platform, r.account.id, r.score, dumps(r.components),
        dumps([evidence_to_json(e) for e in r.evidence]),
    )


def row_to_risk(r: Mapping[str, Any]) -> AccountRisk:
    return AccountRisk(
        account=SubjectRef.account(r["platform"], r["account_id"]), score=r["score"],
        components=loads(r["components"]),
        evidence=tuple(evidence_from_json(e) for e in loads(r["evidence"])),
    )


def event_row(e: ModerationEvent) -> dict[str, Any]:
    return {
        "name": e.name.value, "actor": e.actor, "created": e.created, "subject": str(e.subject),
        "case_id": e.case_id, "reason": e.reason, "payload": dumps(e.payload),
    }


def row_to_event(r: Mapping[str, Any]) -> ModerationEvent:
    return ModerationEvent(
        name=EventName(r["name"]), actor=r["actor"], created=utc(r["created"]),
        subject=SubjectRef.parse(r["subject"]), case_id=r["case_id"], reason=r["reason"],
        payload=loads(r["payload"]) or {}, seq=r["seq"],
    )


def outbox_row(action: Action, key: str, requested: datetime) -> dict[str, Any]:
    return {
        "key": key, "kind": action.kind.value, "subject": str(action.subject), "actor": action.actor,
        "reason": action.reason, "case_id": action.case_id, "policy_clause": action.policy_clause,
        "requested": requested, "state": "pending", "attempts": 0,
    }


def row_to_outbox(r: Mapping[str, Any]) -> OutboxEntry:
    action = Action(
        kind=ActionKind(r["kind"]), subject=SubjectRef.parse(r["subject"]), actor=r["actor"],
        reason=r["reason"], case_id=r["case_id"], policy_clause=r["policy_clause"],
    )
    return OutboxEntry(
        id=r["id"], key=r["key"], action=action, requested=utc(r["requested"]), state=r["state"],
        attempts=r["attempts"], lease_owner=r["lease_owner"], lease_until=utc(r["lease_until"]),
        done_at=utc(r["done_at"]), event_seq=r["event_seq"], last_error=r["last_error"],
    )
