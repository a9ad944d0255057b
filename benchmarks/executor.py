"""Actions per second through the enforcement outbox, on SQLite and PostgreSQL.

Two ways in: `Executor.execute` (request and carry out one action at a time, two transactions
each, as flow.apply_policy does), and a Dispatcher draining a queue of requested actions in
batches of 20 (one claim per batch, one completion transaction per action). Both append to
the hash-chained log; `verify_audit` is timed over the result.

    .venv/bin/python benchmarks/executor.py [--n 2000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import machine, postgres_schema

from cordon.config import Settings
from cordon.domain import Account, Action, ActionKind, SubjectRef
from cordon.enforce import Executor
from cordon.enforce.actuators import InternalActuator
from cordon.enforce.outbox import Dispatcher
from cordon.store.sql import SqlStore


def run(store: SqlStore, n: int) -> dict[str, float]:
    store.upsert_accounts([Account("t", str(i), f"u{i}") for i in range(2 * n)])
    acts = [Action(ActionKind.SUSPEND, SubjectRef.account("t", str(i)), "policy:b", "bench") for i in range(2 * n)]
    executor = Executor(store, [InternalActuator(store)])
    began = time.perf_counter()
    for action in acts[:n]:
        executor.execute(action)
    execute = n / (time.perf_counter() - began)
    began = time.perf_counter()
    for action in acts[n:]:
        executor.request(action)
    request = n / (time.perf_counter() - began)
    began = time.perf_counter()
    done = Dispatcher(store, [InternalActuator(store)], batch=20).run().executed
    dispatch = done / (time.perf_counter() - began)
    began = time.perf_counter()
    result = store.verify_audit()
    assert result.ok and result.events == 2 * n, result
    verify = result.events / (time.perf_counter() - began)
    return {"execute": execute, "request": request, "dispatch": dispatch, "verify": verify}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--postgres", default=Settings().test_postgres_url)
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp, SqlStore(f"sqlite:///{Path(tmp) / 'bench.sqlite'}") as store:
        print("sqlite", {k: round(v) for k, v in run(store, args.n).items()}, "per s")
    with postgres_schema(args.postgres) as options, SqlStore(args.postgres, engine_options=options) as store:
        print("postgres", {k: round(v) for k, v in run(store, args.n).items()}, "per s")


if __name__ == "__main__":
    main()
