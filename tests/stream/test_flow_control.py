"""Backpressure and /metrics, over every transport: a store that is slow makes the consumer
pause (in flight stays bounded, nothing is dropped), and a Prometheus scrape during a run
shows the consumer's progress, its dead letters and its lag going down."""

from __future__ import annotations

import threading
import time
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families
from stream_world import world_messages
from tansu_broker import free_port
from test_delivery import _handled, _run, _worker

from cordon.store.sql import SqlStore


class SlowStore(SqlStore):
    """A store whose every batch write takes `delay` seconds longer: a database under load."""

    def __init__(self, url: str, delay: float) -> None:
        super().__init__(url)
        self.delay = delay

    def write_batch(self, *args, **kwargs):
        time.sleep(self.delay)
        return super().write_batch(*args, **kwargs)


def test_a_slow_store_pauses_the_consumer_and_nothing_is_dropped(bus, tmp_path):
    messages = world_messages()[:400]  # the first accounts: 8 batches of 50
    bus.publish(messages)
    store = SlowStore(f"sqlite:///{tmp_path / 'slow.sqlite'}", delay=0.25)
    worker = _worker(bus, store, "w", batch=50, max_in_flight=100)
    seen = {"in_flight": 0.0, "unfinished": 0.0, "paused": 0.0}

    def done() -> bool:  # the consumer thread calls this once per loop: sample its state
        m = worker.metrics
        seen["in_flight"] = max(seen["in_flight"], m.in_flight._value.get())
        seen["unfinished"] = max(seen["unfinished"], m.consumed._value.get() - _handled(worker))
        seen["paused"] = max(seen["paused"], m.paused._value.get())
        return _handled(worker) >= len(messages)

    _run(worker, done)
    assert seen["paused"] == 1, "the consumer never paused for the slow store"
    assert seen["in_flight"] <= 100 and seen["unfinished"] <= 100, seen
    # Nothing dropped and nothing fetched twice: every message once, every account stored.
    assert worker.metrics.consumed._value.get() == len(messages)
    assert worker.metrics.processed._value.get() == len(messages)
    assert store.counts()["accounts"] == len(messages)
    store.close()


def _scrape(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as reply:
        text = reply.read().decode()
    return {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_metrics_show_progress_dead_letters_and_lag_during_a_run(bus, store):
    poison = [(b"native:1", b'{"v": 1, "type": "post", "id": '), (b"native:2", b"[1, 2]")]
    messages = world_messages() + poison
    bus.publish(messages)
    worker = _worker(bus, store, "w", batch=100, max_in_flight=200, lag_every=0.1)
    port = free_port()
    stop_serving = worker.metrics.serve(port, addr="127.0.0.1")
    scrapes: list[dict[str, float]] = []
    running = threading.Event()
    running.set()

    def scraper() -> None:  # as Prometheus would: from outside, on its own schedule
        while running.is_set():
            scrapes.append(_scrape(port))
            time.sleep(0.1)

    thread = threading.Thread(target=scraper, daemon=True)
    thread.start()
    try:
        _run(worker, lambda: _handled(worker) >= len(messages))
        time.sleep(0.25)  # one more scrape after the last commit
    finally:
        running.clear()
        thread.join(timeout=5)
        stop_serving()

    last = scrapes[-1]
    for name in ("cordon_stream_consumed_total", "cordon_stream_processed_total", "cordon_stream_errors_total",
                 "cordon_stream_dead_letters_total", "cordon_stream_lag", "cordon_stream_in_flight",
                 "cordon_stream_paused", "cordon_stream_batch_seconds_count"):
        assert name in last, f"{name} is not on /metrics"
    assert last["cordon_stream_consumed_total"] == len(messages)
    assert last["cordon_stream_processed_total"] == len(messages) - len(poison)
    assert last["cordon_stream_dead_letters_total"] == len(poison)
    assert last["cordon_stream_batch_seconds_count"] >= len(messages) // 100
    # Progress was visible while it ran, not only at the end.
    processed = [s["cordon_stream_processed_total"] for s in scrapes]
    assert any(0 < p < len(messages) - len(poison) for p in processed), processed
    # The lag was seen above zero, and came down after its highest.
    lags = [s["cordon_stream_lag"] for s in scrapes]
    peak = lags.index(max(lags))
    assert max(lags) > 0 and min(lags[peak:]) < max(lags), lags
