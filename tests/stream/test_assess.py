"""The live assessment on its own (no broker: Worker.process on messages as a transport hands
them over), on a real SQLite store: a post whose author the store has never seen."""

from __future__ import annotations

import pytest

from cordon.domain import Account, AccountStatus, EventName, Post, SubjectRef
from cordon.enforce import Executor
from cordon.enforce.actuators import InternalActuator
from cordon.policy import default_policy
from cordon.signals.base import Score, TextSignal
from cordon.stream.assess import LiveAssessor
from cordon.stream.envelope import encode
from cordon.stream.scoring import CachingTextScorer
from cordon.stream.transport import Message
from cordon.stream.worker import Worker

class Certain(TextSignal):
    """A signal sure of what it sees in every post: the default policy's auto-suspension rule
    (threat at least 0.95, extremism at least 0.5) fires on any account with a post."""

    def __init__(self, name: str) -> None:
        self.name = name

    def score(self, text, subject):
        return Score(1.0)

    def explain(self, evidence):
        return "certain"


def _messages(*records) -> list[Message]:
    return [Message(key, value, ("t", 0, i)) for i, (key, value) in enumerate(encode(r) for r in records)]


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_a_post_before_its_author_gets_a_case_and_the_suspension_waits_for_the_account(store):
    scorer = CachingTextScorer([Certain("test.threat")], [Certain("test.extremism")])
    assessor = LiveAssessor(store, default_policy(), Executor(store, [InternalActuator(store)]), scorer=scorer)
    worker = Worker(None, assessor)  # process() never touches the transport
    ghost = SubjectRef.account("native", "ghost")

    # The post alone: it is stored and scored, a case opens, and the batch goes through
    # (an actuator failing on a missing account would make it retry forever).
    done = worker.process(_messages(Post("native", "p1", "ghost", "hello")))
    assert not done.poison and done.applied.deferred == 1
    assert [r.suspended for r in done.applied.results] == [False]
    assert {p.id for p in store.posts()} == {"p1"}
    assert store.get_account(ghost) is None
    cases = [e for e in store.events() if e.name is EventName.CASE_OPENED]
    assert [e.subject for e in cases] == [ghost]

    # The account's own event re-scores it, its stored post included: now it is suspended,
    # within the case already open.
    done = worker.process(_messages(Account("native", "ghost", "ghost")))
    assert done.applied.deferred == 0 and [r.suspended for r in done.applied.results] == [True]
    assert done.applied.results[0].case_id == cases[0].case_id
    assert store.get_account(ghost).status is AccountStatus.SUSPENDED


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_a_returning_account_is_queued_at_sign_up_before_it_posts(store):
    from datetime import UTC, datetime, timedelta

    from cordon.domain import ActionKind, Action, Interaction, InteractionKind
    from cordon.feeds.signup import SignupDetector

    suspended_at = datetime(2015, 6, 10, tzinfo=UTC)
    old = Account("native", "100", "abu_muthanna_3", "Abu Muthanna", bio="Father of three. Loves football and long walks.",
                  created_at=suspended_at - timedelta(days=200))
    hubs = [Account("native", str(i), f"hub{i}") for i in range(1, 6)]
    bystander = Account("native", "300", "weather_fan", "Jo", bio="Clouds and rain.", created_at=suspended_at)
    store.upsert_accounts([old, *hubs, bystander])
    store.insert_interactions([
        Interaction("native", InteractionKind.FOLLOW, "100", h.id, created_at=suspended_at - timedelta(days=5))
        for h in hubs
    ])
    executor = Executor(store, [InternalActuator(store)], clock=lambda: suspended_at)
    executor.execute(Action(ActionKind.SUSPEND, old.ref, "moderator:amy", "threats"))

    detector = SignupDetector.from_store(store, default_policy())
    assessor = LiveAssessor(store, default_policy(), executor, signup=detector, clock=lambda: suspended_at)
    worker = Worker(None, assessor)
    new = Account("native", "200", "abu_muthanna_4", "Abu Muthanna", bio="Father of three. Loves football and long walks.",
                  created_at=suspended_at + timedelta(hours=3))
    fresh = Account("native", "201", "weather_fan2", "Sam", bio="Gardening.", created_at=suspended_at + timedelta(hours=3))
    follows = [Interaction("native", InteractionKind.FOLLOW, "200", h.id, created_at=new.created_at) for h in hubs]
    done = worker.process(_messages(new, fresh, *follows))
    assert not done.poison
    opened = {e.subject: e for e in store.events() if e.name is EventName.CASE_OPENED}
    # The returner is queued as a returning account with no post at all; the stranger is not.
    assert new.ref in opened and opened[new.ref].payload["queue"] == "evasion"
    assert fresh.ref not in opened
    risk = store.risks(accounts=[new.ref])[0]
    assert risk.components["evasion"] >= 0.5
    assert any(e.detail.get("stage") == "signup" and e.detail.get("candidate") == str(old.ref) for e in risk.evidence)
    assert list(store.posts()) == []
    # A replay opens nothing new.
    before = len(list(store.events()))
    worker.process(_messages(new, fresh, *follows))
    assert len(list(store.events())) == before
