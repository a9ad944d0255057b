"""`cordon link-accounts`: for each new account, the suspended accounts it most likely is.

Registered in cli.py as ``app.command("link-accounts")(link_accounts_command)``; also runs on
its own as ``python -m cordon.cli_evasion`` with the same arguments.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Annotated

import typer

from cordon.cli_support import command_store, err

_STORE = typer.Option("--store", help="Store URL; default from CORDON_DATABASE_URL.")


def _read_ids(values: list[str] | None, files: list[Path] | None) -> list[str]:
    """Ids as given: each value may hold several, comma-separated, or be @FILE (one id a
    line; blank lines and # comments skipped); each --*-file is such a file."""
    from cordon.errors import InputError

    out: list[str] = []
    paths = list(files or [])
    for value in values or []:
        if value.startswith("@"):
            paths.append(Path(value[1:]))
        else:
            out.extend(v.strip() for v in value.split(",") if v.strip())
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read id file {path}: {exc.strerror or exc}") from None
        out.extend(
            line.strip()
            for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        )
    return list(dict.fromkeys(out))


def _resolve(store, ids: list[str], platform: str | None, what: str):
    """SubjectRefs for ids given as ID, PLATFORM/ID or account/PLATFORM/ID. A bare id is
    looked up on --platform, else on every platform in the store (it must be on one only)."""
    from cordon.domain import SubjectRef
    from cordon.errors import InputError

    refs, bare = [], []
    for ident in ids:
        if ident.startswith("account/"):
            refs.append(SubjectRef.parse(ident))
        elif "/" in ident:
            plat, _, rest = ident.partition("/")
            refs.append(SubjectRef.account(plat, rest))
        elif platform:
            refs.append(SubjectRef.account(platform, ident))
        else:
            bare.append(ident)
            refs.append(None)
    if bare:
        wanted = set(bare)
        found: dict[str, list[str]] = {}
        for account in store.accounts():
            if account.id in wanted:
                found.setdefault(account.id, []).append(account.platform)
        missing = [i for i in bare if i not in found]
        if missing:
            raise InputError(
                f"{what}: no account {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''} in the store"
            )
        ambiguous = [i for i in bare if len(found[i]) > 1]
        if ambiguous:
            raise InputError(
                f"{what}: account {ambiguous[0]} is on several platforms; give PLATFORM/ID or --platform"
            )
        refs = [
            r if r is not None else SubjectRef.account(found[i][0], i)
            for r, i in zip(refs, ids, strict=True)
        ]
    return refs


def link_accounts_command(
    output: Annotated[
        Path,
        typer.Option("-o", "--output", help="CSV to write: account_id,candidate_id,score,rank."),
    ],
    suspended: Annotated[
        list[str] | None,
        typer.Option(
            "--suspended", help="Suspended account ids (repeat, comma-separate, or @FILE)."
        ),
    ] = None,
    new: Annotated[
        list[str] | None,
        typer.Option("--new", help="New account ids to link (repeat, comma-separate, or @FILE)."),
    ] = None,
    suspended_file: Annotated[
        list[Path] | None,
        typer.Option("--suspended-file", help="File of suspended ids, one a line."),
    ] = None,
    new_file: Annotated[
        list[Path] | None, typer.Option("--new-file", help="File of new account ids, one a line.")
    ] = None,
    top_k: Annotated[int, typer.Option("--top-k", min=1, help="Candidates per new account.")] = 10,
    early_posts: Annotated[
        int, typer.Option(min=0, help="Posts read per account (first for new, last for suspended).")
    ] = 50,
    platform: Annotated[
        str | None, typer.Option(help="Platform of bare ids; default: looked up.")
    ] = None,
    reasons: Annotated[
        bool,
        typer.Option("--reasons", help="Add a reasons column (reviewer sentences, ' | '-joined)."),
    ] = False,
    store_url: Annotated[str | None, _STORE] = None,
) -> None:
    """For each new account, the suspended accounts it most likely returns as: handle and name
    habits, bio, avatar, early follows and mentions, writing style, and how soon after the
    suspension it was made. Scores are probabilities in [0,1]; rank 1 is the best."""
    from cordon.errors import InputError
    from cordon.graph.evasion import ReturningAccountLinker, profiles_from_store

    sus_ids = _read_ids(suspended, suspended_file)
    new_ids = _read_ids(new, new_file)
    if not sus_ids:
        raise InputError("no suspended accounts: give --suspended or --suspended-file")
    if not new_ids:
        raise InputError("no new accounts: give --new or --new-file")
    started = time.perf_counter()
    with command_store(store_url) as store:
        sus_refs = _resolve(store, sus_ids, platform, "--suspended")
        new_refs = _resolve(store, new_ids, platform, "--new")
        sus_profiles = profiles_from_store(store, sus_refs, early_posts)
        new_profiles = profiles_from_store(store, new_refs, early_posts)
    linker = ReturningAccountLinker(top_k=top_k).fit(sus_profiles)
    results = linker.rank(new_profiles)
    output.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with output.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["account_id", "candidate_id", "score", "rank", *(["reasons"] if reasons else [])]
        )
        for matches in results:
            for m in matches:
                row = [m.account.id, m.candidate.id, f"{m.score:.4f}", m.rank]
                if reasons:
                    row.append(" | ".join(m.reasons))
                writer.writerow(row)
                rows += 1
    err.print(
        f"linked {len(new_profiles)} new accounts against {len(sus_profiles)} suspended ones: "
        f"{rows} rows in {time.perf_counter() - started:.1f} s; wrote {output}",
        highlight=False,
        markup=False,
    )
