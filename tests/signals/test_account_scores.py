"""Account-level text scores from a profile alone: the trained model's reading of a bio never
queues an account on its own; explicit markers (the lexicon) still do."""

from __future__ import annotations

import pytest

from cordon.domain import Account, Post
from cordon.signals.accounts import MODEL_BIO_ALONE_CAP, TextScorer

REVIEW = 0.5  # the default policy's review-extremist-support threshold


@pytest.fixture(scope="module")
def scorer() -> TextScorer:
    return TextScorer()


def _extremism(scorer: TextScorer, account: Account, posts: list[Post] = ()) -> float:
    [(scores, _)] = scorer.score_accounts([(account, account.ref, list(posts))])
    return scores.extremism


@pytest.mark.parametrize("bio", [
    "Reporter covering Syria and Iraq. Based in Erbil.",
    "Father of three. Traveller, Mosul and Raqqa.",
    "Mosul",
])
def test_a_bio_of_places_alone_stays_below_review(scorer, bio):
    assert _extremism(scorer, Account("t", "1", "someone", bio=bio)) <= MODEL_BIO_ALONE_CAP < REVIEW


def test_explicit_markers_in_a_profile_still_reach_review(scorer):
    marked = Account("t", "2", "abu_dawla", bio="Soldier of the Khilafah. Baqiya wa tatamaddad #khilafah")
    assert _extremism(scorer, marked) >= REVIEW


def test_posts_lift_the_cap(scorer):
    account = Account("t", "3", "someone", bio="Mosul")
    posts = [Post("t", f"p{i}", "3", "The soldiers of the Khilafah will conquer Rome, baqiya! #IS") for i in range(3)]
    assert _extremism(scorer, account, posts) > MODEL_BIO_ALONE_CAP
