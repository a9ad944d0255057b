"""`cordon link-accounts` as a user runs it: a real process on a SQLite store, ids given on the
command line and in files, the CSV it writes, and one clear line on a user error."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from cordon.domain import EventName, ModerationEvent
from cordon.scenario import ScenarioConfig, generate


def link_accounts(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "CORDON_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    env.pop("CORDON_DATABASE_URL", None)
    cmd = ["-m", "cordon", "link-accounts"]
    return subprocess.run(
        [sys.executable, *cmd, *args], check=False, capture_output=True, env=env, timeout=120
    )


@pytest.fixture(scope="module")
def world_store(tmp_path_factory: pytest.TempPathFactory):
    from cordon.store.sql import SqlStore

    world = generate(ScenarioConfig(seed=2, accounts=2_000))
    path = tmp_path_factory.mktemp("store") / "w.sqlite"
    with SqlStore(f"sqlite:///{path}") as store:
        store.write_batch(
            accounts=world.accounts, posts=world.posts, interactions=world.interactions
        )
        store.append_events(
            [
                ModerationEvent(
                    name=EventName.ACTION_EXECUTED,
                    actor="test",
                    created=datetime.fromisoformat(when),
                    subject=world.account(ident).ref,
                    payload={"action": "suspend"},
                )
                for ident, when in world.truth.suspended_at.items()
            ]
        )
    return world, f"sqlite:///{path}"


def test_link_accounts_writes_ranked_candidates(world_store, tmp_path: Path):
    world, url = world_store
    ids = tmp_path / "suspended.txt"
    ids.write_text("# suspended\n" + "\n".join(world.truth.suspended_at) + "\n", encoding="utf-8")
    returners = list(world.truth.returning_of)
    out = tmp_path / "links.csv"
    result = link_accounts(
        "--suspended-file",
        str(ids),
        "--new",
        ",".join(returners[:-1]),
        "--new",
        returners[-1],
        "-o",
        str(out),
        "--store",
        url,
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert b"linked" in result.stderr
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["account_id", "candidate_id", "score", "rank"]
    by_new: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_new.setdefault(row["account_id"], []).append(row)
    assert set(by_new) == set(returners)
    assert all(
        len(v) <= 10 and [int(r["rank"]) for r in v] == list(range(1, len(v) + 1))
        for v in by_new.values()
    )
    assert all(0.0 <= float(r["score"]) <= 1.0 for r in rows)
    top1 = sum(v[0]["candidate_id"] == world.truth.returning_of[k] for k, v in by_new.items())
    assert top1 >= 0.8 * len(returners)


def test_link_accounts_reasons_and_at_files(world_store, tmp_path: Path):
    world, url = world_store
    ids = tmp_path / "s.txt"
    ids.write_text("\n".join(world.truth.suspended_at), encoding="utf-8")
    new = next(iter(world.truth.returning_of))
    out = tmp_path / "one.csv"
    result = link_accounts(
        "--suspended",
        f"@{ids}",
        "--new",
        new,
        "--top-k",
        "3",
        "--reasons",
        "-o",
        str(out),
        "--store",
        url,
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr.decode()
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert 1 <= len(rows) <= 3 and rows[0]["reasons"]


def test_link_accounts_unknown_account_is_one_clear_line(world_store, tmp_path: Path):
    _, url = world_store
    result = link_accounts(
        "--suspended",
        "no-such-id",
        "--new",
        "x",
        "-o",
        str(tmp_path / "o.csv"),
        "--store",
        url,
        tmp_path=tmp_path,
    )
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "no account no-such-id" in lines[0]
    result = link_accounts(
        "--new", "x", "-o", str(tmp_path / "o.csv"), "--store", url, tmp_path=tmp_path
    )
    assert result.returncode == 2 and "no suspended accounts" in result.stderr.decode()
