"""`cordon worker`: consume the live event stream; `cordon publish`: put native JSONL records
on it. The broker, topics and group come from the settings (docs/streaming.md)."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated

import typer

from cordon.cli_support import command_store, err, out


def worker_command(
    store_url: Annotated[str | None, typer.Option("--store", help="Store URL; default from CORDON_DATABASE_URL.")] = None,
    policy: Annotated[Path | None, typer.Option(help="Policy YAML; default: the built-in policy.")] = None,
    metrics_port: Annotated[int | None, typer.Option(help="Serve Prometheus /metrics on this port.")] = None,
    partitions: Annotated[int, typer.Option(help="Partitions of the event topic, when the worker creates it (Kafka).")] = 12,
    signup: Annotated[bool, typer.Option(help="Match new accounts against the suspended ones at sign-up, before they post.")] = True,
) -> None:
    """Consume events (accounts, posts, interactions, reports) from the stream in a consumer
    group: write them to the store, score the accounts they touch, and open cases and carry
    out the policy's effects; then commit, and publish each account's result. Runs until
    SIGINT or SIGTERM, then finishes the batches in flight."""
    from cordon.config import get_settings
    from cordon.enforce import Executor
    from cordon.enforce.actuators import configured_actuators
    from cordon.feeds.signup import SignupDetector
    from cordon.policy import default_policy, load_policy
    from cordon.stream.assess import LiveAssessor
    from cordon.stream.connect import open_transport
    from cordon.stream.metrics import WorkerMetrics
    from cordon.stream.worker import Worker

    settings = get_settings()
    rules = load_policy(policy) if policy else default_policy()
    metrics = WorkerMetrics()
    if metrics_port is not None:
        metrics.serve(metrics_port)
    with command_store(store_url) as store:
        executor = Executor(store, configured_actuators(store, settings))
        # Returning accounts are matched at sign-up, on profile and first follows (feeds/signup.py).
        detector = SignupDetector.from_store(store, rules) if signup else None
        assessor = LiveAssessor(store, rules, executor, signup=detector)
        worker = Worker(open_transport(settings, partitions), assessor, batch_size=settings.stream_batch_size,
                        max_in_flight=settings.stream_max_in_flight, metrics=metrics,
                        maintain_every=settings.maintain_seconds)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: worker.stop())
        out.print(f"worker consuming {settings.stream_topic} ({settings.stream_backend}) "
                  f"in group {settings.stream_group}", highlight=False, markup=False)
        worker.run()
    m = worker.metrics
    out.print(f"processed {m.processed._value.get():.0f}, dead letters {m.dead_letters._value.get():.0f}",
              highlight=False)


def publish_command(
    file: Annotated[Path, typer.Argument(help="Native JSONL file (docs/formats.md), one record a line.")],
    quarantine: Annotated[Path | None, typer.Option(help="Where bad lines go; default DATA_DIR/quarantine.jsonl.")] = None,
    batch: Annotated[int, typer.Option(min=1, help="Messages per publish call.")] = 5000,
) -> None:
    """Publish a native JSONL file onto the event stream, one event a line, keyed by account.
    A bad line is reported with its file:line and quarantined with its reason and raw bytes;
    the good lines around it are published all the same."""
    from cordon.config import get_settings
    from cordon.errors import InputError
    from cordon.stream.connect import open_publisher
    from cordon.stream.publish import publish_file

    if not file.is_file():
        raise InputError(f"{file}: no such file")
    settings = get_settings()
    publisher = open_publisher(settings)
    try:
        stats = publish_file(file, publisher, quarantine or settings.data_dir / "quarantine.jsonl", batch)
    finally:
        publisher.close()
    for line in stats.first_errors:
        err.print(f"quarantined {line}", highlight=False, markup=False)
    if stats.quarantined > len(stats.first_errors):
        err.print(f"... and {stats.quarantined - len(stats.first_errors)} more", highlight=False)
    where = f" (see {stats.quarantine_path})" if stats.quarantine_path else ""
    out.print(f"published {stats.published:,} events, quarantined {stats.quarantined:,}{where}",
              highlight=False, markup=False, soft_wrap=True)
