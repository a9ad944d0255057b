"""User reports: de-duplication, reporter reliability, and the brigade guard, on domain
objects alone (the store-backed flow is in tests/test_flow.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cordon.cases.reports import (
    BRIGADED,
    BRIGADING,
    COUNTED,
    DUPLICATE,
    BrigadeRules,
    Reliability,
    report_figures,
)
from cordon.domain import Account, EventName, ModerationEvent, Report, SubjectRef

T0 = datetime(2015, 6, 20, tzinfo=UTC)
P = "t"
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def acc(ident: str) -> SubjectRef:
    return SubjectRef.account(P, ident)


def report(rid: str, reporter: str, subject: str, at: datetime = T0) -> Report:
    return Report(P, rid, reporter, acc(subject), "terrorism", "", at)


def decided(subject: str, decision: str, minutes: int = 0) -> ModerationEvent:
    return ModerationEvent(
        EventName.DECIDED, "mod", T0 + timedelta(minutes=minutes), acc(subject), f"c-{subject}",
        payload={"decision": decision},
    )


def people(prefix: str, n: int, created: datetime, spread: timedelta, followers: int = 3) -> dict:
    return {
        acc(f"{prefix}{i}"): Account(P, f"{prefix}{i}", f"{prefix}{i}", created_at=created + spread * i / n,
                                     followers_count=followers)
        for i in range(n)
    }


def test_duplicates_count_once():
    reports = [
        report("r1", "a", "x"),
        report("r1", "a", "x"),  # the same report delivered twice
        report("r2", "a", "x", T0 + HOUR),  # the same reporter again
        report("r3", "b", "x"),
    ]
    figures = report_figures(reports)
    assert figures[acc("x")] == 2.0 and figures.reporters[acc("x")] == 2
    assert (figures.received, figures.redelivered, figures.duplicates) == (3, 1, 1)
    assert figures.outcomes["r2"].status == DUPLICATE and figures.outcomes["r1"].status == COUNTED


def test_a_report_on_a_post_counts_against_its_author_once_per_reporter():
    post = SubjectRef.post(P, "p1")
    reports = [Report(P, "r1", "a", post, "violent_threat", "", T0), report("r2", "a", "x", T0 + HOUR)]
    figures = report_figures(reports, post_authors={post: acc("x")})
    assert figures[acc("x")] == 1.0 and figures.outcomes["r2"].status == DUPLICATE


def test_reliability_starts_neutral_and_follows_decisions():
    assert Reliability().score == 0.5 and Reliability().weight == 1.0
    reports = [
        report("g1", "good", "v1"), report("g2", "good", "v2"), report("g3", "good", "next"),
        report("b1", "bad", "n1"), report("b2", "bad", "n2"), report("b3", "bad", "next"),
        report("n1", "new", "next"),
    ]
    before = report_figures(reports)
    assert before[acc("next")] == 3.0  # nothing decided yet: every reporter counts 1

    events = [decided("v1", "suspend"), decided("v2", "restrict"), decided("n1", "no_action"),
              decided("n2", "suspend"), decided("n2", "overturn", 5)]  # the latest decision wins
    after = report_figures(reports, events)
    good, bad = after.reliability[acc("good")], after.reliability[acc("bad")]
    assert (good.upheld, good.dismissed, bad.upheld, bad.dismissed) == (2, 0, 0, 2)
    assert good.score == pytest.approx(0.75) and bad.score == pytest.approx(0.25)
    assert after.reliability[acc("new")] == Reliability()
    # On an undecided account: 1.5 + 0.5 + 1.
    assert after[acc("next")] == pytest.approx(3.0)
    assert after.outcomes["g3"].weight == 1.5 and after.outcomes["b3"].weight == 0.5
    # Leave-one-out: a report's own outcome does not weigh it; g1 weighs on g2's outcome alone.
    assert after.outcomes["g1"].weight == pytest.approx(Reliability(1, 0).weight, abs=1e-4)


def test_a_burst_of_new_alike_accounts_is_a_brigade_and_counts_for_nothing():
    brigade = people("z", 40, T0, 2 * DAY)
    burst = T0 + 3 * DAY
    reports = [report(f"z{i}", f"z{i}", "journalist", burst + i * 30 * timedelta(minutes=1)) for i in range(40)]
    reports += [report(f"zz{i}", f"z{i}", "journalist", burst + DAY) for i in range(10)]  # some twice
    honest = people("h", 3, T0 - 900 * DAY, 300 * DAY, followers=200)
    reports += [report(f"h{i}", f"h{i}", "journalist", burst + i * HOUR) for i in range(3)]
    figures = report_figures(reports, accounts=brigade | honest)

    found = figures.brigades[acc("journalist")]
    assert figures.brigaded(acc("journalist")) == 1.0 and figures.brigaded(acc("h0")) == 0.0
    assert len(found.reporter_ids) == 40 and len(found.report_ids) == 50
    assert found.new_reporters == 40 and found.alike_reporters == 40 and found.unreliable_reporters == 0
    assert found.created_from == T0 and found.created_to < T0 + 2 * DAY
    assert found.burst_from == burst and found.burst_to == burst + 39 * timedelta(minutes=30)
    assert found.median_followers == 3.0 and found.reporters_in_burst == 43
    # The brigade's reports weigh nothing; the three honest ones still count.
    assert figures[acc("journalist")] == 3.0
    assert figures.discounted == 50
    assert all(figures.outcomes[f"z{i}"].status == BRIGADED for i in range(40))
    payload = found.payload()
    assert payload["flag"] == BRIGADING and payload["reporters"] == 40 and payload["reports"] == 50
    assert payload["burst_from"] == burst.isoformat() and "z0" in payload["reporter_ids"]
    assert "40 suspect reporters filed 50 reports" in found.reason


def test_an_honest_crowd_is_no_brigade():
    # Forty long-standing accounts report a threat within hours: witnesses, not a brigade.
    crowd = people("w", 40, T0 - 2000 * DAY, 1500 * DAY, followers=120)
    reports = [report(f"w{i}", f"w{i}", "threat", T0 + i * timedelta(minutes=5)) for i in range(40)]
    figures = report_figures(reports, accounts=crowd)
    assert not figures.brigades and figures[acc("threat")] == 40.0


def test_a_few_new_accounts_among_many_witnesses_are_no_brigade():
    crowd = people("w", 40, T0 - 2000 * DAY, 1500 * DAY, followers=120)
    fresh = people("n", 12, T0 - 2 * DAY, DAY)
    reports = [report(f"w{i}", f"w{i}", "threat", T0 + i * timedelta(minutes=5)) for i in range(40)]
    reports += [report(f"n{i}", f"n{i}", "threat", T0 + i * timedelta(minutes=7)) for i in range(12)]
    figures = report_figures(reports, accounts=crowd | fresh)
    assert not figures.brigades and figures[acc("threat")] == 52.0


def test_a_slow_trickle_of_new_reporters_is_no_burst():
    fresh = people("n", 20, T0 - DAY, DAY)
    # Each reports two days after the last: never ten within three days.
    reports = [report(f"n{i}", f"n{i}", "x", T0 + i * 2 * DAY) for i in range(20)]
    fresh = {ref: Account(P, a.id, a.handle, created_at=T0 + int(ref.id[1:]) * 2 * DAY - HOUR, followers_count=300)
             for ref, a in fresh.items()}
    figures = report_figures(reports, accounts=fresh)
    assert not figures.brigades and figures[acc("x")] == 20.0


def test_unreliable_reporters_in_a_burst_are_a_brigade():
    # Old accounts whose reports keep being dismissed mass-report one user.
    old = people("u", 12, T0 - 1000 * DAY, 900 * DAY, followers=500)
    reports, events = [], []
    for i in range(12):
        for k in range(3):
            reports.append(report(f"u{i}-{k}", f"u{i}", f"victim{k}", T0 - 30 * DAY))
        reports.append(report(f"u{i}", f"u{i}", "target", T0 + i * HOUR))
    events = [decided(f"victim{k}", "dismiss") for k in range(3)]
    figures = report_figures(reports, events, accounts=old)
    found = figures.brigades[acc("target")]
    assert found.unreliable_reporters == 12 and found.new_reporters == 0
    assert figures[acc("target")] == 0.0
    # Without their record they are just twelve people.
    assert not report_figures(reports, accounts=old).brigades


def test_rules_are_tunable():
    brigade = people("z", 6, T0, DAY)
    reports = [report(f"z{i}", f"z{i}", "j", T0 + 2 * DAY + i * HOUR) for i in range(6)]
    assert not report_figures(reports, accounts=brigade).brigades
    assert report_figures(reports, accounts=brigade, rules=BrigadeRules(min_reporters=5)).brigades


def test_the_generated_brigade_is_caught_and_true_reports_still_count():
    from cordon.scenario import ScenarioConfig, generate

    world = generate(ScenarioConfig(accounts=2_000))
    truth = world.truth
    accounts = {a.ref: a for a in world.accounts}
    authors = {p.ref: p.author_ref for p in world.posts}
    figures = report_figures(world.reports, accounts=accounts, post_authors=authors)

    target = SubjectRef.account(truth.platform, truth.brigade_target_id)
    assert set(figures.brigades) == {target}
    found = figures.brigades[target]
    assert set(found.reporter_ids) == set(truth.brigade_ids)
    assert set(found.report_ids) == set(truth.brigade_report_ids)
    assert figures[target] == 0.0
    # Every honest report still counts, at full weight (no decisions yet).
    for rid in truth.true_report_ids + truth.false_report_ids:
        outcome = figures.outcomes[rid]
        assert outcome.status in (COUNTED, DUPLICATE) and outcome.target != target
    counted = [figures.outcomes[r] for r in truth.true_report_ids if figures.outcomes[r].status == COUNTED]
    assert counted and all(o.weight == 1.0 for o in counted)
