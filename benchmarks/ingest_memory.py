"""Peak memory of `cordon ingest` on a large file (1 GB by default) into a fresh SQLite store.

The ingest runs as its own process, exactly as a user runs it, and its peak resident set is
read from the kernel (getrusage of the child). The baseline, in the same session, is the peak
of a Python process that only imports cordon.

    .venv/bin/python benchmarks/ingest_memory.py [--mb 1000]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import machine

from cordon.scenario import write_twarc2_corpus


def peak_rss_mb(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run command in a fresh process; (its peak RSS in MB, seconds)."""
    # getrusage(RUSAGE_CHILDREN) is the maximum over all children so far: fork a middle
    # process per measurement so each figure is its own.
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        began = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - began
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        os.write(write, f"{peak} {seconds}".encode())
        os._exit(0)
    os.close(write)
    data = os.read(read, 100).decode().split()
    os.waitpid(pid, 0)
    return float(data[0]), float(data[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cordon-bench-") as tmp:
        corpus = write_twarc2_corpus(Path(tmp) / "big.jsonl", args.mb * 1_000_000)
        env = {**os.environ, "CORDON_DATA_DIR": tmp}
        env.pop("CORDON_DATABASE_URL", None)
        print(f"# {machine()}")
        print(f"input: {corpus.tweets:,} flattened tweets, {corpus.bytes / 1e6:,.0f} MB")
        base, _ = peak_rss_mb([sys.executable, "-c", "import cordon.cli, cordon.ingest.pipeline"], env)
        print(f"baseline: import cordon only          peak RSS {base:7.1f} MB")
        peak, seconds = peak_rss_mb(
            [sys.executable, "-m", "cordon", "ingest", str(corpus.path), "--store", f"sqlite:///{tmp}/store.sqlite"],
            env,
        )
        print(f"cordon ingest {corpus.bytes / 1e6:,.0f} MB into SQLite      peak RSS {peak:7.1f} MB "
              f"({peak - base:.1f} MB over baseline), {seconds:.1f} s, {corpus.tweets / seconds:,.0f} tweets/s")


if __name__ == "__main__":
    main()
