"""Kill the executor at random points, on every backend: a real worker process carrying out N
actions through the outbox is SIGKILLed several times, at random moments, and restarted until
it is done. Then every action happened exactly once and the audit chain verifies.

The fake platform is a SQLite file: each actuator call is recorded in `calls`, and its effect
in `effects`, keyed by the idempotency key (a platform that drops a repeated key). A sleep
after each call (CRASH_ACTUATOR_SLEEP) widens the window between the platform call and the
commit of ACTION_EXECUTED, the window the outbox exists for.

Run as a script, this file is the worker: test_crash.py URL OPTIONS_JSON PLATFORM_DB N.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

KILLS = 4
N = 40
P = "twitter"
OWNER = "worker-1"


def actions(n: int):
    from cordon.domain import Action, ActionKind, SubjectRef

    return [
        Action(ActionKind.SUSPEND, SubjectRef.account(P, str(i)), "policy:crash", f"threat {i}", case_id=f"c{i}")
        for i in range(n)
    ]


class PlatformActuator:
    """A platform that keeps one effect per idempotency key, and every call."""

    name = "platform"

    def __init__(self, path: str, sleep: float) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self._db.execute("CREATE TABLE IF NOT EXISTS calls (key TEXT, pid INTEGER)")
        self._db.execute("CREATE TABLE IF NOT EXISTS effects (key TEXT PRIMARY KEY, subject TEXT, kind TEXT)")
        self._sleep = sleep

    def apply(self, action, idempotency_key: str | None = None) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        self._db.execute("INSERT INTO calls VALUES (?, ?)", (idempotency_key, os.getpid()))
        self._db.execute(
            "INSERT OR IGNORE INTO effects VALUES (?, ?, ?)", (idempotency_key, str(action.subject), action.kind.value)
        )
        self._db.execute("COMMIT")
        time.sleep(self._sleep)


def worker(url: str, options: dict, platform_db: str, n: int) -> None:
    from cordon.enforce import Executor
    from cordon.enforce.actuators import InternalActuator
    from cordon.enforce.outbox import Dispatcher
    from cordon.store.sql import SqlStore

    store = SqlStore(url, engine_options=options)
    platform = PlatformActuator(platform_db, float(os.environ.get("CRASH_ACTUATOR_SLEEP", "0.02")))
    actuators = [InternalActuator(store), platform]
    print("ready", flush=True)
    # The first half was queued before the worker ever ran; execute() finds those under their
    # key. Then a dispatcher drains whatever a kill left between request and dispatch.
    executor = Executor(store, actuators, owner=OWNER)
    for action in actions(n):
        executor.execute(action)
    Dispatcher(store, actuators, owner=OWNER).run()
    store.close()
    print("done", flush=True)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}", {}
    return request.getfixturevalue("pg_schema")


def _start(url: str, options: dict, platform_db: Path) -> subprocess.Popen:
    env = {**os.environ, "CRASH_ACTUATOR_SLEEP": "0.02"}
    return subprocess.Popen(
        [sys.executable, __file__, url, json.dumps(options), str(platform_db), str(N)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


@pytest.mark.slow
def test_killed_executor_does_every_action_exactly_once(database, tmp_path):
    from typer.testing import CliRunner

    from cordon.domain import Account, AccountStatus, EventName
    from cordon.enforce import Executor
    from cordon.store.sql import SqlStore

    url, options = database
    platform_db = tmp_path / "platform.sqlite"
    store = SqlStore(url, engine_options=options)
    store.upsert_accounts([Account(P, str(i), f"user{i}") for i in range(N)])
    executor = Executor(store, [])
    for action in actions(N)[: N // 2]:
        executor.request(action)

    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    killed = 0
    progress: list[int] = []  # actions done after each kill
    for _ in range(KILLS):
        proc = _start(url, options, platform_db)
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        time.sleep(rng.uniform(0.02, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        killed += proc.returncode == -signal.SIGKILL
        progress.append(len(store.outbox("done")))
    proc = _start(url, options, platform_db)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and out.split() == ["ready", "done"], (seed, err)
    assert killed >= KILLS - 1, f"seed {seed}: the worker finished before it could be killed"
    assert progress[0] < N, (seed, progress)  # the kills landed in the middle of the work

    with sqlite3.connect(platform_db) as db:
        effects = db.execute("SELECT key, subject FROM effects").fetchall()
        calls = db.execute("SELECT count(*), count(DISTINCT key) FROM calls").fetchone()
    outbox = store.outbox()
    keys = {row.key for row in outbox}
    # Every action requested once, carried out once, its effect on the platform once.
    assert len(outbox) == N and all(row.state == "done" for row in outbox), seed
    assert len(effects) == N and {k for k, _ in effects} == keys, seed
    # Retries reached the platform under the same key; its effect is there once.
    assert calls[1] == N and calls[0] >= N, seed
    print(f"seed {seed}: done after each kill {progress}, platform calls {calls[0]} for {N} actions")
    done = [e for e in store.events() if e.name is EventName.ACTION_EXECUTED]
    assert sorted(int(e.subject.id) for e in done) == list(range(N)), seed
    assert {e.payload["idempotency_key"] for e in done} == keys
    # ...and requested once: one ACTION_REQUESTED per action, written with its outbox row.
    requested = [e for e in store.events() if e.name is EventName.ACTION_REQUESTED]
    assert sorted(e.payload["idempotency_key"] for e in requested) == sorted(keys), seed
    assert all(a.status is AccountStatus.SUSPENDED for a in store.accounts())
    result = store.verify_audit()
    assert result.ok and result.events == 2 * N, (seed, str(result))
    store.close()

    if not options:  # and the command says so too
        import typer

        from cordon.cli_audit import audit_app

        app = typer.Typer()
        app.add_typer(audit_app, name="audit")
        verified = CliRunner().invoke(app, ["audit", "verify", "--store", url])
        assert verified.exit_code == 0 and f"ok: {2 * N} events" in verified.output


if __name__ == "__main__":
    worker(sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
