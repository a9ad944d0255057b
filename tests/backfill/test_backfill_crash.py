"""`cordon backfill rescore` killed mid-run (SIGKILL, driver and its LocalCluster together)
resumes with --resume RUN_ID and ends where an uninterrupted run ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cordon.flow import assess

# The CLI as `cordon` runs it.
CLI = """
import sys
from cordon.cli import main
sys.argv = ["cordon", *sys.argv[1:]]
main()
"""
PARTITIONS = 24


def cordon(args: list[str], data_dir: Path, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "CORDON_DATA_DIR": str(data_dir), "CORDON_BACKFILL_WORKERS": "1"}
    return subprocess.Popen([sys.executable, "-c", CLI, *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def finished_partitions(checkpoint: Path) -> list[int]:
    lines = checkpoint.read_text().splitlines()[1:] if checkpoint.is_file() else []
    return [json.loads(line)["done"] for line in lines if line.endswith("}") and '"done"' in line]


@pytest.mark.timeout(240)
@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_sigkill_mid_run_then_resume_ends_as_an_uninterrupted_run(platform, tmp_path):
    store, url = platform
    runs = tmp_path / "backfill"
    driver = cordon(["backfill", "rescore", "--store", url, "--partitions", str(PARTITIONS)], tmp_path,
                    start_new_session=True)  # its own process group: the driver and its workers
    deadline = time.monotonic() + 180
    while not any(finished_partitions(p) for p in runs.glob("*.jsonl")):
        assert driver.poll() is None, driver.communicate()
        assert time.monotonic() < deadline, "no partition finished in time"
        time.sleep(0.01)
    os.killpg(driver.pid, signal.SIGKILL)
    driver.wait()
    (checkpoint,) = runs.glob("*.jsonl")
    done = finished_partitions(checkpoint)
    assert 1 <= len(done) < PARTITIONS, "the kill came too late to test anything"
    assert "finished" not in checkpoint.read_text()

    resumed = cordon(["backfill", "rescore", "--store", url, "--resume", checkpoint.stem], tmp_path)
    stdout, stderr = resumed.communicate(timeout=180)
    assert resumed.returncode == 0, stderr
    assert f"{len(done)} of {PARTITIONS} partitions were done before" in stdout
    assert sorted(finished_partitions(checkpoint)) == list(range(PARTITIONS))
    after_resume = store.risks()

    assess(store)  # what an uninterrupted run saves (test_rescore holds them equal)
    assert store.risks() == after_resume


def test_user_errors_are_one_line_and_exit_2(tmp_path):
    for args, message in (
        (["backfill", "rescore", "--resume", "rescore-nosuchrun"], "no backfill run 'rescore-nosuchrun'"),
        (["backfill", "rescore", "--model-dir", str(tmp_path / "none")], "model folder"),
    ):
        run = cordon(args, tmp_path)
        stdout, stderr = run.communicate(timeout=60)
        assert run.returncode == 2, stderr
        assert message in stderr and len(stderr.strip().splitlines()) == 1
