from __future__ import annotations

from pathlib import Path

import pytest

from cordon.domain import AccountRisk, SubjectRef
from cordon.errors import PolicyError
from cordon.policy import OpenCase, Suspend, default_policy, evaluate, load_policy
from cordon.policy.load import parse_policy

A = SubjectRef.account("t", "1")


def risk(threat=0.0, extremism=0.0, score=None):
    s = score if score is not None else max(threat, extremism)
    return AccountRisk(A, s, {"threat": threat, "extremism": extremism, "reports": 0.0})


def test_default_policy_routes_to_people_and_suspends_only_when_near_certain():
    policy = default_policy()
    effects = lambda r, n=0: [type(d.effect) for d in evaluate(policy, r, n)]  # noqa: E731
    assert effects(risk()) == []
    assert effects(risk(threat=0.6)) == [OpenCase]
    assert effects(risk(extremism=0.7)) == [OpenCase]
    assert Suspend not in effects(risk(threat=0.9, extremism=0.9))
    assert Suspend in effects(risk(threat=0.97, extremism=0.6))
    assert effects(risk(), 3) == [OpenCase]
    assert evaluate(policy, risk(threat=0.6))[0].effect.queue == "threats"


def test_every_error_is_reported_with_its_line_and_a_hint():
    text = (
        "rules:\n"
        "  - id: a\n"
        "    when: {colour: {at_least: 1}}\n"
        "    then: [{ban: {}}]\n"
        "  - id: b\n"
        "    when:\n"
        "      reports: {at_least: 1}\n"
        "    then:\n"
        "      - suspend: {}\n"
    )
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "p.yaml")
    lines = str(info.value).splitlines()
    assert lines[0].startswith("p.yaml:3: unknown fact 'colour'") and "hint:" in lines[0]
    assert lines[1].startswith("p.yaml:4: unknown effect 'ban'")
    assert lines[2].startswith("p.yaml:5: rule 'b' suspends without a human")
    assert len(lines) == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "p.yaml:1: the policy is empty"),
        ("rules: [\n", "p.yaml:2: not valid YAML"),
        ("name: x\n", "p.yaml:1: no 'rules'"),
        ("rules:\n  - id: a\n", "p.yaml:2: rule lacks when, then"),
        ("rules:\n  - {id: a, when: {risk: {at_least: x}}, then: []}\n", "risk.at_least must be a number"),
    ],
)
def test_broken_policies(text, message):
    with pytest.raises(PolicyError, match=message.replace("[", r"\[")):
        parse_policy(text, "p.yaml")


def test_load_from_file(tmp_path: Path):
    path = tmp_path / "p.yaml"
    path.write_text("rules:\n  - {id: r, when: {risk: {at_least: 0.4, below: 0.9}}, then: [{open_case: {queue: q}}]}\n")
    policy = load_policy(path)
    assert [d.rule.id for d in evaluate(policy, risk(score=0.5))] == ["r"]
    assert evaluate(policy, risk(score=0.95)) == []
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "missing.yaml")
