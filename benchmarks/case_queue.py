"""The review queue page against the case read model, with 100k open cases, on SQLite and
PostgreSQL: Store.cases() for the pages the console shows (median and p95 ms), the header
counts, and claim + decide throughput through CaseService (the claim lock, the decision, its
action through the executor, the close).

The cases are opened by appending CASE_OPENED events in batches of 5,000, so the fill also
times the projection's bulk path (events/s appended with the read model kept up to date).

    .venv/bin/python benchmarks/case_queue.py [--cases 100000] [--repeat 50] [--decide 200] [--postgres URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import machine, postgres_schema

from cordon.cases.workflow import CaseService
from cordon.config import Settings
from cordon.domain import Account, Actor, EventName, ModerationEvent, Role, SubjectRef
from cordon.domain.cases import CaseQuery
from cordon.enforce import Executor
from cordon.store.sql import SqlStore

T0 = datetime(2015, 6, 1, tzinfo=UTC)
QUEUES = ["extremism", "threats", "media", "evasion", "reports"]
BATCH = 5000


def fill(store: SqlStore, n: int) -> float:
    """n open cases over five queues, random priority and risk; returns events/s."""
    rng = random.Random(7)
    began = time.perf_counter()
    for start in range(0, n, BATCH):
        store.append_events([
            ModerationEvent(
                EventName.CASE_OPENED, "policy:bench", T0 + timedelta(seconds=i), SubjectRef.account("t", str(i)),
                f"case{i:07d}", "bench",
                {"queue": rng.choice(QUEUES), "priority": round(rng.random() * 3, 4), "risk": round(rng.random(), 4)},
            )
            for i in range(start, min(n, start + BATCH))
        ])
    return n / (time.perf_counter() - began)


PAGES = {
    "all waiting, by priority": (CaseQuery.waiting(), "priority"),
    "one queue, by priority": (CaseQuery.waiting("threats"), "priority"),
    "one queue, by SLA": (CaseQuery.waiting("media"), "sla"),
    "all waiting, by risk": (CaseQuery.waiting(), "risk"),
    "all waiting, by age": (CaseQuery.waiting(), "age"),
    "risk >= 0.9, by priority": (CaseQuery.waiting(min_risk=0.9), "priority"),
    "page 20 of one queue": (CaseQuery.waiting("extremism"), "priority"),
}


def time_ms(work, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)]


def run(store: SqlStore, n: int, repeat: int, decide: int) -> None:
    print(f"  fill: {fill(store, n):,.0f} CASE_OPENED events/s (read model kept in step)")
    for name, (query, order) in PAGES.items():
        offset = 950 if name.startswith("page 20") else 0
        median, p95 = time_ms(lambda q=query, o=order, off=offset: store.cases(q, order=o, limit=50, offset=off), repeat)
        print(f"  {name:<28} median {median:6.1f} ms  p95 {p95:6.1f} ms")
    median, p95 = time_ms(store.case_counts, repeat)
    print(f"  {'header counts':<28} median {median:6.1f} ms  p95 {p95:6.1f} ms")
    median, p95 = time_ms(lambda: store.case("case0050000"), repeat)
    print(f"  {'one case':<28} median {median:6.1f} ms  p95 {p95:6.1f} ms")
    store.upsert_accounts([Account("t", str(i), f"u{i}") for i in range(decide)])
    service = CaseService(store, Executor(store, []))
    actor = Actor("bench", Role.MODERATOR)
    began = time.perf_counter()
    for i in range(decide):
        service.claim(f"case{i:07d}", actor)
        service.decide(f"case{i:07d}", actor, "suspend", "bench-1", "bench")
    rate = decide / (time.perf_counter() - began)
    print(f"  claim + decide (suspend, action, close): {rate:,.1f} cases/s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--decide", type=int, default=200)
    parser.add_argument("--postgres", default=Settings().test_postgres_url)
    args = parser.parse_args()
    print(machine(), f"{args.cases:,} open cases")
    with tempfile.TemporaryDirectory() as tmp, SqlStore(f"sqlite:///{Path(tmp) / 'bench.sqlite'}") as store:
        print("sqlite")
        run(store, args.cases, args.repeat, args.decide)
    with postgres_schema(args.postgres) as options, SqlStore(args.postgres, engine_options=options) as store:
        print("postgres")
        run(store, args.cases, args.repeat, args.decide)


if __name__ == "__main__":
    main()
