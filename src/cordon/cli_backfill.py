"""`cordon backfill`: re-score the stored history with a new model, and backtest a policy over
it, on a Dask cluster (docs/backfill.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from cordon.cli_support import err, out
from cordon.config import get_settings

backfill_app = typer.Typer(help="Re-score history and backtest policies on a Dask cluster.", no_args_is_help=True)

_STORE = typer.Option("--store", help="Store URL, as the workers reach it; default from CORDON_DATABASE_URL.")
_PARTITIONS = typer.Option("--partitions", min=1, max=100_000,
                           help="Partitions by account; default CORDON_BACKFILL_PARTITIONS.")
_MODEL_DIR = typer.Option("--model-dir", help="Folder with threat.npz and/or extremism.npz "
                          "(`cordon train`); default: the packaged models.")
_WORKERS = typer.Option("--workers", min=1, help="LocalCluster workers; default CORDON_BACKFILL_WORKERS.")
_SCHEDULER = typer.Option("--scheduler", help="Dask scheduler address (tcp://host:8786); default "
                          "CORDON_DASK_SCHEDULER, else a LocalCluster here.")


@contextmanager
def _bar(what: str, total: int, done: int = 0) -> Iterator:
    columns = (TextColumn(f"[bold]{what}"), BarColumn(), MofNCompleteColumn(), TextColumn("partitions"),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(what, total=total, completed=done)
        yield lambda done, total: progress.update(task, completed=done, total=total)


def _cluster(scheduler: str | None, workers: int | None):
    from cordon.backfill import Cluster

    settings = get_settings()
    return Cluster(scheduler or settings.dask_scheduler, workers or settings.backfill_workers)


@backfill_app.command("rescore")
def rescore_command(
    model_dir: Annotated[Path | None, _MODEL_DIR] = None,
    partitions: Annotated[int | None, _PARTITIONS] = None,
    workers: Annotated[int | None, _WORKERS] = None,
    scheduler: Annotated[str | None, _SCHEDULER] = None,
    resume: Annotated[str | None, typer.Option("--resume", help="Run id of a run cut short: finish it.")] = None,
    store_url: Annotated[str | None, _STORE] = None,
) -> None:
    """Score every account's posts and profile again with the text models given, fuse its risk
    (content, network, evasion, reports) and save it, partition by partition. Prints a run id
    first: a run cut short resumes with --resume RUN_ID, skipping the partitions it finished,
    and ends with the risks an uninterrupted run saves."""
    from cordon.backfill import Checkpoint, checkpoint_dir, load_models, rescore, run_params
    from cordon.errors import ConfigError

    settings = get_settings()
    url = store_url or settings.store_url
    models = load_models(model_dir)
    folder = checkpoint_dir(settings.data_dir)
    params = run_params(url, models)
    if resume is not None:
        checkpoint = Checkpoint.resume(folder, resume, "rescore", params)
        if partitions is not None and partitions != checkpoint.partitions:
            raise ConfigError(f"run {resume} has {checkpoint.partitions} partitions, not {partitions}")
        if checkpoint.finished:
            out.print(f"run {resume} finished already; nothing to do", highlight=False, soft_wrap=True)
            return
    else:
        checkpoint = Checkpoint.start(folder, "rescore", partitions or settings.backfill_partitions, params)
    out.print(f"run {checkpoint.run_id}: {len(checkpoint.done)} of {checkpoint.partitions} partitions done; "
              f"models: {models.source}; resume with --resume {checkpoint.run_id}",
              highlight=False, markup=False, soft_wrap=True)
    with _cluster(scheduler, workers) as cluster, \
            _bar("rescoring", checkpoint.partitions, len(checkpoint.done)) as show:
        result = rescore(url, cluster, models, checkpoint, progress=lambda p: show(p.done, p.partitions))
        n_workers = cluster.workers
    out.print(
        f"rescored {result.accounts:,} accounts and {result.posts:,} posts in {result.seconds:.1f} s "
        f"({result.posts_per_second:,.0f} posts/s) on {n_workers} workers; "
        f"{result.resumed} of {result.partitions} partitions were done before; run {result.run_id} finished",
        highlight=False, markup=False, soft_wrap=True,
    )


@backfill_app.command("backtest")
def backtest_command(
    file: Annotated[Path, typer.Argument(help="Policy YAML file to try.")],
    partitions: Annotated[int | None, _PARTITIONS] = None,
    workers: Annotated[int | None, _WORKERS] = None,
    scheduler: Annotated[str | None, _SCHEDULER] = None,
    store_url: Annotated[str | None, _STORE] = None,
) -> None:
    """`cordon policy backtest` on the cluster: what the policy would have done to every account
    with a saved risk or a human decision, against those decisions. Nothing is written."""
    from cordon.backfill import backtest_history
    from cordon.policy import load_policy
    from cordon.policy.backtest import NOTHING

    settings = get_settings()
    policy = load_policy(file)  # validated whole before anything runs
    parts = partitions or settings.backfill_partitions
    with _cluster(scheduler, workers) as cluster, _bar("backtesting", parts) as show:
        result = backtest_history(store_url or settings.store_url, policy, cluster, parts,
                                  progress=lambda p: show(p.done, p.partitions))
    cases = ", ".join(f"{queue} {n:,}" for queue, n in sorted(result.cases.items(), key=lambda kv: (-kv[1], kv[0])))
    out.print(
        f"policy {policy.name} ({file}) on {result.accounts:,} accounts, {result.decided:,} decided by people: "
        f"suspend {result.suspended:,}; cases {cases or 'none'}; nothing {result.effects[NOTHING]:,}",
        highlight=False, markup=False, soft_wrap=True,
    )
    out.print(
        f"agreement {result.agreed:,} of {result.decided:,}; precision {_share(result.precision)}, "
        f"recall {_share(result.recall)} (acting = suspend or open a case); "
        f"suspensions upheld {_share(result.suspend_precision)}",
        highlight=False, markup=False, soft_wrap=True,
    )
    for d in result.disagreements[:10]:
        out.print(f"  {d.account}  people: {d.decision}; policy: {d.effect} "
                  f"({', '.join(d.rules) or 'no rule'}); risk {d.risk:.3f}",
                  highlight=False, markup=False, soft_wrap=True)


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
