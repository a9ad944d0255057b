"""The review console under load: the queue page and the account view with 20 moderators
working at once, on PostgreSQL holding 1M accounts and 100k open cases (issue 7: p95 <= 100 ms).

It fills a fresh schema (accounts, a few posts and follows around each case's account, and the
cases opened by CASE_OPENED events in batches of 5,000: the read model moves with them), starts
the console under uvicorn in its own process on loopback, signs in the moderators, and runs a
bounded load: each moderator sends a fixed number of requests, one at a time, alternating the
queue page (filters, orders and pages drawn at random) and the account view of a random case.
Latency is measured by the client, from request sent to body read. With --think-ms each
moderator pauses between pages (0.5-1.5x that), as people reading a page do; without, each
sends the next request as soon as one is answered, which measures the server's saturation.

    .venv/bin/python benchmarks/console_load.py [--accounts 1000000] [--cases 100000]
        [--moderators 20] [--requests 100] [--think-ms 0] [--waiting-indexes] [--postgres URL]
        [--keep | --reuse SCHEMA]

CONSOLE_LOAD_SERVER=script.py runs the server as `python script.py URL SCHEMA PORT` instead
(a profiler around it, several workers).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))

from common import machine, postgres_schema

from cordon.config import Settings
from cordon.domain import Account, EventName, Interaction, InteractionKind, ModerationEvent, Post, Role, SubjectRef
from cordon.store.base import User
from cordon.store.sql import SqlStore

T0 = datetime(2015, 6, 1, tzinfo=UTC)
P = "twitter"
QUEUES = ["extremism", "threats", "media", "evasion", "reports"]
ACCOUNT_BATCH = 50_000
EVENT_BATCH = 5_000
POSTS_PER_CASE = 4
FOLLOWS_PER_CASE = 12
PASSWORD = "bench-password-not-secret"
QUEUE_URLS = [
    "/queue", "/queue?order=risk", "/queue?order=age", "/queue?order=sla", "/queue?queue=threats",
    "/queue?queue=extremism&order=risk", "/queue?min_risk=0.9", "/queue?page=5", "/queue?queue=media&page=3",
]


# -- filling the store ------------------------------------------------------------------
def fill(store: SqlStore, n_accounts: int, n_cases: int, rng: random.Random) -> dict[str, float]:
    """Accounts 0..n-1; cases on the first n_cases, each with posts and follows; seconds per part."""
    took = {}
    began = time.perf_counter()
    for start in range(0, n_accounts, ACCOUNT_BATCH):
        ids = range(start, min(n_accounts, start + ACCOUNT_BATCH))
        store.write_batch(accounts=[
            Account(P, str(i), handle=f"user{i}", display_name=f"User {i}", bio="a bio like any other",
                    created_at=T0 - timedelta(days=i % 900), followers_count=i % 5000, posts_count=POSTS_PER_CASE)
            for i in ids
        ])
        print(f"\r  accounts {min(n_accounts, start + ACCOUNT_BATCH):,}", end="", flush=True)
    took["accounts"] = time.perf_counter() - began
    print()

    began = time.perf_counter()
    for start in range(0, n_cases, ACCOUNT_BATCH // 5):
        ids = range(start, min(n_cases, start + ACCOUNT_BATCH // 5))
        posts = [Post(P, f"p{i}-{k}", str(i), text=f"post {k} of account {i}: we stand with the cause",
                      created_at=T0 + timedelta(minutes=k)) for i in ids for k in range(POSTS_PER_CASE)]
        edges = [Interaction(P, InteractionKind.FOLLOW, str(i), str(rng.randrange(n_accounts)))
                 for i in ids for _ in range(FOLLOWS_PER_CASE)]
        store.write_batch(posts=posts, interactions=edges)
        print(f"\r  posts and follows of {min(n_cases, start + ACCOUNT_BATCH // 5):,} case accounts", end="", flush=True)
    took["posts+follows"] = time.perf_counter() - began
    print()

    began = time.perf_counter()
    for start in range(0, n_cases, EVENT_BATCH):
        store.append_events([
            ModerationEvent(
                EventName.CASE_OPENED, "policy:bench", T0 + timedelta(seconds=i), SubjectRef.account(P, str(i)),
                f"case{i:07d}", "opened by the benchmark",
                {"queue": rng.choice(QUEUES), "priority": round(rng.random() * 3, 4), "risk": round(rng.random(), 4)},
            )
            for i in range(start, min(n_cases, start + EVENT_BATCH))
        ])
        print(f"\r  cases {min(n_cases, start + EVENT_BATCH):,}", end="", flush=True)
    took["cases"] = time.perf_counter() - began
    print()
    return took


def add_moderators(store: SqlStore, n: int) -> list[str]:
    from cordon.web.auth import hash_password

    digest = hash_password(PASSWORD)  # one hash for all: argon2 is slow on purpose
    names = [f"mod{i:02d}" for i in range(n)]
    for name in names:
        store.create_user(User(name, Role.MODERATOR, digest, T0))
    return names


# The queue's orderings over the waiting states: without them PostgreSQL sorts every waiting
# case (a parallel seq scan of 100k wide rows, 40-60 ms) for each queue page.
WAITING_INDEXES = {
    "bench_waiting_priority": "priority DESC, opened_at, case_id",
    "bench_waiting_risk": "risk DESC NULLS LAST, priority DESC, case_id",
    "bench_waiting_age": "opened_at, case_id",
    "bench_waiting_sla": "sla_due ASC NULLS LAST, priority DESC, case_id",
    "bench_waiting_queue": "queue, priority DESC, opened_at, case_id",
}


def add_waiting_indexes(url: str, schema: str) -> None:
    waiting = "state IN ('open', 'assigned', 'escalated', 'appealed')"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for name, columns in WAITING_INDEXES.items():
            conn.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {schema}.case_status ({columns}) WHERE {waiting}"))
        conn.execute(text(f"ANALYZE {schema}.case_status"))
    engine.dispose()
    print("  with the proposed partial indexes on waiting cases: " + "; ".join(WAITING_INDEXES.values()))


# -- the server: uvicorn in a child process ---------------------------------------------
def serve(url: str, schema: str, port: int) -> None:
    """The child: the console over the benchmark's schema, as `cordon serve` runs it."""
    import uvicorn

    from cordon.web import create_app

    store = SqlStore(url, engine_options={"connect_args": {"options": f"-csearch_path={schema}"}})
    settings = Settings(console_login_attempts=1000)
    uvicorn.run(create_app(store, settings), host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, schema: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = os.environ.get("CONSOLE_LOAD_SERVER")  # another server script, e.g. one under a profiler
    argv = [command, url, schema, str(port)] if command else [__file__, "--serve", str(port), "--schema", schema,
                                                               "--postgres", url]
    child = subprocess.Popen([sys.executable, *argv])
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return child, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    child.kill()
    raise SystemExit("the console did not start")


# -- the load -----------------------------------------------------------------------------
async def sign_in(client, name: str) -> None:
    await client.get("/login")
    answer = await client.post("/login", data={"username": name, "password": PASSWORD,
                                               "csrf": client.cookies.get("cordon_login"), "next": "/queue"})
    if answer.status_code != 303:
        raise SystemExit(f"sign-in of {name} failed: {answer.status_code}")


async def moderator(base: str, name: str, n: int, n_cases: int, seed: int, think: float,
                    times: dict[str, list[float]], ready: list[str], start: asyncio.Event) -> None:
    import httpx

    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False) as client:
        await sign_in(client, name)
        ready.append(name)
        await start.wait()
        for k in range(n):
            if k % 2 == 0:
                kind, url = "queue page", rng.choice(QUEUE_URLS)
            else:
                kind, url = "account view", f"/accounts/{P}/{rng.randrange(n_cases)}"
            began = time.perf_counter()
            answer = await client.get(url)
            took = (time.perf_counter() - began) * 1000
            if answer.status_code != 200:
                raise SystemExit(f"{url}: {answer.status_code} {answer.text[:200]}")
            times[kind].append(took)
            if think:
                await asyncio.sleep(rng.uniform(0.5, 1.5) * think)  # reading the page


async def load(base: str, names: list[str], n: int, n_cases: int, think: float) -> tuple[dict[str, list[float]], float]:
    """Every moderator signs in (argon2: slow on purpose, so before the clock starts), then
    all start at once; returns the latencies by page and the wall time of the load."""
    times: dict[str, list[float]] = {"queue page": [], "account view": []}
    ready: list[str] = []
    start = asyncio.Event()
    tasks = [asyncio.create_task(moderator(base, name, n, n_cases, i, think, times, ready, start))
             for i, name in enumerate(names)]
    while len(ready) < len(names):
        if any(t.done() for t in tasks):
            await asyncio.gather(*tasks)  # a sign-in failed: raise it
        await asyncio.sleep(0.1)
    await asyncio.sleep(2)  # let the sign-ins' argon2 work drain
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    return times, time.perf_counter() - began


@contextmanager
def _schema(args) -> Iterator[str]:
    """The schema to load: a kept one (--reuse), or a fresh one, dropped after unless --keep."""
    if args.reuse:
        yield args.reuse
        return
    if args.keep:
        schema = f"bench_console_{os.getpid()}"
        admin = sa.create_engine(args.postgres)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        print(f"  schema {schema} (kept: drop it with DROP SCHEMA {schema} CASCADE)")
        yield schema
        return
    with postgres_schema(args.postgres) as options:
        yield options["connect_args"]["options"].split("=", 1)[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered))) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--moderators", type=int, default=20)
    parser.add_argument("--requests", type=int, default=100, help="requests per moderator")
    parser.add_argument("--postgres", default=Settings().test_postgres_url)
    parser.add_argument("--keep", action="store_true", help="keep the filled schema (its name is printed)")
    parser.add_argument("--reuse", metavar="SCHEMA", help="load a schema kept by --keep instead of filling one")
    parser.add_argument("--think-ms", type=float, default=0.0,
                        help="a moderator's pause between requests (0: each sends the next as soon as one answers)")
    parser.add_argument("--waiting-indexes", action="store_true",
                        help="first add the partial indexes on waiting cases proposed for case_status "
                             "(not in the schema yet), to measure what they buy")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.postgres, args.schema, args.serve)
        return

    print(f"console_load: {machine()}")
    print(f"PostgreSQL {args.postgres}: {args.accounts:,} accounts, {args.cases:,} open cases, "
          f"{args.moderators} moderators x {args.requests} requests")
    n_cases = min(args.cases, args.accounts)
    with _schema(args) as schema:
        if not args.reuse:
            options = {"connect_args": {"options": f"-csearch_path={schema}"}}
            store = SqlStore(args.postgres, engine_options=options)
            took = fill(store, args.accounts, n_cases, random.Random(7))
            add_moderators(store, args.moderators)
            with store.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
            print("  fill: " + ", ".join(f"{k} {v:.0f} s" for k, v in took.items()))
            store.close()
        if args.waiting_indexes:
            add_waiting_indexes(args.postgres, schema)
        child, base = start_server(args.postgres, schema)
        try:
            names = [f"mod{i:02d}" for i in range(args.moderators)]
            times, wall = asyncio.run(load(base, names, args.requests, n_cases, args.think_ms / 1000))
        finally:
            child.terminate()
            child.wait(10)
    total = sum(len(v) for v in times.values())
    pause = f", pausing {args.think_ms:.0f} ms (0.5-1.5x) between requests" if args.think_ms else ", no pause"
    print(f"  {total:,} requests in {wall:.1f} s: {total / wall:,.0f} requests/s{pause}")
    print(f"  {'page':<14}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'mean ms':>9}")
    for kind, values in times.items():
        print(f"  {kind:<14}{len(values):>6}{percentile(values, .50):>9.1f}{percentile(values, .95):>9.1f}"
              f"{percentile(values, .99):>9.1f}{statistics.fmean(values):>9.1f}")
    print(f"  load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
