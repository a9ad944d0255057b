"""Backtesting a policy on the stored history, on every store backend: what it would do, and
how that compares with what people decided. Nothing is executed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cordon.cases.reports import report_figures
from cordon.domain import Account, AccountRisk, EventName, ModerationEvent, Report, SubjectRef
from cordon.policy import default_policy
from cordon.policy.backtest import (
    CASE,
    NOT_VIOLATING,
    NOTHING,
    SUSPEND,
    VIOLATING,
    backtest,
    backtest_store,
)
from cordon.policy.load import parse_policy

T0 = datetime(2015, 6, 1, tzinfo=UTC)
P = "t"


def acc(i: str) -> SubjectRef:
    return SubjectRef.account(P, i)


def risk(i: str, threat: float = 0.0, extremism: float = 0.0) -> AccountRisk:
    return AccountRisk(acc(i), max(threat, extremism), {"threat": threat, "extremism": extremism})


def decided(i: str, decision: str, minutes: int = 0) -> ModerationEvent:
    return ModerationEvent(EventName.DECIDED, "mod", T0 + timedelta(minutes=minutes), acc(i), f"c-{i}",
                           payload={"decision": decision})


def history(store) -> None:
    store.upsert_accounts([Account(P, str(i), f"u{i}", created_at=T0 - timedelta(days=800)) for i in range(1, 8)])
    store.save_risks([
        risk("1", threat=0.97, extremism=0.6),  # auto-suspend
        risk("2", extremism=0.7),  # extremism case
        risk("3", threat=0.6),  # threats case
        risk("4", extremism=0.1),
        risk("5"),  # three reports: a reports case
        risk("6"),
    ])
    store.insert_reports([Report(P, f"r{k}", f"9{k}", acc("5"), "spam", "", T0) for k in range(3)])
    store.append_events([
        decided("1", "suspend"),
        decided("2", "dismiss"),
        decided("3", "suspend"), decided("3", "overturn", 5), decided("3", "uphold", 9),  # latest wins
        decided("4", "restrict"),
        decided("6", "no_action"),
        decided("7", "suspend"),  # decided on, never assessed
        ModerationEvent(EventName.DECIDED, "mod", T0, acc("6"), "c-x", payload={"decision": "escalate"}),
    ])


def test_backtest_replays_the_history_and_scores_it_against_people(store):
    history(store)
    before = list(store.events())
    result = backtest_store(store, default_policy())

    assert list(store.events()) == before  # nothing executed, nothing written
    assert result.accounts == 7 and result.decided == 6
    assert result.suspended == 1
    # The near-certain threat's case goes escalated to the liaison, its evidence preserved.
    assert result.cases == {"escalations": 1, "threats": 1, "extremism": 1, "reports": 1}
    assert result.also == {"escalate": 1, "preserve_evidence": 1}
    assert result.effects == {SUSPEND: 1, CASE: 3, NOTHING: 3}
    assert result.against == {
        (VIOLATING, SUSPEND): 1, (VIOLATING, CASE): 1, (VIOLATING, NOTHING): 2,
        (NOT_VIOLATING, CASE): 1, (NOT_VIOLATING, NOTHING): 1,
    }
    assert (result.true_positives, result.false_positives, result.false_negatives, result.true_negatives) == (2, 1, 2, 1)
    assert result.precision == pytest.approx(2 / 3) and result.recall == pytest.approx(0.5)
    assert result.suspend_precision == 1.0 and result.agreed == 3
    assert {(d.account.id, d.decision, d.effect) for d in result.disagreements} == {
        ("2", NOT_VIOLATING, CASE), ("4", VIOLATING, NOTHING), ("7", VIOLATING, NOTHING),
    }
    assert next(d for d in result.disagreements if d.account.id == "2").rules == ("review-extremist-support",)


def test_a_stricter_policy_trades_recall_for_precision(store):
    history(store)
    strict = parse_policy(
        "name: strict\nrules:\n"
        "  - id: only-threats\n    when: {threat: {at_least: 0.5}}\n    then: [{open_case: {queue: threats}}]\n",
        "strict.yaml",
    )
    result = backtest_store(store, strict)
    assert result.policy == "strict" and result.suspended == 0 and result.cases == {"threats": 2}
    assert result.precision == 1.0 and result.recall == pytest.approx(0.5)


def test_backtest_sees_brigades_and_weighted_reports():
    made = T0 - timedelta(days=2)
    accounts = {acc(f"z{i}"): Account(P, f"z{i}", f"z{i}", created_at=made, followers_count=1) for i in range(12)}
    reports = [Report(P, f"z{i}", f"z{i}", acc("journalist"), "terrorism", "", T0 + timedelta(minutes=i)) for i in range(12)]
    figures = report_figures(reports, accounts=accounts)
    risks = [risk("journalist")]
    result = backtest(default_policy(), risks, figures, [decided("journalist", "no_action")])
    assert result.cases == {"brigading": 1} and result.suspended == 0
    # A plain count would have sent the journalist to the reports queue.
    raw = backtest(default_policy(), risks, {acc("journalist"): 12.0}, [])
    assert raw.cases == {"reports": 1}
    # The brigading case is a case: against a no_action decision it is a false positive.
    assert result.against == {(NOT_VIOLATING, CASE): 1} and result.precision == 0.0 and result.recall is None


def test_an_empty_history():
    result = backtest(default_policy(), [], {}, [])
    assert (result.accounts, result.decided, result.precision, result.recall) == (0, 0, None, None)
