"""`cordon hubs`: rank the distribution hubs of a network's official media.

    cordon hubs platform.jsonl --official official.txt --follows follows.csv -o hubs.csv
    cordon hubs --official official.txt -o hubs.csv          # on the store

With INPUT files (any ingest format) it works on a throwaway store; without, on the store.
`python -m cordon.cli_network_hubs` runs this command alone.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from cordon.cli_support import command_store, err, throwaway_store
from cordon.config import get_settings
from cordon.domain import SubjectKind, SubjectRef
from cordon.errors import InputError


def hubs_command(
    official: Annotated[Path, typer.Option("--official", help="The official media accounts: one account id a line (or PLATFORM/ID).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV to write: account_id,username,hub_score,rank.")],
    inputs: Annotated[list[str] | None, typer.Argument(help="Files to rank from (any ingest format, - for stdin); default: the store.")] = None,
    follows: Annotated[Path | None, typer.Option("--follows", help="CSV of follower_id,followee_id, added to the follows the data holds.")] = None,
    top: Annotated[int | None, typer.Option(help="Write only the best N hubs; default every account that carried official content.")] = None,
    platform: Annotated[str | None, typer.Option(help="Platform of the ids in --follows and of bare ids in --official; default the data's one platform.")] = None,
    quarantine: Annotated[Path | None, typer.Option(help="Where bad INPUT records go; default beside OUTPUT.")] = None,
    store_url: Annotated[str | None, typer.Option("--store", help="Store URL when no INPUT is given; default from CORDON_DATABASE_URL.")] = None,
) -> None:
    """Rank the accounts that carry the official media's content furthest: how many releases
    they repost (quotes count less), how fast, and how many of the network's audience repost
    or follow them. Officials are not ranked. A bad line in --official or --follows gets one
    line on stderr with its file:line, and the rest go on."""
    from cordon.graph.hubs import HubRanker

    if top is not None and top < 1:
        raise InputError("--top must be at least 1")
    ranker = HubRanker(top=top)
    if inputs:
        quarantine = quarantine or output.with_suffix(".quarantine.jsonl")
        with throwaway_store() as (store, _tmp):
            _ingest(inputs, store, quarantine)
            hubs = _rank(ranker, store, official, follows, platform)
    else:
        with command_store(store_url) as store:
            hubs = _rank(ranker, store, official, follows, platform)
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["account_id", "username", "hub_score", "rank"])
        for hub in hubs:
            writer.writerow([hub.account.id, hub.username, f"{hub.hub_score:.6f}", hub.rank])
    for hub in hubs[:3]:
        err.print(f"#{hub.rank} @{hub.username or hub.account.id}: {hub.why}", highlight=False, markup=False)
    err.print(f"ranked {len(hubs)} accounts; wrote {output}", highlight=False, markup=False)


def _ingest(inputs: list[str], store, quarantine: Path) -> None:
    from cordon.ingest.pipeline import ingest_files
    from cordon.ingest.progress import read_with_progress

    stats = ingest_files(
        inputs, store, quarantine=quarantine, batch_size=get_settings().ingest_batch_size,
        opener=lambda p: read_with_progress(p, err),
    )
    for line in stats.first_errors:
        err.print(f"quarantined {line}", highlight=False, markup=False)
    if stats.quarantined > len(stats.first_errors):
        err.print(f"... and {stats.quarantined - len(stats.first_errors)} more", highlight=False)
    err.print(
        f"read {stats.read}, stored {stats.stored}, duplicate {stats.duplicate}, quarantined {stats.quarantined}",
        highlight=False, markup=False,
    )


def _rank(ranker, store, official: Path, follows: Path | None, platform: str | None) -> list:
    platforms = _Platforms(store, platform)
    officials = list(_read_officials(official, platforms))
    if not officials:
        raise InputError(f"{official}: no official account ids")
    edges = _read_follows(follows, platforms) if follows is not None else ()
    return ranker.rank(store, officials, follows=edges)


class _Platforms:
    """The platforms bare ids may be on: the one given, or every platform the store holds
    (found by a scan of its accounts, done only when a bare id needs it)."""

    def __init__(self, store, platform: str | None) -> None:
        self._store = store
        self._names: list[str] | None = [platform] if platform else None

    def names(self) -> list[str]:
        if self._names is None:
            seen: dict[str, None] = {}
            for account in self._store.accounts():
                seen.setdefault(account.platform, None)
            self._names = list(seen)
        return self._names


def _open(path: Path) -> Iterator[tuple[int, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            yield from enumerate(handle, 1)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _skip(path: Path, line: int, reason: str) -> None:
    err.print(f"skipped {path}:{line}: {reason}", highlight=False, markup=False)


def _refs(text: str, platforms: _Platforms) -> list[SubjectRef] | str:
    """The account refs an id names, or why it names none."""
    if not text or any(c.isspace() or c in ",;\"'" for c in text):
        return f"not an account id: {text[:80]!r}"
    if text.count("/") == 2 and text.startswith(f"{SubjectKind.ACCOUNT.value}/"):
        return [SubjectRef.parse(text)]
    if text.count("/") == 1:
        where, ident = text.split("/")
        return [SubjectRef.account(where, ident)] if where and ident else f"not an account id: {text[:80]!r}"
    if "/" in text:
        return f"not an account id: {text[:80]!r}"
    names = platforms.names()
    if len(names) != 1:
        return (f"bare id {text!r} but the data holds {len(names)} platforms "
                f"({', '.join(names) or 'none'}): give PLATFORM/ID or --platform")
    return [SubjectRef.account(names[0], text)]


def _read_officials(path: Path, platforms: _Platforms) -> Iterator[SubjectRef]:
    for number, raw in _open(path):
        text = raw.strip().lstrip("\ufeff")
        if not text or text.startswith("#"):
            continue
        refs = _refs(text, platforms)
        if isinstance(refs, str):
            _skip(path, number, refs)
            continue
        yield from refs


def _read_follows(path: Path, platforms: _Platforms):
    """The follows CSV as columns (graph.build's reader: a compiled fast path for numeric
    ids); each bad line gets its file:line on stderr."""
    from cordon.graph.build import read_follows_csv

    if not path.is_file():
        raise InputError(f"{path}: no such file")
    found = read_follows_csv(path)
    for line in found.errors:
        err.print(f"skipped {line}", highlight=False, markup=False)
    names = platforms.names()
    if len(names) != 1:
        raise InputError(f"{path}: the data holds {len(names)} platforms "
                         f"({', '.join(names) or 'none'}): say which with --platform")
    return found.columns(names[0])
