"""What the case tests share: actors, a clock the test moves, and opening a case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cordon.domain import Account, Actor, EventName, ModerationEvent, Role, SubjectRef

T0 = datetime(2015, 6, 1, tzinfo=UTC)
P = "twitter"

ALICE = Actor("alice", Role.MODERATOR)
BOB = Actor("bob", Role.MODERATOR)
SENIOR = Actor("sam", Role.SENIOR_MODERATOR)
SENIOR2 = Actor("sue", Role.SENIOR_MODERATOR)
LIAISON = Actor("lee", Role.LE_LIAISON)


class Clock:
    """A clock the test moves: every reading is a second after the last."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def open_case(store, case_id: str, account: str = "1", queue: str = "extremism", priority: float = 1.0,
              risk: float | None = 0.5, at: datetime = T0) -> None:
    store.upsert_accounts([Account(P, account, f"user{account}")])
    payload = {"queue": queue, "priority": priority, "policy_clause": "rule-1"}
    if risk is not None:
        payload["risk"] = risk
    store.append_event(ModerationEvent(
        EventName.CASE_OPENED, "policy:rule-1", at, SubjectRef.account(P, account), case_id, "opened", payload,
    ))
