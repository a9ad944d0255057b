"""The shared adapter suite: every transport (Kafka on Tansu, Redis Streams) through the same
checks: at-least-once delivery with idempotent processing, poison events to the dead letters,
and a worker killed mid-batch.

Every transport runs every test. The stores are paired with the transports instead of
crossed with them (the cross product took minutes): the replay test runs Kafka on SQLite and
Redis on PostgreSQL, the takeover test the other way round, so each backend sees each
transport once, and both see a replay and a takeover. The poison test needs no second
store: nothing of a poison event reaches one. The stores' own behaviour is tests/store's."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import orjson
import pytest
from stream_world import world_lines, world_messages

from cordon.domain import EventName, SubjectKind
from cordon.enforce import Executor
from cordon.enforce.actuators import InternalActuator
from cordon.policy import OpenCase, default_policy, evaluate
from cordon.signals.accounts import default_signals
from cordon.signals.base import Score, TextSignal
from cordon.stream.assess import LiveAssessor
from cordon.stream.envelope import encode
from cordon.stream.scoring import CachingTextScorer
from cordon.stream.worker import Worker

HERE = Path(__file__).resolve().parent
DEADLINE = 60.0


def _expected() -> dict[str, int]:
    lines = world_lines()
    kinds = Counter(line["type"] for line in lines)
    return {"accounts": len({l["id"] for l in lines if l["type"] == "account"}),
            "posts": kinds["post"], "reports": kinds["report"]}


@functools.cache
def _signals():
    """The default signals, loaded once for the whole folder (1.4 s each time): they keep no
    state between calls, and each worker still gets a scorer and a cache of its own."""
    return default_signals()


def _worker(bus, store, name: str, scorer=None, batch: int = 250, **options) -> Worker:
    scorer = scorer or CachingTextScorer(*_signals())
    assessor = LiveAssessor(store, default_policy(), Executor(store, [InternalActuator(store)]), scorer=scorer)
    options.setdefault("max_in_flight", batch * 2)
    return Worker(bus.transport(name), assessor, batch_size=batch, **options)


def _run(worker: Worker, done, deadline: float = DEADLINE) -> None:
    end = time.monotonic() + deadline
    worker.run(until=lambda: done() or time.monotonic() > end)
    assert done(), "the worker did not finish in time"


def _handled(worker: Worker) -> int:
    m = worker.metrics
    return int(m.processed._value.get() + m.dead_letters._value.get())


def _log_figures(store) -> tuple[Counter, Counter, list[str]]:
    events = list(store.events())
    names = Counter(e.name for e in events)
    cases = Counter(str(e.subject) for e in events if e.name is EventName.CASE_OPENED)
    reports = [e.payload["report_id"] for e in events if e.name is EventName.REPORT_RECEIVED]
    return names, cases, reports


def _assert_effects_once(store) -> Counter:
    """Every record stored once, every report logged once, at most one case per subject, and
    a case for every account whose saved risk the policy sends to review."""
    expected = _expected()
    counts = store.counts()
    assert counts["accounts"] == expected["accounts"]
    assert counts["posts"] == expected["posts"]
    assert counts["reports"] == expected["reports"]
    names, cases, reports = _log_figures(store)
    assert len(reports) == len(set(reports)) == expected["reports"]
    assert cases and max(cases.values()) == 1, cases.most_common(3)
    policy = default_policy()
    for risk in store.risks():
        if risk.account.kind is SubjectKind.ACCOUNT and any(
            isinstance(d.effect, OpenCase) for d in evaluate(policy, risk)
        ):
            assert str(risk.account) in cases, f"{risk.account} should have a case"
    return names


KAFKA_SQLITE_REDIS_POSTGRES = pytest.mark.parametrize(
    ("bus", "store"),
    [("kafka", "sqlite"), pytest.param("redis", "postgres", marks=pytest.mark.postgres)],
    indirect=True, ids=["kafka-sqlite", "redis-postgres"],
)
KAFKA_POSTGRES_REDIS_SQLITE = pytest.mark.parametrize(
    ("bus", "shared_store"),
    [pytest.param("kafka", "postgres", marks=pytest.mark.postgres), ("redis", "sqlite")],
    indirect=True, ids=["kafka-postgres", "redis-sqlite"],
)
ON_SQLITE = pytest.mark.parametrize("store", ["sqlite"], indirect=True)


@KAFKA_SQLITE_REDIS_POSTGRES
def test_every_event_has_its_effects_once_and_a_replay_changes_nothing(bus, store):
    messages = world_messages()
    bus.publish(messages)
    first = _worker(bus, store, "first")
    _run(first, lambda: _handled(first) >= len(messages))
    assert first.metrics.dead_letters._value.get() == 0
    names = _assert_effects_once(store)
    before = (store.counts(), [(e.seq, e.name, str(e.subject)) for e in store.events()])

    # The same events again (a producer retry, a replay from an old offset): nothing changes.
    bus.publish(messages)
    second = _worker(bus, store, "second")
    _run(second, lambda: _handled(second) >= len(messages))
    after = (store.counts(), [(e.seq, e.name, str(e.subject)) for e in store.events()])
    assert after == before

    # Each case opened is on the results topic, with the account it is about.
    results = [orjson.loads(v) for _, v, _ in bus.read(bus.results)]
    opened = {r["account"] for r in results if r["case_opened"]}
    assert len(opened) == names[EventName.CASE_OPENED]
    assert all(r["published_ms"] is None or r["published_ms"] <= r["done_ms"] for r in results)


class Exploding(TextSignal):
    """A signal with a bug that one input triggers."""

    name = "test.exploding"

    def score(self, text, subject):
        if "KABOOM" in text:
            raise ZeroDivisionError("the signal divided by zero")
        return Score(0.0)

    def explain(self, evidence):
        return "never"


@ON_SQLITE
def test_a_poison_event_goes_to_the_dead_letters_and_never_blocks_its_partition(bus, store):
    threat, extremism = _signals()
    scorer = CachingTextScorer([*threat, Exploding()], extremism)
    key = b"native:1"  # everything on one partition, poison in the middle
    from cordon.domain import Account, Post

    good_before = [encode(Account("native", "1", "one"), key), encode(Post("native", "p1", "1", "hello"), key)]
    poison = [
        (key, b'{"v": 1, "type": "post", "id": '),  # cut off
        (key, b'{"v": 99, "type": "account", "id": "2", "handle": "x"}'),  # a version from the future
        (key, b'{"v": 1, "type": "post", "id": "p2", "author_id": 7}'),  # an int author: allowed
        encode(Post("native", "p3", "1", "KABOOM"), key),  # makes a signal raise
    ]
    good_after = [encode(Post("native", "p4", "1", "still here"), key), encode(Account("native", "3", "three"), key)]
    messages = good_before + poison + good_after
    bus.publish(messages)
    worker = _worker(bus, store, "w", scorer=scorer, batch=3)
    _run(worker, lambda: _handled(worker) >= len(messages))

    dead = bus.read(bus.dead)
    errors = sorted(h["error"] for _, _, h in dead)
    assert len(dead) == 3, errors
    assert any("not JSON" in e for e in errors)
    assert any("unsupported envelope version 99" in e for e in errors)
    assert any("ZeroDivisionError: the signal divided by zero" in e for e in errors)
    assert all(h["source"] for _, _, h in dead)
    # Nothing of the poison was written; everything after it was.
    posts = {p.id for p in store.posts()}
    assert posts == {"p1", "p2", "p4"}
    assert {a.id for a in store.accounts()} == {"1", "3"}
    assert worker.metrics.dead_letters._value.get() == 3


def _store_spec(request, tmp_path) -> dict:
    """The store as a URL another process can open: SQLite in a file, or a PostgreSQL schema."""
    from cordon.store.sql import SqlStore

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
        return {"store": url, "open": lambda: SqlStore(url)}
    url, options = request.getfixturevalue("pg_schema")
    schema = options["connect_args"]["options"].split("=", 1)[1]
    return {"store": url, "schema": schema, "open": lambda: SqlStore(url, engine_options=options)}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_store(request, tmp_path):
    return _store_spec(request, tmp_path)


def _lines(path: Path, word: str) -> int:
    return sum(1 for line in path.read_text().splitlines() if line.startswith(word)) if path.exists() else 0


@KAFKA_POSTGRES_REDIS_SQLITE
def test_a_worker_killed_mid_batch_is_taken_over_and_every_effect_happens_once(bus, shared_store, tmp_path):
    messages = world_messages()
    bus.publish(messages)
    status = tmp_path / "status"
    spec = {"bus": bus.spec(), "store": shared_store["store"], "schema": shared_store.get("schema"),
            "slow": 0.4, "batch": 100, "status": str(status)}
    store = shared_store["open"]()  # migrates the schema before the worker process opens it
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    victim = subprocess.Popen([sys.executable, str(HERE / "run_worker.py"), orjson.dumps(spec).decode()], env=env)
    try:
        # Kill it mid-batch: after a batch committed, while the next one is half written.
        end = time.monotonic() + DEADLINE
        while not (_lines(status, "done") >= 1 and _lines(status, "start") > _lines(status, "done")):
            assert victim.poll() is None, "the worker process died on its own"
            assert time.monotonic() < end, "the worker process never got going"
            time.sleep(0.02)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        committed_by_victim = sum(int(line.split()[1]) for line in status.read_text().splitlines()
                                  if line.startswith("committed"))
        assert committed_by_victim < len(messages)
        left = len(messages) - committed_by_victim

        expected = _expected()
        checked = [0.0, False]

        def finished() -> bool:  # reads the store at most twice a second
            # The victim's uncommitted messages are redelivered to the heir (on Redis once
            # they have been pending claim_idle_ms): its records may be in the store already,
            # but its effects are not until the heir has processed them again.
            if _handled(heir) < left:
                return False
            if checked[1] or time.monotonic() < checked[0]:
                return bool(checked[1])
            checked[0] = time.monotonic() + 0.5
            counts = store.counts()
            checked[1] = (counts["posts"] == expected["posts"] and counts["reports"] == expected["reports"]
                    and counts["accounts"] == expected["accounts"]
                    and sum(1 for e in store.events() if e.name is EventName.REPORT_RECEIVED) >= expected["reports"])
            return bool(checked[1])

        heir = _worker(bus, store, "heir", batch=250)
        _run(heir, finished)
        assert _handled(heir) >= left  # what the victim left (more only where a rebalance replays)
        _assert_effects_once(store)
    finally:
        if victim.poll() is None:
            victim.kill()
        store.close()
