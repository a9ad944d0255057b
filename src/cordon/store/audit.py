"""The hash chain over the moderation log, and its verification.

Each event row stores `prev_hash` (the hash of the event before it; GENESIS for the first) and
`hash` = SHA-256 over a canonical serialisation of (seq, name, actor, created, subject, case_id,
reason, payload, prev_hash). The store computes it inside the transaction that appends the
event, with appends serialised (a locked one-row chain head on PostgreSQL, the write lock on
SQLite), and keeps the newest (seq, hash) in that chain head, so a deleted tail shows too.

`verify_chain` walks the rows in seq order and names the first one that breaks the chain and
why: `edited` (the row's content no longer gives its hash), `deleted` (its predecessor, or the
tail the chain head points at, is gone) or `reordered` (it links to an event that is not the
one before it). The chain proves the log was not changed by anyone who could not also rewrite
every later hash and the head: keep the head hash `cordon audit verify` prints somewhere else
(a ticket, a signed report) to anchor it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

#: prev_hash of the first event.
GENESIS = "0" * 64

EDITED = "edited"
DELETED = "deleted"
REORDERED = "reordered"


def _created(value: datetime | str) -> str:
    # SQLite hands back naive UTC (or its text, through a plain SQL query); PostgreSQL aware
    # times. All mean the same instant.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


def canonical_payload(payload: str | None) -> Any:
    """The payload as stored (JSON text), parsed: the hash covers its meaning, not its bytes."""
    return orjson.loads(payload) if payload else {}


def canonical(
    seq: int, name: str, actor: str, created: datetime, subject: str, case_id: str | None,
    reason: str, payload: str | None, prev_hash: str,
) -> bytes:
    """The bytes hashed for one event: a JSON array, object keys sorted, times UTC to the us."""
    return orjson.dumps(
        [int(seq), name, actor, _created(created), subject, case_id, reason or "",
         canonical_payload(payload), prev_hash],
        option=orjson.OPT_SORT_KEYS,
    )


def event_hash(
    seq: int, name: str, actor: str, created: datetime, subject: str, case_id: str | None,
    reason: str, payload: str | None, prev_hash: str,
) -> str:
    return hashlib.sha256(
        canonical(seq, name, actor, created, subject, case_id, reason, payload, prev_hash)
    ).hexdigest()


def row_hash(row: Mapping[str, Any], seq: int | None = None, prev_hash: str | None = None) -> str:
    """The hash a moderation_events row should carry (at another seq or prev_hash if given)."""
    return event_hash(
        row["seq"] if seq is None else seq, row["name"], row["actor"], row["created"], row["subject"],
        row["case_id"], row["reason"], row["payload"], row["prev_hash"] if prev_hash is None else prev_hash,
    )


@dataclass(frozen=True, slots=True)
class AuditResult:
    """What `Store.verify_audit()` found. `ok` is False from the first break on: `broken_seq`
    is the seq of the first event that breaks the chain (for a deleted tail, the first
    missing seq), `problem` one of edited / deleted / reordered, `detail` a sentence."""

    ok: bool
    events: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    problem: str | None = None
    detail: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"ok: {self.events} events, chain head seq {self.head_seq} hash {self.head_hash}"
        return f"broken at seq {self.broken_seq}: {self.problem}: {self.detail}"


def verify_chain(
    rows: Iterable[Mapping[str, Any]],
    head: tuple[int, str] | None,
    seq_of_hash: Callable[[str], int | None],
) -> AuditResult:
    """Check rows (mappings with the moderation_events columns, in seq order) against each
    other and against the chain head (seq, hash). `seq_of_hash(h)` finds the seq of the row
    whose stored hash is h (None if none): it is only called once something is already
    broken, to tell a reordering from a deletion."""
    expected_prev = GENESIS
    last_seq = 0
    count = 0

    def broken(seq: int, problem: str, detail: str) -> AuditResult:
        return AuditResult(False, count, last_seq, expected_prev, seq, problem, detail)

    for row in rows:
        seq = int(row["seq"])
        stored_prev, stored = row["prev_hash"], row["hash"]
        if stored is None or stored_prev is None:
            return broken(seq, EDITED, f"event {seq} has no hash (written around the store?)")
        if stored_prev != expected_prev:
            linked = seq_of_hash(stored_prev)
            if linked is not None and linked != last_seq:
                return broken(
                    seq, REORDERED,
                    f"event {seq} follows event {linked} in the chain, but event {last_seq or 'none'} "
                    "precedes it in the log",
                )
            if row_hash(row) != stored:
                return broken(seq, EDITED, f"event {seq} was changed (its content no longer gives its hash)")
            return broken(
                seq, DELETED,
                f"the event before {seq} is missing (after "
                f"{'the start' if not last_seq else f'event {last_seq}'})",
            )
        if row_hash(row) != stored:
            # Moved to another seq, content intact: it hashes right at the seq it was written at.
            original = seq_of_hash(stored_prev)
            at = (original + 1) if original is not None else 1
            candidates = {at} | ({last_seq + 1} if last_seq else set())
            moved = next((s for s in candidates if s != seq and row_hash(row, seq=s) == stored), None)
            if moved is not None:
                return broken(seq, REORDERED, f"event {seq} was written as event {moved}")
            return broken(seq, EDITED, f"event {seq} was changed (its content no longer gives its hash)")
        expected_prev, last_seq = stored, seq
        count += 1
    if head is None:
        if count:
            return broken(last_seq, EDITED, "the chain head is missing")
        return AuditResult(True, 0, 0, GENESIS)
    head_seq, head_hash = head
    if head_seq > last_seq:
        return broken(
            last_seq + 1, DELETED,
            f"the log ends at event {last_seq or 'none'} but the chain head is event {head_seq}: "
            "the events after it were deleted",
        )
    if head_seq != last_seq or head_hash != expected_prev:
        return broken(
            last_seq, EDITED,
            f"the chain head (seq {head_seq}) does not match the last event (seq {last_seq})",
        )
    return AuditResult(True, count, last_seq, expected_prev)
