"""Helpers shared by the benchmark scripts: pinning, medians, a fresh PostgreSQL schema."""

from __future__ import annotations

import os
import platform
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date


def pin_to_one_core() -> None:
    """'On one core' means it: the process and all its threads share CPU 0."""
    os.sched_setaffinity(0, {0})


def median_rate(work: Callable[[], int], repeat: int) -> tuple[float, list[float]]:
    """Run `work` (which returns how many items it did) `repeat` times; items/s median, all."""
    rates = []
    for _ in range(repeat):
        began = time.perf_counter()
        n = work()
        rates.append(n / (time.perf_counter() - began))
    return statistics.median(rates), rates


def machine() -> str:
    return f"{platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}, {date.today()}"


@contextmanager
def postgres_schema(url: str) -> Iterator[dict]:
    """Engine options for a fresh schema in the PostgreSQL at url, dropped afterwards."""
    import sqlalchemy as sa

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield {"connect_args": {"options": f"-csearch_path={schema}"}}
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
