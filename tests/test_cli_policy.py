"""`cordon policy backtest` as a user runs it: a real process on a real store file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from test_cli import cordon

from cordon.domain import Account, AccountRisk, EventName, ModerationEvent, SubjectRef
from cordon.store import open_store

T0 = datetime(2015, 6, 1, tzinfo=UTC)


def _store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'history.sqlite'}"
    ref = lambda i: SubjectRef.account("t", i)
    with open_store(url) as store:
        store.upsert_accounts([Account("t", i, f"u{i}") for i in "1234"])
        store.save_risks([
            AccountRisk(ref("1"), 0.97, {"threat": 0.97, "extremism": 0.6}),
            AccountRisk(ref("2"), 0.7, {"extremism": 0.7}),
            AccountRisk(ref("3"), 0.1, {"extremism": 0.1}),
            AccountRisk(ref("4"), 0.0, {}),
        ])
        store.append_events([
            ModerationEvent(EventName.DECIDED, "mod", T0, ref(i), f"c{i}", payload={"decision": d})
            for i, d in (("1", "suspend"), ("2", "dismiss"), ("3", "suspend"), ("4", "no_action"))
        ])
    return url


def test_policy_backtest_prints_effects_and_agreement(tmp_path: Path):
    url = _store(tmp_path)
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "name: trial\nrules:\n"
        "  - id: suspend-threat\n    when: {threat: {at_least: 0.95}}\n    then: [{suspend: {}}, {open_case: {queue: threats}}]\n"
        "  - id: review-extremism\n    when: {extremism: {at_least: 0.5}}\n    then: [{open_case: {queue: extremism}}]\n"
    )
    result = cordon("policy", "backtest", str(policy), "--store", url, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    text = result.stdout.decode()
    assert "policy trial" in text and "on 4 accounts, 4 of them decided by people" in text
    assert "case: threats" in text and "case: extremism" in text
    assert "agreement 2 of 4; precision 0.500, recall 0.500" in text
    assert "suspensions upheld 1.000" in text
    assert "account/t/2" in text and "account/t/3" in text  # the two disagreements
    with open_store(url) as store:
        assert store.counts()["events"] == 4  # nothing executed


def test_policy_backtest_refuses_a_broken_policy_before_reading_anything(tmp_path: Path):
    policy = tmp_path / "bad.yaml"
    policy.write_text("rules:\n  - id: a\n    when: {colour: {at_least: 1}}\n    then: [{open_case: {queue: q}}]\n")
    result = cordon("policy", "backtest", str(policy), "--store", f"sqlite:///{tmp_path / 'x.sqlite'}", tmp_path=tmp_path)
    assert result.returncode == 2
    assert f"{policy}:3: unknown fact 'colour'" in result.stderr.decode()
    assert not (tmp_path / "x.sqlite").exists()
