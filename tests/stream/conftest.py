"""The stream fixtures: a Tansu broker (pinned by hash) and the local Redis, behind one `bus`
fixture, so that every test in this folder runs over every transport."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from service_checks import missing
from tansu_broker import BrokerError, free_port, start_tansu, tansu_binary

from cordon.stream.transport import Publisher, Transport

REDIS_URL = "redis://127.0.0.1:6379/15"
# A short session timeout: Tansu holds a JoinGroup for half of it (measured: 3.0 s at 6000,
# 1.0 s at 2000, and no less below), every worker start joins a group, and a killed worker's
# partitions move only once it has passed. librdkafka heartbeats from its own thread, so
# even a busy test machine keeps a 2 s session alive.
SESSION_TIMEOUT_MS = 2000
PARTITIONS = 4


@pytest.fixture(scope="session")
def tansu() -> Iterator[str]:
    """A Tansu broker for the session; its bootstrap address."""
    try:
        binary = tansu_binary()
    except BrokerError as exc:
        missing(str(exc))
    port = free_port()
    proc = start_tansu(binary, port)
    yield f"127.0.0.1:{port}"
    proc.kill()
    proc.wait()


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        missing(f"Redis not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


@dataclass
class Bus:
    """One transport's names for one test: topics (or streams) and group unique to it."""

    kind: str
    address: str
    topic: str
    results: str
    dead: str
    group: str

    def publisher(self) -> Publisher:
        if self.kind == "kafka":
            from cordon.stream.kafka import KafkaPublisher

            return KafkaPublisher(self.address, self.topic)
        from cordon.stream.redis_streams import RedisPublisher

        return RedisPublisher(self.address, self.topic)

    def publish(self, messages: list[tuple[bytes, bytes]]) -> None:
        publisher = self.publisher()
        publisher.publish(messages)
        publisher.close()

    def transport(self, consumer: str, group: str | None = None, claim_idle_ms: int = 3000) -> Transport:
        if self.kind == "kafka":
            from cordon.stream.kafka import KafkaTransport

            return KafkaTransport(self.address, self.topic, group or self.group, results_topic=self.results,
                                  dead_letter_topic=self.dead, session_timeout_ms=SESSION_TIMEOUT_MS)
        from cordon.stream.redis_streams import RedisTransport

        return RedisTransport(self.address, self.topic, group or self.group, consumer, results_stream=self.results,
                              dead_letter_stream=self.dead, claim_idle_ms=claim_idle_ms, claim_every_s=0.5)

    def read(self, topic: str) -> list[tuple[bytes | None, bytes, dict[str, str]]]:
        if self.kind == "kafka":
            from cordon.stream.kafka import read_topic

            return read_topic(self.address, topic, idle=0.5)  # the messages are there already
        from cordon.stream.redis_streams import read_stream

        return read_stream(self.address, topic)

    def spec(self) -> dict:
        """What a worker process needs to connect (tests/stream/run_worker.py)."""
        return {"kind": self.kind, "address": self.address, "topic": self.topic, "results": self.results,
                "dead": self.dead, "group": self.group, "session_timeout_ms": SESSION_TIMEOUT_MS}


@pytest.fixture(params=["kafka", "redis"])
def bus(request: pytest.FixtureRequest) -> Iterator[Bus]:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    names = {"topic": f"{prefix}.events", "results": f"{prefix}.results", "dead": f"{prefix}.dead",
             "group": f"{prefix}-workers"}
    if request.param == "kafka":
        from cordon.stream.kafka import ensure_topics

        address = request.getfixturevalue("tansu")
        ensure_topics(address, {names["topic"]: PARTITIONS, names["results"]: PARTITIONS, names["dead"]: 1})
        yield Bus("kafka", address, **names)
        return  # Tansu keeps everything in memory; it goes with the session
    import redis

    address = request.getfixturevalue("redis_url")
    yield Bus("redis", address, **names)
    client = redis.Redis.from_url(address)
    client.delete(names["topic"], names["results"], names["dead"])
    client.close()


WorkerFactory = Callable[..., object]
