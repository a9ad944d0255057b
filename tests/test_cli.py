"""The command line as a user runs it: a real process, real files, exit codes and stderr."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path



def cordon(*args: str, tmp_path: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CORDON_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    env.pop("CORDON_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "cordon", *args], input=stdin, capture_output=True, env=env, timeout=120
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_score_posts_from_twarc2(shared_data: Path, tmp_path: Path):
    out = tmp_path / "posts.csv"
    result = cordon("score", str(shared_data / "twitter_v2_fixtures" / "flat.jsonl"), "-o", str(out), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    rows = read_csv(out)
    assert list(rows[0]) == ["post_id", "account_id", "threat", "extremism"]
    assert len(rows) == 164  # 100 tweets and the 64 tweets they reference
    assert all(0.0 <= float(r["threat"]) <= 1.0 and 0.0 <= float(r["extremism"]) <= 1.0 for r in rows)


def test_score_accounts_from_stdin(tmp_path: Path):
    lines = [
        b'{"type":"account","id":"1","handle":"abu"}',
        b'{"type":"post","id":"p1","author_id":"1","text":"We will kill their employees #khilafah"}',
        b'{"type":"post","id":"p2","author_id":"2","text":"nice weather"}',
    ]
    out = tmp_path / "accounts.csv"
    result = cordon("score", "-", "--level", "account", "-o", str(out), tmp_path=tmp_path, stdin=b"\n".join(lines))
    assert result.returncode == 0, result.stderr.decode()
    rows = {r["account_id"]: r for r in read_csv(out)}
    assert list(next(iter(rows.values())))[:5] == ["account_id", "username", "extremism", "threat", "posts"]
    assert rows["1"]["username"] == "abu" and float(rows["1"]["threat"]) > 0.5
    assert float(rows["2"]["threat"]) < 0.05 and rows["2"]["posts"] == "1"


def test_unknown_format_is_one_clear_line_and_exit_2(tmp_path: Path):
    bad = tmp_path / "weird.jsonl"
    bad.write_text('{"hello": "world"}\n')
    result = cordon("ingest", str(bad), tmp_path=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "unknown format" in lines[0]


def test_missing_file_is_exit_2(tmp_path: Path):
    result = cordon("ingest", str(tmp_path / "nope.jsonl"), tmp_path=tmp_path)
    assert result.returncode == 2 and "no such file" in result.stderr.decode()


def test_ingest_quarantines_and_counts(tmp_path: Path):
    good = b'{"type":"account","id":"1","handle":"a"}'
    data = b"\n".join([good, b'{"type":"account","handle":"no id"}', b'{"type": "post", "id": "x"', b"\xff\xfe"])
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(data)
    quarantine = tmp_path / "q.jsonl"
    result = cordon("ingest", str(path), "--quarantine", str(quarantine), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    err = result.stderr.decode()
    assert "read 4, stored 1, duplicate 0, quarantined 3" in err
    assert f"{path}:2" in err and "id" in err
    assert len(quarantine.read_text().splitlines()) == 3
    again = cordon("ingest", str(path), "--quarantine", str(quarantine), tmp_path=tmp_path)
    assert "stored 0, duplicate 1" in again.stderr.decode()


def test_policy_check(tmp_path: Path):
    bad = tmp_path / "p.yaml"
    bad.write_text("rules:\n  - id: x\n    when: {risk: {at_least: 0.1}}\n    then: [{suspend: {}}]\n")
    result = cordon("policy", "check", str(bad), tmp_path=tmp_path)
    assert result.returncode == 2
    assert f"{bad}:2: rule 'x' suspends without a human" in result.stderr.decode()
    good = tmp_path / "ok.yaml"
    good.write_text("rules:\n  - id: x\n    when: {risk: {at_least: 0.5}}\n    then: [{open_case: {queue: q}}]\n")
    assert cordon("policy", "check", str(good), tmp_path=tmp_path).returncode == 0


def test_ingest_assess_queue_report_on_the_default_store(tmp_path: Path):
    lines = [
        b'{"type":"account","id":"1","handle":"abu_<b>x</b>"}',
        b'{"type":"post","id":"p1","author_id":"1","text":"We will slaughter the twitter employees, the staff are targets #khilafah"}',
    ]
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join(lines))
    assert cordon("ingest", str(src), tmp_path=tmp_path).returncode == 0
    assessed = cordon("assess", tmp_path=tmp_path)
    assert assessed.returncode == 0 and "cases opened (escalations: 1)" in assessed.stdout.decode()
    shown = cordon("queue", tmp_path=tmp_path).stdout.decode()
    assert "@abu_<b>x</b>" in shown and "escalations" in shown
    html = tmp_path / "r.html"
    assert cordon("report", "-o", str(html), "--csv", str(tmp_path / "r.csv"), tmp_path=tmp_path).returncode == 0
    assert "<img src=\"data:image/png;base64," in html.read_text() and (tmp_path / "r.csv").exists()
    assert (tmp_path / "data" / "cordon.sqlite").exists()


def test_generate_then_score_accounts(tmp_path: Path):
    world = tmp_path / "world"
    made = cordon("generate", "--accounts", "600", "--seed", "5", "-o", str(world), tmp_path=tmp_path)
    assert made.returncode == 0, made.stderr.decode()
    assert (world / "platform.jsonl").exists() and (world / "truth.json").exists()
    out = tmp_path / "accounts.csv"
    scored = cordon("score", str(world / "platform.jsonl"), "--level", "account", "-o", str(out), tmp_path=tmp_path)
    assert scored.returncode == 0, scored.stderr.decode()
    rows = read_csv(out)
    truth = __import__("orjson").loads((world / "truth.json").read_bytes())
    assert {r["account_id"] for r in rows} == set(truth["roles"])
    hub_scores = [float(r["extremism"]) for r in rows if r["account_id"] in set(truth["hubs"])]
    ordinary = [float(r["extremism"]) for r in rows if truth["roles"][r["account_id"]] == "ordinary"]
    assert sum(hub_scores) / len(hub_scores) > 0.5 > max(ordinary)


def test_score_survives_hostile_text(tmp_path: Path):
    """Empty text, a 1 MB post, scripts the models never saw, and a truncated last line:
    every good post is scored, the broken line is quarantined."""
    import orjson

    posts = {
        "empty": "",
        "huge": "kill them all " * 80_000,
        "cjk": "我们会杀死他们 これはテストです",
        "emoji": "💣🔪🔥" * 10,
        "mixed": "الدولة\u200b الإسلامية باقية #Dawla w3 w1ll k1ll",
    }
    lines = [orjson.dumps({"type": "post", "id": k, "author_id": "1", "text": v}) for k, v in posts.items()]
    lines.append(b'{"type": "post", "id": "cut", "author_id": "1", "te')
    src = tmp_path / "hostile.jsonl"
    src.write_bytes(b"\n".join(lines))
    out = tmp_path / "scores.csv"
    result = cordon("score", str(src), "-o", str(out), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    rows = {r["post_id"]: r for r in read_csv(out)}
    assert set(rows) == set(posts)
    assert all(0.0 <= float(r[c]) <= 1.0 for r in rows.values() for c in ("threat", "extremism"))
    assert float(rows["mixed"]["extremism"]) > 0.5 and float(rows["huge"]["threat"]) > 0.5
    assert f"{src}:6" in result.stderr.decode() and "quarantined 1" in result.stderr.decode()
    accounts = tmp_path / "accounts.csv"
    assert cordon("score", str(src), "--level", "account", "-o", str(accounts), tmp_path=tmp_path).returncode == 0
    (row,) = read_csv(accounts)
    assert "post " in row["evidence"]
