"""The event envelope: one versioned JSON message per record on the stream.

The body is the native JSONL line (ingest/native.py, documented in docs/formats.md) with a
version beside its "type", so a producer that already writes native files writes events the
same way, and one parser reads both:

    {"v": 1, "type": "post", "platform": "x", "id": "9", "author_id": "42", "text": "..."}

The message key is the account the event is about (`event_key`), so that the broker keeps
each account's events in one partition and in order, on one worker at a time.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from cordon.domain import Account, Interaction, Post, Report
from cordon.errors import RecordError
from cordon.ingest import native
from cordon.ingest.records import Record

#: The envelope version this code writes and reads. A reader refuses other versions, so an
#: event from a newer producer goes to the dead letters instead of being half understood.
VERSION = 1


def event_key(record: Record) -> bytes:
    """The partition key: "platform:account id" of the account the record is about. A
    report on a post is keyed by the post's id, since its author is not in the record;
    a producer that knows the author should key by it (`encode(record, key=...)`)."""
    if isinstance(record, Account):
        ident = record.id
    elif isinstance(record, Post):
        ident = record.author_id
    elif isinstance(record, Interaction):
        ident = record.source_id
    elif isinstance(record, Report):
        ident = record.subject.id
    else:
        raise TypeError(f"not a cordon record: {type(record).__name__}")
    return f"{record.platform}:{ident}".encode()


def encode(record: Record, key: bytes | None = None) -> tuple[bytes, bytes]:
    """(key, value) of the message for a record."""
    body = native.to_json(record)
    body["v"] = VERSION
    return (key or event_key(record)), orjson.dumps(body)


def encode_many(records: Iterable[Record]) -> list[tuple[bytes, bytes]]:
    return [encode(r) for r in records]


def decode(value: bytes) -> list[Record]:
    """The records one message stands for (a post also yields the interactions it carries).
    Raises RecordError, naming the field, for anything malformed: the worker sends such a
    message to the dead letters."""
    try:
        body = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise RecordError(f"not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise RecordError(f"expected a JSON object, got {type(body).__name__}")
    version = body.get("v")
    if version != VERSION:
        raise RecordError(f"unsupported envelope version {version!r} (this worker reads {VERSION})", "v")
    return list(native.parse(body))



def encode_line(line: dict) -> tuple[bytes, bytes]:
    """(key, value) of the message for a native JSONL line, as it is (the optional fields
    that name a referenced post's author included). Raises RecordError when it is not one."""
    records = list(native.parse(line))
    body = dict(line)
    body["v"] = VERSION
    return event_key(records[0]), orjson.dumps(body)
