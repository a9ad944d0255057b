"""The stream worker: broker → store → signals → risk → policy → cases and effects.

Two threads. The consumer thread polls, and owns every call on the transport: it hands
batches to the processing thread, and when a batch comes back done (its effects committed
to the store) it dead-letters the batch's poison messages, commits the offsets and publishes
the results, in that order. So an offset is committed only after the store committed, and a
poison message only after it is safely on the dead-letter topic.

Backpressure: at most `max_in_flight` messages are polled and not yet committed. Above it
the consumer pauses fetching (keeping its group membership alive) until the store has caught
up, so a slow store slows the consumers down and memory stays bounded.

A store failure is not the events' fault: the batch is retried, with backoff, until it
goes through or the worker stops. A failure of the events themselves (malformed, or a
signal raising on them) sends just those messages to the dead letters.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cordon.domain import Account, Interaction, Post, Report, SubjectKind, SubjectRef
from cordon.errors import RecordError
from cordon.ingest.records import Record
from cordon.stream.assess import Applied, LiveAssessor, Records
from cordon.stream.envelope import decode
from cordon.stream.metrics import WorkerMetrics
from cordon.stream.transport import Message, Transport

log = logging.getLogger(__name__)

#: Seconds between two reads of the consumer lag (a round trip to the broker).
LAG_EVERY = 5.0
#: Seconds a paused consumer waits for a batch to come back before serving the group again.
PAUSED_WAIT = 0.05
#: Backoff after a failed batch: doubles from the first to the last.
RETRY_FIRST, RETRY_LAST = 0.5, 30.0


@dataclass
class Done:
    """A batch the store committed: what to dead-letter, commit and publish."""

    messages: list[Message]
    poison: list[tuple[Message, str]] = field(default_factory=list)
    applied: Applied = field(default_factory=Applied)
    published_ms: dict[str, int] = field(default_factory=dict)  # per account: its oldest message


class Worker:
    def __init__(
        self, transport: Transport, assessor: LiveAssessor, *, batch_size: int = 500,
        max_in_flight: int = 2000, metrics: WorkerMetrics | None = None,
        poll_timeout: float = 0.05, sleep: Callable[[float], None] = time.sleep, lag_every: float = LAG_EVERY,
        maintain_every: float = 0.0,
    ) -> None:
        self.transport = transport
        self.assessor = assessor
        self.batch_size = batch_size
        self.max_in_flight = max(max_in_flight, batch_size)
        self.metrics = metrics or WorkerMetrics()
        self.poll_timeout = poll_timeout
        self.lag_every = lag_every
        self.maintain_every = maintain_every  # seconds; 0: no housekeeping here
        self._sleep = sleep
        self._todo: queue.Queue[list[Message] | None] = queue.Queue()
        self._done: queue.Queue[Done | BaseException] = queue.Queue()
        self._in_flight = 0
        self._paused = False
        self.stopping = threading.Event()

    # -- the consumer thread ----------------------------------------------------------------
    def run(self, until: Callable[[], bool] | None = None) -> None:
        """Consume until stop() is called (or `until()` says so), then finish the batches in
        flight, commit them and leave the group."""
        processor = threading.Thread(target=self._process_loop, name="cordon-process", daemon=True)
        processor.start()
        next_lag = 0.0
        try:
            while not self.stopping.is_set() and not (until and until()):
                # Paused, wait here for a batch to come back rather than spin: a spinning
                # consumer thread holds the GIL the processing thread needs.
                self._drain(timeout=PAUSED_WAIT if self._paused else None)
                self._backpressure()
                room = 0 if self._paused else min(self.batch_size, self.max_in_flight - self._in_flight)
                # Paused (room 0), this only serves the group protocol, and returns at once.
                messages = self.transport.poll(room, 0.0 if self._paused else self.poll_timeout)
                if messages:
                    self.metrics.consumed.inc(len(messages))
                    self._in_flight += len(messages)
                    self.metrics.in_flight.set(self._in_flight)
                    self._todo.put(messages)
                if time.monotonic() >= next_lag:
                    next_lag = time.monotonic() + self.lag_every
                    lag = self.transport.lag()
                    if lag is not None:
                        self.metrics.lag.set(lag)
            self._todo.put(None)
            while self._in_flight:
                self._drain(timeout=0.5)
        finally:
            self.stopping.set()
            self._todo.put(None)
            processor.join(timeout=5)
            self.transport.close()

    def stop(self) -> None:
        self.stopping.set()

    def _backpressure(self) -> None:
        full = self._in_flight >= self.max_in_flight
        if full and not self._paused:
            self.transport.pause()
        elif not full and self._paused:
            self.transport.resume()
        self._paused = full
        self.metrics.paused.set(1 if full else 0)

    def _drain(self, timeout: float | None = None) -> None:
        """Finish the batches that came back; with a timeout, wait that long for the first."""
        while True:
            try:
                done = self._done.get(timeout=timeout) if timeout else self._done.get_nowait()
            except queue.Empty:
                return
            if isinstance(done, BaseException):
                raise done
            self._finish(done)
            timeout = None

    def _finish(self, done: Done) -> None:
        for message, error in done.poison:
            self.transport.dead_letter(message, error)
        self.transport.commit(done.messages)
        now = int(time.time() * 1000)
        self.transport.publish_results([
            (str(r.account).encode(), r.to_json(published_ms=done.published_ms.get(str(r.account)), done_ms=now))
            for r in done.applied.results
        ])
        self._in_flight -= len(done.messages)
        self.metrics.in_flight.set(self._in_flight)
        self.metrics.dead_letters.inc(len(done.poison))
        self.metrics.processed.inc(len(done.messages) - len(done.poison))
        self.metrics.cases_opened.inc(done.applied.cases_opened)
        self.metrics.suspended.inc(done.applied.suspended)

    # -- the processing thread ----------------------------------------------------------------
    def _process_loop(self) -> None:
        # Housekeeping (expired holds, interrupted decisions) runs here, between batches, so
        # it never shares the store with a batch; an idle worker wakes up for it.
        due = time.monotonic() + self.maintain_every if self.maintain_every > 0 else None
        while (messages := self._next_batch(None if due is None else max(0.0, due - time.monotonic()))) is not None:
            if messages:
                try:
                    self._done.put(self._with_retries(messages))
                except BaseException as exc:  # hand it to the consumer thread, which raises it
                    self._done.put(exc)
                    return
            if due is not None and time.monotonic() >= due:
                self._maintain()
                due = time.monotonic() + self.maintain_every

    def _maintain(self) -> None:
        try:
            done = self.assessor.maintain()
        except Exception as exc:  # noqa: BLE001 - the store is down, say: the next round tries again
            self.metrics.errors.inc()
            log.warning("housekeeping failed, trying again in %.0f s: %s", self.maintain_every, exc)
            return
        if done.holds_expired or done.decisions_finished:
            log.info("housekeeping: %s", done)

    def _next_batch(self, timeout: float | None = None) -> list[Message] | None:
        """The next polled chunk, merged with those queued behind it up to `batch_size`; []
        when `timeout` seconds pass with nothing polled.

        A batch costs a fixed dozen queries and commits whatever its size. At a modest rate a
        poll returns a few messages at a time; processed alone, the fixed cost would keep the
        worker behind its input (measured: p99 5 s at half the peak rate). Merged, a worker
        that falls behind catches up in bigger batches, and one that keeps up stays fast."""
        try:
            messages = self._todo.get(timeout=timeout)
        except queue.Empty:
            return []
        while messages is not None and len(messages) < self.batch_size:
            try:
                more = self._todo.get_nowait()
            except queue.Empty:
                break
            if more is None:  # stopping: process what we have, then stop
                self._todo.put(None)
                break
            messages = messages + more
        return messages

    def _with_retries(self, messages: list[Message]) -> Done:
        wait = RETRY_FIRST
        while True:
            started = time.perf_counter()
            try:
                done = self.process(messages)
            except Exception as exc:
                if self.stopping.is_set():
                    raise
                self.metrics.errors.inc()
                log.warning("batch of %d failed, retrying in %.1f s: %s", len(messages), wait, exc)
                self._sleep(wait)
                wait = min(RETRY_LAST, wait * 2)
                continue
            self.metrics.batch_seconds.observe(time.perf_counter() - started)
            return done

    def process(self, messages: list[Message]) -> Done:
        """One batch through the assessor, its poison messages set apart."""
        done = Done(messages)
        decoded: list[tuple[Message, list[Record]]] = []
        for m in messages:
            try:
                decoded.append((m, decode(m.value)))
            except RecordError as exc:
                done.poison.append((m, f"malformed: {exc}"))
        records = Records.of(r for _, recs in decoded for r in recs)
        ctx = self.assessor.load(records)  # a failure here is the store's: retried
        try:
            scored = self.assessor.score(records, ctx)
        except Exception:
            # Some event makes a signal raise: score each alone to find which.
            good: list[tuple[Message, list[Record]]] = []
            for m, recs in decoded:
                try:
                    self.assessor.score(Records.of(recs), ctx)
                    good.append((m, recs))
                except Exception as exc:
                    done.poison.append((m, f"{type(exc).__name__}: {exc}"))
            decoded = good
            scored = self.assessor.score(Records.of(r for _, recs in good for r in recs), ctx)
        done.applied = self.assessor.apply(scored)
        for m, recs in decoded:
            if m.published_ms is None:
                continue
            for r in recs:
                account = _account_of(r)
                if account is not None and done.published_ms.get(account, m.published_ms + 1) > m.published_ms:
                    done.published_ms[account] = m.published_ms
        return done


def _account_of(record: Record) -> str | None:
    if isinstance(record, Account):
        return str(record.ref)
    if isinstance(record, Post):
        return str(record.author_ref)
    if isinstance(record, Interaction):
        return str(SubjectRef.account(record.platform, record.source_id))
    if isinstance(record, Report) and record.subject.kind is SubjectKind.ACCOUNT:
        return str(record.subject)
    return None
