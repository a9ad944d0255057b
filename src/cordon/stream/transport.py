"""The transport interface: what the worker needs from a broker, whatever the broker is.

Two adapters implement it, each the only module that imports its SDK: Kafka through
confluent-kafka (stream/kafka.py) and Redis Streams through redis-py (stream/redis_streams.py).
The worker only ever talks to this interface, and the shared test suite runs every adapter
through the same checks.

The contract that makes delivery at least once: a message polled is not acknowledged until
`commit` is called with it, which the worker does only after the store has committed its
effects. A worker that dies before that leaves the message to be delivered again, to itself
or to another worker.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Message:
    """One message as delivered. `position` is the adapter's own handle on it (topic,
    partition and offset; or stream and entry id), passed back to commit. `published_ms`
    is when the producer sent it (milliseconds since the epoch), when the broker says."""

    key: bytes | None
    value: bytes
    position: Any
    published_ms: int | None = None


class Transport(ABC):
    """A consumer in a consumer group, with the dead-letter and result outputs beside it."""

    @abstractmethod
    def poll(self, max_messages: int, timeout: float) -> list[Message]:
        """Up to `max_messages` messages, waiting at most `timeout` seconds for the first.
        Paused, it returns nothing (but keeps the consumer's group membership alive): the
        worker calls poll(0, 0) then, to serve the group protocol without waiting."""

    @abstractmethod
    def commit(self, messages: Sequence[Message]) -> None:
        """Acknowledge the messages: they are done and will not be delivered again. Call it
        only after the store has committed their effects."""

    @abstractmethod
    def dead_letter(self, message: Message, error: str) -> None:
        """Put a message that cannot be processed on the dead-letter topic, with its error.
        Durable on return, so the caller may then commit it."""

    @abstractmethod
    def publish_results(self, results: Sequence[tuple[bytes, bytes]]) -> None:
        """Publish (key, value) results on the output topic for other consumers."""

    @abstractmethod
    def pause(self) -> None:
        """Stop fetching: the worker has as much in flight as it may hold."""

    @abstractmethod
    def resume(self) -> None:
        """Fetch again after a pause."""

    @abstractmethod
    def lag(self) -> int | None:
        """Messages waiting for this consumer (None when the broker cannot tell)."""

    @abstractmethod
    def close(self) -> None:
        """Leave the group cleanly, so the other consumers take over at once."""


class Publisher(ABC):
    """Puts events on the input topic: platform feeds, tests and benchmarks use it."""

    @abstractmethod
    def publish(self, messages: Sequence[tuple[bytes, bytes]]) -> None:
        """Publish (key, value) messages; durable on return."""

    @abstractmethod
    def close(self) -> None: ...
