"""Storage: one Store interface (base.py) and its SQL backend for SQLite and PostgreSQL."""

from __future__ import annotations

from cordon.store.base import Store, WriteResult


def open_store(url: str) -> Store:
    """Open (and migrate) the store at a SQLAlchemy URL."""
    from cordon.store.sql import SqlStore

    return SqlStore(url)


__all__ = ["Store", "WriteResult", "open_store"]
