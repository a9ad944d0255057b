"""The Signal interface, in the manner of python-threatexchange's SignalType: a stable name,
what it applies to, and a score that always carries the evidence behind it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from cordon.domain import Evidence, SubjectKind, SubjectRef


@dataclass(frozen=True, slots=True)
class Score:
    """A calibrated score in [0,1] and the evidence that produced it (empty when it is 0)."""

    value: float
    evidence: tuple[Evidence, ...] = ()

    def __post_init__(self) -> None:
        if not 0.0 <= self.value <= 1.0:
            raise ValueError(f"score {self.value!r} outside [0,1]")


class Signal(ABC):
    #: Stable identifier: stored with evidence and named in policies. Never reuse one.
    name: ClassVar[str]
    #: What kind of subject the signal looks at.
    applies_to: ClassVar[SubjectKind]

    @abstractmethod
    def explain(self, evidence: Evidence) -> str:
        """One sentence a reviewer can check against the subject."""


class TextSignal(Signal):
    """Scores the text of a post (or of a profile, for account-level use)."""

    applies_to = SubjectKind.POST
    #: How an account's post scores become the account's: "top" (a few strong hits say it
    #: all: a lexicon's explicit patterns) or "mean" (a calibrated model's average says how
    #: much of the account is like this; one post of news vocabulary does not).
    account_aggregate: ClassVar[str] = "top"
    #: Scores at or above this carry evidence; below it they may not.
    evidence_floor: ClassVar[float] = 0.0

    @abstractmethod
    def score(self, text: str, subject: SubjectRef) -> Score: ...

    def score_many(self, items: Iterable[tuple[str, SubjectRef]]) -> list[Score]:
        """Batch scoring; a signal with a vectorised model overrides this."""
        return [self.score(text, subject) for text, subject in items]
