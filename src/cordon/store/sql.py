"""The SQL store: one implementation over SQLAlchemy 2 for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, insert, or_, select
from sqlalchemy.engine import make_url

from cordon.domain import (
    Account,
    AccountRisk,
    AccountStatus,
    Interaction,
    InteractionKind,
    ModerationEvent,
    Post,
    Report,
    SubjectRef,
)
from cordon.store import codec
from cordon.store.base import Store, WriteResult
from cordon.store.bulk import writer_for
from cordon.store.migrate import upgrade
from cordon.store.schema import (
    account_risk,
    accounts,
    interactions,
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

    def _close(self) -> None:
        self._engine.dispose()
