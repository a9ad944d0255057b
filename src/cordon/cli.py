"""The `cordon` command. Thin: each command parses its options and calls the library.
Every analysis command also runs straight on input files, with a throwaway store."""

from __future__ import annotations

import csv
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cordon.cli_support import command_store, err, out, throwaway_store
from cordon.config import get_settings
from cordon.errors import CordonError

app = typer.Typer(
    name="cordon",
    help="Find, review and cut off a violent extremist network.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
policy_app = typer.Typer(help="Check policies, and replay the stored history through one.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
evaluate_app = typer.Typer(help="Measure detectors on data they were not trained on.", no_args_is_help=True)
app.add_typer(evaluate_app, name="evaluate")


def main() -> None:
    try:
        app()
    except CordonError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise SystemExit(2) from None


def _ingest(paths: list[str], store, quarantine: Path | None, fmt: str | None = None):
    from cordon.ingest.pipeline import ingest_files
    from cordon.ingest.progress import read_with_progress

    settings = get_settings()
    return ingest_files(
        paths, store, quarantine=quarantine, batch_size=settings.ingest_batch_size,
        opener=lambda p: read_with_progress(p, err, fmt=fmt),
    )


def _print_ingest(stats) -> None:
    for line in stats.first_errors:
        err.print(f"quarantined {line}", highlight=False, markup=False)
    if stats.quarantined > len(stats.first_errors):
        err.print(f"... and {stats.quarantined - len(stats.first_errors)} more", highlight=False)
    where = f" (see {stats.quarantine_path})" if stats.quarantine_path else ""
    err.print(
        f"read {stats.read}, stored {stats.stored}, duplicate {stats.duplicate}, "
        f"quarantined {stats.quarantined}{where}",
        highlight=False, markup=False,
    )


@app.command()
def ingest(
    inputs: Annotated[list[str], typer.Argument(help="Files to ingest (JSONL, .gz, or - for stdin).")],
    fmt: Annotated[str | None, typer.Option("--format", help="twarc2, mastodon or native; detected when omitted.")] = None,
    quarantine: Annotated[Path | None, typer.Option(help="Where bad records go; default DATA_DIR/quarantine.jsonl.")] = None,
    store_url: Annotated[str | None, typer.Option("--store", help="Store URL; default from CORDON_DATABASE_URL.")] = None,
) -> None:
    """Ingest accounts, posts, interactions and reports into the store. Idempotent."""
    quarantine = quarantine or get_settings().data_dir / "quarantine.jsonl"
    with command_store(store_url) as store:
        _print_ingest(_ingest(inputs, store, quarantine, fmt))


class Level(StrEnum):
    post = "post"
    account = "account"


@app.command()
def score(
    inputs: Annotated[list[str], typer.Argument(help="Files to score (any ingest format, - for stdin).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV to write.")],
    level: Annotated[Level, typer.Option(help="One row per post or per account.")] = Level.post,
    quarantine: Annotated[Path | None, typer.Option(help="Where bad records go; default beside OUTPUT.")] = None,
) -> None:
    """Score posts or accounts straight from files, with a throwaway store.

    post: post_id,account_id,threat,extremism.
    account: account_id,username,extremism,threat,posts,risk,evidence."""
    from cordon.flow import report_counts, score_accounts
    from cordon.risk.fusion import fuse

    quarantine = quarantine or output.with_suffix(".quarantine.jsonl")
    with throwaway_store() as (store, _tmp):
        _print_ingest(_ingest(inputs, store, quarantine))
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            if level is Level.post:
                writer.writerow(["post_id", "account_id", "threat", "extremism"])
                for _, posts in score_accounts(store):
                    for s in posts:
                        writer.writerow([s.post.id, s.post.author_id, s.threat.value, s.extremism.value])
            else:
                reports = report_counts(store)
                writer.writerow(["account_id", "username", "extremism", "threat", "posts", "risk", "evidence"])
                for a, _ in score_accounts(store):
                    risk = fuse(a, reports.get(a.account, 0))
                    # Which posts drove the score: each piece of evidence names its post.
                    summary = "; ".join(f"{e.subject.kind.value} {e.subject.id}: {e.summary}" for e in a.evidence[:3])
                    writer.writerow([a.account.id, a.username, a.extremism, a.threat, a.posts, risk.score, summary])
    err.print(f"wrote {output}", highlight=False, markup=False)


@app.command()
def assess(
    policy: Annotated[Path | None, typer.Option(help="Policy YAML; default: the built-in policy.")] = None,
    store_url: Annotated[str | None, typer.Option("--store", help="Store URL.")] = None,
) -> None:
    """Score every account in the store, save its risk, and apply the policy (again, with the
    newly suspended accounts as seeds of the network analyses, until a round suspends no one)."""
    from cordon.enforce import Executor
    from cordon.enforce.actuators import configured_actuators
    from cordon.flow import assess_and_enforce
    from cordon.policy import default_policy, load_policy

    rules = load_policy(policy) if policy else default_policy()
    with command_store(store_url) as store:
        executor = Executor(store, configured_actuators(store, get_settings()))
        risks, outcome = assess_and_enforce(store, rules, executor)
    opened = ", ".join(f"{q}: {n}" for q, n in outcome.cases_opened.most_common()) or "none"
    out.print(f"scored {len(risks)} accounts; cases opened ({opened}); suspended {outcome.suspended}; "
              f"reports logged {outcome.reports_logged}", highlight=False)


@app.command()
def queue(
    name: Annotated[str | None, typer.Option("--queue", help="Only this queue.")] = None,
    limit: Annotated[int, typer.Option(help="How many cases to show.")] = 20,
    store_url: Annotated[str | None, typer.Option("--store", help="Store URL.")] = None,
) -> None:
    """The review queue, most urgent first, with the evidence behind each case."""
    from cordon.views import print_queue

    with command_store(store_url) as store:
        print_queue(store, out, queue=name, limit=limit)


@app.command()
def report(
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")] = Path("cordon-report.html"),
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Also write the figures as CSV.")] = None,
    since: Annotated[str | None, typer.Option(help="Only events from this date or time on (UTC unless it says).")] = None,
    until: Annotated[str | None, typer.Option(help="Only events before this date or time.")] = None,
    store_url: Annotated[str | None, typer.Option("--store", help="Store URL.")] = None,
) -> None:
    """Write the transparency report (HTML with charts, optionally CSV): actions by violation
    and type, proactive share, time to action, hubs, watch holds, appeals, escalations."""
    from cordon.reports import Period, build_report
    from cordon.reports.html import write_report

    period = Period.parse(since, until)  # a bad date fails before the store is opened
    with command_store(store_url) as store:
        write_report(build_report(store, period=period), output, csv_path)
    written = f"{output} and {csv_path}" if csv_path else f"{output}"
    out.print(f"wrote {written} ({period.label})", highlight=False)


@app.command()
def demo(
    accounts: Annotated[int, typer.Option(help="Accounts in the generated platform.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Scenario seed; the same seed gives the same platform.")] = 7,
    workdir: Annotated[Path | None, typer.Option(help="Where the scenario and report go; default DATA_DIR/demo.")] = None,
    store_url: Annotated[str | None, typer.Option("--store", help="Store URL; default from the settings.")] = None,
) -> None:
    """Generate a platform modelled on the 2015 campaign, then ingest, score, queue, enforce
    and report on it, and compare the result with the ground truth."""
    from cordon.demo import run_demo

    settings = get_settings()
    run_demo(
        accounts=accounts, seed=seed, workdir=workdir or settings.data_dir / "demo",
        store_url=store_url or settings.store_url, console=out,
    )


@app.command("generate")
def generate_scenario(
    output: Annotated[Path, typer.Option("-o", "--output", help="Directory to write into.")],
    accounts: Annotated[int, typer.Option(help="Accounts in the platform.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed; the same seed gives byte-identical files.")] = 7,
    fmt: Annotated[str, typer.Option("--format", help="native or twarc2.")] = "native",
) -> None:
    """Write a synthetic platform snapshot and its ground truth (in a separate file)."""
    from cordon.scenario import ScenarioConfig, stream, write_scenario

    # Streamed chunk by chunk: the same bytes as generate(), in bounded memory at any size.
    files = write_scenario(stream(ScenarioConfig(seed=seed, accounts=accounts)), output, fmt=fmt)
    for path in (files.platform, files.tweets, files.follows, files.reports, files.media_list, files.link_list, files.truth):
        if path is not None:
            out.print(f"wrote {path}", highlight=False)


class Task(StrEnum):
    threat = "threat"
    extremism = "extremism"


def _labelled(task: Task, data: list[Path], shared: Path | None, from_store: bool, store_url: str | None,
              text: str, label: str, group: str):
    from cordon.signals.text.datasets import LabelledTexts, load_labelled, shared_sets
    from cordon.signals.text.training import decisions

    out = LabelledTexts()
    for path in data:
        out.extend(load_labelled(path, text=text, label=label, group=group))
    if shared is not None:
        out.extend(shared_sets(task.value, shared))
    if from_store:
        with command_store(store_url) as store:
            out.extend(decisions(store)[task.value])
    if not out.texts:
        raise CordonError("no training data: give --data FILE, --shared DIR or --from-store")
    return out


_DATA = typer.Option("--data", help="Labelled CSV or JSONL (text, label 0/1, account column).")
_SHARED = typer.Option("--shared", help="The public data sets folder (../shared/data).")
_FROM_STORE = typer.Option("--from-store", help="Add moderators' past decisions from the store.")


@app.command()
def train(
    task: Annotated[Task, typer.Option(help="What the model detects.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Model file to write (.npz).")],
    data: Annotated[list[Path], _DATA] = [],  # noqa: B006 (typer reads the default, never mutates it)
    shared: Annotated[Path | None, _SHARED] = None,
    from_store: Annotated[bool, _FROM_STORE] = False,
    text: Annotated[str, typer.Option(help="Text column.")] = "text",
    label: Annotated[str, typer.Option(help="Label column (0/1).")] = "label",
    group: Annotated[str, typer.Option(help="Account column; splits never separate an account.")] = "account_id",
    store_url: Annotated[str | None, typer.Option("--store", help="Store URL.")] = None,
) -> None:
    """Train a text model. Point CORDON_TEXT_MODEL_DIR at a folder holding threat.npz and
    extremism.npz to use your own models everywhere."""
    from cordon.signals.text.training import train as train_model

    examples = _labelled(task, data, shared, from_store, store_url, text, label, group)
    model = train_model(task.value, examples)
    output.parent.mkdir(parents=True, exist_ok=True)
    model.save(output)
    out.print(f"trained {task.value} on {len(examples.texts):,} texts ({sum(examples.labels):,} positive); wrote {output}", highlight=False)


@evaluate_app.command("text")
def evaluate_text(
    task: Annotated[Task, typer.Option(help="What the model detects.")],
    data: Annotated[list[Path], _DATA] = [],  # noqa: B006
    shared: Annotated[Path | None, _SHARED] = None,
    from_store: Annotated[bool, _FROM_STORE] = False,
    model_path: Annotated[Path | None, typer.Option("--model", help="Measure this model on all the data instead of training on 75% of the accounts.")] = None,
    text: Annotated[str, typer.Option(help="Text column.")] = "text",
    label: Annotated[str, typer.Option(help="Label column (0/1).")] = "label",
    group: Annotated[str, typer.Option(help="Account column.")] = "account_id",
    store_url: Annotated[str | None, typer.Option("--store", help="Store URL.")] = None,
) -> None:
    """ROC-AUC, PR-AUC and recall at 1% false-positive rate, split by account, each account
    capped at 20 posts so prolific accounts do not dominate."""
    from cordon.signals.text.evaluation import evaluate, measure
    from cordon.signals.text.model import LinearTextModel

    examples = _labelled(task, data, shared, from_store, store_url, text, label, group)
    if model_path is not None:
        metrics = measure(LinearTextModel.load(model_path), examples, train_size=0)
    else:
        metrics, _ = evaluate(task.value, examples)
    for line in metrics.lines():
        out.print(line, highlight=False)


@evaluate_app.command("network")
def evaluate_network(
    seeds: Annotated[list[int], typer.Option("--seed", help="Scenario seeds (repeatable); the network model was fitted on 1 and 2.")] = [3, 5],  # noqa: B006
    sizes: Annotated[list[int], typer.Option("--accounts", help="Platform sizes (repeatable).")] = [5_000],  # noqa: B006
    shared: Annotated[Path | None, _SHARED] = None,
) -> None:
    """Seed expansion, the network component, hub coverage and returning-account linking on
    generated platforms (precision@k, journalists pulled in, hubs found, MRR), and linking on
    the real tweets with --shared."""
    from cordon.graph.evaluation import evaluate_platform, evaluate_real

    for size in sizes:
        for seed in seeds:
            for line in evaluate_platform(seed, size).lines():
                out.print(line, highlight=False, soft_wrap=True)
    if shared is not None:
        for line in evaluate_real(shared):
            out.print(line, highlight=False, soft_wrap=True)


@policy_app.command("check")
def policy_check(path: Annotated[Path, typer.Argument(help="Policy YAML file.")]) -> None:
    """Validate a policy; every error is printed with file:line and a hint."""
    from cordon.policy import load_policy

    policy = load_policy(path)
    out.print(f"{path}: ok, {len(policy.rules)} rules", highlight=False)


if __name__ == "__main__":  # pragma: no cover
    main()


# Commands with modules of their own: known media and links; the network; returning accounts;
# the audit log; policy backtests.
from cordon.cli_audit import audit_app
from cordon.cli_evasion import link_accounts_command
from cordon.cli_lists import hash_command, lists_app, match_command
from cordon.cli_network import expand_command
from cordon.cli_network_hubs import hubs_command
from cordon.cli_policy import policy_backtest_command

app.command("hash")(hash_command)
app.command("match")(match_command)
app.add_typer(lists_app, name="lists")
app.command("expand")(expand_command)
app.command("hubs")(hubs_command)
app.command("link-accounts")(link_accounts_command)
policy_app.command("backtest")(policy_backtest_command)
app.add_typer(audit_app, name="audit")

# Review and enforcement: cases, watch holds, evidence, escalations; the console; live intake
# and backfills.
from cordon.cli_backfill import backfill_app
from cordon.cli_cases import case_app, cases_app, maintain_command
from cordon.cli_holds import escalate_command, evidence_app, watch_app
from cordon.cli_serve import serve_command
from cordon.cli_worker import publish_command, worker_command

app.add_typer(case_app, name="case")
app.add_typer(cases_app, name="cases")
app.command("maintain")(maintain_command)
app.add_typer(watch_app, name="watch")
app.add_typer(evidence_app, name="evidence")
app.command("escalate")(escalate_command)
app.command("serve")(serve_command)
app.command("worker")(worker_command)
app.command("publish")(publish_command)
app.add_typer(backfill_app, name="backfill")
from cordon.cli_feeds import feeds_app

app.add_typer(feeds_app, name="feeds")
