"""The worker's Prometheus metrics, in a registry of its own (so tests can run several
workers in one process), served on `cordon worker --metrics-port`."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server


class WorkerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.consumed = Counter("cordon_stream_consumed", "Messages polled from the broker.", registry=r)
        self.processed = Counter(
            "cordon_stream_processed", "Messages whose effects the store committed.", registry=r
        )
        self.errors = Counter(
            "cordon_stream_errors", "Batches that failed on the store or broker and were retried.", registry=r
        )
        self.dead_letters = Counter(
            "cordon_stream_dead_letters", "Poison messages sent to the dead-letter topic.", registry=r
        )
        self.cases_opened = Counter("cordon_stream_cases_opened", "Cases the worker opened.", registry=r)
        self.suspended = Counter("cordon_stream_suspended", "Accounts the worker suspended.", registry=r)
        self.lag = Gauge("cordon_stream_lag", "Messages waiting for this consumer.", registry=r)
        self.in_flight = Gauge("cordon_stream_in_flight", "Messages polled and not yet committed.", registry=r)
        self.paused = Gauge("cordon_stream_paused", "1 while fetching is paused for backpressure.", registry=r)
        self.batch_seconds = Histogram(
            "cordon_stream_batch_seconds", "Time to process one batch, store commit included.", registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )

    def serve(self, port: int, addr: str = "0.0.0.0") -> Callable[[], None]:
        """Serve /metrics on a background thread; returns what stops it."""
        server, _thread = start_http_server(port, addr=addr, registry=self.registry)
        return server.shutdown
