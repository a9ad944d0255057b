"""The Kafka adapter: the one module that imports confluent-kafka.

Works against any broker that speaks the Kafka protocol (Apache Kafka, Redpanda, a managed
service; the tests use Tansu). Offsets are committed by hand, synchronously, and only for
messages the worker hands back after the store committed (`enable.auto.commit` is off and
so is the offset store's automatic advance), so a worker that dies mid-batch leaves its
uncommitted offsets to the consumer that takes its partitions over.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from cordon.errors import StreamError
from cordon.stream.transport import Message, Publisher, Transport


def parse_options(text: str) -> dict[str, str]:
    """librdkafka settings from "key=value,key=value" (CORDON_KAFKA_OPTIONS)."""
    options: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise StreamError(f"bad Kafka option {item!r}: expected key=value")
        options[key.strip()] = value.strip()
    return options


def ensure_topics(bootstrap: str, topics: Mapping[str, int], options: Mapping[str, str] | None = None) -> None:
    """Create the topics that do not exist yet, with the given partition counts. A topic
    that exists is left as it is."""
    admin = AdminClient({"bootstrap.servers": bootstrap, **(options or {})})
    try:
        existing = set(admin.list_topics(timeout=10).topics)
    except KafkaException as exc:
        raise StreamError(f"Kafka at {bootstrap}: {exc}") from None
    wanted = [NewTopic(t, num_partitions=n, replication_factor=-1) for t, n in topics.items() if t not in existing]
    if not wanted:
        return
    for topic, future in admin.create_topics(wanted, request_timeout=10).items():
        try:
            future.result()
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise StreamError(f"cannot create topic {topic}: {exc}") from None


def _producer(bootstrap: str, options: Mapping[str, str]) -> Producer:
    # Idempotent and acks=all: a retried produce is not written twice, and a publish that
    # returned is on every in-sync replica.
    return Producer({
        "bootstrap.servers": bootstrap, "linger.ms": 5, "acks": "all",
        "enable.idempotence": True, **options,
    })


def _flush(producer: Producer, what: str, timeout: float = 30.0) -> None:
    if producer.flush(timeout) > 0:
        raise StreamError(f"{what}: messages not delivered within {timeout:.0f} s")


class KafkaPublisher(Publisher):
    def __init__(self, bootstrap: str, topic: str, options: Mapping[str, str] | None = None) -> None:
        self.topic = topic
        self._producer = _producer(bootstrap, options or {})
        self._failed: list[str] = []

    def _delivered(self, err: KafkaError | None, _msg: object) -> None:
        if err is not None:
            self._failed.append(str(err))

    def publish(self, messages: Sequence[tuple[bytes, bytes]]) -> None:
        for key, value in messages:
            while True:
                try:
                    self._producer.produce(self.topic, value, key, on_delivery=self._delivered)
                    break
                except BufferError:  # the local queue is full: let it drain
                    self._producer.poll(0.05)
            self._producer.poll(0)
        _flush(self._producer, f"publish to {self.topic}")
        if self._failed:
            failed, self._failed = self._failed, []
            raise StreamError(f"publish to {self.topic}: {len(failed)} failed, first: {failed[0]}")

    def close(self) -> None:
        self._producer.flush(10)


class KafkaTransport(Transport):
    """A consumer in `group` on `topic`, with a producer for the dead letters and results."""

    def __init__(
        self, bootstrap: str, topic: str, group: str, *, results_topic: str, dead_letter_topic: str,
        options: Mapping[str, str] | None = None, session_timeout_ms: int = 10_000,
    ) -> None:
        options = dict(options or {})
        self.topic = topic
        self.results_topic = results_topic
        self.dead_letter_topic = dead_letter_topic
        self._consumer = Consumer({
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": session_timeout_ms,
            "heartbeat.interval.ms": max(100, session_timeout_ms // 10),
            # Bounds what librdkafka prefetches, so a paused worker holds little in memory.
            "queued.max.messages.kbytes": 16_384,
            # How long the broker may hold a fetch open waiting for data (librdkafka's default:
            # 500 ms). Measured on Tansu at half the peak rate, 100 ms took the median
            # publish-to-result latency from 436 to 310 ms and p99 under a second.
            "fetch.wait.max.ms": 100,
            **options,
        })
        self._producer = _producer(bootstrap, options)
        self._assigned: list[TopicPartition] = []
        self._paused = False
        self._consumer.subscribe([topic], on_assign=self._on_assign, on_revoke=self._on_revoke)

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._assigned = list(partitions)
        if self._paused and partitions:
            consumer.pause(partitions)

    def _on_revoke(self, _consumer: Consumer, _partitions: list[TopicPartition]) -> None:
        # Work in flight for these partitions is not committed; the new owner replays it,
        # and processing is idempotent.
        self._assigned = []

    @property
    def assignment(self) -> list[int]:
        """The partitions this consumer holds now."""
        return sorted(tp.partition for tp in self._assigned)

    def poll(self, max_messages: int, timeout: float) -> list[Message]:
        # consume(0) returns at once without serving the rebalance callbacks, so a paused
        # worker's poll(0) asks for one. Its partitions are paused, so none comes; if one
        # ever did, it is returned, never dropped.
        out: list[Message] = []
        for m in self._consumer.consume(max(1, max_messages), timeout):
            err = m.error()
            if err is not None:
                if err.code() == KafkaError._PARTITION_EOF:
                    continue
                if err.fatal() or not err.retriable():
                    raise StreamError(f"Kafka consumer: {err}")
                continue
            kind, stamp = m.timestamp()
            out.append(Message(m.key(), m.value() or b"", (m.topic(), m.partition(), m.offset()),
                               stamp if kind != 0 else None))
        return out

    def commit(self, messages: Sequence[Message]) -> None:
        last: dict[tuple[str, int], int] = {}
        for m in messages:
            topic, partition, offset = m.position
            last[(topic, partition)] = max(offset, last.get((topic, partition), -1))
        if not last:
            return
        offsets = [TopicPartition(t, p, o + 1) for (t, p), o in last.items()]
        try:
            self._consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as exc:
            # A partition revoked meanwhile cannot be committed by us: its new owner replays
            # the messages, and processing them again changes nothing.
            code = exc.args[0].code()
            if code not in (KafkaError.REBALANCE_IN_PROGRESS, KafkaError.ILLEGAL_GENERATION,
                            KafkaError.UNKNOWN_MEMBER_ID, KafkaError._NO_OFFSET):
                raise StreamError(f"Kafka commit: {exc}") from None

    def dead_letter(self, message: Message, error: str) -> None:
        topic, partition, offset = message.position
        headers = [("error", error[:4000].encode()), ("source", f"{topic}/{partition}/{offset}".encode())]
        self._producer.produce(self.dead_letter_topic, message.value, message.key, headers=headers)
        _flush(self._producer, f"dead letter to {self.dead_letter_topic}")

    def publish_results(self, results: Sequence[tuple[bytes, bytes]]) -> None:
        for key, value in results:
            while True:
                try:
                    self._producer.produce(self.results_topic, value, key)
                    break
                except BufferError:
                    self._producer.poll(0.05)
        self._producer.poll(0)

    def pause(self) -> None:
        if not self._paused:
            self._paused = True
            if self._assigned:
                self._consumer.pause(self._assigned)

    def resume(self) -> None:
        if self._paused:
            self._paused = False
            if self._assigned:
                self._consumer.resume(self._assigned)

    def lag(self) -> int | None:
        """The committed offsets (one round trip to the group coordinator) against the high
        watermarks the last fetch responses carried. A fresh ListOffsets per partition would
        block the consumer thread for a round trip each (half a second each on Tansu, which
        also answered them wrongly), for a gauge that only needs to be about right."""
        if not self._assigned:
            return 0
        total = 0
        try:
            for tp in self._consumer.committed(self._assigned, timeout=2):
                _low, high = self._consumer.get_watermark_offsets(tp, cached=True)
                if high is None or high < 0:  # nothing fetched from it yet
                    continue
                total += max(0, high - max(tp.offset, 0))
        except KafkaException:
            return None
        return total

    def close(self) -> None:
        self._producer.flush(10)
        self._consumer.close()


def read_topic(bootstrap: str, topic: str, idle: float = 1.0, options: Mapping[str, str] | None = None,
               first: float = 5.0) -> list[tuple[bytes | None, bytes, dict[str, str]]]:
    """Every message on a topic from the start, as (key, value, headers), read without a
    consumer group (for inspecting dead letters and results). Waits up to `first` seconds for
    the first message (finding the start offsets takes a round trip per partition), then
    stops after `idle` seconds without a new one."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "cordon-inspect",
                         "enable.auto.commit": False, **(options or {})})
    out: list[tuple[bytes | None, bytes, dict[str, str]]] = []
    try:
        meta = consumer.list_topics(topic, timeout=10).topics.get(topic)
        if meta is None or meta.error is not None:
            return out
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in meta.partitions])
        # consume() waits its whole timeout unless it fills the batch: ask often, briefly.
        quiet_since, started = None, time.monotonic()
        while True:
            batch = consumer.consume(500, 0.05)
            for m in batch:
                if m.error() is None:
                    headers = {k: v.decode() for k, v in (m.headers() or [])}
                    out.append((m.key(), m.value(), headers))
            now = time.monotonic()
            if batch:
                quiet_since = now
            elif now - (quiet_since or started) > (idle if quiet_since else first):
                break
    finally:
        consumer.close()
    return out
