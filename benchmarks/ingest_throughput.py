"""Ingest throughput: flattened twarc2 JSONL from the scenario generator into SQLite and
PostgreSQL, end to end (read, parse, write, commit), on one core.

The baseline, run in the same session on the same file, is JSON decoding alone (orjson, line
by line): the floor any ingest pays. Ratios against it cancel out a noisy machine.

    .venv/bin/python benchmarks/ingest_throughput.py [--mb 50] [--repeat 5] [--postgres URL]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import orjson

from common import machine, median_rate, pin_to_one_core, postgres_schema

from cordon.ingest.pipeline import ingest_files
from cordon.ingest.reader import read_records
from cordon.scenario import write_twarc2_corpus
from cordon.store.sql import SqlStore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=50, help="size of the generated input")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="PostgreSQL URL; empty to skip")
    args = parser.parse_args()
    pin_to_one_core()
    with tempfile.TemporaryDirectory(prefix="cordon-bench-") as tmp:
        corpus = write_twarc2_corpus(Path(tmp) / "tweets.jsonl", args.mb * 1_000_000)
        path, tweets = corpus.path, corpus.tweets
        print(f"# {machine()}")
        print(f"input: {tweets:,} flattened tweets, {corpus.bytes / 1e6:.0f} MB ({corpus.bytes / tweets:.0f} B/tweet)")

        def decode_only() -> int:
            with path.open("rb") as handle:
                for line in handle:
                    orjson.loads(line)
            return tweets

        def parse_only() -> int:
            for _ in read_records(path):
                pass
            return tweets

        def into(url: str, options: dict | None = None) -> int:
            store = SqlStore(url, engine_options=options)
            try:
                ingest_files([path], store)
            finally:
                store.close()
            return tweets

        def sqlite() -> int:
            with tempfile.TemporaryDirectory(dir=tmp) as d:
                return into(f"sqlite:///{d}/store.sqlite")

        def postgres() -> int:
            with postgres_schema(args.postgres) as options:
                return into(args.postgres, options)

        runs = [("baseline: orjson decode only", decode_only), ("read + parse (no store)", parse_only),
                ("end to end into SQLite", sqlite)]
        if args.postgres:
            runs.append(("end to end into PostgreSQL", postgres))
        base = None
        for label, work in runs:
            rate, rates = median_rate(work, args.repeat)
            base = base or rate
            spread = ", ".join(f"{r:,.0f}" for r in rates)
            print(f"{label:<32} median {rate:>9,.0f} tweets/s  ({rate / base:.2f}× baseline)  runs: {spread}")


if __name__ == "__main__":
    main()
