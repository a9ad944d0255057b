"""Writers' habits (scenario/style.py): a returner, renamed or not, writes, tags, links, posts at
the hours and follows the way its original did, more than an unrelated supporter does; and the
habits come from their own stream, so the rest of a seed's world stays as it was."""

from __future__ import annotations

import random
import re
import statistics
from collections import Counter, defaultdict
from urllib.parse import urlsplit

import numpy as np
import pytest

from cordon.graph.evasion import handle_key
from cordon.scenario import Scenario, ScenarioConfig, generate
from cordon.scenario import network as network_module
from cordon.scenario.style import EMOJI, OPENERS, PUNCTUATION, SIGN_OFFS, Styles, _drift, _fresh

_TAG_OR_URL = re.compile(r"(?:\s+(?:#\S+|https?://\S+))+$")


def _own_posts(world: Scenario) -> dict[str, list]:
    out = defaultdict(list)
    for p in world.posts:
        if p.repost_of_id is None:
            out[p.author_id].append(p)
    return out


def _markers(posts) -> set[str]:
    """What a reader would notice: first and last words of the typed text, how it ends,
    hashtags, link hosts and the language mix."""
    out: set[str] = set()
    for p in posts:
        text = _TAG_OR_URL.sub("", p.text)
        words = text.split()
        if words:
            out |= {"first:" + words[0].lower(), "last:" + words[-1].lower(), "end:" + text[-2:]}
        out |= {"#" + h for h in p.hashtags}
        out |= {"host:" + (urlsplit(u).hostname or "") for u in p.urls}
    langs = Counter(p.lang for p in posts)
    if langs:
        out.add("lang:" + langs.most_common(1)[0][0])
    return out


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _hours(world: Scenario) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(24))
    for p in world.posts:
        out[p.author_id][p.created_at.hour] += 1
    return out


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    n = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / n) if n else 0.0


def test_renamed_returners_write_like_their_original(world: Scenario) -> None:
    """The markers of a returner that changed handle, name and bio overlap its original's more
    than an unrelated supporter's (Jaccard 0.22 against 0.07 on the default world; about
    0.07 against 0.04 with the habits switched off, which fails here)."""
    truth, own = world.truth, _own_posts(world)
    accounts = {a.id: a for a in world.accounts}
    supporters = sorted(truth.with_role("supporter"))
    rng = random.Random(0)
    same, other = [], []
    for new_id, old_id in truth.returning_of.items():
        if handle_key(accounts[new_id].handle) == handle_key(accounts[old_id].handle):
            continue
        mine, theirs = _markers(own[new_id]), _markers(own[old_id])
        if not mine or not theirs:
            continue
        stranger = rng.choice([s for s in supporters if s != old_id and own[s]])
        same.append(_jaccard(mine, theirs))
        other.append(_jaccard(mine, _markers(own[stranger])))
    assert len(same) >= 10
    assert statistics.mean(same) > statistics.mean(other) + 0.08, (
        statistics.mean(same),
        statistics.mean(other),
    )


def test_returners_post_at_their_original_hours(world: Scenario) -> None:
    truth, hours = world.truth, _hours(world)
    supporters = sorted(truth.with_role("supporter"))
    rng = random.Random(1)
    same, other = [], []
    for new_id, old_id in truth.returning_of.items():
        if hours[new_id].sum() < 2 or hours[old_id].sum() < 2:
            continue
        same.append(_cos(hours[new_id], hours[old_id]))
        other.append(_cos(hours[new_id], hours[rng.choice(supporters)]))
    assert len(same) >= 20
    # Cosine 0.21 against 0.10 on the default world: most accounts post only a few times.
    assert statistics.mean(same) > statistics.mean(other) + 0.05


def test_returners_refollow_part_of_their_originals_circle(world: Scenario) -> None:
    """Beyond the hubs and officials: a share of the original's other follows, again."""
    truth = world.truth
    broadcasters = set(truth.hubs) | set(truth.officials)
    follows = defaultdict(set)
    for f in world.follows:
        if f.target_id not in broadcasters:
            follows[f.source_id].add(f.target_id)
    shares = [
        len(follows[new] & follows[old]) / len(follows[old])
        for new, old in truth.returning_of.items()
        if len(follows[old]) >= 5
    ]
    assert len(shares) >= 20
    assert 0.2 <= statistics.median(shares) <= 0.9, statistics.median(shares)


def test_supporters_mostly_repost_the_hubs_they_follow(world: Scenario) -> None:
    truth = world.truth
    writers = set(truth.with_role("supporter")) | set(truth.with_role("returning"))
    broadcasters = set(truth.hubs) | set(truth.officials)
    followed = defaultdict(set)
    for f in world.follows:
        if f.source_id in writers and f.target_id in broadcasters:
            followed[f.source_id].add(f.target_id)
    posts = {p.id: p for p in world.posts}
    hits = [
        posts[p.repost_of_id].author_id in followed[p.author_id]
        for p in world.posts
        if p.author_id in writers and p.repost_of_id is not None
    ]
    assert len(hits) > 500
    assert np.mean(hits) > 0.75, np.mean(hits)


def test_a_returner_keeps_most_habits_of_its_original() -> None:
    rng = random.Random(3)
    kept = []
    for _ in range(300):
        parent = _fresh(rng, rng.random() < 0.5)
        child = _drift(parent, rng)
        kept.append(
            (child.sign_off == parent.sign_off)
            + (child.opener == parent.opener)
            + (child.punctuation == parent.punctuation)
            + (child.arabic == parent.arabic)
            + (set(child.hashtags) <= set(parent.hashtags))
        )
        assert 4 <= child.span <= 13 and 0 <= child.hour < 24
    assert statistics.mean(kept) >= 3.8
    # Habits come from small shared pools: unrelated writers often share one.
    phrases = (*SIGN_OFFS["en"], *SIGN_OFFS["ar"])
    emoji_chars = set("".join(EMOJI)) | {" "}
    for _ in range(50):
        sign_off = _fresh(rng, False).sign_off
        rest = next((sign_off[len(p) :] for p in phrases if sign_off.startswith(p)), sign_off)
        assert set(rest) <= emoji_chars, sign_off
    assert all(_fresh(rng, True).opener in set(OPENERS["ar"]) | {""} for _ in range(50))
    assert all(_fresh(rng, False).punctuation in PUNCTUATION for _ in range(50))


@pytest.fixture(scope="module")
def plain_and_styled(monkeypatch_module):
    config = ScenarioConfig(accounts=3_000, chunk_size=1_000, seed=11)
    styled = generate(config)
    monkeypatch_module.setattr(network_module.style, "apply", lambda *a, **k: None)
    plain = generate(config)
    return plain, styled


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_habits_leave_the_rest_of_the_world_as_it_was(plain_and_styled) -> None:
    """Its own stream: accounts, roles, suspensions, returns, and who posts how often are the
    same with and without the habits; hubs' and officials' posts are untouched."""
    plain, styled = plain_and_styled
    assert plain.truth.returning_of == styled.truth.returning_of
    assert plain.truth.suspended_at == styled.truth.suspended_at

    def ident(a):
        return (a.id, a.handle, a.display_name, a.bio, a.created_at, a.status, a.avatar_hash)

    assert [ident(a) for a in plain.accounts] == [ident(a) for a in styled.accounts]
    assert Counter(p.author_id for p in plain.posts) == Counter(p.author_id for p in styled.posts)
    broadcasters = set(plain.truth.hubs) | set(plain.truth.officials)

    def broadcasts(world):
        return sorted((p.created_at, p.text) for p in world.posts if p.author_id in broadcasters)

    assert broadcasts(plain) == broadcasts(styled)

    def threats(world):
        ids = set(world.truth.threat_post_ids)
        return sorted((p.created_at, p.text) for p in world.posts if p.id in ids)

    assert threats(plain) == threats(styled)


def test_styles_are_drawn_per_account() -> None:
    from cordon.scenario.plan import make_plan

    plan = make_plan(ScenarioConfig(accounts=3_000, chunk_size=1_000, seed=11))
    a, b = Styles(plan), Styles(plan)
    writers = np.flatnonzero(plan.original >= 0).tolist()[:5]
    # The order they are asked for does not matter.
    assert [a.of(i) for i in writers] == [b.of(i) for i in reversed(writers)][::-1]
