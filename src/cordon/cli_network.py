"""The network on the command line: `cordon expand`, seed expansion from known accounts to
ranked candidates with their why."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from cordon.cli_support import command_store, err, throwaway_store
from cordon.config import get_settings
from cordon.errors import CordonError, InputError


def read_seeds(path: Path) -> tuple[list[str], list[str]]:
    """Account ids, one a line ('#' comments and blank lines skipped), and the bad lines as
    'file:line: reason'."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read seeds: {exc.strerror or exc}") from exc
    ids: list[str] = []
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        try:
            line = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            errors.append(f"{path}:{number}: not UTF-8")
            continue
        if not line or line.startswith("#"):
            continue
        if number == 1 and line.lower() in ("account_id", "id"):
            continue  # a header
        if len(line) > 64 or any(c.isspace() or c == "," for c in line):
            errors.append(f"{path}:{number}: not an account id: {line[:80]!r}")
            continue
        ids.append(line)
    return list(dict.fromkeys(ids)), errors


def _say(line: str) -> None:
    err.print(line, highlight=False, markup=False)


def expand_command(
    inputs: Annotated[list[str] | None, typer.Argument(help="Files in any ingest format (- for stdin); without them, the store.")] = None,
    seeds: Annotated[Path, typer.Option("--seeds", help="Seed account ids, one a line (confirmed or suspended accounts).")] = ...,  # type: ignore[assignment]
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV to write: account_id,username,score,rank,why.")] = ...,  # type: ignore[assignment]
    follows: Annotated[Path | None, typer.Option("--follows", help="CSV of follower_id,followee_id (optional header).")] = None,
    method: Annotated[str, typer.Option(help="push (local, fast) or power (exact power iteration).")] = "push",
    top_k: Annotated[int, typer.Option("--top-k", help="How many candidates to write.")] = 1000,
    hops: Annotated[int | None, typer.Option(help="Read only the seeds' HOPS-hop neighbourhood from the store.")] = None,
    platform: Annotated[str | None, typer.Option(help="Platform of the ids; default: the data's only platform.")] = None,
    quarantine: Annotated[Path | None, typer.Option(help="Where bad records of INPUT go; default beside OUTPUT.")] = None,
    store_url: Annotated[str | None, typer.Option("--store", help="Store URL, when there is no INPUT.")] = None,
) -> None:
    """Rank the accounts around SEEDS by personalized PageRank over endorsements (follows,
    reposts, quotes; never mentions or replies), each with its why: what it reposted and
    followed of the seeds, and the path from a seed."""
    from cordon.graph import ATTENTION, ENDORSEMENT, InteractionGraph, expand, read_follows_csv

    if method not in ("push", "power"):
        raise CordonError(f"--method must be push or power, not {method!r}")
    if top_k < 1:
        raise CordonError("--top-k must be at least 1")
    if hops is not None and hops < 1:
        raise CordonError("--hops must be at least 1")
    seed_ids, bad = read_seeds(seeds)
    for line in bad:
        _say(f"skipped {line}")
    if not seed_ids:
        raise InputError(f"{seeds}: no seed account ids")
    follow_file = read_follows_csv(follows) if follows is not None else None
    if follow_file is not None:
        for line in follow_file.errors:
            _say(f"skipped {line}")
    quarantine = quarantine or output.with_suffix(".quarantine.jsonl")

    def run(store) -> None:
        from cordon.domain import SubjectRef

        if hops is not None:
            if platform is None:
                raise CordonError("--hops reads only around the seeds: say their --platform")
            refs = [SubjectRef.account(platform, i) for i in seed_ids]
            graph = InteractionGraph.from_interactions(
                store.neighbourhood(refs, hops=hops, kinds=ENDORSEMENT + ATTENTION)
            )
        else:
            graph = InteractionGraph.from_store(store)
        where = platform or _only_platform(graph, follow_file is not None)
        refs = [SubjectRef.account(where, i) for i in seed_ids]
        if follow_file is not None and len(follow_file):
            graph.update(follow_file.columns(where))
        known = [r for r in refs if graph.nodes.index(r) is not None]
        if len(known) < len(refs):
            missing = [r.id for r in refs if graph.nodes.index(r) is None]
            _say(f"{len(missing)} seeds have no interactions and are left out: {', '.join(missing[:10])}"
                 + (" ..." if len(missing) > 10 else ""))
        if not known:
            raise InputError("none of the seeds has an interaction: nothing to expand from")
        candidates = expand(graph, known, method=method, top_k=top_k)
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["account_id", "username", "score", "rank", "why"])
            for c in candidates:
                account = store.get_account(c.account)
                writer.writerow([c.account.id, account.handle if account else "", f"{c.score:.6g}", c.rank, c.why])
        _say(f"{graph.n_nodes} accounts, {graph.n_edges} edges; {len(known)} seeds; "
             f"wrote {len(candidates)} candidates to {output}")

    if inputs:
        from cordon.ingest.pipeline import ingest_files

        with throwaway_store() as (store, _tmp):
            stats = ingest_files(inputs, store, quarantine=quarantine, batch_size=get_settings().ingest_batch_size)
            for line in stats.first_errors:
                _say(f"quarantined {line}")
            _say(f"read {stats.read}, stored {stats.stored}, quarantined {stats.quarantined}")
            run(store)
    else:
        with command_store(store_url) as store:
            run(store)


def _only_platform(graph, have_follows: bool) -> str:
    found = graph.nodes.platforms
    if len(found) == 1:
        return found[0]
    if not found:
        if have_follows:
            return "twitter"
        raise InputError("no interactions to expand over: give INPUT files or --follows")
    raise CordonError(f"the data has several platforms ({', '.join(sorted(found))}): choose one with --platform")
