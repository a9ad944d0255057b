"""A backtest split over the cluster equals backtest_store, on every store backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cordon.backfill import backtest_history
from cordon.domain import EventName, ModerationEvent, SubjectRef
from cordon.flow import assess
from cordon.policy import default_policy
from cordon.policy.backtest import backtest_store

T0 = datetime(2015, 7, 1, tzinfo=UTC)


def decide(account: SubjectRef, decision: str, minutes: int) -> ModerationEvent:
    return ModerationEvent(EventName.DECIDED, "mod", T0 + timedelta(minutes=minutes), account, f"c-{account.id}",
                           payload={"decision": decision})


def test_backtest_equals_backtest_store(platform, cluster):
    store, url = platform
    risks = assess(store)
    # People decided on the top of the list and on some of the rest, some against the
    # policy, one account twice (the latest decision counts), and one never assessed.
    top, rest = risks[:40], risks[40::25]
    events = [decide(r.account, "suspend" if i % 3 else "dismiss", i) for i, r in enumerate(top + rest)]
    never_assessed = SubjectRef.account("scenario", "nobody")
    events += [decide(top[1].account, "overturn", 500), decide(never_assessed, "suspend", 501)]
    store.append_events(events)
    policy = default_policy()

    expected = backtest_store(store, policy, keep=7)
    seen: list[int] = []
    got = backtest_history(url, policy, cluster, partitions=6, keep=7, progress=lambda p: seen.append(p.done))
    assert got == expected
    assert expected.decided == len(top + rest) + 1 and expected.true_positives and expected.false_positives
    assert len(got.disagreements) == 7  # more than that disagree: the merge kept the top ones
    assert seen == list(range(1, 7))
