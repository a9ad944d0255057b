"""Cost of the relaxed lookup of guessed query hashes (signals/media/guesses.py) on one core.

A guessed hash is looked up with a per-query mask of sure bits, which the multi-index
tables cannot serve, so PdqIndex.search_masked scans every listed hash once per batch. An
image brings 7 guessed hashes when no bar is found (the deepest crop paddings: 5% all round
in 3 fills, 5% of each side) and up to about 13 with bars (4 infills for the bars found,
each bar alone, translucent bands). This
measures that scan per batch size, against the exact multi-index lookup of an image's ~45
other hashes at radius 31 and against numpy's bitwise_count doing the masked scan.

    .venv/bin/python benchmarks/guess_scan.py [--sizes 1000000 10000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from common import machine, pin_to_one_core

from cordon.signals.media.guesses import GUESS_MAX_SURE, GUESS_RADIUS, SURE_BITS
from cordon.signals.media.index import LinearPdqIndex, MultiIndexPdqIndex


def masks(n: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros((n, 4), np.uint64)
    for row in out:
        for bit in rng.permutation(256)[:SURE_BITS]:
            row[bit // 64] |= np.uint64(1) << np.uint64(63 - bit % 64)
    return out


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def numpy_masked(codes: np.ndarray, query: np.ndarray, mask: np.ndarray) -> int:
    x = codes ^ query
    full = np.bitwise_count(x).sum(axis=1)
    sure = np.bitwise_count(x & mask).sum(axis=1)
    return int(((full <= GUESS_RADIUS) & (sure <= GUESS_MAX_SURE)).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    pin_to_one_core()
    rng = np.random.default_rng(5)
    print(f"# guess_scan.py, {machine()}, pinned to one core, median of {args.repeat}")
    print(f"{'hashes':>11s} {'lookup':46s} {'ms':>8s} {'ms/hash':>8s}")
    for n in args.sizes:
        run(n, args.repeat, rng)


def run(n: int, repeat: int, rng: np.random.Generator) -> None:
    codes = rng.integers(0, 2**63, size=(n, 4), dtype=np.uint64) * np.uint64(2)
    linear = LinearPdqIndex(codes)
    mih = MultiIndexPdqIndex(codes)
    exact = rng.integers(0, 2**63, size=(45, 4), dtype=np.uint64)
    mih.search(exact[:2])  # compile and warm
    linear.search_masked(exact[:1], masks(1, rng), GUESS_RADIUS, GUESS_MAX_SURE)
    ms = median_ms(lambda: mih.search(exact), repeat)
    print(f"{n:11,d} {'exact multi-index, 45 hashes at radius 31':46s} {ms:8.1f} {ms / 45:8.2f}")
    for batch in (1, 7, 13):
        q, m = rng.integers(0, 2**63, size=(batch, 4), dtype=np.uint64), masks(batch, rng)
        ms = median_ms(lambda q=q, m=m: linear.search_masked(q, m, GUESS_RADIUS, GUESS_MAX_SURE), repeat)
        print(f"{n:11,d} {f'masked scan, batch of {batch}':46s} {ms:8.1f} {ms / batch:8.2f}")
    mask = masks(1, rng)[0]
    ms = median_ms(lambda: numpy_masked(codes, exact[0], mask), max(1, repeat // 2))
    print(f"{n:11,d} {'numpy bitwise_count masked scan, 1 hash':46s} {ms:8.1f} {ms:8.2f}")

if __name__ == "__main__":
    main()
