"""Bluesky records, as Jetstream delivers them, to cordon records. Plain dicts in, no SDK:
the adapter (jetstream.py) hands each commit over as the JSON it arrived as.

What maps (platform "bluesky"; an account's id is its DID, a post's its at:// URI):
- app.bsky.feed.post: a Post (text, langs, links, mentions and tags from its facets, the
  reply parent and a quoted post), with REPLY and QUOTE edges to their authors.
- app.bsky.graph.follow: a FOLLOW edge to the subject DID.
- app.bsky.feed.repost: a REPOST edge to the reposted post's author (the edge's post_id is
  the repost record's URI, which identifies it).
- app.bsky.actor.profile: the Account (display name, description, created, and the avatar
  blob's CID as its avatar hash: the same image uploaded again has the same CID, which is
  what a returning account does). The handle is not in the record: it is the one the last
  #identity event gave for the DID, else the DID.

A delete, an update of anything but a profile, or another collection is no cordon record:
`commit_records` returns None for it (the caller counts it). A record that claims to be one
of the four but is malformed raises RecordError, and the caller quarantines it.
"""

from __future__ import annotations

from typing import Any

from cordon.domain import Account, Interaction, InteractionKind, Post
from cordon.errors import RecordError
from cordon.ingest import fields as f
from cordon.ingest.records import Record

PLATFORM = "bluesky"
POST = "app.bsky.feed.post"
FOLLOW = "app.bsky.graph.follow"
REPOST = "app.bsky.feed.repost"
PROFILE = "app.bsky.actor.profile"
COLLECTIONS = (POST, FOLLOW, REPOST, PROFILE)


def commit_records(commit: dict[str, Any], handles: dict[str, str] | None = None) -> list[Record] | None:
    """The records of one commit event (did, collection, operation, rkey, record), or None
    when it is not one cordon takes."""
    collection = commit.get("collection")
    operation = commit.get("operation")
    if collection not in COLLECTIONS or operation not in ("create", "update"):
        return None
    if operation == "update" and collection != PROFILE:
        return None
    did = _did(commit.get("did"), "did")
    rkey = commit.get("rkey")
    if not isinstance(rkey, str) or not rkey:
        raise RecordError("missing rkey", "rkey")
    record = commit.get("record")
    if not isinstance(record, dict):
        raise RecordError("missing record", "record")
    uri = f"at://{did}/{collection}/{rkey}"
    try:
        if collection == POST:
            return _post(did, uri, record)
        if collection == FOLLOW:
            subject = _did(record.get("subject"), "subject")
            return [Interaction(PLATFORM, InteractionKind.FOLLOW, did, subject, _created(record), uri)]
        if collection == REPOST:
            author = _author_of(_strong_ref(record, "subject"), "subject.uri")
            return [Interaction(PLATFORM, InteractionKind.REPOST, did, author, _created(record), uri)]
        return [_profile(did, record, (handles or {}).get(did))]
    except RecordError as err:
        raise RecordError(err.reason, f"record.{err.field}" if err.field else "record") from None


def _did(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.startswith("did:"):
        raise RecordError(f"expected a DID, got {value!r}", field)
    return value


def _author_of(uri: str, field: str) -> str:
    """The DID in at://<did>/<collection>/<rkey>."""
    if not uri.startswith("at://"):
        raise RecordError(f"expected an at:// URI, got {uri!r}", field)
    return _did(uri[5:].split("/", 1)[0], field)


def _strong_ref(record: dict[str, Any], field: str, where: str = "") -> str:
    ref = record.get(field)
    if not isinstance(ref, dict) or not isinstance(ref.get("uri"), str):
        raise RecordError("expected {uri, cid}", where + field)
    return ref["uri"]


def _created(record: dict[str, Any]):
    return f.timestamp(record, "createdAt")


def _post(did: str, uri: str, record: dict[str, Any]) -> list[Record]:
    text = record.get("text", "")
    if not isinstance(text, str):
        raise RecordError(f"expected a string, got {type(text).__name__}", "text")
    created = _created(record)
    mentions, tags, links = _facets(record.get("facets"))
    edges: list[tuple[InteractionKind, str]] = []
    reply_to = None
    reply = record.get("reply")
    if reply is not None:
        if not isinstance(reply, dict):
            raise RecordError("expected {root, parent}", "reply")
        reply_to = _strong_ref(reply, "parent", "reply.")
        edges.append((InteractionKind.REPLY, _author_of(reply_to, "reply.parent.uri")))
    quote_of = None
    embed = record.get("embed")
    if isinstance(embed, dict):
        kind = embed.get("$type", "")
        inner = embed.get("record") if kind == "app.bsky.embed.recordWithMedia" else embed
        if kind in ("app.bsky.embed.record", "app.bsky.embed.recordWithMedia") and isinstance(inner, dict):
            quote_of = _strong_ref(inner, "record", "embed.")
            edges.append((InteractionKind.QUOTE, _author_of(quote_of, "embed.record.uri")))
        external = embed.get("external")
        if kind == "app.bsky.embed.external" and isinstance(external, dict):
            link = external.get("uri")
            if isinstance(link, str) and link and link not in links:
                links.append(link)
    langs = record.get("langs")
    lang = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None
    post = Post(
        platform=PLATFORM, id=uri, author_id=did, text=text, created_at=created, lang=lang,
        urls=tuple(links), reply_to_id=reply_to, quote_of_id=quote_of,
        mentions=tuple(mentions), hashtags=tuple(tags),
    )
    out: list[Record] = [post]
    out.extend(Interaction(PLATFORM, k, did, t, created, uri) for k, t in edges if t != did)
    out.extend(Interaction(PLATFORM, InteractionKind.MENTION, did, m, created, uri) for m in mentions if m != did)
    return out


def _facets(facets: Any) -> tuple[list[str], list[str], list[str]]:
    """Mentioned DIDs, hashtags (lower case) and links, in order, without repeats."""
    mentions: list[str] = []
    tags: list[str] = []
    links: list[str] = []
    if facets is None:
        return mentions, tags, links
    if not isinstance(facets, list):
        raise RecordError("expected a list", "facets")
    for facet in facets:
        features = facet.get("features") if isinstance(facet, dict) else None
        if not isinstance(features, list):
            raise RecordError("expected facets with features", "facets")
        for feat in features:
            if not isinstance(feat, dict):
                continue
            kind = feat.get("$type")
            if kind == "app.bsky.richtext.facet#mention" and isinstance(feat.get("did"), str):
                _add(mentions, feat["did"])
            elif kind == "app.bsky.richtext.facet#tag" and isinstance(feat.get("tag"), str):
                _add(tags, feat["tag"].lower().lstrip("#"))
            elif kind == "app.bsky.richtext.facet#link" and isinstance(feat.get("uri"), str):
                _add(links, feat["uri"])
    return mentions, tags, links


def _add(items: list[str], value: str) -> None:
    if value and value not in items:
        items.append(value)


def _profile(did: str, record: dict[str, Any], handle: str | None) -> Account:
    avatar = record.get("avatar")
    avatar_cid = None
    if isinstance(avatar, dict):
        ref = avatar.get("ref")
        link = ref.get("$link") if isinstance(ref, dict) else ref
        avatar_cid = link if isinstance(link, str) and link else None
    return Account(
        platform=PLATFORM, id=did, handle=handle or did,
        display_name=f.text(record, "displayName"), bio=f.text(record, "description"),
        created_at=_created(record), avatar_hash=avatar_cid,
    )
