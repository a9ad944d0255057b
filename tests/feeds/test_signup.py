"""Proactive detection at sign-up on a generated world: the suspended accounts in a real
SQLite store, the returners arriving as account.created and follow events."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import datetime

import pytest

from cordon.domain import AccountStatus, InteractionKind, Post, SubjectRef
from cordon.errors import PolicyError
from cordon.feeds.signup import SignupDetector, review_threshold
from cordon.graph.evasion import handle_key
from cordon.policy import default_policy
from cordon.policy.model import Condition, OpenCase, Policy, Rule
from cordon.scenario import ScenarioConfig, generate
from cordon.store import open_store


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    scenario = generate(ScenarioConfig(seed=9, accounts=4000))
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('signup') / 'store.sqlite'}")
    suspended = {a.id for a in scenario.accounts if a.status is AccountStatus.SUSPENDED}
    store.write_batch(
        accounts=[a for a in scenario.accounts if a.id in suspended],
        posts=[p for p in scenario.posts if p.author_id in suspended],
        interactions=[e for e in scenario.interactions
                      if e.kind is InteractionKind.FOLLOW and e.source_id in suspended],
    )
    # When the platform suspended each one (its own record, as the moderation log would say).
    when = {SubjectRef.account(scenario.truth.platform, i): datetime.fromisoformat(t)
            for i, t in scenario.truth.suspended_at.items()}
    detector = SignupDetector.from_store(store, default_policy(), suspended_at=when)
    yield scenario, detector
    store.close()


def fresh(account):
    """The account as it was at sign-up: active, whatever happened to it later."""
    return dataclasses.replace(account, status=AccountStatus.ACTIVE, posts_count=0)


def test_the_threshold_is_the_policys():
    assert review_threshold(default_policy()) == 0.5
    no_rule = Policy("p", (Rule("r", (Condition("risk", at_least=0.9),), (OpenCase("q"),)),))
    with pytest.raises(PolicyError, match="no rule on evasion alone"):
        review_threshold(no_rule)


def test_returners_that_kept_their_look_are_flagged_on_their_profile(world):
    scenario, detector = world
    by_id = {a.id: a for a in scenario.accounts}
    truth = scenario.truth.returning_of
    kept = [i for i, o in truth.items()
            if by_id[i].status is not AccountStatus.SUSPENDED and handle_key(by_id[i].handle) == handle_key(by_id[o].handle)]
    assert len(kept) >= 5
    flagged = 0
    for i in kept:
        score = detector.on_account(fresh(by_id[i]))
        if detector.flagged(score):
            flagged += 1
            assert score.evidence.detail["candidate"].endswith("/" + truth[i])
            assert score.evidence.detail["stage"] == "signup"
    assert flagged / len(kept) >= 0.7


def test_follows_rescore_until_the_first_post(world):
    scenario, detector = world
    by_id = {a.id: a for a in scenario.accounts}
    follows = defaultdict(list)
    for e in scenario.interactions:
        if e.kind is InteractionKind.FOLLOW:
            follows[e.source_id].append(e)
    returner = next(i for i in scenario.truth.returning_of
                    if by_id[i].status is not AccountStatus.SUSPENDED and len(follows[i]) >= 2)
    account = fresh(by_id[returner])
    detector.on_account(account)
    first, second = sorted(follows[returner], key=lambda e: e.created_at)[:2]
    one = detector.on_follow(first)
    assert one is not None and one.evidence.detail["follows"] == 1
    assert detector.on_follow(first) is None  # a replayed follow changes nothing
    assert detector.on_follow(second).evidence.detail["follows"] == 2
    tracked = detector.tracked()
    detector.on_post(Post("scenario", "p1", returner, "first post"))
    assert detector.tracked() == tracked - 1
    assert detector.on_follow(dataclasses.replace(second, target_id="someone-else")) is None


def test_ordinary_newcomers_are_rarely_flagged(world):
    scenario, detector = world
    roles = scenario.truth.roles
    ordinary = [a for a in scenario.accounts if roles[a.id] == "ordinary"][:300]
    scores = detector.score_many([(fresh(a), ()) for a in ordinary])
    flagged = sum(detector.flagged(s) for s in scores)
    assert flagged / len(ordinary) <= 0.03


def test_an_unfitted_detector_scores_nothing(world):
    scenario, _ = world
    assert SignupDetector().fit([]).on_account(fresh(scenario.accounts[0])) is None


def test_a_worker_batch_is_scored_in_one_pass(world):
    scenario, detector = world
    by_id = {a.id: a for a in scenario.accounts}
    truth = scenario.truth.returning_of
    kept = [i for i, o in truth.items() if by_id[i].status is not AccountStatus.SUSPENDED
            and handle_key(by_id[i].handle) == handle_key(by_id[o].handle)][:6]
    accounts = [fresh(by_id[i]) for i in kept]
    follows = [e for e in scenario.interactions if e.kind is InteractionKind.FOLLOW and e.source_id == kept[0]][:3]
    old = fresh(scenario.accounts[0])  # an update of an account the store knew: not a sign-up
    posted = accounts[1]
    batch = [*accounts, old, *follows, Post("scenario", "p9", posted.id, "first post")]
    scores = detector.observe(batch, new_accounts={a.ref for a in accounts})
    assert old.ref not in scores and posted.ref not in scores
    assert set(scores) <= {a.ref for a in accounts}
    one_by_one = detector.score(accounts[0], follows)
    assert scores[accounts[0].ref].value == one_by_one.value
    assert scores[accounts[0].ref].evidence.detail["follows"] == len(follows)
    assert sum(detector.flagged(s) for s in scores.values()) >= 3


def test_sign_up_weights_flag_more_returners_than_the_timeline_model(world):
    """At sign-up there is no writing to go on: the model learned on pairs cut to the sign-up
    view (SIGNUP_WEIGHTS) must flag more of the returners' profiles than the one learned on
    whole timelines, or it has no reason to exist."""
    from cordon.graph.evasion import DEFAULT_WEIGHTS, SIGNUP_WEIGHTS, ReturningAccountLinker
    from cordon.graph.evasion_data import scenario_task

    scenario, detector = world
    by_id = {a.id: a for a in scenario.accounts}
    returners = [fresh(by_id[i]) for i in scenario.truth.returning_of
                 if by_id[i].status is not AccountStatus.SUSPENDED]
    suspended = scenario_task(scenario).suspended
    both = [SignupDetector(ReturningAccountLinker(weights=w, top_k=1), threshold=detector.threshold).fit(suspended)
            for w in (SIGNUP_WEIGHTS, DEFAULT_WEIGHTS)]
    ours, theirs = (sum(d.flagged(s) for s in d.score_many([(a, ()) for a in returners])) for d in both)
    assert ours > theirs, (ours, theirs, len(returners))
