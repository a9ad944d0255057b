"""Two text signals as one, by noisy-OR: the trained model and the transparent lexicon.

Measured on held-out accounts of the real data, the combination ranks a little better than
the model alone (threat ROC-AUC 0.923 against 0.912, extremism 0.970 against 0.968), and it
keeps the lexicon's explicit patterns (threats against named staff, obfuscated calls to kill)
that the small public threat sets barely cover. Both evidences are kept.
"""

from __future__ import annotations

from collections.abc import Iterable

from cordon.domain import Evidence, SubjectRef
from cordon.signals.base import Score, TextSignal


class CombinedSignal(TextSignal):
    def __init__(self, name: str, *parts: TextSignal) -> None:
        self.name = name  # type: ignore[misc]  # a per-instance name: one class, several signals
        self.parts = parts

    def score(self, text: str, subject: SubjectRef) -> Score:
        return self.score_many([(text, subject)])[0]

    def score_many(self, items: Iterable[tuple[str, SubjectRef]]) -> list[Score]:
        return self.score_parts(items)[0]

    def score_parts(self, items: Iterable[tuple[str, SubjectRef]]) -> tuple[list[Score], list[list[Score]]]:
        """The combined scores, and each part's own (accounts aggregate parts differently)."""
        batch = list(items)
        per_part = [part.score_many(batch) for part in self.parts]
        return self._combine(per_part), per_part

    @staticmethod
    def _combine(per_part: list[list[Score]]) -> list[Score]:
        out = []
        for scores in zip(*per_part):
            miss = 1.0
            for s in scores:
                miss *= 1.0 - s.value
            out.append(Score(round(1.0 - miss, 4), tuple(e for s in scores for e in s.evidence)))
        return out

    def explain(self, evidence: Evidence) -> str:
        part = next((p for p in self.parts if p.name == evidence.signal), None)
        return part.explain(evidence) if part else evidence.summary
