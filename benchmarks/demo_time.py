"""Wall time of `cordon demo` (default 20,000 accounts) in a fresh data directory, as a user
runs it, then a second run on the same store (which must change nothing). The baseline, in
the same session, is the start-up of `cordon --help`.

    .venv/bin/python benchmarks/demo_time.py [--accounts 20000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

from common import machine


def timed(command: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cordon-bench-") as tmp:
        env = {**os.environ, "CORDON_DATA_DIR": tmp}
        env.pop("CORDON_DATABASE_URL", None)
        cordon = [sys.executable, "-m", "cordon"]
        print(f"# {machine()}")
        base = timed([*cordon, "--help"], env)
        print(f"baseline: cordon --help               {base:6.2f} s")
        first = timed([*cordon, "demo", "--accounts", str(args.accounts)], env)
        print(f"cordon demo, fresh ({args.accounts:,} accounts)   {first:6.2f} s")
        second = timed([*cordon, "demo", "--accounts", str(args.accounts)], env)
        print(f"cordon demo, second run, same store   {second:6.2f} s")


if __name__ == "__main__":
    main()
