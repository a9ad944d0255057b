"""`cordon demo` end to end on a small platform: honest figures against the ground truth,
and a second run that changes nothing."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from cordon.demo import run_demo
from cordon.store import open_store


def test_demo_end_to_end_and_rerun(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    console = Console(file=open(tmp_path / "out.txt", "w"), width=160)
    first = run_demo(accounts=2_000, seed=11, workdir=tmp_path / "demo", store_url=url, console=console)

    assert first.hubs == 16 and first.hubs_actioned >= 12
    assert first.flagged > 0 and first.precision >= 0.8 and first.recall >= 0.5
    assert first.hard_negatives_flagged <= first.hard_negatives // 3
    assert not first.brigade_target_suspended
    report = (tmp_path / "demo" / "report.html").read_text()
    assert "data:image/png;base64," in report and "Against the scenario" in report
    assert "script" not in report.lower()

    with open_store(url) as store:
        events = store.counts()["events"]
    second = run_demo(accounts=2_000, seed=11, workdir=tmp_path / "demo", store_url=url, console=console)
    assert second == first
    with open_store(url) as store:
        assert store.counts()["events"] == events
    console.file.close()
    printed = (tmp_path / "out.txt").read_text()
    assert "Review queue" in printed and "distribution hubs queued or suspended" in printed
