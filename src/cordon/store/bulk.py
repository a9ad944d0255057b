"""Fast bulk writes, one strategy per database. Ingest spends most of its time here.

Each write is one or more `INSERT ... ON CONFLICT` statements over the same rows:
- SQLite: executemany of the prepared statement through the raw driver;
- PostgreSQL: the rows are sent once, by binary COPY, into a temporary staging table, and
  each statement is an INSERT ... SELECT from it: several times faster than executemany.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Protocol

from sqlalchemy import BigInteger, Connection, DateTime, Float, Integer, Table


def _sqlite_datetime(value: datetime) -> str:
    """The storage format SQLAlchemy's SQLite DateTime reads back: naive UTC, 'YYYY-MM-DD
    HH:MM:SS[.ffffff]'. isoformat is several times faster than strftime on this hot path."""
    if value.tzinfo is timezone.utc:
        return value.isoformat(" ")[:-6]  # drop '+00:00'
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(" ")


# Raw driver writes bypass SQLAlchemy's type processing; this keeps times in its format.
sqlite3.register_adapter(datetime, _sqlite_datetime)


class _Sql:
    """The column lists and conflict clauses of one table's bulk statements."""

    def __init__(self, table: Table, set_exprs: Mapping[str, str] | None = None) -> None:
        names = [c.name for c in table.columns]
        keys = [c.name for c in table.primary_key.columns]
        exprs = set_exprs or {}
        self.table = table.name
        self.cols = ", ".join(names)
        self.width = len(names)
        self.keys = ", ".join(keys)
        self.updates = ", ".join(f"{c} = {exprs.get(c, f'excluded.{c}')}" for c in names if c not in keys)

    def do_nothing(self) -> str:
        return f"ON CONFLICT ({self.keys}) DO NOTHING"

    def do_update(self, where: str | None = None) -> str:
        return f"ON CONFLICT ({self.keys}) DO UPDATE SET {self.updates}" + (f" WHERE {where}" if where else "")


class BulkWriter(Protocol):
    def insert_new(self, conn: Connection, table: Table, rows: Sequence[tuple]) -> int:
        """Insert rows whose key is not there yet; return how many were inserted."""

    def upsert(
        self, conn: Connection, table: Table, rows: Sequence[tuple], changed: str,
        set_exprs: Mapping[str, str] | None = None,
    ) -> tuple[int, int]:
        """Insert new rows, then overwrite existing rows for which the SQL condition `changed`
        holds (it may name the table and `excluded`); `set_exprs` gives some columns an SQL
        expression instead of the new value. Returns (inserted, changed)."""

    def replace(self, conn: Connection, table: Table, rows: Sequence[tuple]) -> None:
        """Insert rows, overwriting any with the same key."""


class SqliteBulkWriter:
    def _run(self, conn: Connection, sql: _Sql, rows: Sequence[tuple], conflict: str) -> int:
        marks = ", ".join("?" * sql.width)
        statement = f"INSERT INTO {sql.table} ({sql.cols}) VALUES ({marks}) {conflict}"
        return conn.exec_driver_sql(statement, list(rows)).rowcount

    def insert_new(self, conn: Connection, table: Table, rows: Sequence[tuple]) -> int:
        sql = _Sql(table)
        return self._run(conn, sql, rows, sql.do_nothing())

    def upsert(self, conn, table, rows, changed, set_exprs=None) -> tuple[int, int]:
        sql = _Sql(table, set_exprs)
        new = self._run(conn, sql, rows, sql.do_nothing())
        updated = self._run(conn, sql, rows, sql.do_update(changed)) if new < len(rows) else 0
        return new, updated

    def replace(self, conn: Connection, table: Table, rows: Sequence[tuple]) -> None:
        sql = _Sql(table)
        self._run(conn, sql, rows, sql.do_update())


def _pg_type(column) -> str:
    kind = column.type
    if isinstance(kind, DateTime):
        return "timestamptz"
    if isinstance(kind, BigInteger):
        return "int8"
    if isinstance(kind, Integer):
        return "int4"
    if isinstance(kind, Float):
        return "float8"
    return "text"


class PostgresBulkWriter:
    def _stage(self, conn: Connection, table: Table, rows: Sequence[tuple]) -> str:
        """COPY the rows into this connection's staging table for `table`; returns its name.
        The staging table is emptied at every commit, so pooled connections reuse it."""
        stage = f"_stage_{table.name}"
        driver = conn.connection.driver_connection
        with driver.cursor() as cur:
            # Not cached per connection: a rolled-back transaction takes the CREATE with it.
            cur.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {stage} "
                f"(LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            )
            # Empty unless the table was staged before in this same transaction.
            cur.execute(f"DELETE FROM {stage}")
            sql = _Sql(table)
            with cur.copy(f"COPY {stage} ({sql.cols}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([_pg_type(c) for c in table.columns])
                for row in rows:
                    copy.write_row(row)
        return stage

    def _from_stage(self, conn: Connection, sql: _Sql, stage: str, conflict: str) -> int:
        statement = f"INSERT INTO {sql.table} ({sql.cols}) SELECT {sql.cols} FROM {stage} {conflict}"
        return conn.exec_driver_sql(statement).rowcount

    def insert_new(self, conn: Connection, table: Table, rows: Sequence[tuple]) -> int:
        sql = _Sql(table)
        return self._from_stage(conn, sql, self._stage(conn, table, rows), sql.do_nothing())

    def upsert(self, conn, table, rows, changed, set_exprs=None) -> tuple[int, int]:
        sql = _Sql(table, set_exprs)
        stage = self._stage(conn, table, rows)
        new = self._from_stage(conn, sql, stage, sql.do_nothing())
        updated = self._from_stage(conn, sql, stage, sql.do_update(changed)) if new < len(rows) else 0
        return new, updated

    def replace(self, conn: Connection, table: Table, rows: Sequence[tuple]) -> None:
        sql = _Sql(table)
        self._from_stage(conn, sql, self._stage(conn, table, rows), sql.do_update())


def writer_for(dialect: str) -> BulkWriter:
    if dialect == "sqlite":
        return SqliteBulkWriter()
    if dialect == "postgresql":
        return PostgresBulkWriter()
    raise ValueError(f"no bulk writer for {dialect}")
