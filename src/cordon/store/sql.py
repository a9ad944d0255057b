"""The SQL store: one implementation over SQLAlchemy 2 for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
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

from cordon.domain import (
    Account,
    AccountRisk,
    AccountStatus,
    FalsePositive,
    Interaction,
    InteractionKind,
    ListEntry,
    MatchListInfo,
    ModerationEvent,
    Post,
    Report,
    SubjectRef,
)
from cordon.store import codec
from cordon.store.base import KIND_CODES, InteractionColumns, Store, WriteResult
from cordon.store.bulk import writer_for
from cordon.store.migrate import upgrade
from cordon.store.schema import (
    account_risk,
    accounts,
    false_positives,
    interactions,
    list_entries,
    match_lists,
    moderation_events,
    posts,
    reports,
)

_STREAM = {"stream_results": True, "yield_per": 2000}

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

    def _append_events(self, items: Sequence[ModerationEvent]) -> list[ModerationEvent]:
        out = []
        with self._engine.begin() as conn:
            for e in items:
                seq = conn.execute(
                    insert(moderation_events).values(codec.event_row(e)).returning(moderation_events.c.seq)
                ).scalar_one()
                out.append(replace(e, seq=seq))
        return out

    # -- reads ----------------------------------------------------------------------------
    def _get_account(self, ref: SubjectRef) -> Account | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(accounts).where(accounts.c.platform == ref.platform, accounts.c.id == ref.id)
            ).mappings().first()
        return None if row is None else codec.row_to_account(row)

    def _stream(self, query: Any, convert: Any) -> Iterator[Any]:
        with self._engine.connect() as conn:
            for row in conn.execution_options(**_STREAM).execute(query).mappings():
                yield convert(row)

    def _accounts(self, platform: str | None) -> Iterator[Account]:
        query = select(accounts).order_by(accounts.c.platform, accounts.c.id)
        if platform is not None:
            query = query.where(accounts.c.platform == platform)
        return self._stream(query, codec.row_to_account)

    def _posts(self, author: SubjectRef | None) -> Iterator[Post]:
        query = select(posts).order_by(posts.c.platform, posts.c.author_id, posts.c.created_at, posts.c.id)
        if author is not None:
            query = query.where(posts.c.platform == author.platform, posts.c.author_id == author.id)
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

    def _interaction_arrays(
        self, kinds: tuple[InteractionKind, ...] | None, platform: str | None
    ) -> InteractionColumns:
        # Straight through the driver: SQLAlchemy's row and type processing would cost more
        # than the database does. Kinds become int8 codes and times Unix seconds in SQL.
        code = " ".join(f"WHEN '{k.value}' THEN {i}" for i, k in enumerate(KIND_CODES))
        pg = self.dialect == "postgresql"
        seconds = (
            "EXTRACT(EPOCH FROM created_at)::float8" if pg
            else "round((julianday(created_at) - 2440587.5) * 86400.0, 6)"
        )
        mark = "%s" if pg else "?"
        where, params = [], []
        if kinds is not None:
            where.append(f"kind IN ({', '.join([mark] * len(kinds))})")
            params.extend(k.value for k in kinds)
        if platform is not None:
            where.append(f"platform = {mark}")
            params.append(platform)
        sql = (
            f"SELECT platform, CASE kind {code} END, source_id, target_id, {seconds}, weight "
            f"FROM interactions {'WHERE ' + ' AND '.join(where) if where else ''}"
        )
        cols: list[list] = [[], [], [], [], [], []]
        raw = self._engine.raw_connection()
        try:
            cur = raw.driver_connection.cursor(name="cordon_interactions") if pg else raw.cursor()
            if pg:
                cur.itersize = 50_000
            cur.execute(sql, params)
            while rows := cur.fetchmany(50_000):
                for into, col in zip(cols, zip(*rows, strict=True), strict=True):
                    into.extend(col)
            cur.close()
        finally:
            raw.close()
        m = len(cols[1])
        return InteractionColumns(
            platform=np.array(cols[0], dtype=object).reshape(m),
            kind=np.array(cols[1], dtype=np.int8).reshape(m),
            source_id=np.array(cols[2], dtype=object).reshape(m),
            target_id=np.array(cols[3], dtype=object).reshape(m),
            created_at=np.array(cols[4], dtype=np.float64).reshape(m),  # None -> nan
            weight=np.array(cols[5], dtype=np.float64).reshape(m),
        )

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
        return self._stream(query.order_by(moderation_events.c.seq), codec.row_to_event)

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

    def _close(self) -> None:
        self._engine.dispose()
