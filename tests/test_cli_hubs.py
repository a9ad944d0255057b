"""`cordon hubs` as a user runs it: a real process, real files, exit codes and stderr."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cordon.scenario import ScenarioConfig, generate, write_scenario

HEADER = ["account_id", "username", "hub_score", "rank"]


def _command() -> tuple[str, ...]:
    return ("-m", "cordon", "hubs")


def hubs(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "CORDON_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    env.pop("CORDON_DATABASE_URL", None)
    return subprocess.run([sys.executable, *_command(), *args], check=False, capture_output=True, env=env, timeout=300)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def scenario_files(tmp_path_factory):
    scenario = generate(ScenarioConfig(seed=4, accounts=1_500))
    folder = tmp_path_factory.mktemp("scenario")
    files = write_scenario(scenario, folder)
    official = folder / "official.txt"
    official.write_text("\n".join(scenario.truth.officials) + "\n", encoding="utf-8")
    return files.platform, official, scenario.truth


def test_hubs_from_a_scenario_file(scenario_files, tmp_path: Path):
    platform, official, truth = scenario_files
    out = tmp_path / "hubs.csv"
    result = hubs(str(platform), "--official", str(official), "-o", str(out), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    with out.open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == HEADER
    rows = read_csv(out)
    top = {r["account_id"] for r in rows[:16]}
    assert len(top & set(truth.hubs)) >= 14
    assert not set(truth.officials) & {r["account_id"] for r in rows}
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    assert all(0.0 <= float(r["hub_score"]) <= 1.0 and r["username"] for r in rows)
    err = result.stderr.decode()
    assert "#1 @" in err and "official releases within a median" in err


def _tiny(tmp_path: Path) -> Path:
    """Official 1 posts r1; 2 reposts it in two minutes; 4 quotes it hours later."""
    records = [
        {"type": "account", "id": "1", "handle": "official_media"},
        {"type": "account", "id": "2", "handle": "fast_hub"},
        {"type": "account", "id": "4", "handle": "reporter"},
        {"type": "post", "id": "r1", "author_id": "1", "text": "release", "created_at": "2015-06-03T12:00:00Z"},
        {"type": "post", "id": "p2", "author_id": "2", "text": "RT", "created_at": "2015-06-03T12:02:00Z",
         "repost_of_id": "r1", "repost_of_author_id": "1"},
        {"type": "post", "id": "p4", "author_id": "4", "text": "look", "created_at": "2015-06-03T18:00:00Z",
         "quote_of_id": "r1", "quote_of_author_id": "1"},
    ]
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def test_follows_and_bad_lines_each_get_one_line_and_the_rest_go_on(tmp_path: Path):
    data = _tiny(tmp_path)
    official = tmp_path / "official.txt"
    official.write_text("# the official media\n1\nnot an id\n", encoding="utf-8")
    follows = tmp_path / "follows.csv"
    follows.write_text("follower_id,followee_id\n3,2\n5,2\n3,1\nbroken\n6,4\n", encoding="utf-8")
    out = tmp_path / "hubs.csv"
    result = hubs(str(data), "--official", str(official), "--follows", str(follows), "-o", str(out),
                  tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    err = result.stderr.decode().splitlines()
    assert [line for line in err if f"{official}:3" in line] and [line for line in err if f"{follows}:5" in line]
    rows = read_csv(out)
    assert [(r["account_id"], r["username"], r["rank"]) for r in rows] == [("2", "fast_hub", "1"), ("4", "reporter", "2")]
    assert float(rows[0]["hub_score"]) > 2 * float(rows[1]["hub_score"])
    assert any("#1 @fast_hub: reposted 1 official release within a median 2 min" in line and
               "2 followers (1 in the network's audience)" in line for line in err)


def test_hubs_on_the_store(tmp_path: Path):
    data = _tiny(tmp_path)
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    env = {**os.environ, "CORDON_DATA_DIR": str(tmp_path / "data")}
    ingest = subprocess.run([sys.executable, "-m", "cordon", "ingest", str(data), "--store", url],
                            check=False, capture_output=True, env=env, timeout=120)
    assert ingest.returncode == 0, ingest.stderr.decode()
    official = tmp_path / "official.txt"
    official.write_text("native/1\n", encoding="utf-8")
    out = tmp_path / "hubs.csv"
    result = hubs("--official", str(official), "--store", url, "--top", "1", "-o", str(out), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert [r["account_id"] for r in read_csv(out)] == ["2"]


def test_no_official_ids_is_one_clear_line_and_exit_2(tmp_path: Path):
    data = _tiny(tmp_path)
    official = tmp_path / "official.txt"
    official.write_text("\n", encoding="utf-8")
    result = hubs(str(data), "--official", str(official), "-o", str(tmp_path / "o.csv"), tmp_path=tmp_path)
    assert result.returncode == 2
    assert "no official account ids" in result.stderr.decode().strip().splitlines()[-1]
    missing = hubs(str(data), "--official", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "o.csv"),
                   tmp_path=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr.decode()
