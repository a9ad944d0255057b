"""Settings, read from the environment with the prefix CORDON_. Every setting is documented in
docs/configuration.md, and a test fails when one is not."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    # XDG's data home, so a demo run never litters the working directory.
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cordon"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CORDON_", extra="ignore")

    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where the default SQLite store, demo output and quarantine files live.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store, e.g. postgresql+psycopg://user@host/db. "
        "Unset means SQLite at DATA_DIR/cordon.sqlite.",
    )
    require_services: bool = Field(
        default=False,
        description="Tests that need a service (PostgreSQL) fail instead of skipping when it is "
        "missing. CI sets it.",
    )
    test_postgres_url: str = Field(
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        description="The PostgreSQL database the test suite uses; each test gets its own schema.",
    )
    text_model_dir: Path | None = Field(
        default=None,
        description="A folder with your own threat.npz and extremism.npz (from `cordon train`); "
        "unset means the models that ship in the package.",
    )
    text_second_stage: Literal["none", "minilm"] = Field(
        default="none",
        description="`minilm` reranks the posts the threat model finds suspicious with MiniLM "
        "sentence embeddings (needs the `minilm` extra): better ranked, and slower.",
    )
    ingest_batch_size: int = Field(
        default=20_000,
        ge=1,
        description="Records written to the store per transaction while ingesting.",
    )

    webhook_url: str | None = Field(
        default=None,
        description="Where the signed webhook actuator POSTs each action (http or https). "
        "Unset means no webhook actuator.",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="The shared HMAC-SHA256 key the webhook actuator signs each request with.",
    )
    webhook_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds the webhook actuator waits on one attempt (connect and read).",
    )
    webhook_max_attempts: int = Field(
        default=5,
        ge=1,
        description="Attempts in all, the first included, the webhook actuator makes on "
        "connection errors, 5xx and 429 before it gives up.",
    )
    mastodon_url: str | None = Field(
        default=None,
        description="Base URL of the Mastodon instance the Mastodon admin actuator acts on, "
        "e.g. https://mastodon.example. Unset means no Mastodon actuator.",
    )
    mastodon_token: SecretStr | None = Field(
        default=None,
        description="Access token of a Mastodon moderator account with the admin:read:accounts, "
        "admin:write:accounts and admin:write:reports scopes.",
    )
    mastodon_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds the Mastodon admin actuator waits on one API request.",
    )
    watch_max_days: int = Field(
        default=180,
        ge=1,
        description="The longest a watch hold may run, in days from when it is placed; a longer "
        "hold is refused, so every hold comes back for review.",
    )
    maintain_seconds: float = Field(
        default=60.0,
        ge=0,
        description="Seconds between two housekeeping rounds of the stream worker: watch holds "
        "past their expiry are ended, and decisions a crash cut short are carried out. 0 turns "
        "it off in the worker (run `cordon maintain` from cron instead).",
    )
    sla_hours: str = Field(
        default="",
        description="Hours a case may wait in each review queue before it is overdue, as "
        "queue=hours items, e.g. threats=1,media=4,*=24 (* is every other queue). Unset queues "
        "keep the defaults: threats 1, escalations 1, evasion 4, media 4, others 24.",
    )

    # The review console (`cordon serve`, docs/console.md).
    console_session_hours: float = Field(
        default=8.0,
        gt=0,
        description="Hours a console sign-in lasts; the user signs in again after.",
    )
    console_login_attempts: int = Field(
        default=5,
        ge=1,
        description="Failed console sign-ins allowed per user name, and per client address, "
        "in 15 minutes; more are refused with 429 until the window moves on.",
    )
    console_api_token: SecretStr | None = Field(
        default=None,
        description="Bearer token the platform sends to POST /api/reports (report intake). "
        "Unset means only signed-in console users may post reports.",
    )
    console_report_limit: int = Field(
        default=30,
        ge=1,
        description="Reports POST /api/reports accepts per reporter per minute; more get 429 "
        "with Retry-After.",
    )

    # Live intake (`cordon worker`, docs/streaming.md).
    stream_backend: Literal["kafka", "redis"] = Field(
        default="kafka",
        description="The broker `cordon worker` consumes: `kafka` (any Kafka-protocol broker, "
        "through confluent-kafka) or `redis` (Redis Streams).",
    )
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        description="The Kafka brokers to bootstrap from, host:port[,host:port...].",
    )
    kafka_options: str = Field(
        default="",
        description="Further librdkafka settings for every Kafka client, as key=value items "
        "separated by commas, e.g. security.protocol=SASL_SSL,sasl.mechanism=PLAIN.",
    )
    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        description="The Redis server of the Redis Streams backend.",
    )
    stream_topic: str = Field(
        default="cordon.events", description="The topic (or Redis stream) the events come in on."
    )
    stream_results_topic: str = Field(
        default="cordon.results", description="The topic (or Redis stream) results are published to."
    )
    stream_dead_letter_topic: str = Field(
        default="cordon.dead-letters",
        description="The topic (or Redis stream) poison events go to, with their error.",
    )
    stream_group: str = Field(
        default="cordon-workers", description="The consumer group the workers share."
    )
    stream_batch_size: int = Field(
        default=500, ge=1, description="Events a worker processes per store transaction at most."
    )
    stream_max_in_flight: int = Field(
        default=2000,
        ge=1,
        description="Events a worker holds polled but not yet committed; above it, it pauses "
        "fetching until the store catches up.",
    )

    # Platform feeds (`cordon feeds`, docs/feeds.md).
    mastodon_webhook_secret: SecretStr | None = Field(
        default=None,
        description="The secret Mastodon shows for the admin webhook; `cordon feeds "
        "mastodon-webhook` checks each request's X-Hub-Signature HMAC-SHA256 with it.",
    )
    mastodon_webhook_window: float = Field(
        default=600.0,
        gt=0,
        description="Seconds a Mastodon webhook event is accepted after its created_at; older "
        "ones, and ones seen before within it, are refused as replays.",
    )
    jetstream_rewind: float = Field(
        default=5.0,
        ge=0,
        description="Seconds the Jetstream consumer rewinds its saved cursor when it reconnects; "
        "the overlap is de-duplicated.",
    )

    # Backfills (`cordon backfill`, docs/backfill.md).
    dask_scheduler: str | None = Field(
        default=None,
        description="Address of the Dask scheduler `cordon backfill` sends its work to, e.g. "
        "tcp://scheduler:8786. Unset means a LocalCluster on this machine.",
    )
    backfill_workers: int = Field(
        default=2,
        ge=1,
        description="Worker processes of the LocalCluster `cordon backfill` starts when no "
        "scheduler is set.",
    )
    backfill_partitions: int = Field(
        default=64,
        ge=1,
        le=100_000,
        description="Partitions (by account) a backfill splits the platform into: the unit of "
        "work, of progress and of resume.",
    )

    @property
    def store_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'cordon.sqlite'}"


def get_settings() -> Settings:
    return Settings()
