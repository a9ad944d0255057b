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

    @property
    def store_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'cordon.sqlite'}"


def get_settings() -> Settings:
    return Settings()
