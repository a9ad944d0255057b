"""The Redis Streams adapter: the one module that imports redis-py.

A consumer group on one stream. Entries read are pending until XACK, which the worker sends
only after the store committed. A worker that dies leaves its entries pending; any live
consumer XAUTOCLAIMs entries idle for longer than `claim_idle_ms` and processes them. Redis
Streams have no partitions, so unlike Kafka the events of one account may be processed by
two workers at once; processing is idempotent, so that costs work, not correctness.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import redis

from cordon.errors import StreamError
from cordon.stream.transport import Message, Publisher, Transport

# Fields of a stream entry. The key rides along so results and dead letters keep it.
_KEY, _VALUE = b"k", b"v"
# Results and dead letters are trimmed to about this many entries (XADD MAXLEN ~).
OUTPUT_MAXLEN = 1_000_000


def _client(url: str) -> redis.Redis:
    try:
        client = redis.Redis.from_url(url)
        client.ping()
    except redis.RedisError as exc:
        raise StreamError(f"Redis at {url}: {exc}") from None
    return client


def _stamp(entry_id: bytes) -> int:
    """An entry id is "<ms>-<seq>": the milliseconds are when it was added."""
    return int(entry_id.split(b"-", 1)[0])


class RedisPublisher(Publisher):
    def __init__(self, url: str, stream: str) -> None:
        self.stream = stream
        self._redis = _client(url)

    def publish(self, messages: Sequence[tuple[bytes, bytes]]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for key, value in messages:
            pipe.xadd(self.stream, {_KEY: key, _VALUE: value})
        pipe.execute()

    def close(self) -> None:
        self._redis.close()


class RedisTransport(Transport):
    def __init__(
        self, url: str, stream: str, group: str, consumer: str, *, results_stream: str,
        dead_letter_stream: str, claim_idle_ms: int = 30_000, claim_every_s: float = 1.0,
    ) -> None:
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self.results_stream = results_stream
        self.dead_letter_stream = dead_letter_stream
        self.claim_idle_ms = claim_idle_ms
        self._claim_every = claim_every_s
        self._next_claim = 0.0
        self._paused = False
        self._redis = _client(url)
        try:
            self._redis.xgroup_create(stream, group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):  # the group exists: join it
                raise StreamError(f"cannot create group {group} on {stream}: {exc}") from None

    def poll(self, max_messages: int, timeout: float) -> list[Message]:
        if self._paused:
            time.sleep(min(timeout, 0.05))
            return []
        try:
            # A dead consumer's entries first: they are the oldest work.
            claimed = self._claim(max_messages)
            if claimed:
                return claimed
            reply = self._redis.xreadgroup(
                self.group, self.consumer, {self.stream: ">"}, count=max_messages,
                block=max(1, int(timeout * 1000)),
            )
        except redis.RedisError as exc:
            raise StreamError(f"Redis read from {self.stream}: {exc}") from None
        return [self._message(eid, fields) for _, entries in reply or () for eid, fields in entries]

    def _claim(self, count: int) -> list[Message]:
        now = time.monotonic()
        if now < self._next_claim:
            return []
        self._next_claim = now + self._claim_every
        _cursor, entries, *_ = self._redis.xautoclaim(
            self.stream, self.group, self.consumer, self.claim_idle_ms, "0-0", count=count
        )
        return [self._message(eid, fields) for eid, fields in entries if fields]

    def _message(self, entry_id: bytes, fields: dict[bytes, bytes]) -> Message:
        return Message(fields.get(_KEY), fields.get(_VALUE, b""), entry_id, _stamp(entry_id))

    def commit(self, messages: Sequence[Message]) -> None:
        if messages:
            self._redis.xack(self.stream, self.group, *[m.position for m in messages])

    def dead_letter(self, message: Message, error: str) -> None:
        self._redis.xadd(
            self.dead_letter_stream,
            {_KEY: message.key or b"", _VALUE: message.value, b"error": error[:4000].encode(),
             b"source": b"%s/%s" % (self.stream.encode(), message.position)},
            maxlen=OUTPUT_MAXLEN, approximate=True,
        )

    def publish_results(self, results: Sequence[tuple[bytes, bytes]]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for key, value in results:
            pipe.xadd(self.results_stream, {_KEY: key, _VALUE: value}, maxlen=OUTPUT_MAXLEN, approximate=True)
        pipe.execute()

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused = False

    def lag(self) -> int | None:
        """Entries not yet delivered to the group, plus those delivered and not acknowledged."""
        try:
            for info in self._redis.xinfo_groups(self.stream):
                if info["name"].decode() == self.group:
                    return int(info.get("lag") or 0) + int(info.get("pending") or 0)
        except redis.RedisError:
            return None
        return None

    def close(self) -> None:
        self._redis.close()


def read_stream(url: str, stream: str) -> list[tuple[bytes | None, bytes, dict[str, str]]]:
    """Every entry of a stream from the start, as (key, value, other fields), for inspecting
    dead letters and results."""
    client = _client(url)
    try:
        return [
            (f.get(_KEY), f.get(_VALUE, b""),
             {k.decode(): v.decode() for k, v in f.items() if k not in (_KEY, _VALUE)})
            for _, f in client.xrange(stream)
        ]
    finally:
        client.close()
