"""The transport and publisher the settings name (CORDON_STREAM_BACKEND and friends). The
adapters are imported here only when chosen, so a Redis deployment never loads librdkafka."""

from __future__ import annotations

import os
import socket

from cordon.config import Settings
from cordon.stream.transport import Publisher, Transport


def consumer_name() -> str:
    """A name unique to this process: Redis keeps pending entries per consumer name."""
    return f"{socket.gethostname()}-{os.getpid()}"


def open_transport(settings: Settings, partitions: int = 12) -> Transport:
    """A consumer in the settings' group, creating the topics on Kafka when missing (with
    `partitions` partitions for the events: the most workers that can share them)."""
    if settings.stream_backend == "redis":
        from cordon.stream.redis_streams import RedisTransport

        return RedisTransport(
            settings.redis_url, settings.stream_topic, settings.stream_group, consumer_name(),
            results_stream=settings.stream_results_topic, dead_letter_stream=settings.stream_dead_letter_topic,
        )
    from cordon.stream.kafka import KafkaTransport, ensure_topics, parse_options

    options = parse_options(settings.kafka_options)
    ensure_topics(settings.kafka_bootstrap_servers, {
        settings.stream_topic: partitions, settings.stream_results_topic: partitions,
        settings.stream_dead_letter_topic: 1,
    }, options)
    return KafkaTransport(
        settings.kafka_bootstrap_servers, settings.stream_topic, settings.stream_group,
        results_topic=settings.stream_results_topic, dead_letter_topic=settings.stream_dead_letter_topic,
        options=options,
    )


def open_publisher(settings: Settings) -> Publisher:
    """A publisher onto the settings' event topic."""
    if settings.stream_backend == "redis":
        from cordon.stream.redis_streams import RedisPublisher

        return RedisPublisher(settings.redis_url, settings.stream_topic)
    from cordon.stream.kafka import KafkaPublisher, parse_options

    return KafkaPublisher(settings.kafka_bootstrap_servers, settings.stream_topic, parse_options(settings.kafka_options))
