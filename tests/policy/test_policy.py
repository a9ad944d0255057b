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


def test_new_effects_parse_with_defaults_and_route_the_case():
    from cordon.policy import Escalate, PreserveEvidence, RequestWatch, routing

    policy = parse_policy(
        "rules:\n"
        "  - id: a\n"
        "    when: {threat: {at_least: 0.5}}\n"
        "    then:\n"
        "      - open_case: {queue: threats}\n"
        "      - request_watch: {}\n"
        "      - escalate: {priority: 3}\n"
        "      - preserve_evidence: {}\n",
        "p.yaml",
    )
    assert policy.rules[0].then == (OpenCase("threats"), RequestWatch("watch", 1.0), Escalate("escalations", 3.0),
                                    PreserveEvidence())
    fired = evaluate(policy, risk(threat=0.6))
    assert routing(fired).effect == Escalate("escalations", 3.0)  # the liaison sees it first
    assert routing(fired[:2]).effect == RequestWatch()
    assert routing(fired[:1]).effect == OpenCase("threats")
    assert routing([]) is None


def test_new_effects_are_checked_with_line_and_hint():
    text = (
        "rules:\n"
        "  - id: a\n"
        "    when: {threat: {at_least: 0.5}}\n"
        "    then:\n"
        "      - watch: {}\n"
        "      - escalate: {queue: '', to: fbi}\n"
        "      - preserve_evidence: {folder: /tmp}\n"
        "      - request_watch: {priority: high}\n"
        "      - escalate: fbi\n"
    )
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "p.yaml")
    lines = str(info.value).splitlines()
    assert lines[0].startswith("p.yaml:5: unknown effect 'watch'") and "cannot place a hold" in lines[0]
    assert lines[0].endswith("request_watch sends the case to the liaison's watch queue to decide one)")
    assert lines[1].startswith("p.yaml:6: escalate has no parameter 'to'") and "escalate takes queue, priority" in lines[1]
    assert lines[2].startswith("p.yaml:6: escalate.queue must be a queue name")
    assert lines[3].startswith("p.yaml:7: preserve_evidence has no parameter 'folder'") and "no parameters" in lines[3]
    assert lines[4].startswith("p.yaml:8: request_watch.priority must be a number")
    assert lines[5].startswith("p.yaml:9: escalate takes a mapping of parameters") and "hint: escalate: {queue: escalations}" in lines[5]
    assert len(lines) == 6


def test_a_threat_naming_staff_is_escalated_by_the_default_policy():
    from cordon.domain import Evidence, Span
    from cordon.policy import Escalate, PreserveEvidence

    policy = default_policy()
    spans = (Span(0, 17, "intent to kill"), Span(8, 52, "named target"))
    naming = AccountRisk(A, 0.7, {"threat": 0.7}, (Evidence("lexicon.threat", A, 0.7, "threat", spans),))
    plain = AccountRisk(A, 0.7, {"threat": 0.7}, (Evidence("lexicon.threat", A, 0.7, "threat", spans[:1]),))
    fired = {(d.rule.id, type(d.effect)) for d in evaluate(policy, naming)}
    assert {("escalate-threat-to-named-target", Escalate), ("escalate-threat-to-named-target", PreserveEvidence)} <= fired
    assert not [d for d in evaluate(policy, plain) if isinstance(d.effect, Escalate)]
    # A near-certain threat with extremist support is preserved, suspended and escalated.
    strong = {type(d.effect) for d in evaluate(policy, risk(threat=0.97, extremism=0.6))}
    assert {PreserveEvidence, Suspend, Escalate} <= strong
