"""Training the text models: from labelled files, from the public data sets, and from
moderators' past decisions in the store. This is how a platform adapts cordon to itself."""

from __future__ import annotations

from cordon.domain import EventName, SubjectKind
from cordon.signals.text.datasets import TASKS, LabelledTexts
from cordon.signals.text.model import LinearTextModel
from cordon.store import Store

# Cap on one account's say in training; see LabelledTexts.account_weights.
ACCOUNT_CAP = 20
DEFAULT_C = 4.0

# Which task a case's queue speaks to, and what a decision says about the account's posts.
_QUEUE_TASK = {"threats": "threat", "extremism": "extremism"}
_VIOLATION = {"suspend": 1, "restrict": 1, "uphold": 1}
_NO_VIOLATION = {"dismiss": 0, "no_action": 0, "reinstate": 0, "overturn": 0}


def train(task: str, data: LabelledTexts, *, c: float = DEFAULT_C) -> LinearTextModel:
    return LinearTextModel.fit(
        task, data.texts, data.y, data.groups, sample_weight=data.account_weights(ACCOUNT_CAP), c=c
    )


def decisions(store: Store) -> dict[str, LabelledTexts]:
    """Labelled posts from human decisions: every post of an account decided on in a case,
    labelled by the decision, for the task its queue (or the decision's `violation`) names.
    The latest decision on an account wins, so an overturned appeal counts as it ended."""
    from cordon.cases import fold_cases

    cases = fold_cases(store.events())
    verdicts: dict = {}
    for event in store.events():
        if event.name is not EventName.DECIDED or event.subject.kind is not SubjectKind.ACCOUNT:
            continue
        decision = str(event.payload.get("decision", ""))
        label = _VIOLATION.get(decision, _NO_VIOLATION.get(decision))
        case = cases.get(event.case_id or "")
        task = event.payload.get("violation") or (_QUEUE_TASK.get(case.queue) if case else None)
        if label is not None and task in TASKS:
            verdicts[(event.subject, task)] = label
    out = {task: LabelledTexts() for task in TASKS}
    for (account, task), label in verdicts.items():
        for post in store.posts(account):
            out[task].add(post.text, label, str(account), "decisions")
    return out
