"""Live intake, end to end: broker → worker → store → case, in events per second, for 1 and 2
worker processes, on Redis Streams (with SQLite) and on Kafka (a Tansu broker, with
PostgreSQL); then the p99 latency from publish to result at half the measured peak rate.

The events are the scenario generator's platform as a stream (accounts, then each day's
posts and follows, then the user reports), the way `cordon publish` puts a native file on
the stream. Each run gets a fresh topic (or stream), group and store. The workers start,
load their models and join the group first; the clock starts when publishing starts and
stops when the workers have committed every event (their effects in the store).

Latency: events published at half the peak rate, paced every 50 ms, to one worker; each
result on the results topic carries when its oldest event was published (broker timestamp)
and when its batch was committed. Follows produce no result (they touch no account's live
score, docs/streaming.md), so the latency is over accounts, posts and reports.

    .venv/bin/python benchmarks/stream_throughput.py [--accounts 1000] [--only redis|kafka]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from common import machine, postgres_schema

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "stream"))  # the pinned Tansu broker the tests use

PARTITIONS = 4


def world(accounts: int) -> list[tuple[bytes, bytes]]:
    from cordon.ingest.native import to_json
    from cordon.scenario import ScenarioConfig, stream
    from cordon.scenario.writer import post_lines
    from cordon.stream.envelope import encode_line

    s = stream(ScenarioConfig(seed=11, accounts=accounts))
    lines = [to_json(a) for a in s.iter_accounts()]
    for batch in s.batches():
        lines += post_lines(batch)
        lines += [to_json(f) for f in batch.follows]
    lines += [to_json(r) for r in s.reports]
    return [encode_line(line) for line in lines]


# -- the worker process -------------------------------------------------------------------------
def _transport(bus: dict, name: str):
    if bus["kind"] == "kafka":
        from cordon.stream.kafka import KafkaTransport

        return KafkaTransport(bus["address"], bus["topic"], bus["group"], results_topic=bus["results"],
                              dead_letter_topic=bus["dead"], session_timeout_ms=6000)
    from cordon.stream.redis_streams import RedisTransport

    return RedisTransport(bus["address"], bus["topic"], bus["group"], name, results_stream=bus["results"],
                          dead_letter_stream=bus["dead"])


def worker_main(bus: dict, store: dict, name: str, ready, stop, processed) -> None:
    from cordon.domain import Post
    from cordon.enforce import Executor
    from cordon.enforce.actuators import InternalActuator
    from cordon.policy import default_policy
    from cordon.store.sql import SqlStore
    from cordon.stream.assess import LiveAssessor
    from cordon.stream.worker import Worker

    db = SqlStore(store["url"], engine_options=store.get("options") or {})
    assessor = LiveAssessor(db, default_policy(), Executor(db, [InternalActuator(db)]))
    assessor.scorer.score_posts([Post("warm", "0", "0", "warm up the models")])  # load them now, not timed
    transport = _transport(bus, name)
    worker = Worker(transport, assessor, batch_size=500, max_in_flight=2000)
    if bus["kind"] == "kafka":  # join the group before the clock starts
        while not transport.assignment:
            transport.poll(0, 0.1)
    ready.set()

    def until() -> bool:
        processed.value = int(worker.metrics.processed._value.get())
        return stop.is_set()

    worker.run(until=until)
    db.close()


# -- one run ----------------------------------------------------------------------------------------
class Bus:
    def __init__(self, kind: str, address: str) -> None:
        prefix = f"bench{uuid.uuid4().hex[:8]}"
        self.spec = {"kind": kind, "address": address, "topic": f"{prefix}.events",
                     "results": f"{prefix}.results", "dead": f"{prefix}.dead", "group": f"{prefix}-workers"}
        if kind == "kafka":
            from cordon.stream.kafka import ensure_topics

            ensure_topics(address, {self.spec["topic"]: PARTITIONS, self.spec["results"]: PARTITIONS,
                                    self.spec["dead"]: 1})

    def publisher(self):
        if self.spec["kind"] == "kafka":
            from cordon.stream.kafka import KafkaPublisher

            return KafkaPublisher(self.spec["address"], self.spec["topic"])
        from cordon.stream.redis_streams import RedisPublisher

        return RedisPublisher(self.spec["address"], self.spec["topic"])

    def results(self) -> list[dict]:
        import orjson

        if self.spec["kind"] == "kafka":
            from cordon.stream.kafka import read_topic

            rows = read_topic(self.spec["address"], self.spec["results"], idle=1.0)
        else:
            from cordon.stream.redis_streams import read_stream

            rows = read_stream(self.spec["address"], self.spec["results"])
        return [orjson.loads(v) for _, v, _ in rows]

    def drop(self) -> None:
        if self.spec["kind"] == "redis":
            import redis

            client = redis.Redis.from_url(self.spec["address"])
            client.delete(self.spec["topic"], self.spec["results"], self.spec["dead"])
            client.close()


def run(kind: str, address: str, store: dict, messages, workers: int, rate: float | None = None) -> dict:
    """Start `workers` processes, publish the messages (all at once, or at `rate` per second),
    and time until every one is committed."""
    bus = Bus(kind, address)
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    counts = [ctx.Value("q", 0) for _ in range(workers)]
    readies = [ctx.Event() for _ in range(workers)]
    procs = [ctx.Process(target=worker_main, args=(bus.spec, store, f"w{i}", readies[i], stop, counts[i]))
             for i in range(workers)]
    for p in procs:
        p.start()
    try:
        for e in readies:
            if not e.wait(120):
                raise RuntimeError("a worker did not start")
        time.sleep(1.0 if kind == "kafka" and workers > 1 else 0.1)  # let a rebalance settle
        publisher = bus.publisher()
        began = time.perf_counter()
        if rate is None:
            publisher.publish(messages)
        else:
            step = max(1, int(rate * 0.05))
            for i in range(0, len(messages), step):
                publisher.publish(messages[i:i + step])
                time.sleep(max(0.0, began + (i + step) / rate - time.perf_counter()))
        published = time.perf_counter() - began
        publisher.close()
        deadline = time.monotonic() + 600
        while sum(c.value for c in counts) < len(messages):
            if time.monotonic() > deadline or any(not p.is_alive() for p in procs):
                raise RuntimeError(f"stalled at {sum(c.value for c in counts)} of {len(messages)}")
            time.sleep(0.02)
        elapsed = time.perf_counter() - began
    finally:
        stop.set()
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.kill()
    out = {"events": len(messages), "seconds": elapsed, "rate": len(messages) / elapsed, "publish_s": published}
    if rate is not None:
        lat = sorted(r["done_ms"] - r["published_ms"] for r in bus.results() if r.get("published_ms") is not None)
        out.update(results=len(lat), p50_ms=statistics.median(lat), p99_ms=lat[int(0.99 * (len(lat) - 1))],
                   max_ms=lat[-1])
    bus.drop()
    return out


def fresh_store(kind: str, stack: ExitStack, workdir: Path) -> dict:
    """SQLite with Redis, PostgreSQL with Kafka: a fresh database each run, migrated first."""
    from cordon.store.sql import SqlStore

    if kind == "redis":
        url = f"sqlite:///{workdir / f'{uuid.uuid4().hex[:8]}.sqlite'}"
        SqlStore(url).close()
        return {"url": url}
    from cordon.config import Settings

    url = Settings().test_postgres_url
    options = stack.enter_context(postgres_schema(url))
    SqlStore(url, engine_options=options).close()
    return {"url": url, "options": options}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--only", choices=["redis", "kafka"])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--kafka", help="bootstrap servers; default: start the pinned Tansu broker")
    args = parser.parse_args()

    messages = world(args.accounts)
    print(f"# {machine()}; load average before: {os.getloadavg()[0]:.1f}")
    print(f"# {len(messages):,} events from a {args.accounts:,}-account scenario")
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        kinds = [args.only] if args.only else ["redis", "kafka"]
        addresses = {"redis": args.redis}
        if "kafka" in kinds:
            if args.kafka:
                addresses["kafka"] = args.kafka
            else:
                from tansu_broker import free_port, start_tansu, tansu_binary

                port = free_port()
                broker = start_tansu(tansu_binary(), port)
                stack.callback(broker.kill)
                addresses["kafka"] = f"127.0.0.1:{port}"
        for kind in kinds:
            store_name = "SQLite" if kind == "redis" else "PostgreSQL"
            peak = {}
            for workers in (1, 2):
                r = run(kind, addresses[kind], fresh_store(kind, stack, Path(tmp)), messages, workers)
                peak[workers] = r["rate"]
                print(f"{kind:5} + {store_name:10} {workers} worker(s): {r['rate']:7,.0f} events/s "
                      f"({r['events']:,} in {r['seconds']:.1f} s; load {os.getloadavg()[0]:.1f})", flush=True)
            print(f"{kind:5} scaling 1 → 2 workers: ×{peak[2] / peak[1]:.2f}")
            half = peak[1] / 2
            r = run(kind, addresses[kind], fresh_store(kind, stack, Path(tmp)), messages, 1, rate=half)
            print(f"{kind:5} + {store_name:10} latency at {half:,.0f} events/s (half the 1-worker peak): "
                  f"p50 {r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms, max {r['max_ms']:.0f} ms "
                  f"over {r['results']:,} results; load {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
