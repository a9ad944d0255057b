"""`cordon case ...` and `cordon cases ...` on a store file, as an operator runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from casekit import open_case
from typer.testing import CliRunner

from cordon.cases.permissions import PermissionDenied
from cordon.cases.workflow import CaseConflict
from cordon.cli_cases import case_app, cases_app
from cordon.domain import AccountStatus, SubjectRef
from cordon.store import open_store

runner = CliRunner()


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'review.sqlite'}"
    with open_store(url) as store:
        open_case(store, "c1", account="1", queue="threats", priority=2.0)
        open_case(store, "c2", account="2", queue="media", priority=1.0)
        open_case(store, "c3", account="3", queue="media", priority=0.5, risk=0.9)
    return url


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    from cordon.cli_support import out

    monkeypatch.setattr(out, "width", 200)  # a table's columns unabridged


def run(app, *args: str):
    return runner.invoke(app, list(args), catch_exceptions=True)


def test_claim_decide_show(url: str):
    result = run(case_app, "claim", "c1", "--as", "alice", "--store", url)
    assert result.exit_code == 0 and "claimed by alice" in result.output
    result = run(case_app, "decide", "c1", "suspend", "--clause", "threats-1", "--reason", "threat",
                 "--as", "alice", "--store", url)
    assert result.exit_code == 0, result.output
    assert "suspend under threats-1, closed" in result.output
    shown = run(case_app, "show", "c1", "--store", url).output
    assert "decided by     alice" in shown and "closed" in shown
    with open_store(url) as store:
        assert store.get_account(SubjectRef.account("twitter", "1")).status is AccountStatus.SUSPENDED


def test_errors_are_cordon_errors_the_cli_prints_as_one_line(url: str):
    # cordon.cli.main turns a CordonError into one line on stderr and exit status 2.
    run(case_app, "claim", "c2", "--as", "alice", "--store", url)
    result = run(case_app, "claim", "c2", "--as", "bob", "--store", url)
    assert isinstance(result.exception, CaseConflict) and "claimed by alice" in str(result.exception)
    result = run(case_app, "claim", "c2", "--as", "lee", "--role", "le_liaison", "--store", url)
    assert isinstance(result.exception, PermissionDenied)
    result = run(case_app, "claim", "c2", "--as", "x", "--role", "janitor", "--store", url)
    assert result.exit_code == 2 and "janitor" in result.output


def test_list_filters_and_orders(url: str):
    result = run(cases_app, "list", "--store", url)
    assert result.exit_code == 0, result.output
    assert "waiting per queue: media: 2, threats: 1" in result.output
    # One line a case, its id first and whole, so it can be cut out and passed on.
    rows = [line.split()[0] for line in result.output.splitlines()[2:]]
    assert rows == ["c1", "c2", "c3"]
    result = run(cases_app, "list", "--queue", "media", "--order", "risk", "--store", url)
    rows = [line.split()[0] for line in result.output.splitlines()[2:]]
    assert rows == ["c3", "c2"]
    result = run(cases_app, "list", "--overdue", "--store", url)  # opened in 2015: all late
    assert result.output.count("LATE") == 3


def test_bulk_decide_and_appeal(url: str):
    result = run(cases_app, "bulk-decide", "suspend", "--clause", "media-1", "--reason", "known media",
                 "--queue", "media", "--as", "sam", "--store", url)
    assert result.exit_code == 0, result.output
    assert "decided 2; changed meanwhile (left alone) 0; skipped 0" in result.output
    result = run(case_app, "appeal", "c2", "--reason", "not mine", "--as", "alice", "--store", url)
    assert result.exit_code == 0 and "waiting in appeals" in result.output
    result = run(case_app, "appeal-decide", "c2", "overturn", "--reason", "wrong match", "--as", "sue", "--store", url)
    assert result.exit_code == 0 and "appeal overturn, closed" in result.output, result.output
    with open_store(url) as store:
        assert store.get_account(SubjectRef.account("twitter", "2")).status is AccountStatus.ACTIVE
    assert run(cases_app, "rebuild", "--store", url).output.strip() == "rebuilt 3 cases from the log"
