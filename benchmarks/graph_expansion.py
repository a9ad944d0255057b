"""Graph build and seed expansion at 1M accounts and 10M edges, on one core.

    .venv/bin/python benchmarks/graph_expansion.py [--nodes 1000000] [--edges 10000000]
        [--store-edges 1000000] [--postgres URL] [--csv-lines 3000000]
    # the store at 10M edges: fill once through the bulk writer, then time the build again
    # in a fresh process (its peak RSS is then the build's own)
    .venv/bin/python benchmarks/graph_expansion.py --skip ppr csv --store-edges 10000000 \
        --store-fill rows --fast-only --store-path /tmp/g10m.sqlite   # run twice

Prints: graph build rate from arrays, memory of the graph; PPR time per run for push and
power iteration and push's top-1,000 overlap with exact PPR; build rate from the store
(Store.interactions() objects, the old row-by-row columns, Store.interaction_batches() as
from_store reads it) on SQLite and, with --postgres, PostgreSQL; follows CSV load rate.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, pin_to_one_core, postgres_schema

from cordon.domain import Interaction, InteractionKind
from cordon.graph import InteractionGraph, PowerIterationPPR, PushPPR, read_follows_csv
from cordon.store.base import InteractionColumns


def power_law_edges(n: int, m: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sources uniform, targets heavy-tailed (a few accounts get most follows and reposts)."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m, dtype=np.int32)
    dst = rng.permutation(n).astype(np.int32)[(n * rng.random(m) ** 2.5).astype(np.int64)]
    kind = rng.choice(np.array([0, 1, 2, 3, 4], np.int8), m, p=[0.55, 0.3, 0.03, 0.08, 0.04])
    return src, dst, kind


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_ppr(args) -> None:
    n, m = args.nodes, args.edges
    src, dst, kind = power_law_edges(n, m)
    ids = [str(10**9 + i) for i in range(n)]
    InteractionGraph.from_arrays(src[:1000], dst[:1000], kind[:1000], ids=ids[:n])  # compile
    base = rss_mb()
    times = []
    for _ in range(3):
        t = time.perf_counter()
        graph = InteractionGraph.from_arrays(src, dst, kind, ids=ids)
        _ = graph.n_edges  # merge
        times.append(time.perf_counter() - t)
    build = statistics.median(times)
    print(f"build from arrays: {m:,} edges in {build:.2f} s = {m / build / 1e6:.2f} M edges/s (median of 3)")
    print(f"graph: {graph.n_nodes:,} nodes, {graph.n_edges:,} edges, held {graph.nbytes() / 2**20:.0f} MiB; "
          f"peak RSS {rss_mb():.0f} MiB (before build {base:.0f} MiB, input arrays included)")
    del src, dst, kind
    rng = np.random.default_rng(7)
    runs = [[graph.nodes.ref(int(i)) for i in rng.choice(n, 20, replace=False)] for _ in range(args.runs)]
    t = time.perf_counter()
    exact = PowerIterationPPR(tol=1e-9).fit(graph)
    print(f"fit (walk matrices): {time.perf_counter() - t:.2f} s; RSS {rss_mb():.0f} MiB")
    push = PushPPR().fit(graph)
    push.top(runs[0], 1000)  # compile / warm
    for name, scorer in (("push", push), ("power", exact)):
        for eps in ([3e-7, 1e-6, 1e-7] if name == "push" else [None]):
            if eps is not None:
                scorer.set_params(epsilon=eps)
            per, overlaps = [], []
            for seeds in runs:
                t = time.perf_counter()
                nodes, _ = scorer.top(seeds, 1000)
                per.append(time.perf_counter() - t)
                if name == "push":
                    truth, _ = exact.top(seeds, 1000)
                    overlaps.append(len(set(nodes.tolist()) & set(truth.tolist())) / 1000)
            label = f"push eps={eps:g}" if eps else f"power (tol 1e-9, {exact.n_iter_} iterations)"
            extra = f", top-1000 overlap with exact: median {statistics.median(overlaps):.3f}, min {min(overlaps):.3f}" if overlaps else ""
            print(f"{label}: median {statistics.median(per):.4f} s per run ({args.runs} runs of 20 seeds){extra}")
    push.set_params(epsilon=3e-7)
    t = time.perf_counter()
    got = push.rank(runs[0])
    print(f"push rank() with the why for all {len(got)} candidates: {time.perf_counter() - t:.2f} s")


def rowwise_columns(store) -> InteractionColumns:
    """The read interaction_arrays made before issue 5's fast path (kept here as the 'before'):
    one driver row per interaction, ids as str, kinds and times converted in SQL."""
    from cordon.store.base import KIND_CODES

    code = " ".join(f"WHEN '{k.value}' THEN {i}" for i, k in enumerate(KIND_CODES))
    pg = store.dialect == "postgresql"
    seconds = (
        "EXTRACT(EPOCH FROM created_at)::float8" if pg
        else "round((julianday(created_at) - 2440587.5) * 86400.0, 6)"
    )
    sql = f"SELECT platform, CASE kind {code} END, source_id, target_id, {seconds}, weight FROM interactions"
    cols: list[list] = [[], [], [], [], [], []]
    raw = store.engine.raw_connection()
    try:
        cur = raw.driver_connection.cursor(name="bench_rows") if pg else raw.cursor()
        if pg:
            cur.itersize = 50_000
        cur.execute(sql)
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
        created_at=np.array(cols[4], dtype=np.float64).reshape(m),
        weight=np.array(cols[5], dtype=np.float64).reshape(m),
    )


def fill_store(store, m: int, rows: bool) -> None:
    """Write m power-law interactions. `rows` hands tuples straight to the store's bulk
    writer, the same INSERT ... ON CONFLICT (SQLite) or COPY + INSERT (PostgreSQL) that ingest
    uses, skipping the Interaction objects: writing 10M of those through insert_interactions
    took more than 10 minutes here, and the write is not what is measured."""
    from cordon.store.schema import interactions

    rng = np.random.default_rng(3)
    n = max(1000, m // 10)
    src, dst, kind = power_law_edges(n, m, seed=3)
    kinds = list(InteractionKind)
    t0 = datetime(2015, 6, 1, tzinfo=UTC).timestamp()
    when = t0 + rng.random(m) * 30 * 86400
    chunk = 200_000 if rows else 50_000
    for lo in range(0, m, chunk):
        hi = min(m, lo + chunk)
        batch = []
        for i, s, d, k, w in zip(range(lo, hi), src[lo:hi].tolist(), dst[lo:hi].tolist(),
                                 kind[lo:hi].tolist(), when[lo:hi].tolist(), strict=True):
            kd = kinds[k]
            post = None if kd is InteractionKind.FOLLOW else f"p{i}"
            at = datetime.fromtimestamp(w, UTC)
            if rows:
                batch.append(("twitter", post or "", kd.value, str(s), str(d), at, 1.0))
            else:
                batch.append(Interaction("twitter", kd, str(s), str(d), at, post))
        if rows:
            with store.engine.begin() as conn:
                store._bulk.insert_new(conn, interactions, batch)
        else:
            store.insert_interactions(batch)


def bench_store(url: str, m: int, label: str, options: dict | None = None, rows: bool = False,
                objects: bool = True) -> None:
    from cordon.store.sql import SqlStore

    store = SqlStore(url, engine_options=options)
    t = time.perf_counter()
    if store.counts()["interactions"] == 0:
        fill_store(store, m, rows)
    total = store.counts()["interactions"]
    print(f"{label}: wrote {total:,} interactions in {time.perf_counter() - t:.1f} s")
    builds = [("Store.interaction_batches() -> from_store", lambda: InteractionGraph.from_store(store))]
    if objects:  # the slow paths, for comparison (minutes each at 10M)
        builds[:0] = [
            ("Store.interactions() -> from_interactions",
             lambda: InteractionGraph.from_interactions(store.interactions())),
            ("before: row-by-row columns (the old interaction_arrays) -> from_columns",
             lambda: InteractionGraph.from_columns(rowwise_columns(store))),
        ]
    for name, build in builds:
        per = []
        for _ in range(3):
            t = time.perf_counter()
            g = build()
            _ = g.n_edges
            per.append(time.perf_counter() - t)
        best = statistics.median(per)
        print(f"{label} {name}: {total / best / 1e6:.2f} M edges/s ({best:.2f} s, median of 3)")
    per = []
    for _ in range(3):
        t = time.perf_counter()
        n_read = sum(len(b) for b in store.interaction_batches())
        per.append(time.perf_counter() - t)
    print(f"{label} interaction_batches read alone: {n_read / statistics.median(per) / 1e6:.2f} M rows/s (median of 3)")
    if objects:
        t = time.perf_counter()
        cols = store.interaction_arrays()
        read = time.perf_counter() - t
        print(f"{label} interaction_arrays (text ids) read alone: {len(cols) / read / 1e6:.2f} M rows/s")
        del cols
    base = rss_mb()
    g = InteractionGraph.from_store(store)
    _ = g.n_edges
    print(f"{label} graph from the store: held {g.nbytes() / 2**20:.0f} MiB; peak RSS {rss_mb():.0f} MiB "
          f"(before this build {base:.0f} MiB)")
    store.close()


def bench_csv(lines: int) -> None:
    rng = np.random.default_rng(4)
    a = rng.integers(10**8, 10**12, lines)
    b = rng.integers(10**8, 10**12, lines)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "follows.csv"
        body = "\n".join(f"{x},{y}" for x, y in zip(a.tolist(), b.tolist(), strict=True))
        path.write_text("follower_id,followee_id\n" + body + "\n")
        per = []
        for _ in range(3):
            t = time.perf_counter()
            got = read_follows_csv(path)
            per.append(time.perf_counter() - t)
        assert len(got) == lines and not got.errors
        best = statistics.median(per)
        print(f"follows CSV: {lines:,} lines in {best:.2f} s = {lines / best / 1e6:.2f} M lines/s")
        t = time.perf_counter()
        g = InteractionGraph().update(got.columns("twitter"))
        _ = g.n_edges
        print(f"follows CSV -> graph: {time.perf_counter() - t:.2f} s more")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--edges", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--store-edges", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--csv-lines", type=int, default=3_000_000)
    parser.add_argument("--skip", nargs="*", default=[], choices=["ppr", "store", "csv"])
    parser.add_argument("--store-fill", choices=["objects", "rows"], default="objects",
                        help="rows: tuples to the bulk writer (for 10M edges)")
    parser.add_argument("--store-path", type=Path, default=None,
                        help="a SQLite file to keep and reuse: a second run measures the build "
                             "in a fresh process, so its peak RSS is the build's alone")
    parser.add_argument("--postgres-schema", default=None,
                        help="a PostgreSQL schema to keep and reuse, as --store-path for SQLite")
    parser.add_argument("--fast-only", action="store_true",
                        help="time only from_store (the object paths take minutes at 10M)")
    args = parser.parse_args()
    pin_to_one_core()
    print(machine(), "- pinned to one core")
    if "csv" not in args.skip:
        bench_csv(args.csv_lines)
    if "store" not in args.skip:
        rows, objects = args.store_fill == "rows", not args.fast_only
        if args.store_path:
            bench_store(f"sqlite:///{args.store_path}", args.store_edges, "SQLite", rows=rows, objects=objects)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                bench_store(f"sqlite:///{tmp}/bench.sqlite", args.store_edges, "SQLite", rows=rows, objects=objects)
        if args.postgres and args.postgres_schema:  # kept, like --store-path
            import sqlalchemy as sa

            admin = sa.create_engine(args.postgres)
            with admin.begin() as conn:
                conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {args.postgres_schema}"))
            admin.dispose()
            options = {"connect_args": {"options": f"-csearch_path={args.postgres_schema}"}}
            bench_store(args.postgres, args.store_edges, "PostgreSQL", options, rows=rows, objects=objects)
        elif args.postgres:
            with postgres_schema(args.postgres) as options:
                bench_store(args.postgres, args.store_edges, "PostgreSQL", options, rows=rows, objects=objects)
    if "ppr" not in args.skip:
        bench_ppr(args)


if __name__ == "__main__":
    main()
