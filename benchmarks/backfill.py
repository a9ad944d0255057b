"""Backfill throughput: `cordon backfill rescore` on a LocalCluster of 1 and 2 worker processes,
against the single-process path (flow.assess) in the same run, on the same store.

Rows are posts read and scored (each account's profile is scored too). The platform is the
scenario generator's, ingested into a throwaway SQLite store (or a fresh schema of the
PostgreSQL at --postgres). Each figure is end to end: the cluster's start, the workers' reads,
scoring, fusion on the driver and the writes of every risk.

    .venv/bin/python benchmarks/backfill.py [--accounts 5000] [--partitions 16] [--postgres URL]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from common import machine, postgres_schema

from cordon.backfill import Checkpoint, Cluster, load_models, rescore, run_params
from cordon.flow import assess
from cordon.ingest.lists import import_list_file
from cordon.ingest.pipeline import ingest_files
from cordon.scenario import ScenarioConfig, generate, write_scenario
from cordon.store import open_store


def load(url: str, accounts: int, workdir: Path) -> int:
    files = write_scenario(generate(ScenarioConfig(accounts=accounts)), workdir / "platform")
    store = open_store(url)
    ingest_files([files.platform], store)
    import_list_file(store, files.media_list, name="industry-hashes")
    import_list_file(store, files.link_list, name="propaganda-hosts")
    posts = store.counts()["posts"]
    store.close()
    return posts


def single(url: str) -> float:
    store = open_store(url)
    began = time.perf_counter()
    assess(store)
    seconds = time.perf_counter() - began
    store.close()
    return seconds


def distributed(url: str, workers: int, partitions: int, workdir: Path) -> tuple[float, float]:
    """Seconds end to end, and of those the cluster's start."""
    models = load_models(None)
    checkpoint = Checkpoint.start(workdir / "runs", "rescore", partitions, run_params(url, models))
    began = time.perf_counter()
    with Cluster(workers=workers) as cluster:
        started = time.perf_counter() - began
        rescore(url, cluster, models, checkpoint)
    return time.perf_counter() - began, started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=5_000)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--postgres", help="PostgreSQL URL: measure there instead of SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cordon-bench-") as tmp:
        workdir = Path(tmp)
        if args.postgres:
            with postgres_schema(args.postgres) as options:
                run(f"{args.postgres}?options={quote(options['connect_args']['options'])}", args, workdir)
        else:
            run(f"sqlite:///{workdir / 'bench.sqlite'}", args, workdir)


def run(url: str, args: argparse.Namespace, workdir: Path) -> None:
    posts = load(url, args.accounts, workdir)
    print(f"backfill rescore, {args.accounts:,} accounts, {posts:,} posts, {url.split(':')[0]}; {machine()}")
    seconds = single(url)
    print(f"  single process (flow.assess)   {seconds:6.1f} s  {posts / seconds:8,.0f} posts/s")
    for workers in (1, 2):
        seconds, started = distributed(url, workers, args.partitions, workdir)
        print(f"  LocalCluster, {workers} worker(s)      {seconds:6.1f} s  {posts / seconds:8,.0f} posts/s "
              f"(cluster start {started:.1f} s)")


if __name__ == "__main__":  # the LocalCluster's worker processes import this module
    main()
