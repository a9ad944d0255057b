"""One suite, every backend: SQLite and the real PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from cordon.domain import (
    Account,
    AccountRisk,
    AccountStatus,
    EventName,
    Evidence,
    Interaction,
    InteractionKind,
    ModerationEvent,
    Post,
    Report,
    Span,
    SubjectRef,
)
from cordon.errors import StoreError
from cordon.store import WriteResult

T0 = datetime(2015, 6, 1, 12, 0, tzinfo=timezone.utc)


def account(i: int, **kw) -> Account:
    return Account("twitter", str(i), f"user{i}", created_at=T0, followers_count=i, **kw)


def post(i: int, author: int, **kw) -> Post:
    return Post("twitter", f"p{i}", str(author), f"text {i} ٱلدولة", created_at=T0 + timedelta(minutes=i), **kw)


def test_accounts_upsert_is_idempotent_and_counts_changes(store):
    assert store.upsert_accounts([account(1), account(2)]) == WriteResult(new=2)
    assert store.upsert_accounts([account(1), account(2)]) == WriteResult(unchanged=2)
    changed = Account("twitter", "2", "user2_new", created_at=T0, followers_count=2)
    assert store.upsert_accounts([account(1), changed, account(3)]) == WriteResult(1, 1, 1)
    assert store.get_account(SubjectRef.account("twitter", "2")) == changed
    assert store.counts()["accounts"] == 3


def test_last_version_in_a_batch_wins(store):
    store.upsert_accounts([account(1), Account("twitter", "1", "renamed")])
    assert store.get_account(SubjectRef.account("twitter", "1")).handle == "renamed"


def test_posts_round_trip_and_are_immutable(store):
    p = post(1, 1, urls=("https://justpaste.it/x",), mentions=("2", "3"), hashtags=("is",),
             repost_of_id="p0", lang="ar", media_hashes=("abc",))
    assert store.insert_posts([p, post(2, 1)]) == WriteResult(new=2)
    assert store.insert_posts([p]) == WriteResult(unchanged=1)
    assert list(store.posts(SubjectRef.account("twitter", "1"))) == [p, post(2, 1)]
    assert list(store.posts(SubjectRef.account("twitter", "9"))) == []


def test_interactions_dedupe_including_follows_without_post(store):
    follow = Interaction("twitter", InteractionKind.FOLLOW, "1", "2", T0)
    repost = Interaction("twitter", InteractionKind.REPOST, "1", "2", T0, post_id="p1", weight=2.0)
    assert store.insert_interactions([follow, repost]) == WriteResult(new=2)
    assert store.insert_interactions([follow, repost]) == WriteResult(unchanged=2)
    assert list(store.interactions(InteractionKind.FOLLOW)) == [follow]
    assert sorted(store.interactions(), key=lambda i: i.kind) == [follow, repost]


def test_reports_round_trip(store):
    r = Report("twitter", "r1", "9", SubjectRef.post("twitter", "p1"), "violent_threat", "he threatens", T0)
    assert store.insert_reports([r, r]) == WriteResult(new=1, unchanged=1)
    assert list(store.reports(SubjectRef.post("twitter", "p1"))) == [r]
    assert list(store.reports(SubjectRef.account("twitter", "p1"))) == []


def test_status_changes_only_through_the_store_and_only_for_known_accounts(store):
    store.upsert_accounts([account(1)])
    ref = SubjectRef.account("twitter", "1")
    store.set_account_status(ref, AccountStatus.SUSPENDED)
    assert store.get_account(ref).status is AccountStatus.SUSPENDED
    # Platforms seldom report suspension: a re-ingested 'active' profile does not undo it.
    assert store.upsert_accounts([account(1)]) == WriteResult(unchanged=1)
    assert store.get_account(ref).status is AccountStatus.SUSPENDED
    # A status the platform itself reports does win.
    assert store.upsert_accounts([account(1, status=AccountStatus.RESTRICTED)]).changed == 1
    assert store.get_account(ref).status is AccountStatus.RESTRICTED
    with pytest.raises(StoreError, match="no such account"):
        store.set_account_status(SubjectRef.account("twitter", "404"), AccountStatus.SUSPENDED)


def test_risks_are_replaced_and_ordered(store):
    ev = Evidence("lexicon.threat", SubjectRef.post("twitter", "p1"), 0.9, "threat", (Span(0, 4, "kill"),), {"rule": "kill"})
    a, b = SubjectRef.account("twitter", "1"), SubjectRef.account("twitter", "2")
    store.save_risks([AccountRisk(a, 0.2, {"threat": 0.2}), AccountRisk(b, 0.5, {}, (ev,))])
    store.save_risks([AccountRisk(a, 0.8, {"threat": 0.8})])
    risks = store.risks()
    assert [r.account for r in risks] == [a, b]
    assert risks[0].score == 0.8 and risks[1].evidence == (ev,)
    assert store.risks(limit=1, min_score=0.0)[0].account == a
    assert [r.account for r in store.risks(min_score=0.9)] == []
    with pytest.raises(StoreError, match="outside"):
        store.save_risks([AccountRisk(a, 1.5)])


def _event(name=EventName.FLAGGED, subject="1", case=None, minutes=0):
    return ModerationEvent(name, "cordon", T0 + timedelta(minutes=minutes), SubjectRef.account("twitter", subject), case, "why", {"k": [1, "ب"]})


def test_events_append_in_order_with_filters(store):
    appended = store.append_events([_event(), _event(EventName.CASE_OPENED, case="c1", minutes=1), _event(subject="2")])
    assert [e.seq for e in appended] == sorted(e.seq for e in appended)
    assert list(store.events()) == appended
    assert list(store.events(case_id="c1")) == [appended[1]]
    assert list(store.events(subject=SubjectRef.account("twitter", "2"))) == [appended[2]]
    assert list(store.events(after_seq=appended[1].seq)) == [appended[2]]
    assert appended[0].payload == {"k": [1, "ب"]}


def test_the_log_is_append_only(store):
    stored = store.append_event(_event())
    with pytest.raises(StoreError, match="appended once"):
        store.append_event(stored)
    for method in ("update_event", "delete_event", "delete_events", "truncate"):
        assert not hasattr(store, method)
    # Not even raw SQL through the same database can change or remove it.
    for statement in ("UPDATE moderation_events SET actor = 'mallory'", "DELETE FROM moderation_events"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with store.engine.begin() as conn:
                conn.execute(sa.text(statement))
    assert list(store.events()) == [stored]


def test_input_is_checked_before_the_backend_sees_it(store):
    with pytest.raises(StoreError, match="expected Account"):
        store.upsert_accounts([post(1, 1)])
    with pytest.raises(StoreError, match="naive"):
        store.append_event(ModerationEvent(EventName.FLAGGED, "x", datetime(2015, 1, 1), SubjectRef.account("t", "1")))
    with pytest.raises(StoreError, match="no actor"):
        store.append_event(ModerationEvent(EventName.FLAGGED, "", T0, SubjectRef.account("t", "1")))
    with pytest.raises(StoreError, match="weight"):
        store.insert_interactions([Interaction("t", InteractionKind.FOLLOW, "1", "2", weight=float("nan"))])
    with pytest.raises(StoreError, match="not an account"):
        store.get_account(SubjectRef.post("t", "1"))


def test_empty_writes_are_no_ops(store):
    assert store.upsert_accounts([]) == WriteResult()
    assert store.append_events([]) == []
    assert store.counts() == {"accounts": 0, "posts": 0, "interactions": 0, "reports": 0, "events": 0}


def test_reopening_migrates_nothing_and_keeps_data(store):
    from cordon.store.migrate import upgrade

    store.upsert_accounts([account(1)])
    upgrade(store.engine)  # a second start of the same store
    assert store.counts()["accounts"] == 1


def test_post_authors_and_risks_of_some_accounts(store):
    store.insert_posts([post(1, 7), post(2, 8)])
    known, unknown = SubjectRef.post("twitter", "p1"), SubjectRef.post("twitter", "nope")
    assert store.post_authors([known, unknown, known]) == {known: SubjectRef.account("twitter", "7")}
    assert store.post_authors([]) == {}
    with pytest.raises(StoreError, match="not a post"):
        store.post_authors([SubjectRef.account("twitter", "7")])
    a, b, c = (SubjectRef.account("twitter", i) for i in "abc")
    store.save_risks([AccountRisk(a, 0.1), AccountRisk(b, 0.9), AccountRisk(c, 0.5)])
    assert [r.account for r in store.risks(accounts=[a, b])] == [b, a]
    assert store.risks(accounts=[]) == []


def test_many_accounts_and_their_posts_at_once(store, monkeypatch):
    import cordon.store.sql as sql

    # Chunks of 2 ids, so the test crosses chunk boundaries without thousands of rows.
    monkeypatch.setattr(sql, "_chunks", lambda ids, size=2: (ids[i : i + size] for i in range(0, len(ids), size)))
    store.upsert_accounts([account(i) for i in range(1, 6)])
    store.insert_posts([post(i, author) for i, author in enumerate([3, 1, 3, 5, 1, 9], start=1)])
    ref = lambda i: SubjectRef.account("twitter", str(i))  # noqa: E731
    found = store.get_accounts([ref(5), ref(1), ref(42), ref(1), ref(3)])
    assert found == {ref(1): account(1), ref(3): account(3), ref(5): account(5)}
    assert store.get_accounts([]) == {}
    wanted = [ref(3), ref(1), ref(9), ref(7)]
    got = list(store.posts_of(wanted))
    assert sorted(got, key=lambda p: p.id) == sorted(
        (p for a in wanted for p in store.posts(a)), key=lambda p: p.id
    )
    # Each author's posts together and in time order.
    authors = [p.author_id for p in got]
    assert len({a for a in authors}) == len([a for i, a in enumerate(authors) if i == 0 or authors[i - 1] != a])
    for a in wanted:
        times = [p.created_at for p in got if p.author_id == a.id]
        assert times == sorted(times)
    with pytest.raises(StoreError, match="not an account"):
        store.get_accounts([SubjectRef.post("twitter", "p1")])
    with pytest.raises(StoreError, match="not an account"):
        list(store.posts_of([SubjectRef.post("twitter", "p1")]))


def test_post_skeletons_keep_the_structure_and_drop_the_content(store):
    full = [
        post(1, 1, urls=("https://justpaste.it/x",), hashtags=("is",), mentions=("2",), media_hashes=("abc",)),
        post(2, 2, repost_of_id="p1"),
        post(3, 1, quote_of_id="p2", reply_to_id="p1"),
    ]
    store.insert_posts(full)
    skeletons = list(store.post_skeletons())
    assert [(p.id, p.author_id, p.created_at, p.reply_to_id, p.repost_of_id, p.quote_of_id) for p in skeletons] == [
        (p.id, p.author_id, p.created_at, p.reply_to_id, p.repost_of_id, p.quote_of_id) for p in store.posts()
    ]
    assert all(p.text == "" and not (p.urls or p.hashtags or p.mentions or p.media_hashes) for p in skeletons)
