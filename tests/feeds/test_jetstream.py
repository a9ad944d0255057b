"""The Jetstream consumer against a local server that speaks Jetstream v2
(jetstream_server.py), fed with recorded event shapes, publishing onto Redis Streams. The
connection is cut mid-stream (TCP abort, then a clean close): the consumer reconnects,
resumes from its cursor, and every event reaches the stream exactly once."""

from __future__ import annotations

import threading
import time

import pytest
from jetstream_server import JetstreamServer, recorded_events

from cordon.domain import Account, Interaction, InteractionKind, Post
from cordon.errors import RecordError
from cordon.feeds.cursor import CursorFile
from cordon.feeds.jetstream import JetstreamConsumer
from cordon.feeds.jetstream_map import COLLECTIONS, commit_records
from cordon.feeds.quarantine import FeedQuarantine
from cordon.stream import envelope
from cordon.stream.redis_streams import RedisPublisher, read_stream


def expected_messages(events: list[dict]) -> int:
    """What the stream should get: one message per mapped commit (a post carries its edges;
    mentions are derived from it), none for deletes, likes and the malformed follow."""
    count = 0
    for e in events:
        if e["kind"] != "commit" or e["commit"]["collection"] not in COLLECTIONS:
            continue
        try:
            records = commit_records({"did": e["did"], **e["commit"]})
        except RecordError:
            continue
        if records is not None:
            count += 1
    return count


class Running:
    """A consumer in a thread, until `expected` events were handled or `timeout` passed."""

    def __init__(self, consumer: JetstreamConsumer) -> None:
        self.consumer = consumer
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.consumer.run()
        except BaseException as exc:  # reported by the test
            self.error = exc

    def until(self, done, timeout: float = 30.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline and self.thread.is_alive():
            time.sleep(0.05)
        self.consumer.stop()
        self.thread.join(10)
        assert self.error is None, self.error
        assert done(), f"timed out: {self.consumer.stats}"


@pytest.fixture
def parts(redis_url, stream, tmp_path):
    publisher = RedisPublisher(redis_url, stream)
    yield publisher, CursorFile(tmp_path / "jetstream.cursor"), FeedQuarantine(tmp_path / "quarantine.jsonl")
    publisher.close()


def consumer_for(server, publisher, cursor_file, quarantine) -> JetstreamConsumer:
    # compress=False: the test server has no zstd dictionary endpoint (the SDK would fall back
    # anyway, after a failed HTTP request).
    return JetstreamConsumer(server.url, publisher, cursor_file, quarantine, rewind=5.0,
                             compress=False, backoff=(0.1, 1.0), recv_timeout=5.0)


def start_from_the_beginning(cursor_file: CursorFile, events: list[dict]) -> None:
    """A saved cursor before the first event (a fresh consumer starts at the live tip)."""
    from cordon.feeds.cursor import Cursor

    cursor_file.save(Cursor(events[0]["time_us"] - 1))


def stream_records(redis_url: str, stream: str):
    return [envelope.decode(value) for _, value, _ in read_stream(redis_url, stream)]


def test_killed_mid_stream_it_resumes_without_losing_or_duplicating(parts, redis_url, stream):
    publisher, cursor_file, quarantine = parts
    events = recorded_events()
    want = expected_messages(events)
    start_from_the_beginning(cursor_file, events)
    with JetstreamServer(events, drops=[(9, "kill"), (14, "close")]) as server:
        consumer = consumer_for(server, publisher, cursor_file, quarantine)
        Running(consumer).until(lambda: consumer.stats.published >= want and consumer.stats.quarantined >= 1)
        cursors = server.cursors
    messages = stream_records(redis_url, stream)
    assert len(messages) == want  # nothing lost, nothing twice
    keys = [tuple(sorted(str(r) for r in m)) for m in messages]
    assert len(set(keys)) == len(keys)
    assert len(cursors) >= 3  # two drops, two reconnects
    # Each reconnect asked from before the last event it had (the rewind, or the SDK's seq).
    assert all(c is not None for c in cursors)
    assert consumer.stats.duplicates > 0  # the overlap came again, and was dropped
    assert quarantine.count == 1 and "expected a DID" in quarantine.entries()[0]["reason"]
    # The cursor file holds the last event's position.
    saved = cursor_file.load()
    assert saved is not None and saved.time_us == events[-1]["time_us"] and saved.url == server.url

    flat = [r for m in messages for r in m]
    assert sum(isinstance(r, Account) for r in flat) == sum(
        1 for e in events if e["kind"] == "commit" and e["commit"]["collection"] == "app.bsky.actor.profile")
    follows = [r for r in flat if isinstance(r, Interaction) and r.kind is InteractionKind.FOLLOW]
    assert len(follows) == sum(1 for e in events if e["kind"] == "commit"
                               and e["commit"]["collection"] == "app.bsky.graph.follow"
                               and e["commit"]["operation"] == "create") - 1  # the malformed one
    assert any(isinstance(r, Post) and r.hashtags == ("news",) and r.urls for r in flat)
    assert any(isinstance(r, Interaction) and r.kind is InteractionKind.REPLY for r in flat)
    assert any(isinstance(r, Interaction) and r.kind is InteractionKind.QUOTE for r in flat)
    assert any(isinstance(r, Interaction) and r.kind is InteractionKind.REPOST for r in flat)


def test_a_restart_resumes_from_the_saved_cursor(parts, redis_url, stream):
    publisher, cursor_file, quarantine = parts
    events = recorded_events()
    start_from_the_beginning(cursor_file, events)
    first, later = events[:30], events[30:]
    with JetstreamServer(first) as server:
        consumer = consumer_for(server, publisher, cursor_file, quarantine)
        Running(consumer).until(lambda: consumer.stats.events >= len(
            [e for e in first if e["kind"] != "commit" or e["commit"]["collection"] in COLLECTIONS]))
        before = len(read_stream(redis_url, stream))
        assert before == expected_messages(first)
        # A new process: the same cursor file, and the server has more on its tail.
        server.append(later)
        again = consumer_for(server, publisher, cursor_file, quarantine)
        Running(again).until(lambda: again.stats.published >= expected_messages(later))
        asked = server.cursors[-1]
    assert len(read_stream(redis_url, stream)) == before + expected_messages(later)
    # It asked for the saved time minus the rewind, and dropped the overlap by seq.
    assert asked == first[-1]["time_us"] - 5_000_000
    assert again.stats.duplicates >= 4


def test_mapping_quarantines_bad_records_with_the_field():
    with pytest.raises(RecordError, match="record.subject: expected a DID"):
        commit_records({"did": "did:plc:x", "collection": "app.bsky.graph.follow", "operation": "create",
                        "rkey": "3k", "record": {"subject": 12}})
    with pytest.raises(RecordError, match="record.reply.parent"):
        commit_records({"did": "did:plc:x", "collection": "app.bsky.feed.post", "operation": "create",
                        "rkey": "3k", "record": {"text": "hi", "reply": {"parent": "nope"}}})
    assert commit_records({"did": "did:plc:x", "collection": "app.bsky.feed.like", "operation": "create",
                           "rkey": "3k", "record": {}}) is None
