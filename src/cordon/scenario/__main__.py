"""`python -m cordon.scenario OUT --accounts N`: write a world of any size, chunk by chunk.

Also `--corpus-bytes B`: a twarc2 corpus of about B bytes for ingest benchmarks.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from cordon.errors import CordonError
from cordon.scenario.config import ScenarioConfig
from cordon.scenario.corpus import write_twarc2_corpus
from cordon.scenario.generate import stream
from cordon.scenario.writer import FORMATS, write_scenario


def main(argv: list[str] | None = None) -> int:
    defaults = ScenarioConfig()
    parser = argparse.ArgumentParser(prog="python -m cordon.scenario", description=__doc__)
    parser.add_argument(
        "out", type=Path, help="directory to write into (a file, with --corpus-bytes)"
    )
    parser.add_argument("--accounts", type=int, default=defaults.accounts)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--days", type=int, default=defaults.days)
    parser.add_argument("--format", choices=FORMATS, default="native")
    parser.add_argument(
        "--corpus-bytes", type=int, help="write a twarc2 corpus of this size instead"
    )
    args = parser.parse_args(argv)
    began = time.perf_counter()
    try:
        if args.corpus_bytes:
            stats = write_twarc2_corpus(args.out, args.corpus_bytes, args.seed)
            print(
                f"{stats.tweets:,} tweets, {stats.bytes:,} bytes in {stats.seconds:.1f}s "
                f"({stats.tweets_per_second:,.0f} tweets/s, "
                f"{stats.stream_rate:,.0f} tweets/s after setup)"
            )
            return 0
        config = ScenarioConfig(seed=args.seed, accounts=args.accounts, days=args.days)
        world = stream(config)
        planned = time.perf_counter()
        files = write_scenario(world, args.out, fmt=args.format)
    except CordonError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    done = time.perf_counter()
    sizes = ", ".join(
        f"{p.name} {p.stat().st_size / 1e6:,.1f} MB" for p in [files.truth, *files.data]
    )
    print(
        f"{config.accounts:,} accounts: planned in {planned - began:.1f}s, "
        f"written in {done - planned:.1f}s ({sizes})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
