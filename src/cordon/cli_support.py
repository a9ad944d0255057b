"""What every command module shares: the consoles, and the store a command works on."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console

from cordon.config import get_settings

out = Console()
# Errors and counts are for people and logs alike: never wrap them.
err = Console(stderr=True, soft_wrap=True)


@contextmanager
def command_store(url: str | None):
    from cordon.store import open_store

    store = open_store(url or get_settings().store_url)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def throwaway_store() -> Iterator:
    from cordon.store import open_store

    with tempfile.TemporaryDirectory(prefix="cordon-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'throwaway.sqlite'}")
        try:
            yield store, Path(tmp)
        finally:
            store.close()


