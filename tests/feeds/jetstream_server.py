"""A local Jetstream v2 server for the tests: the xrpc.v1.json subprotocol at
/xrpc/network.bsky.jetstream.subscribeEvents, frames {"$type": "message", "payload": {...}},
the ?cursor= query honoured as the v2 lexicon says (inclusive; a seq, or a unix-microseconds
time when >= 1e15, meaning the first event witnessed at or after it) and ?collections=
filtering commits. It serves the recorded events of data/jetstream_events.jsonl (v1 shapes:
kind/did/time_us/commit), numbering them seq 1, 2, ...

`drops` says how each connection ends: after that connection has sent N events, "kill"
aborts the TCP connection (no close frame: a crash or a network cut) and "close" closes it
cleanly (a server restart); the last connection stays open.
"""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import serve

EVENTS = Path(__file__).parent / "data" / "jetstream_events.jsonl"
NSID = "network.bsky.jetstream.subscribeEvents"


def recorded_events() -> list[dict]:
    return [json.loads(line) for line in EVENTS.read_text().splitlines() if line.strip()]


def _iso(us: int) -> str:
    return datetime.fromtimestamp(us // 1_000_000, UTC).replace(microsecond=us % 1_000_000).isoformat().replace("+00:00", "Z")


def v2_payload(event: dict, seq: int) -> dict:
    """A v1-shaped event as the v2 wire sends it."""
    when = _iso(event["time_us"])
    base = {"did": event["did"], "seq": seq, "time": when, "witnessed_at": when}
    if event["kind"] == "commit":
        return {"$type": f"{NSID}#commit", **base, **event["commit"]}
    if event["kind"] == "identity":
        return {"$type": f"{NSID}#identity", **base, "identity": event["identity"]}
    return {"$type": f"{NSID}#account", **base, "account": event["account"]}


class JetstreamServer:
    def __init__(self, events: list[dict], drops: list[tuple[int, str]] = ()) -> None:
        self.events = list(events)
        self.drops = list(drops)
        self.cursors: list[int | None] = []  # the cursor each connection asked for
        self.sent = 0
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._new_event = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/xrpc"

    def __enter__(self) -> JetstreamServer:
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("the Jetstream test server did not start")
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def append(self, events: list[dict]) -> None:
        """More events on the live tail."""
        def add():
            self.events.extend(events)
            self._new_event.set()
        self._loop.call_soon_threadsafe(add)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        self._new_event = asyncio.Event()
        async with serve(self._handle, "127.0.0.1", 0, subprotocols=["xrpc.v1.json"]) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._started.set()
            await self._stop.wait()

    def _start_index(self, cursor: int | None) -> int:
        if cursor is None:
            return len(self.events)  # the live tip
        if cursor >= 10**15:
            return next((i for i, e in enumerate(self.events) if e["time_us"] >= cursor), len(self.events))
        return max(cursor - 1, 0)  # seq n is index n-1; inclusive

    async def _handle(self, ws) -> None:
        parts = urlsplit(ws.request.path)
        if parts.path != f"/xrpc/{NSID}":
            await ws.close(1008, "unknown method")
            return
        query = parse_qs(parts.query)
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        collections = set(query.get("collections", []))
        self.cursors.append(cursor)
        limit, how = self.drops.pop(0) if self.drops else (None, None)
        i, sent_here = self._start_index(cursor), 0
        while True:
            while i < len(self.events):
                event = self.events[i]
                i += 1
                if event["kind"] == "commit" and collections and event["commit"]["collection"] not in collections:
                    continue
                await ws.send(json.dumps({"$type": "message", "payload": v2_payload(event, i)}))
                self.sent += 1
                sent_here += 1
                if limit is not None and sent_here >= limit:
                    if how == "kill":
                        ws.transport.abort()
                    else:
                        await ws.close()
                    return
            self._new_event.clear()
            try:
                await asyncio.wait_for(self._new_event.wait(), 0.2)
            except TimeoutError:
                if ws.state.name != "OPEN":
                    return
