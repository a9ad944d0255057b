"""PDQ match index: load time, memory, batch throughput and latency on one core (issue 4).

For each size (default 1M and 10M hashes) and each data set:
- uniform: random 256-bit codes, the benign case for multi-index hashing (even buckets);
- clustered: families of near-duplicates (Zipf-sized, up to 10k members, each member
  within 12 bits of its family's base), and queries half from the families: heavy buckets.
Queries come in batches of 1,000: 10% are planted near neighbours of a listed hash at
distance 0..31 (must be found), 5% at 32..40 (must not be), the rest random (or, for the
clustered set, new family members). Measured:
- load: 64-hex text, one hash a line, from a file to a ready index (parse + build);
- memory: the index's arrays, the RSS growth, and tracemalloc's peak while building;
- batch queries/s (median of --repeat batches; wall clock and the process's CPU time, since
  other jobs share this machine's cores), single-query latency p50/p95 (search_one, hex in);
- brute force (numpy bitwise_count, LinearPdqIndex) on a few queries, and the ratio;
- a numpy-only multi-index search on the same tables (why the kernels are numba);
- equality with brute force on a sample of queries (every hit, every distance).
With --crossover: linear against multi-index on small lists (build_pdq_index's threshold).

    .venv/bin/python benchmarks/hash_lookup.py [--sizes 1000000 10000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import psutil
from common import machine, pin_to_one_core

from cordon.signals.media.index import (
    Hits,
    LinearPdqIndex,
    MultiIndexPdqIndex,
    _masks,
    _substring_keys,
    load_pdq_hex_file,
    to_hex,
)

BATCH = 1000
_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def hex_text(codes: np.ndarray) -> bytes:
    """Codes -> 64-hex lines, vectorised (to_hex makes Python strings: slow at 10M)."""
    out = []
    for start in range(0, len(codes), 1_000_000):
        raw = codes[start : start + 1_000_000].astype(">u8").view(np.uint8).reshape(-1, 32)
        chars = np.empty((len(raw), 65), dtype=np.uint8)
        chars[:, 0:64:2] = _DIGITS[raw >> 4]
        chars[:, 1:64:2] = _DIGITS[raw & 15]
        chars[:, 64] = ord("\n")
        out.append(chars.tobytes())
    return b"".join(out)


def flip(codes: np.ndarray, k: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each row with k[i] distinct random bits flipped."""
    out = codes.copy()
    kmax = int(k.max(initial=0))
    if kmax == 0:
        return out
    order = np.argsort(rng.random((len(codes), 256)), axis=1)[:, :kmax]
    rows = np.arange(len(codes))
    for j in range(kmax):
        pos = order[:, j]
        bit = (np.uint64(1) << (63 - pos % 64).astype(np.uint64)) * (j < k).astype(np.uint64)
        out[rows, pos // 64] ^= bit
    return out


def random_codes(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)


def clustered_codes(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n codes in near-duplicate families of Zipf sizes; returns (codes, family bases)."""
    sizes = np.minimum(rng.zipf(1.8, size=n), 10_000)
    sizes = sizes[np.cumsum(sizes) <= n]
    sizes = np.append(sizes, n - sizes.sum()) if sizes.sum() < n else sizes
    bases = random_codes(len(sizes), rng)
    print(
        f"families: {len(sizes):,}, largest {sizes.max():,}, half the hashes in the {np.searchsorted(np.cumsum(np.sort(sizes)[::-1]), n // 2) + 1:,} largest"
    )
    family = np.repeat(np.arange(len(sizes)), sizes)
    out = np.empty((n, 4), dtype=np.uint64)
    for s in range(0, n, 1_000_000):
        fam = family[s : s + 1_000_000]
        out[s : s + len(fam)] = flip(bases[fam], rng.integers(0, 13, len(fam)), rng)
    return out, bases


def make_queries(
    codes: np.ndarray, n: int, rng: np.random.Generator, bases: np.ndarray | None
) -> np.ndarray:
    near = n // 10
    far = n // 20
    q = random_codes(n, rng)
    src = codes[rng.integers(0, len(codes), near + far)]
    k = np.concatenate([rng.integers(0, 32, near), rng.integers(32, 41, far)])
    q[: near + far] = flip(src, k, rng)
    if bases is not None:  # half the rest: new members of listed families
        rest = (n - near - far) // 2
        fam = bases[rng.integers(0, len(bases), rest)]
        q[near + far : near + far + rest] = flip(fam, rng.integers(0, 13, rest), rng)
    return q[rng.permutation(n)]


def numpy_mih(idx: MultiIndexPdqIndex, queries: np.ndarray, radius: int = 31) -> Hits:
    """The same multi-index search in numpy alone, vectorised over the batch."""
    qs, items = [], []
    for t, (start, b, rho) in enumerate(
        zip(idx.layout.starts, idx.layout.bits, idx.layout.radii(radius), strict=True)
    ):
        if rho < 0:
            continue
        keys = _substring_keys(queries, start, b).astype(np.int64)
        probes = keys[:, None] ^ _masks(b, rho)[None, :].astype(np.int64)
        lo, hi = idx.bucket_ranges(t, probes.ravel())
        cnt = hi - lo
        qi = np.repeat(np.repeat(np.arange(len(queries)), probes.shape[1]), cnt)
        pos = np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(cnt.sum())
        qs.append(qi)
        items.append(idx._ids[t][pos])
    qi = np.concatenate(qs)
    it = np.concatenate(items).astype(np.int64)
    d = np.bitwise_count(idx.codes[it] ^ queries[qi]).sum(axis=1, dtype=np.uint16)
    keep = d <= radius
    pairs = np.unique(np.stack([qi[keep], it[keep], d[keep]], axis=1), axis=0)
    return Hits.sorted(pairs[:, 0], pairs[:, 1], pairs[:, 2])


def rates(fn, batches: list[np.ndarray]) -> tuple[float, float]:
    wall, cpu = [], []
    for b in batches:
        w0, c0 = time.perf_counter(), time.process_time()
        fn(b)
        wall.append(len(b) / (time.perf_counter() - w0))
        cpu.append(len(b) / max(time.process_time() - c0, 1e-9))
    return statistics.median(wall), statistics.median(cpu)


def same(a: Hits, b: Hits) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in ("query", "item", "distance"))


def rss() -> int:
    return psutil.Process().memory_info().rss


def run(
    n: int, kind: str, repeat: int, brute: int, check: int, rng: np.random.Generator, tmp: Path
) -> None:
    print(f"\n## {kind}, {n:,} hashes")
    if kind == "uniform":
        codes, bases = random_codes(n, rng), None
    else:
        codes, bases = clustered_codes(n, rng)
    path = tmp / f"pdq_{kind}_{n}.txt"
    path.write_bytes(hex_text(codes))
    queries = make_queries(codes, BATCH * repeat, rng, bases)
    del codes
    gc.collect()

    before = rss()
    tracemalloc.start()
    t0 = time.perf_counter()
    parsed = load_pdq_hex_file(path)
    t1 = time.perf_counter()
    idx = MultiIndexPdqIndex(parsed)
    t2 = time.perf_counter()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del parsed
    gc.collect()
    grown = rss() - before
    print(
        f"load {path.stat().st_size / 1e6:.0f} MB of hex: parse {t1 - t0:.1f} s + build {t2 - t1:.1f} s = {t2 - t0:.1f} s"
    )
    print(f"layout m={idx.layout.m} bits={idx.layout.bits}")
    print(
        f"memory: arrays {idx.nbytes() / 1e6:.0f} MB; RSS growth {grown / 1e6:.0f} MB; build peak (tracemalloc) {peak / 1e6:.0f} MB"
    )

    save_dir = tmp / f"idx_{kind}_{n}"
    idx.save(save_dir)
    t0 = time.perf_counter()
    reopened = MultiIndexPdqIndex.load(save_dir)
    reopened.search(queries[:BATCH])
    print(f"reopen saved index (mmap) + first batch: {time.perf_counter() - t0:.1f} s")
    del reopened
    gc.collect()

    batches = [queries[i * BATCH : (i + 1) * BATCH] for i in range(repeat)]
    idx.search(batches[0][:10])  # compile / load the kernels outside the timing
    hits = idx.search(batches[0])
    per_query = np.bincount(hits.query, minlength=BATCH)
    print(f"hits in one batch: {len(hits):,} ({(per_query > 0).mean():.0%} of queries match)")
    wall, cpu = rates(idx.search, batches)
    print(
        f"multi-index batch: {wall:,.0f} queries/s wall, {cpu:,.0f} queries/s CPU time (median of {repeat} x {BATCH})"
    )

    hexes = to_hex(queries[:500])
    lat = []
    for h in hexes:
        t0 = time.perf_counter()
        idx.search_one(h)
        lat.append(time.perf_counter() - t0)
    lat_ms = np.array(lat) * 1e3
    print(
        f"single query (search_one, hex in): p50 {np.percentile(lat_ms, 50):.3f} ms, p95 {np.percentile(lat_ms, 95):.3f} ms"
    )

    sub = [b[:200] for b in batches[:3]]
    npw, npc = rates(lambda b: numpy_mih(idx, b), sub)
    print(f"numpy-only multi-index, same tables: {npw:,.0f} queries/s wall, {npc:,.0f} CPU")

    lin = LinearPdqIndex(idx.codes)
    bq = queries[:brute]
    w0, c0 = time.perf_counter(), time.process_time()
    ref = lin.search(bq)
    bw, bc = brute / (time.perf_counter() - w0), brute / (time.process_time() - c0)
    print(
        f"brute force (numpy bitwise_count): {1e3 / bw:.1f} ms/query wall ({bw:.1f} q/s, CPU {bc:.1f} q/s)"
    )
    print(f"ratio multi-index / brute force: {wall / bw:,.0f}x wall, {cpu / bc:,.0f}x CPU")
    ok = same(ref, idx.search(bq))
    cq = queries[brute : brute + check]
    ok = ok and same(lin.search(cq), idx.search(cq)) and same(ref, numpy_mih(idx, bq))
    print(
        f"equal to brute force on {brute + check} queries ({len(ref)} hits in the first {brute}): {ok}"
    )
    if not ok:
        raise SystemExit("MISMATCH with brute force")
    path.unlink()


def crossover(rng: np.random.Generator) -> None:
    print("\n## crossover: linear vs multi-index on small lists (uniform, batch 1,000)")
    for n in (100, 300, 1_000, 5_000, 20_000, 200_000):
        codes = random_codes(n, rng)
        q = make_queries(codes, BATCH, rng, None)
        lin = LinearPdqIndex(codes)
        t0 = time.perf_counter()
        mih = MultiIndexPdqIndex(codes)
        build = time.perf_counter() - t0
        mih.search(q[:5])
        lw, _ = rates(lin.search, [q, q, q])
        mw, _ = rates(mih.search, [q, q, q])
        print(
            f"n={n:>7,}: linear {lw:>9,.0f} q/s; multi-index {mw:>9,.0f} q/s, build {build * 1e3:.0f} ms, m={mih.layout.m}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--kinds", nargs="+", default=["uniform", "clustered"])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--brute", type=int, default=5, help="queries for the brute-force baseline")
    parser.add_argument(
        "--check", type=int, default=20, help="more queries checked against brute force"
    )
    parser.add_argument("--crossover", action="store_true")
    args = parser.parse_args()
    pin_to_one_core()
    print(f"# {machine()}; pinned to CPU {sorted(os.sched_getaffinity(0))}")
    rng = np.random.default_rng(20261128)
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            for kind in args.kinds:
                run(n, kind, args.repeat, args.brute, args.check, rng, Path(tmp))
    if args.crossover:
        crossover(rng)


if __name__ == "__main__":
    main()
