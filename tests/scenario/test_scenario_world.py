"""What the default world contains, checked against its ground truth."""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest

from cordon.domain import AccountStatus, InteractionKind, SubjectKind
from cordon.errors import ConfigError
from cordon.scenario import GroundTruth, Scenario, ScenarioConfig
from cordon.scenario.compose import TATWEEL, ZERO_WIDTH

K = InteractionKind
HARD_NEGATIVES = ("journalist", "researcher", "counter_speech")


def _by_id(world: Scenario):
    return {a.id: a for a in world.accounts}, {p.id: p for p in world.posts}


def test_role_counts(world: Scenario) -> None:
    counts = world.truth.counts()
    assert counts["hub"] == 16 and len(world.truth.hubs) == 16
    assert counts["official"] == 5 and len(world.truth.officials) == 5
    assert counts["supporter"] == 600  # 3% of 20,000
    assert 60 <= counts["returning"] <= 250
    assert counts["brigade"] == 200 and len(world.truth.brigade_ids) == 200
    assert (
        counts["journalist"] >= 20 and counts["researcher"] >= 10 and counts["counter_speech"] >= 30
    )
    assert counts["ordinary"] > 0.9 * 20_000
    assert sum(counts.values()) == len(world.accounts) == 20_000


def test_truth_is_consistent(world: Scenario) -> None:
    truth = world.truth
    ids = [a.id for a in world.accounts]
    assert len(set(ids)) == len(ids) and set(truth.roles) == set(ids)
    network = {
        a for a, r in truth.roles.items() if r in ("official", "hub", "supporter", "returning")
    }
    assert set(truth.violating_accounts) == network
    assert set(truth.returning_of) == set(truth.with_role("returning"))
    assert set(truth.staff_threat_post_ids) <= set(truth.threat_post_ids)
    assert truth.roles[truth.brigade_target_id] == "journalist"
    assert set(truth.obfuscated_post_ids) <= set(truth.threat_post_ids) | set(
        truth.support_post_ids
    )
    assert GroundTruth.from_json(truth.to_json()) == truth


def test_handles_and_post_ids_are_unique(world: Scenario) -> None:
    handles = [a.handle.lower() for a in world.accounts]
    assert len(set(handles)) == len(handles)
    post_ids = [p.id for p in world.posts]
    assert len(set(post_ids)) == len(post_ids)


def test_everything_happens_inside_the_window(world: Scenario) -> None:
    start = datetime.fromisoformat("2015-06-01T00:00:00+00:00")
    end = start + timedelta(days=30)
    accounts, posts = _by_id(world)
    for post in world.posts:
        assert start <= post.created_at < end
        assert post.created_at >= accounts[post.author_id].created_at
        for ref in (post.repost_of_id, post.quote_of_id, post.reply_to_id):
            if ref is not None:
                assert posts[ref].created_at <= post.created_at
    for report in world.reports:
        assert start <= report.created_at < end
    for follow in world.follows:
        assert follow.created_at < end


def test_suspended_accounts_stop_posting(world: Scenario) -> None:
    suspended_at = {a: datetime.fromisoformat(t) for a, t in world.truth.suspended_at.items()}
    accounts, _ = _by_id(world)
    assert {a.id for a in world.accounts if a.status == AccountStatus.SUSPENDED} == set(
        suspended_at
    )
    for post in world.posts:
        if post.author_id in suspended_at:
            assert post.created_at < suspended_at[post.author_id]


def test_follow_graph_is_heavy_tailed(world: Scenario) -> None:
    followers = sorted((a.followers_count for a in world.accounts), reverse=True)
    median = followers[len(followers) // 2]
    assert followers[0] > 50 * max(median, 1)
    # Follower counts agree with the follow records.
    indegree = Counter(f.target_id for f in world.follows)
    assert all(indegree.get(a.id, 0) == a.followers_count for a in world.accounts)


def test_hubs_repost_officials_within_minutes(world: Scenario) -> None:
    truth = world.truth
    _, posts = _by_id(world)
    officials = set(truth.officials)
    releases = [p for p in world.posts if p.author_id in officials and p.repost_of_id is None]
    delays = defaultdict(list)
    for post in world.posts:
        if (
            post.author_id in truth.hubs
            and post.repost_of_id
            and posts[post.repost_of_id].author_id in officials
        ):
            delays[post.author_id].append(
                (post.created_at - posts[post.repost_of_id].created_at).total_seconds()
            )
    assert set(delays) == set(truth.hubs)
    for hub_delays in delays.values():
        assert len(hub_delays) >= 0.6 * len(releases)
        assert statistics.median(hub_delays) < 15 * 60


def test_supporters_follow_hubs_and_mostly_repost(world: Scenario) -> None:
    truth = world.truth
    supporters = set(truth.with_role("supporter"))
    hubs = set(truth.hubs)
    following_hubs = {
        f.source_id for f in world.follows if f.source_id in supporters and f.target_id in hubs
    }
    assert len(following_hubs) >= 0.95 * len(supporters)
    kinds = Counter(
        "repost" if p.repost_of_id else "own" for p in world.posts if p.author_id in supporters
    )
    assert kinds["repost"] > kinds["own"]


def test_returning_accounts_come_back_after_suspension(world: Scenario) -> None:
    truth = world.truth
    accounts, _ = _by_id(world)
    similar = 0
    for new_id, old_id in truth.returning_of.items():
        new, old = accounts[new_id], accounts[old_id]
        assert old.status == AccountStatus.SUSPENDED
        assert new.created_at > datetime.fromisoformat(truth.suspended_at[old_id])
        assert int(new_id) > int(old_id)  # ids grow with creation time, as Twitter's did
        stem_new, stem_old = (re.sub(r"[_\d]", "", a.handle) for a in (new, old))
        similar += stem_new[:6] == stem_old[:6]
    assert similar >= 0.6 * len(truth.returning_of)
    assert similar < len(truth.returning_of)  # some change handle, name and bio at once
    chains = [new for new, old in truth.returning_of.items() if old in truth.returning_of]
    assert chains, "some accounts are suspended and come back more than once"


def test_returning_accounts_refollow_the_same_hubs_quickly(world: Scenario) -> None:
    truth = world.truth
    accounts, _ = _by_id(world)
    hubs = set(truth.hubs)
    hub_follows = defaultdict(set)
    first_follow = {}
    for f in world.follows:
        if f.target_id in hubs:
            hub_follows[f.source_id].add(f.target_id)
            if f.source_id in truth.returning_of:
                first_follow[f.source_id] = min(
                    first_follow.get(f.source_id, f.created_at), f.created_at
                )
    overlaps = []
    for new_id, old_id in truth.returning_of.items():
        old = hub_follows[old_id]
        overlaps.append(len(hub_follows[new_id] & old) / len(old))
        assert first_follow[new_id] - accounts[new_id].created_at < timedelta(days=2)
    assert statistics.mean(overlaps) > 0.9


def test_threats_in_english_and_arabic_some_obfuscated(world: Scenario) -> None:
    truth = world.truth
    _, posts = _by_id(world)
    threats = [posts[i] for i in truth.threat_post_ids]
    assert len(threats) >= 30 and len(truth.staff_threat_post_ids) >= 5
    assert {p.lang for p in threats} == {"en", "ar"}
    assert all(truth.roles[p.author_id] in ("supporter", "returning") for p in threats)
    staff_words = re.compile(
        r"twitter|تويتر|staff|employees|moderators|admins|engineers|workers", re.I
    )
    assert all(
        staff_words.search(posts[i].text)
        for i in truth.staff_threat_post_ids
        if posts[i].id not in truth.obfuscated_post_ids
    )
    obfuscated = [posts[i].text for i in truth.obfuscated_post_ids]
    assert 0 < len(obfuscated) < 0.3 * (len(truth.threat_post_ids) + len(truth.support_post_ids))
    marks = Counter()
    for text in obfuscated:
        marks["zero_width"] += any(z in text for z in ZERO_WIDTH)
        marks["tatweel"] += TATWEEL in text
        marks["leet"] += bool(re.search(r"[a-z][0-9][a-z]", text))
    assert all(marks[k] > 0 for k in ("zero_width", "tatweel", "leet"))


def test_support_posts_carry_propaganda_links_and_media(world: Scenario) -> None:
    truth = world.truth
    _, posts = _by_id(world)
    support = [posts[i] for i in truth.support_post_ids]
    hosts = Counter(u.split("/")[2] for p in support for u in p.urls)
    assert {"justpaste.it", "archive.org", "t.me"} <= set(hosts)
    media = {h for p in support for h in p.media_hashes}
    assert set(truth.propaganda_media_hashes) & media
    assert len(media - set(truth.propaganda_media_hashes)) > 0  # re-encoded near-duplicates


def test_hard_negatives_pay_attention_but_never_endorse(world: Scenario) -> None:
    truth = world.truth
    network = set(truth.violating_accounts)
    hard = {a for a, r in truth.roles.items() if r in HARD_NEGATIVES}
    kinds = Counter(
        i.kind for i in world.interactions if i.source_id in hard and i.target_id in network
    )
    assert kinds[K.FOLLOW] == 0 and kinds[K.REPOST] == 0
    assert kinds[K.MENTION] > 50 and kinds[K.REPLY] > 50
    assert kinds[K.QUOTE] > 20  # quoting threats to condemn them
    journalists = set(truth.with_role("journalist"))
    officials_and_hubs = set(truth.officials) | set(truth.hubs)
    assert any(
        i.kind == K.MENTION and i.source_id in journalists and i.target_id in officials_and_hubs
        for i in world.interactions
    )
    # They use the same words as the network.
    _, posts = _by_id(world)
    texts = " ".join(p.text for p in world.posts if p.author_id in journalists)
    assert "ISIS" in texts and "Amaq" in texts


def test_ordinary_majority_talks_about_everyday_things_in_two_languages(world: Scenario) -> None:
    ordinary = set(world.truth.with_role("ordinary"))
    posts = [p for p in world.posts if p.author_id in ordinary]
    assert len(posts) > 40_000
    langs = Counter(p.lang for p in posts)
    assert langs["ar"] > 0.2 * len(posts) and langs["en"] > 0.4 * len(posts)
    assert 0.05 < sum(bool(p.hashtags) for p in posts) / len(posts) < 0.4
    assert 0.05 < sum(bool(p.urls) for p in posts) / len(posts) < 0.4
    assert any(p.mentions for p in posts)


def test_brigade_reports_target_the_journalist_from_young_accounts(world: Scenario) -> None:
    truth = world.truth
    accounts, _ = _by_id(world)
    reports = {r.id: r for r in world.reports}
    brigade = set(truth.brigade_ids)
    assert 200 <= len(truth.brigade_report_ids) <= 400
    created = [accounts[a].created_at for a in brigade]
    assert max(created) - min(created) <= timedelta(days=3)
    for report_id in truth.brigade_report_ids:
        report = reports[report_id]
        assert (
            report.subject.kind == SubjectKind.ACCOUNT
            and report.subject.id == truth.brigade_target_id
        )
        assert report.reporter_id in brigade
        assert report.created_at > accounts[report.reporter_id].created_at
        assert report.created_at - accounts[report.reporter_id].created_at < timedelta(days=7)
    # Nothing else reports the journalist.
    others = [
        r
        for r in world.reports
        if r.subject.id == truth.brigade_target_id and r.id not in truth.brigade_report_ids
    ]
    assert not others


def test_true_and_false_reports(world: Scenario) -> None:
    truth = world.truth
    reports = {r.id: r for r in world.reports}
    assert set(reports) == set(truth.true_report_ids) | set(truth.false_report_ids) | set(
        truth.brigade_report_ids
    )
    threats = set(truth.threat_post_ids)
    network = set(truth.violating_accounts)
    for report_id in truth.true_report_ids:
        report = reports[report_id]
        if report.subject.kind == SubjectKind.POST:
            assert report.subject.id in threats and report.reason == "violent_threat"
        else:
            assert report.subject.id in network and report.reason == "terrorism"
    assert any(reports[r].subject.kind == SubjectKind.POST for r in truth.true_report_ids)
    assert truth.false_report_ids
    for report_id in truth.false_report_ids:
        assert truth.roles[reports[report_id].subject.id] == "ordinary"


def test_config_is_checked() -> None:
    with pytest.raises(ConfigError, match="accounts"):
        ScenarioConfig(accounts=10)
    with pytest.raises(ConfigError, match="supporter_share"):
        ScenarioConfig(supporter_share=1.5)
