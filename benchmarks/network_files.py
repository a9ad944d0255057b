"""The file-based network commands end to end, parsing included: `cordon expand` and
`cordon hubs` on a twarc2 snapshot of a generated platform (flattened tweets JSONL plus a
follows CSV), as a researcher would run them on a collection. Target: a snapshot of 50k
accounts, 350k tweets and 3M follows (about 650 MB) in under 3 minutes each.

    .venv/bin/python benchmarks/network_files.py [--accounts 50000] [--seed 7]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import machine

from cordon.scenario import ScenarioConfig, stream, write_scenario
from cordon.scenario.truth import GroundTruth


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"# {machine()}")
    with tempfile.TemporaryDirectory(prefix="cordon-netfiles-") as tmp:
        world = Path(tmp) / "world"
        files = write_scenario(stream(ScenarioConfig(seed=args.seed, accounts=args.accounts)), world, fmt="twarc2")
        truth = GroundTruth.load(files.truth)
        seeds, official = Path(tmp) / "seeds.txt", Path(tmp) / "official.txt"
        seeds.write_text("".join(f"{a}\n" for a in truth.suspended_at))
        official.write_text("".join(f"{a}\n" for a in truth.officials))
        size = sum(p.stat().st_size for p in (files.tweets, files.follows)) / 1e6
        print(f"snapshot: {args.accounts:,} accounts, {count_lines(files.tweets):,} tweets, "
              f"{count_lines(files.follows) - 1:,} follows, {size:,.0f} MB")
        for name, extra in (("expand", ["--seeds", str(seeds)]), ("hubs", ["--official", str(official)])):
            out = Path(tmp) / f"{name}.csv"
            command = [sys.executable, "-m", "cordon", name, str(files.tweets), "--follows", str(files.follows), *extra, "-o", str(out)]
            began = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True)
            seconds = time.perf_counter() - began
            if done.returncode != 0:
                raise SystemExit(f"{name} failed: {done.stderr[-2000:]}")
            print(f"cordon {name}: {seconds:.1f} s end to end, {count_lines(out) - 1:,} rows (target < 180 s)")


if __name__ == "__main__":
    main()
