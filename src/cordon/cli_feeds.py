"""`cordon feeds`: platform feeds that put a platform's live events on cordon's event stream
(the broker and topic from the settings, as `cordon worker` reads them). docs/feeds.md."""

from __future__ import annotations

import logging
import signal
from typing import Annotated

import typer

from cordon.cli_support import out

feeds_app = typer.Typer(help="Platform feeds onto the event stream: Mastodon webhooks, Bluesky Jetstream.",
                        no_args_is_help=True)


@feeds_app.command("mastodon-webhook")
def mastodon_webhook_command(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8090,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
) -> None:
    """Receive a Mastodon instance's admin webhooks (account.created, report.created,
    status.created) at POST /webhooks/mastodon, check their X-Hub-Signature with
    CORDON_MASTODON_WEBHOOK_SECRET, refuse replays, and publish each event on the stream."""
    import uvicorn

    from cordon.config import get_settings
    from cordon.feeds.errors import FeedError
    from cordon.feeds.mastodon_webhook import PATH, create_app
    from cordon.feeds.quarantine import FeedQuarantine
    from cordon.feeds.replay import ReplayGuard
    from cordon.stream.connect import open_publisher

    settings = get_settings()
    if settings.mastodon_webhook_secret is None:
        raise FeedError("set CORDON_MASTODON_WEBHOOK_SECRET to the secret Mastodon shows for the webhook")
    quarantine = FeedQuarantine(settings.data_dir / "quarantine" / "mastodon-webhook.jsonl")
    publisher = open_publisher(settings)
    app = create_app(publisher, settings.mastodon_webhook_secret.get_secret_value().encode(),
                     ReplayGuard(settings.mastodon_webhook_window), quarantine)
    out.print(f"mastodon webhooks at http://{host}:{port}{PATH} -> {settings.stream_topic} "
              f"({settings.stream_backend}); bad events to {quarantine.path}", highlight=False, markup=False, soft_wrap=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        publisher.close()


@feeds_app.command("jetstream")
def jetstream_command(
    url: Annotated[str, typer.Option(help="Jetstream v2 base URL, e.g. wss://jetstream.us-east.bsky.network/xrpc.")],
    compress: Annotated[bool, typer.Option(help="Ask for zstd-compressed frames (falls back when refused).")] = True,
) -> None:
    """Consume Bluesky's Jetstream (posts, follows, reposts, profiles) and publish each event on
    the stream, resuming from the cursor saved in DATA_DIR/feeds/jetstream.cursor after a
    disconnect or a restart. Runs until SIGINT or SIGTERM."""
    from cordon.config import get_settings
    from cordon.feeds.cursor import CursorFile
    from cordon.feeds.jetstream import JetstreamConsumer
    from cordon.feeds.quarantine import FeedQuarantine
    from cordon.stream.connect import open_publisher

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = get_settings()
    publisher = open_publisher(settings)
    consumer = JetstreamConsumer(
        url, publisher, CursorFile(settings.data_dir / "feeds" / "jetstream.cursor"),
        FeedQuarantine(settings.data_dir / "quarantine" / "jetstream.jsonl"),
        rewind=settings.jetstream_rewind, compress=compress,
    )
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: consumer.stop())
    out.print(f"jetstream {url} -> {settings.stream_topic} ({settings.stream_backend}), "
              f"from {consumer.cursor or 'the live tip'}", highlight=False, markup=False, soft_wrap=True)
    try:
        consumer.run()
    finally:
        publisher.close()
    s = consumer.stats
    out.print(f"events {s.events:,}: published {s.published:,}, skipped {s.skipped:,}, duplicates "
              f"{s.duplicates:,}, quarantined {s.quarantined:,}; {s.connections} connections", highlight=False)
