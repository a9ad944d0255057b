"""Fast bulk writes, one strategy per database. Ingest spends most of its time here.

SQLite: executemany of a prepared INSERT ... ON CONFLICT through the raw driver.
PostgreSQL: COPY into a temporary staging table, then one INSERT ... SELECT ... ON CONFLICT,
which is several times faster than executemany.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Protocol

from sqlalchemy import Connection, Table


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


class BulkWriter(Protocol):
    def insert_new(self, conn: Connection, table: Table, rows: Sequence[tuple]) -> int:
        """Insert rows whose key is not there yet; return how many were inserted."""

    def update_changed(
        self, conn: Connection, table: Table, rows: Sequence[tuple], changed: str,
        set_exprs: Mapping[str, str] | None = None,
    ) -> int:
        """Overwrite existing rows for which the SQL condition `changed` holds (it may name the
        table and `excluded`); `set_exprs` replaces the new value of some columns with an SQL
        expression. Returns how many rows changed."""

    def replace(self, conn: Connection, table: Table, rows: Sequence[tuple]) -> None:
        """Insert rows, overwriting any with the same key."""


def _columns(table: Table, set_exprs: Mapping[str, str] | None = None) -> tuple[str, str, str]:
    cols = [c.name for c in table.columns]
    keys = [c.name for c in table.primary_key.columns]
    exprs = set_exprs or {}
    updates = ", ".join(f"{c} = {exprs.get(c, f'excluded.{c}')}" for c in cols if c not in keys)
    return ", ".join(cols), ", ".join(keys), updates


class SqliteBulkWriter:
    def insert_new(self, conn: Connection, table: Table, rows: Sequence[tuple]) -> int:
        cols, keys, _ = _columns(table)
        marks = ", ".join("?" * len(table.columns))
        sql = f"INSERT INTO {table.name} ({cols}) VALUES ({marks}) ON CONFLICT ({keys}) DO NOTHING"
        return conn.exec_driver_sql(sql, list(rows)).rowcount

    def update_changed(
        self, conn: Connection, table: Table, rows: Sequence[tuple], changed: str,
        set_exprs: Mapping[str, str] | None = None,
    ) -> int:
        cols, keys, updates = _columns(table, set_exprs)
        marks = ", ".join("?" * len(table.columns))
        sql = (
            f"INSERT INTO {table.name} ({cols}) VALUES ({marks}) ON CONFLICT ({keys}) "
            f"DO UPDATE SET {updates} WHERE {changed}"
        )
        return conn.exec_driver_sql(sql, list(rows)).rowcount

    def replace(self, conn: Connection, table: Table, rows: Sequence[tuple]) -> None:
        cols, keys, updates = _columns(table)
        marks = ", ".join("?" * len(table.columns))
        sql = f"INSERT INTO {table.name} ({cols}) VALUES ({marks}) ON CONFLICT ({keys}) DO UPDATE SET {updates}"
        conn.exec_driver_sql(sql, list(rows))


class PostgresBulkWriter:
    def _stage(self, conn: Connection, table: Table, rows: Sequence[tuple]) -> str:
        stage = f"_stage_{table.name}"
        cols, _, _ = _columns(table)
        driver = conn.connection.driver_connection
        with driver.cursor() as cur:
            # Per connection and emptied at commit, so pooled connections reuse it safely.
            cur.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {stage} "
                f"(LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            )
            cur.execute(f"TRUNCATE {stage}")
            with cur.copy(f"COPY {stage} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return stage

    def insert_new(self, conn: Connection, table: Table, rows: Sequence[tuple]) -> int:
        stage = self._stage(conn, table, rows)
        cols, keys, _ = _columns(table)
        sql = (
            f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM {stage} "
            f"ON CONFLICT ({keys}) DO NOTHING"
        )
        return conn.exec_driver_sql(sql).rowcount

    def update_changed(
        self, conn: Connection, table: Table, rows: Sequence[tuple], changed: str,
        set_exprs: Mapping[str, str] | None = None,
    ) -> int:
        stage = self._stage(conn, table, rows)
        cols, keys, updates = _columns(table, set_exprs)
        sql = (
            f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM {stage} "
            f"ON CONFLICT ({keys}) DO UPDATE SET {updates} WHERE {changed}"
        )
        return conn.exec_driver_sql(sql).rowcount

    def replace(self, conn: Connection, table: Table, rows: Sequence[tuple]) -> None:
        stage = self._stage(conn, table, rows)
        cols, keys, updates = _columns(table)
        conn.exec_driver_sql(
            f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM {stage} "
            f"ON CONFLICT ({keys}) DO UPDATE SET {updates}"
        )


def writer_for(dialect: str) -> BulkWriter:
    if dialect == "sqlite":
        return SqliteBulkWriter()
    if dialect == "postgresql":
        return PostgresBulkWriter()
    raise ValueError(f"no bulk writer for {dialect}")
