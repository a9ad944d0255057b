"""The SQL store: one implementation over SQLAlchemy 2 for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import (
    Connection,
    Engine,
    and_,
    any_,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import make_url

from cordon.cases.state import fold_cases
from cordon.domain import (
    Account,
    AccountRisk,
    AccountStatus,
    Action,
    ActionKind,
    FalsePositive,
    Interaction,
    InteractionKind,
    ListEntry,
    MatchListInfo,
    ModerationEvent,
    Post,
    Report,
    Role,
    SubjectKind,
    SubjectRef,
)
from cordon.domain.cases import Case, CaseQuery
from cordon.errors import StoreError
from cordon.store import audit, case_status, codec
from cordon.store.base import (
    KIND_CODES,
    ConsoleSession,
    InteractionColumns,
    OutboxEntry,
    Store,
    User,
    WriteResult,
)
from cordon.store.bulk import writer_for
from cordon.store.migrate import upgrade
from cordon.store.read_ahead import read_ahead
from cordon.store.schema import (
    account_risk,
    accounts,
    action_outbox,
    audit_chain_head,
    console_sessions,
    console_users,
    false_positives,
    interactions,
    list_entries,
    match_lists,
    moderation_events,
    posts,
    reports,
)

_STREAM = {"stream_results": True, "yield_per": 2000}

# The bulk read of interactions (_interaction_batches): values of a column are joined by
# \x1f; SQLite chunks of this many rows (by primary key), PostgreSQL chunks of heap blocks.
_SEP = 0x1F
_SQLITE_CHUNK = 1_000_000
_PG_CHUNK_BLOCKS = 8192
_PG_EPOCH_US = 946_684_800 * 1_000_000  # PostgreSQL's timestamps count from 2000-01-01
_INT64_MAX = 2**63 - 1


def _parse_ids(buf, sep, out, ok, at):  # pragma: no cover - numba
    """Split buf on sep into up to len(out) fields; at[i] is where field i starts (at[n] one
    past the end + 1). ok[i]: the field is a canonical decimal int64 ('0', '-7', no leading
    zero, no sign but '-'; base.canonical_int), and out[i] that number. Returns the number
    of fields (more than len(out) when there are more)."""
    n = buf.shape[0]
    m = out.shape[0]
    k = 0
    i = 0
    while True:
        if k >= m:
            return k + 1
        at[k] = i
        j = i
        neg = j < n and buf[j] == 45
        if neg:
            j += 1
        d0 = j
        v = np.uint64(0)
        while j < n and 48 <= buf[j] <= 57 and j - d0 < 20:
            v = v * np.uint64(10) + np.uint64(buf[j] - 48)
            j += 1
        nd = j - d0
        good = 0 < nd <= 19 and not (buf[d0] == 48 and (nd > 1 or neg))
        if good and v > np.uint64(9223372036854775807) + np.uint64(1 if neg else 0):
            good = False
        e = j
        while e < n and buf[e] != sep:
            e += 1
        if e != j:
            good = False
        ok[k] = good
        if good:
            out[k] = -np.int64(v) if neg else np.int64(v)
        else:
            out[k] = 0
        k += 1
        if e >= n:
            at[k] = n + 1
            return k
        i = e + 1


def _parse_times(buf, sep, out, ok, at):  # pragma: no cover - numba
    """Split buf on sep like _parse_ids; each field is '' (NULL: NaN) or SQLite's stored
    'YYYY-MM-DD HH:MM:SS[.ffffff]' (naive UTC), as Unix seconds computed exactly like
    datetime.timestamp() from whole microseconds. ok[i] False: another form, left to the caller."""
    n = buf.shape[0]
    m = out.shape[0]
    k = 0
    i = 0
    while True:
        if k >= m:
            return k + 1
        at[k] = i
        e = i
        while e < n and buf[e] != sep:
            e += 1
        size = e - i
        good = size == 0
        value = np.nan
        if (size == 19 or size == 26) and buf[i + 4] == 45 and buf[i + 7] == 45 and buf[i + 10] == 32 \
                and buf[i + 13] == 58 and buf[i + 16] == 58 and (size == 19 or buf[i + 19] == 46):
            digits = True
            for p in range(size):
                separator = p == 4 or p == 7 or p == 10 or p == 13 or p == 16 or p == 19
                if not separator and (buf[i + p] < 48 or buf[i + p] > 57):
                    digits = False
            if digits:
                y = (buf[i] - 48) * 1000 + (buf[i + 1] - 48) * 100 + (buf[i + 2] - 48) * 10 + (buf[i + 3] - 48)
                mo = (buf[i + 5] - 48) * 10 + (buf[i + 6] - 48)
                dd = (buf[i + 8] - 48) * 10 + (buf[i + 9] - 48)
                hh = (buf[i + 11] - 48) * 10 + (buf[i + 12] - 48)
                mi = (buf[i + 14] - 48) * 10 + (buf[i + 15] - 48)
                ss = (buf[i + 17] - 48) * 10 + (buf[i + 18] - 48)
                us = 0
                if size == 26:
                    for p in range(20, 26):
                        us = us * 10 + (buf[i + p] - 48)
                leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
                month_days = 31
                if mo == 2:
                    month_days = 29 if leap else 28
                elif mo in (4, 6, 9, 11):
                    month_days = 30
                if y >= 1 and 1 <= mo <= 12 and 1 <= dd <= month_days and hh <= 23 and mi <= 59 and ss <= 59:
                    yy = y - 1 if mo <= 2 else y
                    era = yy // 400
                    yoe = yy - era * 400
                    doy = (153 * (mo - 3 if mo > 2 else mo + 9) + 2) // 5 + dd - 1
                    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
                    days = era * 146097 + doe - 719468
                    value = ((days * 86400 + hh * 3600 + mi * 60 + ss) * 1_000_000 + us) / 1e6
                    good = True
        ok[k] = good
        out[k] = value
        k += 1
        if e >= n:
            at[k] = n + 1
            return k
        i = e + 1


@cache
def _parse_kernels() -> Any:
    import numba

    jit = numba.njit(cache=True, nogil=True, boundscheck=False)

    class K:
        parse_ids = jit(_parse_ids)
        parse_times = jit(_parse_times)

    return K

# Platforms rarely say an account is suspended (Twitter never does), so an ingested 'active'
# must not undo a status that enforcement set. A non-active status from the platform wins.
_ACCOUNT_CHANGED = (
    "accounts.digest <> excluded.digest OR "
    "(excluded.status <> 'active' AND excluded.status <> accounts.status)"
)
_ACCOUNT_STATUS = {
    "status": "CASE WHEN excluded.status = 'active' THEN accounts.status ELSE excluded.status END"
}
# A re-imported entry changes when its label does, or when the file now gives an added time
# that differs; a file without added times keeps the ones an earlier import gave.
_ENTRY_CHANGED = (
    "list_entries.label <> excluded.label OR (excluded.added_at IS NOT NULL AND "
    "(list_entries.added_at IS NULL OR list_entries.added_at <> excluded.added_at))"
)
_ENTRY_KEEP = {
    "added_at": "COALESCE(excluded.added_at, list_entries.added_at)",
    "imported_at": "list_entries.imported_at",
}


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the console read while ingest writes; NORMAL is safe with WAL and much faster.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    # 64 MB of page cache: index inserts during ingest stay in memory.
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _by_platform(refs: list[SubjectRef]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for ref in refs:
        grouped.setdefault(ref.platform, []).append(ref.id)
    return grouped


def _by_platform_pairs(nodes: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for platform, ident in nodes:
        grouped.setdefault(platform, []).append(ident)
    return grouped


def _chunks(ids: list[str], size: int = 900) -> Iterator[list[str]]:
    # Below SQLite's default limit of bound parameters per statement.
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


class SqlStore(Store):
    def __init__(self, url: str, *, engine_options: dict[str, Any] | None = None) -> None:
        self.url = url
        self._engine = make_engine(url, **(engine_options or {}))
        self._bulk = writer_for(self._engine.dialect.name)
        upgrade(self._engine)

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    @property
    def engine(self) -> Engine:
        return self._engine

    # -- writes ---------------------------------------------------------------------------
    def _write_batch(
        self,
        accounts_: Sequence[Account],
        posts_: Sequence[Post],
        interactions_: Sequence[Interaction],
        reports_: Sequence[Report],
    ) -> dict[str, WriteResult]:
        results: dict[str, WriteResult] = {}
        with self._engine.begin() as conn:
            if accounts_:
                results["accounts"] = self._upsert_accounts(conn, accounts_)
            for name, table, items, to_row in (
                ("posts", posts, posts_, codec.post_row),
                ("interactions", interactions, interactions_, codec.interaction_row),
                ("reports", reports, reports_, codec.report_row),
            ):
                if items:
                    new = self._bulk.insert_new(conn, table, [to_row(x) for x in items])
                    results[name] = WriteResult(new, 0, len(items) - new)
        return results

    def _upsert_accounts(self, conn: Connection, items: Sequence[Account]) -> WriteResult:
        # Last version in the batch wins, and the upsert must not touch a row twice. Deduping
        # before building rows also saves a digest per repeated author.
        latest = {(a.platform, a.id): a for a in items}
        rows = [codec.account_row(a) for a in latest.values()]
        new, changed = self._bulk.upsert(conn, accounts, rows, _ACCOUNT_CHANGED, _ACCOUNT_STATUS)
        return WriteResult(new, changed, len(items) - new - changed)

    def _set_account_status(self, ref: SubjectRef, status: AccountStatus) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                accounts.update()
                .where(accounts.c.platform == ref.platform, accounts.c.id == ref.id)
                .values(status=status.value)
            )

    def _save_risks(self, items: list[AccountRisk]) -> int:
        # A risk is a snapshot of the latest scoring, not history: replace in place.
        latest = {(r.account.platform, r.account.id): codec.risk_row(r) for r in items}
        with self._engine.begin() as conn:
            self._bulk.replace(conn, account_risk, list(latest.values()))
        return len(latest)

    def _append_events(
        self, items: Sequence[ModerationEvent], expect: Mapping[str, int] | None = None
    ) -> list[ModerationEvent]:
        with self._serial() as conn:
            return self._append_chained(conn, items, expect)

    @contextmanager
    def _serial(self) -> Iterator[Connection]:
        """A write transaction that reads before it writes. On SQLite it takes the write lock
        up front (BEGIN IMMEDIATE): a deferred one that read a snapshot could not write after
        another writer committed. On PostgreSQL the statements lock what they read."""
        if self.dialect != "sqlite":
            with self._engine.begin() as conn:
                yield conn
            return
        with self._engine.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def _chain_head(self, conn: Connection) -> tuple[int, str]:
        query = select(audit_chain_head.c.seq, audit_chain_head.c.hash).where(audit_chain_head.c.id == 1)
        if self.dialect == "postgresql":
            query = query.with_for_update()  # serialises appends: one chain, one writer at a time
        head = conn.execute(query).first()
        if head is None:
            raise StoreError("the audit chain head is missing (was migration 0004 undone?)")
        return int(head[0]), head[1]

    def _append_chained(
        self, conn: Connection, items: Sequence[ModerationEvent], expect: Mapping[str, int] | None = None
    ) -> list[ModerationEvent]:
        """Append events to the hash chain, inside the caller's transaction (see audit.py):
        each gets the next seq, the previous hash and its own. The case read model moves in
        the same transaction (case_status.py); `expect` (case id -> last_seq) is checked
        first, once the chain head has serialised this append."""
        if not items:
            return []
        seq, prev = self._chain_head(conn)
        if expect:
            case_status.check_expected(conn, expect)
        rows, out = [], []
        for e in items:
            seq += 1
            row = codec.event_row(e)
            row.update(seq=seq, created=codec.utc(e.created), prev_hash=prev)
            row["hash"] = prev = audit.row_hash(row)
            rows.append(row)
            out.append(replace(e, seq=seq))
        conn.execute(insert(moderation_events), rows)
        conn.execute(
            update(audit_chain_head).where(audit_chain_head.c.id == 1).values(seq=seq, hash=prev)
        )
        case_status.project(conn, out, self.sla)
        return out

    # -- the enforcement outbox ---------------------------------------------------------
    def _enqueue_action(
        self, action: Action, key: str, requested: datetime, events: list[ModerationEvent]
    ) -> tuple[OutboxEntry, bool]:
        c = action_outbox.c
        with self._serial() as conn:
            # The chain head first, always: it serialises enqueues, so two of one key cannot
            # both insert. (No outbox row is locked here, so this cannot deadlock with
            # _complete_action, which locks its row and then the head.)
            self._chain_head(conn)
            existing = conn.execute(select(action_outbox).where(c.key == key)).mappings().first()
            if existing is not None:
                return codec.row_to_outbox(existing), False
            self._append_chained(conn, events)
            row = codec.outbox_row(action, key, codec.utc(requested))
            ident = conn.execute(insert(action_outbox).values(row).returning(c.id)).scalar_one()
        return OutboxEntry(id=ident, key=key, action=action, requested=codec.utc(requested)), True

    def _claim_actions(
        self, owner: str, limit: int, now: datetime, until: datetime, key: str | None
    ) -> list[OutboxEntry]:
        c = action_outbox.c
        now, until = codec.utc(now), codec.utc(until)
        query = (
            select(action_outbox)
            .where(
                c.state == "pending",
                or_(c.lease_until.is_(None), c.lease_until <= now, c.lease_owner == owner),
            )
            .order_by(c.id)
            .limit(limit)
        )
        if key is not None:
            query = query.where(c.key == key)
        if self.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        with self._serial() as conn:
            rows = conn.execute(query).mappings().all()
            if not rows:
                return []
            conn.execute(
                update(action_outbox)
                .where(c.id.in_([r["id"] for r in rows]))
                .values(lease_owner=owner, lease_until=until, attempts=c.attempts + 1)
            )
        return [
            replace(codec.row_to_outbox(r), lease_owner=owner, lease_until=until, attempts=r["attempts"] + 1)
            for r in rows
        ]

    def _complete_action(self, key: str, event: ModerationEvent) -> ModerationEvent | None:
        c = action_outbox.c
        query = select(action_outbox).where(c.key == key)
        if self.dialect == "postgresql":
            query = query.with_for_update()  # a second completer waits here, then sees done
        with self._serial() as conn:
            row = conn.execute(query).mappings().first()
            if row is None:
                raise StoreError(f"complete_action: no action under key {key!r}")
            if row["state"] == "done":
                return None
            [stored] = self._append_chained(conn, [event])
            conn.execute(
                update(action_outbox).where(c.key == key).values(
                    state="done", done_at=codec.utc(event.created), event_seq=stored.seq,
                    lease_owner=None, lease_until=None,
                )
            )
            status = ActionKind(row["kind"]).resulting_status
            subject = SubjectRef.parse(row["subject"])
            if status is not None and subject.kind is SubjectKind.ACCOUNT:
                conn.execute(
                    accounts.update()
                    .where(accounts.c.platform == subject.platform, accounts.c.id == subject.id)
                    .values(status=status.value)
                )
        return stored

    def _release_action(self, key: str, owner: str, error: str, retry_at: datetime, give_up: bool) -> None:
        c = action_outbox.c
        with self._engine.begin() as conn:
            conn.execute(
                update(action_outbox)
                .where(c.key == key, c.state == "pending", c.lease_owner == owner)
                .values(
                    last_error=error, lease_owner=None, lease_until=codec.utc(retry_at),
                    state="failed" if give_up else "pending",
                )
            )

    def _outbox(self, state: str | None) -> list[OutboxEntry]:
        query = select(action_outbox).order_by(action_outbox.c.id)
        if state is not None:
            query = query.where(action_outbox.c.state == state)
        with self._engine.connect() as conn:
            return [codec.row_to_outbox(r) for r in conn.execute(query).mappings()]

    # -- the audit chain ----------------------------------------------------------------
    def _verify_audit(self) -> audit.AuditResult:
        e = moderation_events.c
        with self._engine.connect() as conn:
            # One snapshot for the head and the rows, so a concurrent append is not a break.
            if self.dialect == "sqlite":
                conn.exec_driver_sql("BEGIN")
            else:
                conn.execution_options(isolation_level="REPEATABLE READ")
            head = conn.execute(
                select(audit_chain_head.c.seq, audit_chain_head.c.hash).where(audit_chain_head.c.id == 1)
            ).first()
            rows = conn.execution_options(**_STREAM).execute(
                select(e.seq, e.name, e.actor, e.created, e.subject, e.case_id, e.reason, e.payload,
                       e.prev_hash, e.hash).order_by(e.seq)
            ).mappings()

            def seq_of_hash(digest: str) -> int | None:
                return conn.execute(select(e.seq).where(e.hash == digest).limit(1)).scalar()

            result = audit.verify_chain(rows, None if head is None else (int(head[0]), head[1]), seq_of_hash)
            conn.rollback()
        return result

    # -- reads ----------------------------------------------------------------------------
    def _get_account(self, ref: SubjectRef) -> Account | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(accounts).where(accounts.c.platform == ref.platform, accounts.c.id == ref.id)
            ).mappings().first()
        return None if row is None else codec.row_to_account(row)

    def _get_accounts(self, refs: list[SubjectRef]) -> dict[SubjectRef, Account]:
        out: dict[SubjectRef, Account] = {}
        with self._engine.connect() as conn:
            for platform, ids in _by_platform(refs).items():
                for chunk in _chunks(ids):
                    query = select(accounts).where(accounts.c.platform == platform, accounts.c.id.in_(chunk))
                    for row in conn.execute(query).mappings():
                        account = codec.row_to_account(row)
                        out[account.ref] = account
        return out

    def _post_skeletons(self) -> Iterator[Post]:
        c = posts.c
        query = select(c.platform, c.id, c.author_id, c.created_at, c.reply_to_id, c.repost_of_id, c.quote_of_id)
        return self._stream(query.order_by(c.platform, c.author_id, c.created_at, c.id), codec.row_to_post_skeleton)

    def _posts_of(self, authors: list[SubjectRef]) -> Iterator[Post]:
        for platform, ids in sorted(_by_platform(authors).items()):
            for chunk in _chunks(sorted(ids)):
                query = (
                    select(posts)
                    .where(posts.c.platform == platform, posts.c.author_id.in_(chunk))
                    .order_by(posts.c.author_id, posts.c.created_at, posts.c.id)
                )
                yield from self._stream(query, codec.row_to_post)

    def _stream(self, query: Any, convert: Any) -> Iterator[Any]:
        with self._engine.connect() as conn:
            for row in conn.execution_options(**_STREAM).execute(query).mappings():
                yield convert(row)

    def _read(self, query: Any, convert: Any) -> Iterator[Any]:
        """One subject's rows, fetched at once: a server-side cursor (_stream) costs extra
        round trips (declare, fetch, close) that a page's few rows never repay."""
        with self._engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return iter([convert(r) for r in rows])

    def _accounts(self, platform: str | None) -> Iterator[Account]:
        query = select(accounts).order_by(accounts.c.platform, accounts.c.id)
        if platform is not None:
            query = query.where(accounts.c.platform == platform)
        return self._stream(query, codec.row_to_account)

    def _posts(self, author: SubjectRef | None) -> Iterator[Post]:
        query = select(posts).order_by(posts.c.platform, posts.c.author_id, posts.c.created_at, posts.c.id)
        if author is not None:
            query = query.where(posts.c.platform == author.platform, posts.c.author_id == author.id)
            return self._read(query, codec.row_to_post)
        return self._stream(query, codec.row_to_post)

    def _post_authors(self, refs: list[SubjectRef]) -> dict[SubjectRef, SubjectRef]:
        out: dict[SubjectRef, SubjectRef] = {}
        with self._engine.connect() as conn:
            for platform, ids in _by_platform(refs).items():
                for chunk in _chunks(ids):
                    rows = conn.execute(
                        select(posts.c.id, posts.c.author_id).where(posts.c.platform == platform, posts.c.id.in_(chunk))
                    )
                    for post_id, author_id in rows:
                        out[SubjectRef.post(platform, post_id)] = SubjectRef.account(platform, author_id)
        return out

    def _interactions(self, kind: InteractionKind | None) -> Iterator[Interaction]:
        query = select(interactions)
        if kind is not None:
            query = query.where(interactions.c.kind == kind.value)
        return self._stream(query, codec.row_to_interaction)

    def _interaction_batches(
        self, kinds: tuple[InteractionKind, ...] | None, platform: str | None
    ) -> Iterator[InteractionColumns]:
        # The database concatenates each column of a chunk of rows into one value (ids and
        # times as text, separated by \x1f; PostgreSQL's times and weights as their binary
        # send format), and numba kernels parse those: the driver makes four objects per
        # chunk instead of six per row. See _decode_chunk for what takes the slow path.
        raw = self._engine.raw_connection()
        try:
            if self.dialect == "postgresql":
                yield from self._pg_batches(raw.driver_connection, kinds, platform)
            else:
                yield from self._sqlite_batches(raw.driver_connection, kinds, platform)
        finally:
            raw.close()

    def _sqlite_batches(
        self, con: Any, kinds: tuple[InteractionKind, ...] | None, platform: str | None
    ) -> Iterator[InteractionColumns]:
        cur = con.cursor()
        began = not con.in_transaction
        if began:
            cur.execute("BEGIN")  # one snapshot for every chunk
        try:
            if platform is None:
                counts = cur.execute("SELECT platform, count(*) FROM interactions GROUP BY platform").fetchall()
            else:
                counts = [(platform, cur.execute(
                    "SELECT count(*) FROM interactions WHERE platform = ?", (platform,)
                ).fetchone()[0])]
            key = "(post_id, kind, source_id, target_id)"
            kind_sql = f" AND kind IN ({', '.join('?' * len(kinds))})" if kinds else ""
            kind_params = [k.value for k in kinds] if kinds else []
            flag = (
                "CASE WHEN weight = 1.0 THEN CASE kind "
                + " ".join(f"WHEN '{k.value}' THEN '{i}'" for i, k in enumerate(KIND_CODES))
                + " ELSE '9' END ELSE 'w' END"
            )
            aggregate = (
                "SELECT count(*), CAST(group_concat(source_id, char(31)) AS BLOB), "
                "CAST(group_concat(target_id, char(31)) AS BLOB), "
                f"CAST(group_concat({flag}, '') AS BLOB), "
                "CAST(group_concat(coalesce(created_at, ''), char(31)) AS BLOB) FROM interactions "
            )
            def chunks() -> Iterator[tuple]:
                # Walk and aggregate on a cursor of their own: the same connection, so the same
                # snapshot; SQLite serialises the connection's statements.
                ahead = con.cursor()
                try:
                    for plat, count in counts:
                        if not count:
                            continue
                        low: list | None = None
                        while True:
                            where, params = "WHERE platform = ?" + kind_sql, [plat, *kind_params]
                            bound = [plat]
                            if low is not None:
                                where += f" AND {key} > (?, ?, ?, ?)"
                                params += low
                            high = None
                            if count > _SQLITE_CHUNK:
                                walk = f"SELECT {key[1:-1]} FROM interactions WHERE platform = ?"
                                if low is not None:
                                    walk += f" AND {key} > (?, ?, ?, ?)"
                                    bound += low
                                walk += f" ORDER BY {key[1:-1]} LIMIT 1 OFFSET {_SQLITE_CHUNK - 1}"
                                high = ahead.execute(walk, bound).fetchone()
                            if high is not None:
                                where += f" AND {key} <= (?, ?, ?, ?)"
                                params += list(high)
                            yield plat, where, params, ahead.execute(aggregate + where, params).fetchone()
                            if high is None:
                                break
                            low = list(high)
                finally:
                    ahead.close()

            # SQLite aggregates the next chunk (without the GIL) while this one is decoded, when
            # there is more than one (10M edges: 0.63M -> 0.74M edges/s, A/B in one process)
            # and the connection may be used from another thread (a file: the driver ties an
            # in-memory database to the thread that opened it).
            several = sum(c for _, c in counts) > _SQLITE_CHUNK
            on_file = self._engine.url.database not in (None, "", ":memory:")
            for plat, where, params, (m, src, dst, flags, times) in (
                read_ahead(chunks()) if several and on_file else chunks()
            ):
                yield from self._decode_chunk(cur, plat, m, src, dst, flags, times, None, where, params)
        finally:
            if began:
                con.rollback()
            cur.close()

    def _pg_batches(
        self, con: Any, kinds: tuple[InteractionKind, ...] | None, platform: str | None
    ) -> Iterator[InteractionColumns]:
        code = " ".join(f"WHEN '{k.value}' THEN '{i}'" for i, k in enumerate(KIND_CODES))
        aggregate = (
            "SELECT platform, count(*), convert_to(string_agg(source_id, E'\\x1f'), 'UTF8'), "
            "convert_to(string_agg(target_id, E'\\x1f'), 'UTF8'), "
            f"convert_to(string_agg(CASE kind {code} ELSE '9' END, ''), 'UTF8'), "
            "string_agg(timestamptz_send(coalesce(created_at, '-infinity')), ''), "
            "string_agg(float8send(weight), '') FROM interactions "
        )
        base, base_params = "WHERE true", []
        if kinds:
            base += " AND kind = ANY(%s)"
            base_params.append([k.value for k in kinds])
        if platform is not None:
            base += " AND platform = %s"
            base_params.append(platform)
        was_autocommit = con.autocommit
        con.rollback()
        con.autocommit = False
        try:
            with con.cursor(binary=True) as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                blocks = 0
                if con.info.server_version >= 140000:  # TID range scans: chunks by heap block
                    cur.execute("SELECT pg_relation_size('interactions') / current_setting('block_size')::int")
                    blocks = cur.fetchone()[0]

                def chunks() -> Iterator[tuple[str, list, list]]:
                    # Each chunk's aggregate on its own cursor of the same connection (one
                    # transaction, one snapshot); psycopg serialises the connection's commands.
                    start = 0
                    while True:
                        where, params = base, list(base_params)
                        if blocks > _PG_CHUNK_BLOCKS:
                            where += " AND ctid >= %s::tid"
                            params.append(f"({start},0)")
                            if start + _PG_CHUNK_BLOCKS < blocks:
                                where += " AND ctid < %s::tid"
                                params.append(f"({start + _PG_CHUNK_BLOCKS},0)")
                        with con.cursor(binary=True) as ahead:
                            ahead.execute(aggregate + where + " GROUP BY platform", params)
                            yield where, params, ahead.fetchall()
                        start += _PG_CHUNK_BLOCKS
                        if blocks <= _PG_CHUNK_BLOCKS or start >= blocks:
                            return

                # The server aggregates the next chunk while this one is decoded, when there is
                # more than one: at 10M edges, 0.91M -> 1.06M edges/s, interleaved A/B in one
                # process (docs/benchmarks.md).
                several = blocks > _PG_CHUNK_BLOCKS
                for where, params, rows in read_ahead(chunks()) if several else chunks():
                    for plat, m, src, dst, flags, times, weights in rows:
                        micros = np.frombuffer(times, ">i8").astype(np.int64)
                        unknown = (micros == _INT64_MAX) | (micros == -_INT64_MAX - 1)  # NULL, ±infinity
                        seconds = (np.where(unknown, 0, micros) + _PG_EPOCH_US) / 1e6
                        seconds[unknown] = np.nan
                        weight = np.frombuffer(weights, ">f8").astype(np.float64)
                        yield from self._decode_chunk(
                            cur, plat, m, src, dst, flags, seconds, weight,
                            where + " AND platform = %s", [*params, plat],
                        )
        finally:
            con.rollback()
            con.autocommit = was_autocommit

    def _decode_chunk(
        self, cur: Any, platform: str, m: int, src: bytes | None, dst: bytes | None, flags: bytes | None,
        times: bytes | np.ndarray | None, weight: np.ndarray | None, where: str, params: list,
    ) -> Iterator[InteractionColumns]:
        """One chunk's concatenated columns as batches: the rows whose ids are all numbers as
        one, the rest with text ids as another. What the parse cannot take exactly is read
        again row by row: SQLite's weights other than 1 (SQL has no exact text for a double),
        and a whole chunk where some value holds the separator."""
        if not m:
            return
        k = _parse_kernels()
        src_buf, dst_buf = np.frombuffer(src, np.uint8), np.frombuffer(dst, np.uint8)
        src_num, dst_num = np.empty(m, np.int64), np.empty(m, np.int64)
        src_ok, dst_ok = np.empty(m, np.bool_), np.empty(m, np.bool_)
        src_at, dst_at = np.empty(m + 1, np.int64), np.empty(m + 1, np.int64)
        fields = [k.parse_ids(src_buf, _SEP, src_num, src_ok, src_at), k.parse_ids(dst_buf, _SEP, dst_num, dst_ok, dst_at)]
        time_ok = None
        if isinstance(times, bytes):
            time_buf = np.frombuffer(times, np.uint8)
            seconds, time_ok, time_at = np.empty(m, np.float64), np.empty(m, np.bool_), np.empty(m + 1, np.int64)
            fields.append(k.parse_times(time_buf, _SEP, seconds, time_ok, time_at))
        else:
            seconds = times
        code = np.frombuffer(flags, np.uint8)
        if len(code) != m or any(f != m for f in fields):
            # Some value holds the separator: this chunk row by row.
            yield self._slow_rows(cur, where, params)
            return
        if time_ok is not None and not time_ok.all():  # a time in a form the parser does not take
            for row in np.flatnonzero(~time_ok).tolist():
                seconds[row] = self._seconds(times[time_at[row] : time_at[row + 1] - 1].decode("utf-8"))
        weighted = code == ord("w")  # SQLite: weight other than 1, read again below
        code = code - 48
        if (code[~weighted] >= len(KIND_CODES)).any():
            raise StoreError("interactions: the store holds an interaction kind this version does not know")
        code = code.astype(np.int8)
        if weight is None:
            weight = np.ones(m, np.float64)
        texty = ~(src_ok & dst_ok)
        fast = ~(texty | weighted)
        plat = np.array([platform], dtype=object)
        if fast.all():
            yield InteractionColumns(np.repeat(plat, m), code, src_num, dst_num, seconds, weight)
        elif fast.any():
            sel = np.flatnonzero(fast)
            yield InteractionColumns(
                np.repeat(plat, len(sel)), code[sel], src_num[sel], dst_num[sel], seconds[sel], weight[sel]
            )
        text = np.flatnonzero(texty & ~weighted)
        if len(text):
            ids = [
                np.array(
                    [
                        str(int(num[r])) if ok[r] else buf[at[r] : at[r + 1] - 1].decode("utf-8")
                        for r in text.tolist()
                    ],
                    dtype=object,
                ).reshape(len(text))
                for num, ok, buf, at in ((src_num, src_ok, src, src_at), (dst_num, dst_ok, dst, dst_at))
            ]
            yield InteractionColumns(
                np.repeat(plat, len(text)), code[text], ids[0], ids[1], seconds[text], weight[text]
            )
        if weighted.any():
            yield self._slow_rows(cur, where + " AND weight <> 1.0", params)

    def _slow_rows(self, cur: Any, where: str, params: list) -> InteractionColumns:
        """The rows a WHERE selects, read row by row (what the fast parse leaves)."""
        cur.execute(f"SELECT platform, kind, source_id, target_id, created_at, weight FROM interactions {where}", params)
        rows = cur.fetchall()
        code = {k.value: i for i, k in enumerate(KIND_CODES)}
        m = len(rows)
        try:
            kinds = np.fromiter((code[r[1]] for r in rows), np.int8, count=m)
        except KeyError:
            raise StoreError("interactions: the store holds an interaction kind this version does not know") from None
        return InteractionColumns(
            platform=np.array([r[0] for r in rows], dtype=object).reshape(m),
            kind=kinds,
            source_id=np.array([r[2] for r in rows], dtype=object).reshape(m),
            target_id=np.array([r[3] for r in rows], dtype=object).reshape(m),
            created_at=np.fromiter((self._seconds(r[4]) for r in rows), np.float64, count=m),
            weight=np.fromiter((r[5] for r in rows), np.float64, count=m),
        )

    def _seconds(self, value: Any) -> float:
        """A created_at as the driver gives it, in seconds exactly as the Interaction that
        Store.interactions() makes of it would give (created_at.timestamp(); NaN if None)."""
        if isinstance(value, str):
            dialect = self._engine.dialect
            processor = interactions.c.created_at.type.dialect_impl(dialect).result_processor(dialect, None)
            value = processor(value) if processor is not None else datetime.fromisoformat(value)
        if isinstance(value, datetime):
            return codec.utc(value).timestamp()
        return float("nan")

    def _neighbourhood(
        self, seeds: list[SubjectRef], hops: int, kinds: tuple[InteractionKind, ...] | None,
        limit: int | None, max_degree: int | None,
    ) -> Iterator[Interaction]:
        # Frontier by frontier: each hop reads the edges whose source, then whose target, is
        # in the frontier, through ix_interactions_source / ix_interactions_target_kind, in
        # batches (= ANY(array) on PostgreSQL, IN (...) below SQLite's parameter limit).
        pg = self.dialect == "postgresql"
        size = 10_000 if pg else 900
        c = interactions.c
        seen_nodes = {(r.platform, r.id) for r in seeds}
        frontier = sorted(seen_nodes)
        seen_edges: set[tuple] = set()
        sent = 0
        with self._engine.connect() as conn:
            for hop in range(hops):
                found: list[Interaction] = []
                degree: dict[tuple[str, str, bool], int] = {}
                for platform, ids in _by_platform_pairs(frontier).items():
                    for chunk in _chunks(ids, size):
                        for column, out in ((c.source_id, True), (c.target_id, False)):
                            match = (
                                column == any_(bindparam("ids", chunk, type_=ARRAY(interactions.c.source_id.type)))
                                if pg else column.in_(chunk)
                            )
                            query = select(interactions).where(c.platform == platform, match)
                            if kinds is not None:
                                query = query.where(c.kind.in_([k.value for k in kinds]))
                            for row in conn.execute(query).mappings():
                                edge = codec.row_to_interaction(row)
                                node = (platform, edge.source_id if out else edge.target_id)
                                degree[(*node, out)] = degree.get((*node, out), 0) + 1
                                found.append((edge, node, out))
                capped = {  # seeds are expanded whatever their degree: they were chosen
                    (p, i, out) for (p, i, out), d in degree.items()
                    if hop > 0 and max_degree is not None and d > max_degree
                }
                nxt: set[tuple[str, str]] = set()
                for edge, node, out in found:
                    other = (edge.platform, edge.target_id if out else edge.source_id)
                    if (*node, out) in capped and other not in seen_nodes:
                        continue  # a celebrity's followers are not its neighbourhood
                    key = (edge.platform, edge.post_id or "", edge.kind, edge.source_id, edge.target_id)
                    if key in seen_edges:
                        continue
                    seen_edges.add(key)
                    yield edge
                    sent += 1
                    if limit is not None and sent >= limit:
                        return
                    if other not in seen_nodes:
                        nxt.add(other)
                seen_nodes |= nxt
                frontier = sorted(nxt)
                if not frontier:
                    return

    def _reports(self, subject: SubjectRef | None) -> Iterator[Report]:
        query = select(reports).order_by(reports.c.created_at, reports.c.id)
        if subject is not None:
            query = query.where(
                reports.c.platform == subject.platform,
                reports.c.subject_kind == subject.kind.value,
                reports.c.subject_id == subject.id,
            )
            return self._read(query, codec.row_to_report)
        return self._stream(query, codec.row_to_report)

    def _counts(self) -> dict[str, int]:
        tables = {
            "accounts": accounts, "posts": posts, "interactions": interactions,
            "reports": reports, "events": moderation_events,
        }
        with self._engine.connect() as conn:
            return {
                name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for name, t in tables.items()
            }

    def _risks(self, limit: int | None, min_score: float, accounts: list[SubjectRef] | None) -> list[AccountRisk]:
        query = select(account_risk).where(account_risk.c.score >= min_score)
        if accounts is not None:
            query = query.where(
                or_(*(
                    (account_risk.c.platform == platform) & account_risk.c.account_id.in_(ids)
                    for platform, ids in _by_platform(accounts).items()
                ))
            )
        query = query.order_by(account_risk.c.score.desc(), account_risk.c.platform, account_risk.c.account_id)
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as conn:
            return [codec.row_to_risk(r) for r in conn.execute(query).mappings()]

    def _events(
        self, subject: SubjectRef | None, case_id: str | None, after_seq: int
    ) -> Iterator[ModerationEvent]:
        query = select(moderation_events).where(moderation_events.c.seq > after_seq)
        if subject is not None:
            query = query.where(moderation_events.c.subject == str(subject))
        if case_id is not None:
            query = query.where(moderation_events.c.case_id == case_id)
        if subject is not None or case_id is not None:
            return self._read(query.order_by(moderation_events.c.seq), codec.row_to_event)
        return self._stream(query.order_by(moderation_events.c.seq), codec.row_to_event)

    # -- the case read model (store/case_status.py) ----------------------------------------
    def _cases(self, query: CaseQuery, order: str, limit: int, offset: int) -> list[Case]:
        statement = case_status.select_cases(query).order_by(*case_status.ORDERS[order])
        with self._engine.connect() as conn:
            rows = conn.execute(statement.limit(limit).offset(offset)).mappings().all()
        return [case_status.row_to_case(r) for r in rows]

    def _case(self, case_id: str) -> Case | None:
        with self._engine.connect() as conn:
            return case_status.load(conn, [case_id]).get(case_id)

    def _case_counts(self) -> dict[tuple[str, str], int]:
        with self._engine.connect() as conn:
            return case_status.count_by_queue_and_state(conn)

    def _rebuild_cases(self) -> int:
        e = moderation_events.c
        with self._serial() as conn:
            self._chain_head(conn)  # no append may land between the read and the rewrite
            rows = conn.execute(
                select(moderation_events).where(e.case_id.is_not(None)).order_by(e.seq)
                .execution_options(stream_results=True, max_row_buffer=2000)
            ).mappings()
            folded = fold_cases((codec.row_to_event(r) for r in rows), self.sla)
            return case_status.rebuild(conn, folded.values())

    # -- match lists ----------------------------------------------------------------------
    def _import_list(
        self, name: str, source: str, description: str, batches: Iterator[list[ListEntry]],
        replace: bool, now: datetime,
    ) -> WriteResult:
        result = WriteResult()
        with self._engine.begin() as conn:
            info = {"source": source, "description": description, "imported_at": now}
            changed = conn.execute(update(match_lists).where(match_lists.c.name == name).values(**info))
            if changed.rowcount == 0:
                conn.execute(insert(match_lists).values(name=name, kinds="", **info))
            if replace:
                conn.execute(delete(list_entries).where(list_entries.c.list_name == name))
            for batch in batches:
                rows = [(name, e.kind, e.value, e.label, e.added_at, now) for e in batch]
                new, updated = self._bulk.upsert(conn, list_entries, rows, _ENTRY_CHANGED, _ENTRY_KEEP)
                result += WriteResult(new, updated, len(rows) - new - updated)
            kinds = conn.execute(
                select(list_entries.c.kind).where(list_entries.c.list_name == name).distinct()
            ).scalars()
            conn.execute(
                update(match_lists).where(match_lists.c.name == name).values(kinds=",".join(sorted(kinds)))
            )
        return result

    def _lists(self) -> list[MatchListInfo]:
        with self._engine.connect() as conn:
            entries = dict(conn.execute(
                select(list_entries.c.list_name, func.count()).group_by(list_entries.c.list_name)
            ).all())
            marks = dict(conn.execute(
                select(false_positives.c.list_name, func.count()).group_by(false_positives.c.list_name)
            ).all())
            rows = conn.execute(select(match_lists).order_by(match_lists.c.name)).mappings().all()
        return [
            MatchListInfo(
                name=r["name"], kinds=tuple(k for k in r["kinds"].split(",") if k), source=r["source"],
                description=r["description"], imported_at=codec.utc(r["imported_at"]),
                entries=entries.get(r["name"], 0), false_positives=marks.get(r["name"], 0),
            )
            for r in rows
        ]

    def _list_entries(self, name: str | None, kind: str | None) -> Iterator[tuple[str, ListEntry]]:
        e, fp = list_entries.c, false_positives.c
        joined = list_entries.outerjoin(
            false_positives, and_(fp.list_name == e.list_name, fp.kind == e.kind, fp.value == e.value)
        )
        query = (
            select(e.list_name, e.kind, e.value, e.label, e.added_at)
            .select_from(joined)
            .where(fp.list_name.is_(None))
            .order_by(e.list_name, e.kind, e.value)
        )
        if name is not None:
            query = query.where(e.list_name == name)
        if kind is not None:
            query = query.where(e.kind == kind)
        return self._stream(
            query, lambda r: (r["list_name"], ListEntry(r["kind"], r["value"], r["label"], codec.utc(r["added_at"])))
        )

    def _remove_list(self, name: str) -> bool:
        with self._engine.begin() as conn:
            conn.execute(delete(false_positives).where(false_positives.c.list_name == name))
            conn.execute(delete(list_entries).where(list_entries.c.list_name == name))
            return conn.execute(delete(match_lists).where(match_lists.c.name == name)).rowcount > 0

    def _has_list_entry(self, list_name: str, kind: str, value: str) -> bool:
        e = list_entries.c
        with self._engine.connect() as conn:
            return conn.execute(
                select(e.kind).where(e.list_name == list_name, e.kind == kind, e.value == value)
            ).first() is not None

    def _mark_false_positive(self, mark: FalsePositive) -> None:
        with self._engine.begin() as conn:
            self._delete_mark(conn, mark.list_name, mark.kind, mark.value)
            conn.execute(insert(false_positives).values(
                list_name=mark.list_name, kind=mark.kind, value=mark.value, reason=mark.reason,
                marked_by=mark.marked_by, marked_at=mark.marked_at,
            ))

    @staticmethod
    def _delete_mark(conn: Connection, list_name: str, kind: str, value: str) -> int:
        fp = false_positives.c
        return conn.execute(
            delete(false_positives).where(fp.list_name == list_name, fp.kind == kind, fp.value == value)
        ).rowcount

    def _clear_false_positive(self, list_name: str, kind: str, value: str) -> bool:
        with self._engine.begin() as conn:
            return self._delete_mark(conn, list_name, kind, value) > 0

    def _false_positives(self, list_name: str | None) -> list[FalsePositive]:
        fp = false_positives.c
        query = select(false_positives).order_by(fp.list_name, fp.marked_at, fp.kind, fp.value)
        if list_name is not None:
            query = query.where(fp.list_name == list_name)
        with self._engine.connect() as conn:
            return [
                FalsePositive(
                    r["list_name"], r["kind"], r["value"], r["reason"], r["marked_by"], codec.utc(r["marked_at"])
                )
                for r in conn.execute(query).mappings()
            ]

    # -- console users and sessions --------------------------------------------------------
    def _create_user(self, user: User) -> None:
        with self._engine.begin() as conn:
            conn.execute(insert(console_users).values(
                name=user.name, role=user.role.value, password_hash=user.password_hash,
                created=codec.utc(user.created), disabled=user.disabled,
            ))

    @staticmethod
    def _row_to_user(row: Any) -> User:
        return User(
            name=row["name"], role=Role(row["role"]), password_hash=row["password_hash"],
            created=codec.utc(row["created"]), disabled=bool(row["disabled"]),
        )

    def _get_user(self, name: str) -> User | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(console_users).where(console_users.c.name == name)).mappings().first()
        return None if row is None else self._row_to_user(row)

    def _users(self) -> list[User]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(console_users).order_by(console_users.c.name)).mappings().all()
        return [self._row_to_user(r) for r in rows]

    def _update_user(self, name: str, changes: dict[str, object], end_sessions: bool) -> None:
        values = {k: (v.value if isinstance(v, Role) else v) for k, v in changes.items()}
        with self._engine.begin() as conn:
            conn.execute(update(console_users).where(console_users.c.name == name).values(**values))
            if end_sessions:
                conn.execute(delete(console_sessions).where(console_sessions.c.user_name == name))

    def _create_session(self, session: ConsoleSession) -> None:
        created = codec.utc(session.created)
        with self._engine.begin() as conn:
            conn.execute(delete(console_sessions).where(console_sessions.c.expires <= created))
            conn.execute(insert(console_sessions).values(
                token_hash=session.token_hash, user_name=session.user, created=created,
                expires=codec.utc(session.expires),
            ))

    def _get_session(self, token_hash: str) -> ConsoleSession | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(console_sessions).where(console_sessions.c.token_hash == token_hash)
            ).mappings().first()
        if row is None:
            return None
        return ConsoleSession(
            token_hash=row["token_hash"], user=row["user_name"], created=codec.utc(row["created"]),
            expires=codec.utc(row["expires"]),
        )

    def _delete_session(self, token_hash: str) -> bool:
        with self._engine.begin() as conn:
            return conn.execute(
                delete(console_sessions).where(console_sessions.c.token_hash == token_hash)
            ).rowcount > 0

    def _close(self) -> None:
        self._engine.dispose()
