"""The Bluesky Jetstream consumer: the only module that imports the atproto SDK.

It uses the SDK's Jetstream v2 client (atproto_jetstream.JetstreamClient: the xrpc.v1.json
wire, seq cursors, inclusive replay with de-duplication by seq) for the connection, and keeps
its own loop around it, because the SDK's client returns for good when the server closes the
connection cleanly and raises on a refused handshake, where a safety feed must come back.

Resuming. The cursor file (cursor.py) is advanced after each event's messages are published
and saved at most every `save_every` seconds and on stop. A new connection asks for the saved
`time_us` minus `rewind` seconds (v2 reads a cursor of 1e15 and over as microseconds): a
timestamp is meaningful on any Jetstream instance, and rewinding covers events the instances
witnessed in a slightly different order. The overlap is removed twice over: events with a seq
at or below the saved one, when the URL is the one that numbered them, and events whose
(repo, collection, rkey, rev) was handled lately (a bounded memory). Delivery to the stream
is therefore at least once, with duplicates only after a crash between publishing and saving
the cursor, and the worker's processing is idempotent.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from atproto_client.models.utils import get_model_as_dict
from atproto_jetstream import JetstreamClient
from atproto_jetstream.exceptions import JetstreamCursorTooOldError, JetstreamError

from cordon.errors import RecordError
from cordon.feeds.cursor import Cursor, CursorFile
from cordon.feeds.errors import FeedError
from cordon.feeds.jetstream_map import COLLECTIONS, commit_records
from cordon.feeds.messages import to_messages
from cordon.feeds.quarantine import FeedQuarantine
from cordon.stream.transport import Publisher

log = logging.getLogger(__name__)

FEED = "jetstream"
_COMMIT = "network.bsky.jetstream.subscribeEvents#commit"
_IDENTITY = "network.bsky.jetstream.subscribeEvents#identity"


@dataclass
class JetstreamStats:
    events: int = 0
    published: int = 0  # events that became messages
    skipped: int = 0  # deletes, other collections, other kinds
    duplicates: int = 0
    quarantined: int = 0
    connections: int = 0
    by_collection: dict[str, int] = field(default_factory=dict)


class JetstreamConsumer:
    """Consume `url` (a Jetstream v2 base, e.g. wss://jetstream.us-east.bsky.network/xrpc) and
    publish the four collections' records until `stop()`."""

    def __init__(
        self, url: str, publisher: Publisher, cursor_file: CursorFile, quarantine: FeedQuarantine, *,
        rewind: float = 5.0, save_every: float = 1.0, compress: bool = True,
        backoff: tuple[float, float] = (0.5, 30.0), recent: int = 100_000,
        recv_timeout: float = 60.0, on_event: Callable[[], None] | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.publisher = publisher
        self.cursor_file = cursor_file
        self.quarantine = quarantine
        self.rewind_us = int(rewind * 1_000_000)
        self.save_every = save_every
        self.compress = compress
        self.backoff = backoff
        self.recv_timeout = recv_timeout
        self.on_event = on_event
        self.stats = JetstreamStats()
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._recent_max = recent
        self._handles: dict[str, str] = {}
        self._cursor = cursor_file.load()
        # The seq at or below which this instance's events were handled before (restart).
        self._done_seq = self._cursor.seq if self._cursor and self._cursor.url == self.url else None
        self._saved_at = 0.0
        self._stopped = threading.Event()
        self._client: JetstreamClient | None = None

    # -- the loop ------------------------------------------------------------------------
    def run(self) -> None:
        failures = 0
        while not self._stopped.is_set():
            params: dict = {"collections": list(COLLECTIONS)}
            if self._cursor is not None:
                params["cursor"] = max(self._cursor.time_us - self.rewind_us, 1_000_000_000_000_000)
            client = JetstreamClient(params=params, base_uri=self.url, compress=self.compress,
                                     recv_timeout=self.recv_timeout)
            self._client = client
            self.stats.connections += 1
            before = self.stats.events
            try:
                # Returns when the server closes cleanly, or when _failed stopped it.
                client.start(self._handle, self._failed)
            except JetstreamCursorTooOldError as exc:
                raise FeedError(f"jetstream refused the cursor as too old ({exc}): events after "
                                f"{self._cursor} are gone; delete {self.cursor_file.path} to start at the live tip") from None
            except JetstreamError as exc:
                log.warning("jetstream connection failed: %s", exc)
            finally:
                self._client = None
                self._save(force=True)
            if self._stopped.is_set():
                break
            failures = 0 if self.stats.events > before else failures + 1
            low, high = self.backoff
            delay = min(high, low * 2 ** min(failures, 10)) * random.uniform(0.5, 1.0)
            log.info("jetstream disconnected; reconnecting in %.1f s from %s", delay, self._cursor)
            self._stopped.wait(delay)

    def stop(self) -> None:
        """Stop from any thread (a signal handler included); run() then saves and returns."""
        self._stopped.set()
        client = self._client
        if client is not None:
            client.stop()

    # -- one event -----------------------------------------------------------------------
    def _handle(self, message) -> None:
        data = get_model_as_dict(message)
        kind = data.get("$type")
        if kind == _IDENTITY:
            handle = (data.get("identity") or {}).get("handle")
            if isinstance(handle, str) and handle:
                self._handles[data["did"]] = handle
        seq = data.get("seq")
        if seq is None:  # an #info advisory: no position
            return
        self.stats.events += 1
        if self._done_seq is not None and seq <= self._done_seq:
            self.stats.duplicates += 1
            return
        key = f"{data.get('did')}/{data.get('collection')}/{data.get('rkey')}@{data.get('rev')}:{kind}"
        if key in self._recent:
            self.stats.duplicates += 1
            return
        if kind == _COMMIT:
            self._commit(data)
        else:
            self.stats.skipped += 1
        self._remember(key)
        self._advance(seq, data.get("witnessedAt") or data.get("time"))
        if self.on_event is not None:
            self.on_event()

    def _commit(self, data: dict) -> None:
        try:
            records = commit_records(data, self._handles)
        except RecordError as err:
            self.stats.quarantined += 1
            self.quarantine.put(FEED, f"{data.get('did')} {data.get('collection')}/{data.get('rkey')}: {err}",
                                orjson.dumps(data))
            return
        if records is None:
            self.stats.skipped += 1
            return
        # A publishing failure propagates to _failed: the cursor has not moved past this
        # event, so it comes again on the next connection.
        self.publisher.publish(to_messages(records))
        self.stats.published += 1
        collection = data["collection"]
        self.stats.by_collection[collection] = self.stats.by_collection.get(collection, 0) + 1

    def _failed(self, exc: BaseException) -> None:
        """The SDK calls this when handling an event raised. Its client would go on to the
        next event (and past this one): stop it, so run() reconnects from our cursor."""
        log.error("jetstream: handling an event failed (%s: %s); reconnecting from %s",
                  type(exc).__name__, exc, self._cursor)
        client = self._client
        if client is not None:
            client.stop()

    def _remember(self, key: str) -> None:
        self._recent[key] = None
        if len(self._recent) > self._recent_max:
            self._recent.popitem(last=False)

    def _advance(self, seq: int, when: str | None) -> None:
        time_us = _micros(when) if when else (self._cursor.time_us if self._cursor else 0)
        self._cursor = Cursor(time_us, seq, self.url)
        self._save()

    def _save(self, force: bool = False) -> None:
        now = time.monotonic()
        if self._cursor is not None and (force or now - self._saved_at >= self.save_every):
            self.cursor_file.save(self._cursor)
            self._saved_at = now

    @property
    def cursor(self) -> Cursor | None:
        return self._cursor


def _micros(iso: str) -> int:
    parsed = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return int(parsed.timestamp()) * 1_000_000 + parsed.microsecond
