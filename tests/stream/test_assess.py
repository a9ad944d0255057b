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
