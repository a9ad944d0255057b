"""`cordon demo`: the whole pipeline on a generated platform, checked against its ground truth.

The ground truth is read only here, after detection has run, to say how well it did; it never
reaches a detector or the store.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console

from cordon.cases import fold_cases
from cordon.config import get_settings
from cordon.domain import EventName, SubjectRef
from cordon.enforce import Executor
from cordon.enforce.actuators import configured_actuators
from cordon.flow import assess_and_enforce
from cordon.ingest.lists import import_list_file
from cordon.ingest.pipeline import ingest_files
from cordon.policy import default_policy
from cordon.reports import build_report
from cordon.reports.html import write_report
from cordon.scenario import GroundTruth, ScenarioConfig, stream, write_scenario
from cordon.store import Store, open_store
from cordon.views import print_queue

HARD_NEGATIVE_ROLES = ("journalist", "researcher", "counter_speech")


@dataclass(frozen=True)
class DemoScore:
    flagged: int
    true_positives: int
    false_positives: int
    violating: int
    hard_negatives_flagged: int
    hard_negatives: int
    hubs_actioned: int
    hubs: int
    suspended_by_cordon: int
    brigade_target_suspended: bool

    @property
    def precision(self) -> float:
        return self.true_positives / self.flagged if self.flagged else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.violating if self.violating else 0.0

    def rows(self) -> list[tuple[str, object]]:
        return [
            ("accounts flagged (case or suspension)", self.flagged),
            ("true positives", self.true_positives),
            ("false positives", self.false_positives),
            ("precision", f"{self.precision:.3f}"),
            ("recall of the network's active accounts", f"{self.recall:.3f}"),
            ("journalists, researchers, counter-speech flagged", f"{self.hard_negatives_flagged} of {self.hard_negatives}"),
            ("distribution hubs queued or suspended", f"{self.hubs_actioned} of {self.hubs}"),
            ("suspended automatically", self.suspended_by_cordon),
            ("brigade's target suspended", "yes" if self.brigade_target_suspended else "no"),
        ]


def replay_clock(config: ScenarioConfig) -> Callable[[], datetime]:
    """The demo replays the campaign as if cordon ran at the close of the scenario's window:
    the log's times, and so the report's time to action, are on the scenario's clock, not
    today's (its reports are from 2015; acting on them "now" would read as 11 years late)."""
    closing = datetime(config.start.year, config.start.month, config.start.day, tzinfo=UTC)
    closing += timedelta(days=config.days)
    began = time.perf_counter()
    return lambda: closing + timedelta(seconds=time.perf_counter() - began)


def scenario_files(workdir: Path, config: ScenarioConfig) -> tuple[Path, Path]:
    """The scenario's platform and truth files, generated once per seed and size. Written to a
    temporary folder and renamed, so an interrupted run never leaves half a scenario."""
    target = workdir / f"scenario-seed{config.seed}-{config.accounts}"
    platform, truth = target / "platform.jsonl", target / "truth.json"
    if platform.is_file() and truth.is_file() and (target / "known-media.csv").is_file():
        return platform, truth
    workdir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".scenario-", dir=workdir))
    try:
        # Streamed chunk by chunk: same bytes as generate(), bounded memory at any size.
        write_scenario(stream(config), tmp)
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return platform, truth


def score_against_truth(store: Store, truth: GroundTruth, platform: str) -> DemoScore:
    events = list(store.events())
    cases = fold_cases(events)
    suspended = {
        e.subject for e in events
        if e.name is EventName.ACTION_EXECUTED and e.payload.get("action") == "suspend"
    }
    # A brigading case protects its subject from a mass-report attack: it does not flag it.
    flagged = {c.subject.id for c in cases.values() if c.subject.platform == platform and c.queue != "brigading"}
    flagged |= {s.id for s in suspended if s.platform == platform}
    violating = set(truth.violating_accounts)
    hard = {a for a, role in truth.roles.items() if role in HARD_NEGATIVE_ROLES}
    hubs = set(truth.hubs)
    return DemoScore(
        flagged=len(flagged),
        true_positives=len(flagged & violating),
        false_positives=len(flagged - violating),
        violating=len(violating),
        hard_negatives_flagged=len(flagged & hard),
        hard_negatives=len(hard),
        hubs_actioned=len(flagged & hubs),
        hubs=len(hubs),
        suspended_by_cordon=len(suspended),
        brigade_target_suspended=SubjectRef.account(platform, truth.brigade_target_id) in suspended,
    )


def run_demo(*, accounts: int, seed: int, workdir: Path, store_url: str, console: Console) -> DemoScore:
    started = time.perf_counter()
    config = ScenarioConfig(seed=seed, accounts=accounts)

    def step(message: str) -> None:
        console.print(f"[dim]{time.perf_counter() - started:6.1f}s[/] {message}", highlight=False)

    step(f"generating a platform of {accounts:,} accounts (seed {seed})")
    platform_file, truth_file = scenario_files(workdir, config)
    truth = GroundTruth.load(truth_file)

    with open_store(store_url) as store:
        step(f"ingesting {platform_file}")
        stats = ingest_files([platform_file], store, quarantine=workdir / "quarantine.jsonl")
        step(f"read {stats.read:,}, stored {stats.stored:,}, duplicate {stats.duplicate:,}, quarantined {stats.quarantined:,}")
        for list_name, path in (("industry-hashes", platform_file.parent / "known-media.csv"),
                                ("propaganda-hosts", platform_file.parent / "propaganda-hosts.txt")):
            imported = import_list_file(store, path, name=list_name, quarantine=workdir / "quarantine.jsonl")
            step(f"list {list_name}: {imported.result.new + imported.result.unchanged:,} entries")

        step("scoring every account and applying the default policy")
        clock = replay_clock(config)
        executor = Executor(store, configured_actuators(store, get_settings()), clock)
        _, outcome = assess_and_enforce(
            store, default_policy(), executor, clock=clock, evidence_dir=workdir / "evidence"
        )
        opened = ", ".join(f"{q} {n}" for q, n in outcome.cases_opened.most_common()) or "none new"
        step(f"cases opened: {opened}; suspended now: {outcome.suspended}; reports logged: {outcome.reports_logged}")

        score = score_against_truth(store, truth, config.platform)
        hubs = [SubjectRef.account(config.platform, h) for h in truth.hubs]
        report_path = workdir / "report.html"
        write_report(
            build_report(store, hubs), report_path, workdir / "report.csv",
            title="cordon demo: transparency report",
            thresholds={"review": 0.5},
            extra_sections=[("Against the scenario's ground truth", score.rows())],
        )
        console.print()
        print_queue(store, console, limit=10)

    console.print()
    for label, value in score.rows():
        console.print(f"  {label:<52} {value}", highlight=False)
    console.print(f"\nreport: {report_path}\nstore:  {store_url}", highlight=False)
    step("done")
    return score
