"""`cordon policy backtest`: what a policy would have done on the stored history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cordon.cli_support import command_store, out


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def policy_backtest_command(
    file: Annotated[Path, typer.Argument(help="Policy YAML file to try.")],
    store_url: Annotated[str | None, typer.Option("--store", help="Store URL; default from CORDON_DATABASE_URL.")] = None,
) -> None:
    """Replay the stored history (saved risks, report figures) through a policy, executing
    nothing: the cases and suspensions it would make, and how they compare with the decisions
    people made (precision and recall against them)."""
    from cordon.policy import load_policy
    from cordon.policy.backtest import (
        CASE,
        EFFECTS,
        NOT_VIOLATING,
        NOTHING,
        SUSPEND,
        VIOLATING,
        backtest_store,
    )

    policy = load_policy(file)  # validated whole before anything runs
    with command_store(store_url) as store:
        result = backtest_store(store, policy)

    out.print(f"policy {policy.name} ({file}) on {result.accounts:,} accounts, "
              f"{result.decided:,} of them decided by people", highlight=False, markup=False)
    effects = Table(title="What the policy would do")
    effects.add_column("effect")
    effects.add_column("accounts", justify="right")
    effects.add_row("suspend", f"{result.suspended:,}")
    for queue, n in sorted(result.cases.items(), key=lambda kv: (-kv[1], kv[0])):
        effects.add_row(f"case: {queue}", f"{n:,}")
    effects.add_row("nothing", f"{result.effects[NOTHING]:,}")
    out.print(effects)

    against = Table(title="Against past human decisions (latest decision per account)")
    against.add_column("people decided")
    for effect in EFFECTS:
        against.add_column(f"policy: {effect}", justify="right")
    against.add_column("agree", justify="right")
    for decision in (VIOLATING, NOT_VIOLATING):
        agree = (result.count(decision, SUSPEND) + result.count(decision, CASE)
                 if decision == VIOLATING else result.count(decision, NOTHING))
        against.add_row(decision, *(f"{result.count(decision, e):,}" for e in EFFECTS), f"{agree:,}")
    out.print(against)
    out.print(
        f"agreement {result.agreed:,} of {result.decided:,}; precision {_share(result.precision)}, "
        f"recall {_share(result.recall)} (acting = suspend or open a case); "
        f"suspensions upheld {_share(result.suspend_precision)}",
        highlight=False, markup=False,
    )
    if result.disagreements:
        table = Table(title="Disagreements, highest risk first")
        for column in ("account", "people decided", "policy", "rules", "risk"):
            table.add_column(column)
        for d in result.disagreements[:20]:
            table.add_row(str(d.account), d.decision, d.effect, ", ".join(d.rules) or "-", f"{d.risk:.3f}")
        out.print(table)
