"""read_ahead: items in order, the producer's errors raised in the consumer, and a consumer
that stops early leaves no producer running (it may hold the connection)."""

from __future__ import annotations

import threading
import time

import pytest

from cordon.store.read_ahead import read_ahead


def test_items_come_in_order_and_ahead_of_the_consumer():
    produced: list[int] = []

    def items():
        for i in range(5):
            produced.append(i)
            yield i

    out = []
    for item in read_ahead(items()):
        time.sleep(0.02)  # the consumer is slow: the producer is already on the next item
        out.append(item)
        assert len(produced) >= min(len(out) + 1, 5) or len(produced) == 5
    assert out == [0, 1, 2, 3, 4]


def test_a_producer_error_is_raised_in_the_consumer():
    def items():
        yield 1
        raise ValueError("the database went away")

    got = []
    with pytest.raises(ValueError, match="went away"):
        for item in read_ahead(items()):
            got.append(item)
    assert got == [1]


def test_stopping_early_stops_and_joins_the_producer():
    closed = threading.Event()

    def items():
        try:
            for i in range(1000):
                yield i
        finally:
            closed.set()

    before = threading.active_count()
    for item in read_ahead(items()):
        if item == 3:
            break
    assert closed.is_set()  # the producer closed its source before the loop went on
    assert threading.active_count() == before
