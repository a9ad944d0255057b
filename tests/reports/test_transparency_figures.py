"""The transparency report's figures, from moderation logs written by hand, on every backend.

Each log is small enough to work out the figures by hand; the comments say how."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cordon.domain import Account, AccountStatus, EventName, ModerationEvent, SubjectRef
from cordon.reports import Period, build_report

P = "twitter"
T0 = datetime(2016, 3, 1, tzinfo=UTC)
E = EventName


def acct(name: str) -> SubjectRef:
    return SubjectRef.account(P, name)


def ev(name: EventName, who: str, hours: float, case: str | None = None, **payload) -> ModerationEvent:
    return ModerationEvent(name, "test", T0 + timedelta(hours=hours), acct(who), case_id=case, payload=payload)


def opened(who: str, hours: float, case: str, queue: str, source: str) -> ModerationEvent:
    return ev(E.CASE_OPENED, who, hours, case, queue=queue, source=source, policy_clause=f"rule-{queue}")


def executed(who: str, hours: float, case: str | None, action: str, clause: str | None = None) -> ModerationEvent:
    payload = {"action": action, "idempotency_key": f"{who}-{action}-{hours}"}
    if clause:
        payload["policy_clause"] = clause
    return ev(E.ACTION_EXECUTED, who, hours, case, **payload)


def iso(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


FULL_LOG = [
    # a1: found by detection, suspended 2 h later; escalated, evidence preserved twice.
    opened("a1", 0, "c1", "threats", "detection"),
    executed("a1", 2, "c1", "suspend", "threat-suspend"),
    ev(E.ESCALATED, "a1", 3, "c1", body="FBI"),
    ev(E.EVIDENCE_PRESERVED, "a1", 3, "c1", manifest_sha256="ab"),
    ev(E.EVIDENCE_PRESERVED, "a1", 4, "c1", manifest_sha256="cd"),
    # a2: a user report (on a post, judged to be about a2) made at +1 h, a case from reports at
    # +3 h, a moderator's decision with the clause, suspended at +11 h: 10 h to action. The
    # report is logged last, as the flow does, with the time it was made.
    opened("a2", 3, "c2", "reports", "reports"),
    ev(E.DECIDED, "a2", 5, "c2", decision="suspend", policy_clause="violent-threat"),
    executed("a2", 11, "c2", "suspend"),
    ModerationEvent(E.REPORT_RECEIVED, "reporter:9", T0 + timedelta(hours=1), SubjectRef.post(P, "p2"),
                    payload={"report_id": "r1", "account": str(acct("a2"))}),
    # a3: detection, a hold placed by the FBI that blocks a suspension, watched at +4 h.
    opened("a3", 0, "c3", "media", "detection"),
    ev(E.WATCH_PLACED, "a3", 1, "c3", hold_id="h1", requesting_body="FBI", expires=iso(24 * 30)),
    ev(E.ACTION_BLOCKED, "a3", 2, "c3", action="suspend", why="watch hold h1"),
    ev(E.ACTION_BLOCKED, "a3", 2.5, "c3", action="restrict", why="watch hold h1"),
    executed("a3", 4, "c3", "watch", "watch-hold"),
    # a4: suspended 1 h after detection; appealed, overturned, reinstated.
    opened("a4", 0, "c4", "threats", "detection"),
    executed("a4", 1, "c4", "suspend", "threat-suspend"),
    ev(E.APPEALED, "a4", 24, "c4", appellant="a4"),
    ev(E.DECIDED, "a4", 48, "c4", decision="overturn", policy_clause="threat-suspend"),
    executed("a4", 48, "c4", "reinstate", "threat-suspend"),
    # a5: suspended 6 h after detection; appealed and upheld. A hold placed and lifted.
    opened("a5", 0, "c5", "threats", "detection"),
    executed("a5", 6, "c5", "suspend", "threat-suspend"),
    ev(E.APPEALED, "a5", 24, "c5", appellant="a5"),
    ev(E.DECIDED, "a5", 30, "c5", decision="uphold", policy_clause="threat-suspend"),
    ev(E.WATCH_PLACED, "a5", 31, None, hold_id="h3", requesting_body="Europol", expires=iso(24 * 60)),
    ev(E.WATCH_LIFTED, "a5", 32, None, hold_id="h3"),
    # a6: a case still waiting, its appeal too; a hold that expired, one past its expiry.
    opened("a6", 0, "c6", "media", "detection"),
    ev(E.DECIDED, "a6", 2, "c6", decision="no_action"),
    ev(E.APPEALED, "a6", 3, "c6", appellant="reporter:4"),
    ev(E.WATCH_PLACED, "a6", 1, None, hold_id="h2", requesting_body="FBI", expires=iso(24)),
    ev(E.WATCH_EXPIRED, "a6", 24, None, hold_id="h2"),
    ev(E.WATCH_PLACED, "a6", 25, None, hold_id="h4", requesting_body="NCA", expires=iso(48)),
]
NOW = T0 + timedelta(days=10)


@pytest.fixture
def full(store):
    store.upsert_accounts([Account(P, f"a{i}", f"user{i}") for i in range(1, 7)])
    for who in ("a1", "a2", "a5"):
        store.set_account_status(acct(who), AccountStatus.SUSPENDED)
    store.append_events(FULL_LOG)
    return store


def test_actions_by_type_violation_and_queue(full):
    report = build_report(full, now=NOW)
    assert report.actions == {"suspend": 4, "watch": 1, "reinstate": 1, "restrict": 0, "preserve": 0, "escalate": 0}
    # a2's executed event names no clause: its case's decision does.
    assert report.log.actions_by_clause == {"threat-suspend": 4, "violent-threat": 1, "watch-hold": 1}
    assert report.log.actions_by_queue == {"threats": 4, "reports": 1, "media": 1}


def test_proactive_share_counts_case_sources(full):
    report = build_report(full, now=NOW)
    assert (report.proactive_cases, report.report_cases, report.log.proactive.unknown) == (5, 1, 0)
    assert report.proactive_share == pytest.approx(5 / 6)
    assert report.log.proactive.monthly_shares() == {"2016-03": pytest.approx(5 / 6)}


def test_time_to_action_median_and_p90_overall_and_per_queue(full):
    log = build_report(full, now=NOW).log
    # One figure per account, to its first action (a reinstatement is not one): a1 2 h,
    # a2 10 h (from the report made at +1 h, logged last), a3 4 h, a4 1 h, a5 6 h.
    assert sorted(log.time_to_action.hours) == pytest.approx([1, 2, 4, 6, 10])
    assert log.time_to_action.median == pytest.approx(4)
    assert log.time_to_action.p90 == pytest.approx(8.4)  # between 6 and 10, 60% of the way
    by_queue = {q: (d.count, d.median) for q, d in log.time_to_action_by_queue.items()}
    assert by_queue == {"threats": (3, pytest.approx(2)), "reports": (1, pytest.approx(10)), "media": (1, pytest.approx(4))}


def test_watch_holds(full):
    watch = build_report(full, now=NOW).log.watch
    assert (watch.placed, watch.lifted, watch.expired) == (4, 1, 1)
    # h1 runs 30 days: active; h4 expired at +48 h with no WATCH_EXPIRED logged: overdue.
    assert (watch.active, watch.overdue) == (1, 1)
    assert watch.suspensions_blocked == 1 and watch.blocked == {"suspend": 1, "restrict": 1}
    assert watch.by_body == {"FBI": 2, "Europol": 1, "NCA": 1}


def test_appeals_and_their_overturn_rate(full):
    appeals = build_report(full, now=NOW).log.appeals
    assert (appeals.appealed, appeals.overturned, appeals.upheld, appeals.pending) == (3, 1, 1, 1)
    assert appeals.overturn_rate == pytest.approx(0.5)
    assert appeals.reinstated == 1


def test_escalations_evidence_and_cases(full):
    report = build_report(full, now=NOW)
    assert (report.log.escalations, report.log.escalated_subjects) == (1, 1)
    assert (report.log.evidence_preserved, report.log.preserved_subjects) == (2, 1)
    assert report.cases_by_queue == {"threats": 3, "media": 2, "reports": 1}
    # c1 escalated; c2, c4, c5 decided (an appeal's decision too); c3 open; c6 appealed.
    assert report.cases_by_state == {"escalated": 1, "decided": 3, "open": 1, "appealed": 1}
    assert report.account_status == {"suspended": 3, "active": 3}


def test_csv_rows_carry_every_section(full):
    rows = {(s, m): v for s, m, v in build_report(full, now=NOW).rows()}
    assert rows[("actions", "suspend")] == 4
    assert rows[("actions_by_violation", "violent-threat")] == 1
    assert rows[("detection", "proactive_share")] == "0.8333"
    assert rows[("detection", "twitter_2016_17_low")] == 0.74
    assert rows[("time_to_action", "p90_hours")] == "8.4000"
    assert rows[("time_to_action:reports", "median_hours")] == "10.0000"
    assert rows[("watch", "suspensions_blocked")] == 1
    assert rows[("appeals", "overturn_rate")] == "0.5000"
    assert rows[("escalation", "escalations")] == 1 and rows[("evidence", "preserved")] == 2


# -- the period --------------------------------------------------------------------------
JAN = datetime(2016, 1, 1, tzinfo=UTC)


def at(day: int, who: str, name: EventName, case: str | None = None, **payload) -> ModerationEvent:
    return ModerationEvent(name, "test", JAN + timedelta(days=day), acct(who), case_id=case, payload=payload)


PERIOD_LOG = [
    at(0, "h", E.WATCH_PLACED, hold_id="h", requesting_body="FBI", expires=(JAN + timedelta(days=45)).isoformat()),
    at(9, "b", E.REPORT_RECEIVED, report_id="r"),  # the report that first named b
    at(19, "b", E.CASE_OPENED, "cb", queue="reports", source="reports"),
    at(35, "b", E.ACTION_EXECUTED, "cb", action="suspend", policy_clause="violent-threat"),
    at(40, "c", E.CASE_OPENED, "cc", queue="threats", source="detection"),
    at(64, "c", E.ACTION_EXECUTED, "cc", action="suspend", policy_clause="threat-suspend"),
]
FEB = Period(JAN + timedelta(days=31), JAN + timedelta(days=60))  # February, to Mar 1


def test_a_period_counts_its_own_events_and_keeps_earlier_state(store):
    store.append_events(PERIOD_LOG)
    report = build_report(store, period=FEB, now=JAN + timedelta(days=90))
    log = report.log
    # b's suspension (Feb 5) is in; c's (Mar 5) is after the period.
    assert report.actions["suspend"] == 1 and log.actions_by_clause == {"violent-threat": 1}
    # Timed from b's report on Jan 10, before the period: 26 days.
    assert log.time_to_action.hours == [pytest.approx(26 * 24)]
    # Only c's case opened in February, and at the period's end it was still open.
    assert (report.proactive_cases, report.report_cases) == (1, 0)
    assert report.cases_by_state == {"open": 1}
    # The hold placed in January ran out on Feb 15 with nothing logged: overdue, not active.
    assert (log.watch.placed, log.watch.active, log.watch.overdue) == (0, 0, 1)


def test_state_at_the_end_of_an_earlier_period(store):
    store.append_events(PERIOD_LOG)
    report = build_report(store, period=Period(until=JAN + timedelta(days=20)), now=JAN + timedelta(days=90))
    assert (report.log.watch.placed, report.log.watch.active) == (1, 1)
    assert report.actions["suspend"] == 0 and report.log.time_to_action.count == 0
    assert report.report_cases == 1 and report.proactive_share == 0.0


def test_an_empty_store_gives_empty_figures(store):
    report = build_report(store)
    assert report.proactive_share is None and report.median_hours_to_action is None
    assert report.log.appeals.overturn_rate is None and sum(report.actions.values()) == 0
    assert ("appeals", "overturn_rate", "") in report.rows()


def test_cases_that_do_not_name_a_source_stay_out_of_the_share(store):
    store.append_events([
        at(0, "x", E.CASE_OPENED, "cx", queue="q"),
        at(0, "y", E.CASE_OPENED, "cy", queue="q", source="reports"),
    ])
    report = build_report(store)
    assert report.log.proactive.unknown == 1 and report.proactive_share == 0.0


def test_hub_coverage_is_the_state_now_whatever_the_period(store):
    hubs = [acct("h1"), acct("h2"), acct("h3")]
    store.upsert_accounts([Account(P, h.id, h.id) for h in hubs])
    store.set_account_status(hubs[0], AccountStatus.SUSPENDED)
    # h2's case opened after the period ends; it is still waiting on review now.
    store.append_events([at(30, "h2", E.CASE_OPENED, "ch2", queue="hubs", source="detection")])
    report = build_report(store, hubs, period=Period(until=JAN + timedelta(days=10)), now=JAN + timedelta(days=40))
    assert (report.hubs_total, report.hubs_suspended, report.hubs_queued, report.hubs_actioned) == (3, 1, 1, 2)
    assert report.hubs_sentence == "1 of 3 hubs suspended, 1 queued for review."
    assert report.cases_by_queue == {}  # the case itself is outside the period
