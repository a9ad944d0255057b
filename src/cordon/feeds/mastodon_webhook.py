"""The Mastodon admin webhook receiver: `account.created`, `report.created` and
`status.created`, POSTed by the instance and signed with `X-Hub-Signature`.

A request goes: signature (401 when wrong, before a byte of the body is parsed) → the event
and its object (400 with one line when malformed; quarantined) → freshness and replay
(409 when seen before or stale; nothing published) → records, parsed by ingest/mastodon.py,
the same code as `cordon ingest` → published on the stream → 202. The event is on the
stream (durable, as the Publisher promises) before the 202 goes out, so an instance that got
a 202 never needs to retry, and one that got a 5xx retries an event that is not yet taken.

The webhook body (REST::Admin::WebhookEventSerializer) is
`{"event": "account.created", "created_at": "...", "object": {...}}`, the object an
Admin::Account, an Admin::Report or a Status.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from cordon.domain import Account, Post, Report
from cordon.errors import RecordError
from cordon.feeds import signature
from cordon.feeds.errors import BadEvent, ReplayError, SignatureError
from cordon.feeds.messages import to_messages
from cordon.feeds.quarantine import FeedQuarantine
from cordon.feeds.replay import ReplayGuard
from cordon.ingest import fields
from cordon.ingest import mastodon as mastodon_json
from cordon.ingest.records import Record
from cordon.stream.transport import Publisher

log = logging.getLogger(__name__)

FEED = "mastodon-webhook"
PATH = "/webhooks/mastodon"
#: The events taken, and the record each one's object must yield.
EVENTS: dict[str, type] = {"account.created": Account, "report.created": Report, "status.created": Post}
#: A webhook body larger than this is refused unread: Mastodon's are a few kB.
MAX_BODY = 1 << 20


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    name: str
    created_at: datetime
    object_id: str
    records: list[Record]

    @property
    def key(self) -> str:
        """What identifies one delivery: Mastodon retries send the very same body."""
        return f"{self.name}:{self.object_id}:{self.created_at.isoformat()}"


def parse_event(body: bytes) -> WebhookEvent:
    """The event a verified body holds; BadEvent with one line saying what is wrong."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadEvent(f"body is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise BadEvent(f"body must be a JSON object, got {type(payload).__name__}")
    name = payload.get("event")
    if name not in EVENTS:
        raise BadEvent(f"unsupported event {name!r}: this receiver takes {', '.join(EVENTS)}", "event")
    try:
        created_at = fields.timestamp(payload, "created_at")
    except RecordError as err:
        raise BadEvent(err.reason, "created_at") from None
    if created_at is None:
        raise BadEvent("missing created_at", "created_at")
    obj = payload.get("object")
    if not isinstance(obj, dict):
        raise BadEvent("missing object", "object")
    try:
        object_id = fields.require_id(obj, "id")
        records = list(mastodon_json.parse(obj))
    except RecordError as err:
        raise BadEvent(err.reason, f"object.{err.field}" if err.field else "object") from None
    wanted = EVENTS[name]
    if not any(isinstance(r, wanted) and r.id == object_id for r in records):
        raise BadEvent(f"{name} must carry a {wanted.__name__.lower()}, and its object does not", "object")
    return WebhookEvent(name, created_at, object_id, records)


def create_app(publisher: Publisher, secret: bytes, guard: ReplayGuard,
               quarantine: FeedQuarantine) -> FastAPI:
    """The receiver. `secret` is the one the instance shows for the webhook."""
    if not secret:
        raise SignatureError("the webhook secret is empty: set CORDON_MASTODON_WEBHOOK_SECRET")
    app = FastAPI(title="cordon Mastodon webhook receiver", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.received = 0

    def refuse(status: int, reason: str) -> JSONResponse:
        return JSONResponse({"error": reason}, status_code=status)

    @app.post(PATH)
    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        if len(body) > MAX_BODY:
            return refuse(413, f"body over {MAX_BODY} bytes")
        try:
            signature.verify(secret, body, request.headers.get(signature.HEADER))
        except SignatureError as err:
            # Not from the instance: not worth a quarantine entry (anyone can send these).
            log.warning("mastodon webhook refused: %s", err)
            return refuse(401, str(err))
        try:
            event = parse_event(body)
        except BadEvent as err:
            quarantine.put(FEED, str(err), body)
            return refuse(400, str(err))
        try:
            guard.reserve(event.key, event.created_at)
        except ReplayError as err:
            log.warning("mastodon webhook refused: %s", err)
            return refuse(409, str(err))
        try:
            # The publisher blocks on the broker's acknowledgement: off the event loop.
            await run_in_threadpool(publisher.publish, to_messages(event.records))
        except Exception as exc:
            guard.release(event.key)
            log.error("mastodon webhook: publishing %s failed: %s", event.key, exc)
            return refuse(503, f"the event stream is unavailable: {type(exc).__name__}")
        app.state.received += 1
        return JSONResponse({"accepted": event.key, "records": len(event.records)}, status_code=202)

    @app.get("/healthz")
    async def healthz() -> dict[str, int]:
        return {"received": app.state.received, "quarantined": quarantine.count}

    return app
