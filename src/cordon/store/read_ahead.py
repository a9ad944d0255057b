"""Run a generator one item ahead in a thread, so that the database works on the next chunk
while the caller decodes this one.

For the graph build from PostgreSQL (`SqlStore.interaction_batches`): the server aggregates a
chunk while the client decodes the previous one, instead of each waiting for the other. The
driver waits on the socket without the GIL, so this overlaps on one core as well as two.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


def read_ahead(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """The items of `items`, produced up to `depth` ahead in a daemon thread. An exception in
    the producer is raised here; when the caller stops early (or fails), the producer stops
    at its next item and is joined before this generator returns, so whatever it was using
    (a connection, a transaction) is free again when the caller goes on."""
    slots: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        slots.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put((_DONE, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            slots.put((_DONE, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="cordon-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, error = slots.get()
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let a producer blocked on a full queue see the stop
            try:
                slots.get_nowait()
            except queue.Empty:
                pass
            thread.join(timeout=0.05)
