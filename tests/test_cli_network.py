"""`cordon expand` as a user runs it: a real process, real files, exit codes and stderr."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cordon.scenario import ScenarioConfig, generate, write_scenario


def _expand_argv() -> list[str]:
    return [sys.executable, "-m", "cordon", "expand"]


def expand(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "CORDON_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    env.pop("CORDON_DATABASE_URL", None)
    return subprocess.run([*_expand_argv(), *args], capture_output=True, env=env, timeout=120, check=False)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("world")
    scenario = generate(ScenarioConfig(seed=7, accounts=2000))
    files = write_scenario(scenario, tmp)
    return scenario, files


def test_expand_from_files_with_seeds_and_follows(world, tmp_path: Path):
    scenario, files = world
    truth = scenario.truth
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("# officials\n" + "\n".join(truth.officials) + "\nnot an id\n\n")
    follows = tmp_path / "follows.csv"
    hub = truth.hubs[0]
    follows.write_text(f"follower_id,followee_id\nnewcomer,{hub}\nnewcomer,{truth.hubs[1]}\nbroken\n")
    out = tmp_path / "out.csv"
    result = expand(str(files.platform), "--seeds", str(seeds), "--follows", str(follows), "-o", str(out), "--top-k", "40", tmp_path=tmp_path)
    stderr = result.stderr.decode()
    assert result.returncode == 0, stderr
    assert f"{seeds}:7: not an account id: 'not an id'" in stderr
    assert f"{follows}:4: expected follower_id,followee_id, got 1 fields: 'broken'" in stderr
    rows = read_csv(out)
    assert list(rows[0]) == ["account_id", "username", "score", "rank", "why"]
    assert [int(r["rank"]) for r in rows] == list(range(1, 41))
    assert not {r["account_id"] for r in rows} & set(truth.officials)
    roles = [truth.roles.get(r["account_id"], "new") for r in rows]
    assert sum(r in {"hub", "supporter", "returning"} for r in roles) >= 36
    top = rows[0]
    assert top["username"] and top["why"].startswith("reposted ")


def test_expand_on_the_store_and_its_neighbourhood(world, tmp_path: Path):
    scenario, files = world
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    from cordon.ingest.pipeline import ingest_files
    from cordon.store import open_store

    with open_store(url) as store:
        ingest_files([files.platform], store)
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("\n".join(scenario.truth.officials) + "\n")
    out = tmp_path / "out.csv"
    whole = expand("--seeds", str(seeds), "-o", str(out), "--store", url, "--top-k", "20", "--method", "power", tmp_path=tmp_path)
    assert whole.returncode == 0, whole.stderr.decode()
    local_out = tmp_path / "local.csv"
    local = expand("--seeds", str(seeds), "-o", str(local_out), "--store", url, "--top-k", "20", "--hops", "2",
                   "--platform", scenario.config.platform, tmp_path=tmp_path)
    assert local.returncode == 0, local.stderr.decode()
    a = {r["account_id"] for r in read_csv(out)}
    b = {r["account_id"] for r in read_csv(local_out)}
    assert len(a & b) >= 17


def test_expand_user_errors(tmp_path: Path):
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("bad id\n")
    result = expand("--seeds", str(seeds), "-o", str(tmp_path / "o.csv"), "--store", f"sqlite:///{tmp_path / 's.sqlite'}", tmp_path=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert lines[-1] == f"error: {seeds}: no seed account ids"
    seeds.write_text("1\n")
    result = expand("--seeds", str(seeds), "-o", str(tmp_path / "o.csv"), "--store", f"sqlite:///{tmp_path / 's.sqlite'}", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "no interactions to expand over" in result.stderr.decode()


def test_evaluate_network_prints_the_figures(tmp_path: Path):
    from test_cli import cordon

    result = cordon("evaluate", "network", "--seed", "4", "--accounts", "2500", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    text = result.stdout.decode()
    for needle in ("precision@k", "journalists etc. in top", "hub coverage", "MRR"):
        assert needle in text
