"""`cordon audit verify`: recompute the moderation log's hash chain and name the first break."""

from __future__ import annotations

from typing import Annotated

import typer

from cordon.cli_support import command_store, err, out

audit_app = typer.Typer(help="Check the moderation log's audit trail.", no_args_is_help=True)

_STORE = typer.Option("--store", help="Store URL; default from CORDON_DATABASE_URL.")


@audit_app.command("verify")
def verify(store_url: Annotated[str | None, _STORE] = None) -> None:
    """Recompute the hash chain over every event. Prints the chain head (seq and hash: keep it
    elsewhere to anchor the log) or the first event that was edited, deleted or reordered,
    and exits 2 when the chain is broken."""
    with command_store(store_url) as store:
        result = store.verify_audit()
    if result.ok:
        out.print(str(result), highlight=False, markup=False)
        return
    err.print(str(result), highlight=False, markup=False)
    raise typer.Exit(2)
