"""The pipeline after ingest, on every store backend: score, fuse, apply policy, enforce."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest

from cordon.cases import fold_cases, review_queue
from cordon.domain import (
    Account,
    AccountStatus,
    CaseState,
    EventName,
    ModerationEvent,
    Post,
    Report,
    SubjectRef,
)
from cordon.enforce import Executor
from cordon.enforce.actuators import InternalActuator
from cordon.enforce.evidence import verify_evidence
from cordon.flow import WATCH_REQUESTED, apply_policy, assess, report_counts
from cordon.policy import default_policy
from cordon.policy.load import parse_policy

T0 = datetime(2015, 6, 1, tzinfo=timezone.utc)
P = "twitter"


def seed_platform(store) -> None:
    store.upsert_accounts([
        Account(P, "1", "abu_threat", bio="soldier of the khilafah"),
        Account(P, "2", "dawla_fan"),
        Account(P, "3", "reporter", bio="journalist covering the Middle East"),
        Account(P, "4", "quiet_user"),
        Account(P, "5", "reported_user"),
    ])
    texts = {
        "1": ["We will slaughter the twitter employees, their staff are targets #khilafah",
              "الدولة الإسلامية باقية وتتمدد"],
        "2": ["We renew our bay'ah, the khilafah is baqiyah #dawla", "lions of the caliphate"],
        "3": ["ISIS claimed the attack, police said", "Analysis: Daesh propaganda and recruitment"],
        "4": ["lovely weather for football today"],
    }
    store.insert_posts([
        Post(P, f"{a}-{i}", a, t, created_at=T0 + timedelta(minutes=i))
        for a, ts in texts.items() for i, t in enumerate(ts)
    ])
    store.insert_reports([
        Report(P, f"r{i}", f"9{i}", SubjectRef.account(P, "5"), "spam", "", T0) for i in range(3)
    ] + [Report(P, "rp", "99", SubjectRef.post(P, "1-0"), "violent_threat", "threat to staff", T0)])


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Preserved evidence goes under DATA_DIR/evidence: a test's own folder, never the user's."""
    monkeypatch.setenv("CORDON_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def run(store, policy=None):
    risks = assess(store)
    return risks, apply_policy(store, policy or default_policy(), risks, Executor(store, [InternalActuator(store)]))


def test_pipeline_queues_suspends_and_spares(store):
    seed_platform(store)
    risks, outcome = run(store)
    by_id = {r.account.id: r for r in risks}
    assert by_id["1"].score > by_id["2"].score > by_id["3"].score
    assert by_id["4"].score < 0.05
    assert any(s.label == "intent to kill" for e in by_id["1"].evidence for s in e.spans)

    # Only the near-certain threat is suspended without a person.
    assert store.get_account(SubjectRef.account(P, "1")).status is AccountStatus.SUSPENDED
    assert store.get_account(SubjectRef.account(P, "2")).status is AccountStatus.ACTIVE
    assert outcome.suspended == 1
    queue = review_queue(fold_cases(store.events()).values())
    assert [c.subject.id for c in queue] == ["1", "2", "5"]
    # The threat (to "the twitter employees") goes escalated to the law-enforcement liaison.
    assert queue[0].queue == "escalations" and queue[0].state is CaseState.ESCALATED
    assert queue[1].queue == "extremism" and queue[2].queue == "reports"
    assert outcome.reports_logged == 4
    # The report on a post counts against its author.
    assert report_counts(store)[SubjectRef.account(P, "1")] == 1


def test_pipeline_is_idempotent(store):
    seed_platform(store)
    run(store)
    events = list(store.events())
    _, outcome = run(store)
    assert list(store.events()) == events
    assert (outcome.suspended, sum(outcome.cases_opened.values()), outcome.reports_logged) == (0, 0, 0)
    assert outcome.already_handled == 3


def test_every_action_is_in_the_log(store):
    seed_platform(store)
    run(store)
    executed = [e for e in store.events() if e.name is EventName.ACTION_EXECUTED]
    assert len(executed) == 1
    e = executed[0]
    assert e.subject == SubjectRef.account(P, "1")
    assert e.payload["action"] == "suspend" and e.payload["policy_clause"] == "auto-suspend-credible-threat"
    assert e.actor == "policy:auto-suspend-credible-threat" and e.case_id is not None


def test_a_credible_threat_is_preserved_before_suspension_and_escalated_once(store, data_dir):
    seed_platform(store)
    _, outcome = run(store)
    assert (outcome.escalated, outcome.evidence_preserved, outcome.watch_requested) == (1, 1, 0)
    threat = SubjectRef.account(P, "1")
    events = list(store.events(subject=threat))
    assert [e.name for e in events] == [
        EventName.CASE_OPENED, EventName.ESCALATED, EventName.EVIDENCE_PRESERVED,
        EventName.ACTION_REQUESTED, EventName.ACTION_EXECUTED,
    ]
    escalated, preserved = events[1], events[2]
    assert escalated.payload["policy_clause"] == "auto-suspend-credible-threat" and escalated.payload["to"] == "le_liaison"
    assert preserved.actor == "policy:auto-suspend-credible-threat" and preserved.case_id == events[0].case_id
    folder = Path(preserved.payload["folder"])
    assert folder.parent == (data_dir / "evidence").resolve() and verify_evidence(folder).ok
    snapshot = [orjson.loads(x)["name"] for x in (folder / "events.jsonl").read_bytes().splitlines()]
    assert snapshot == ["case_opened", "escalated"]  # taken before the suspension
    # Nobody else is escalated or preserved: the journalist and the fan stay with moderators.
    assert [e.subject.id for e in store.events() if e.name is EventName.ESCALATED] == ["1"]


def test_a_watch_request_sends_the_case_to_the_liaison_and_places_no_hold(store):
    seed_platform(store)
    policy = parse_policy(
        "rules:\n"
        "  - id: watch-supporters\n"
        "    when: {extremism: {at_least: 0.5}, threat: {below: 0.5}}\n"
        "    then: [{request_watch: {queue: watch}}]\n"
        "  - id: review\n"
        "    when: {extremism: {at_least: 0.5}}\n"
        "    then: [{open_case: {queue: extremism}}]\n",
        "p.yaml",
    )
    _, outcome = run(store, policy)
    fan = SubjectRef.account(P, "2")
    [case] = [c for c in fold_cases(store.events()).values() if c.subject == fan]
    assert case.queue == "watch" and outcome.watch_requested >= 1
    flag = next(e for e in store.events(subject=fan) if e.name is EventName.FLAGGED)
    assert flag.payload["flag"] == WATCH_REQUESTED and flag.case_id == case.id
    names = {e.name for e in store.events()}
    assert EventName.WATCH_PLACED not in names and store.get_account(fan).status is AccountStatus.ACTIVE
    before = list(store.events())
    _, again = run(store, policy)
    assert again.watch_requested == 0 and list(store.events()) == before


LISTED = "d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22"


def _flip(hex_hash: str, bits: int) -> str:
    value = int(hex_hash, 16)
    for position in range(0, bits * 7, 7):
        value ^= 1 << position
    return f"{value:064x}"


def test_known_media_and_links_become_evidence_and_suspend(store):
    from cordon.domain.lists import ListEntry

    store.upsert_accounts([Account(P, "m1", "media_fan"), Account(P, "m2", "far_copy"), Account(P, "l1", "linker")])
    store.insert_posts([
        Post(P, "m1-0", "m1", "new release", media_hashes=(_flip(LISTED, 31),)),
        Post(P, "m2-0", "m2", "a picture", media_hashes=(_flip(LISTED, 32),)),
        Post(P, "l1-0", "l1", "read this", urls=("http://www.JustPaste.it/abc?utm_source=x",)),
    ])
    store.import_list("industry", "test", [ListEntry("pdq", LISTED, "official release"), ListEntry("host", "justpaste.it")])
    risks, outcome = run(store)
    by_id = {r.account.id: r for r in risks}
    media = by_id["m1"]
    assert media.components["media"] >= 0.95
    hit = next(e for e in media.evidence if e.signal == "media.hash")
    assert hit.subject == SubjectRef.post(P, "m1-0") and hit.detail["distance"] == 31 and hit.detail["list"] == "industry"
    assert by_id["m2"].components["media"] == 0.0  # 32 bits: not the same picture
    assert by_id["l1"].components["links"] == 0.6
    assert store.get_account(SubjectRef.account(P, "m1")).status is AccountStatus.SUSPENDED
    queues = {c.subject.id: c.queue for c in fold_cases(store.events()).values()}
    assert queues["m1"] == "media" and queues["l1"] == "extremism" and "m2" not in queues

    # A reviewer marks the entry a false positive: it stops matching on the next run.
    store.mark_false_positive("industry", "pdq", LISTED, "a tourist photo of a bridge", "reviewer")
    assert {r.account.id: r for r in assess(store)}["m1"].components["media"] == 0.0


def test_reports_are_deduplicated_weighed_by_reliability_and_join_their_case(store):
    store.upsert_accounts([Account(P, i, f"user{i}", created_at=T0 - timedelta(days=900)) for i in ("x", "y1", "y2", "r1", "r2")])
    store.insert_reports([
        Report(P, f"{who}-{y}", who, SubjectRef.account(P, y), "terrorism", "", T0) for who in ("r1", "r2") for y in ("y1", "y2")
    ])
    _, outcome = run(store)
    assert outcome.reports_logged == 4 and not outcome.cases_opened  # two reporters each: under 3

    # Moderators uphold both reports of each reporter: their reports now weigh 1.5.
    for y in ("y1", "y2"):
        store.append_event(ModerationEvent(EventName.DECIDED, "mod", T0, SubjectRef.account(P, y), f"c-{y}",
                                           payload={"decision": "suspend"}))
    later = T0 + timedelta(days=1)
    x = SubjectRef.account(P, "x")
    new = [Report(P, "x1", "r1", x, "terrorism", "", later), Report(P, "x2", "r2", x, "terrorism", "", later),
           Report(P, "x3", "r1", x, "hate", "again", later + timedelta(hours=1))]
    store.insert_reports(new)
    assert store.insert_reports(new[:1]).new == 0  # the same report id delivered twice: stored once
    figures = report_counts(store)
    assert figures.reliability[SubjectRef.account(P, "r1")].upheld == 2
    assert figures[x] == 3.0 and figures.duplicates == 1
    # Without the record, the same two reporters would not reach the threshold.
    _, outcome = run(store)
    assert outcome.cases_opened == {"reports": 1} and outcome.reports_logged == 3
    case = next(c for c in fold_cases(store.events()).values() if c.subject == x)
    assert case.queue == "reports" and case.report_count == 2  # the repeat joins no case
    logged = {e.payload["report_id"]: e.payload for e in store.events(subject=x) if e.name is EventName.REPORT_RECEIVED}
    assert logged["x1"]["weight"] == 1.5 and logged["x3"]["status"] == "duplicate"


def test_a_mass_report_brigade_raises_a_flag_and_no_action(store):
    from cordon.scenario import ScenarioConfig, generate

    world = generate(ScenarioConfig(accounts=2_000))
    truth = world.truth
    target = SubjectRef.account(truth.platform, truth.brigade_target_id)
    reported = {r.subject for r in world.reports}
    store.upsert_accounts(world.accounts)
    store.insert_posts([p for p in world.posts if p.ref in reported])
    store.insert_reports(world.reports)
    _, outcome = run(store)

    assert outcome.brigades_flagged == 1
    assert store.get_account(target).status is AccountStatus.ACTIVE
    events = list(store.events(subject=target))
    assert not [e for e in events if e.name is EventName.ACTION_EXECUTED]
    flag = next(e for e in events if e.name is EventName.FLAGGED)
    assert flag.payload["flag"] == "brigading" and "brigading" in flag.reason
    assert flag.payload["reporters"] == len(truth.brigade_ids) and flag.payload["reports"] == len(truth.brigade_report_ids)
    assert set(flag.payload["reporter_ids"]) == set(truth.brigade_ids)
    assert flag.payload["new_reporters"] == len(truth.brigade_ids)
    assert flag.payload["created_from"] < flag.payload["created_to"] < flag.payload["burst_from"] < flag.payload["burst_to"]
    # The target's only case is for a senior moderator to look at the brigade, joined by the flag.
    cases = [c for c in fold_cases(store.events()).values() if c.subject == target]
    assert [c.queue for c in cases] == ["brigading"] and flag.case_id == cases[0].id
    assert {e.payload["status"] for e in events if e.name is EventName.REPORT_RECEIVED} == {"brigade"}
    # Honest reports still count and open cases.
    figures = report_counts(store)
    assert figures[target] == 0.0
    opened = {c.subject for c in fold_cases(store.events()).values()}
    honest = {figures.outcomes[r].target for r in truth.true_report_ids}
    assert all(figures[t] > 0 for t in honest)
    assert any(t in opened for t in honest if figures[t] >= 3)

    # Run again: the brigade is not flagged twice.
    before = list(store.events())
    _, again = run(store)
    assert again.brigades_flagged == 0 and list(store.events()) == before
