"""The trained text signals: violent threat and extremist support, from the linear models
that ship in the package (models/*.npz, built by scripts/train_text_models.py)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path

from cordon.domain import Evidence, Span, SubjectRef
from cordon.signals.base import Score, TextSignal
from cordon.signals.text.model import LinearTextModel

# Scores below this carry no evidence: finding the words behind a score costs ten times the
# score itself, and the posts a reviewer sees are the ones the model calls more likely than
# not. (At 0.1, a third of the demo's ordinary posts had their words looked up.)
EVIDENCE_FLOOR = 0.5


def packaged_model_path(task: str) -> Path:
    return Path(str(resources.files(__package__).joinpath("models", f"{task}.npz")))


@cache
def _default_model(task: str) -> LinearTextModel:
    """The platform's own model where CORDON_TEXT_MODEL_DIR has one, else the packaged one."""
    from cordon.config import get_settings

    custom = get_settings().text_model_dir
    if custom is not None and (custom / f"{task}.npz").is_file():
        return LinearTextModel.load(custom / f"{task}.npz")
    return LinearTextModel.load(packaged_model_path(task))


class ModelSignal(TextSignal):
    task: str
    evidence_floor = EVIDENCE_FLOOR
    account_aggregate = "mean"

    def __init__(self, model: LinearTextModel | None = None) -> None:
        self.model = model or _default_model(self.task)

    def score(self, text: str, subject: SubjectRef) -> Score:
        return self.score_many([(text, subject)])[0]

    def score_many(self, items: Iterable[tuple[str, SubjectRef]]) -> list[Score]:
        batch = list(items)
        values = self.model.predict([text for text, _ in batch])
        return [
            self._with_evidence(text, subject, round(float(v), 4)) if v >= self.evidence_floor else Score(round(float(v), 4))
            for (text, subject), v in zip(batch, values)
        ]

    def _with_evidence(self, text: str, subject: SubjectRef, value: float) -> Score:
        drivers = self.model.drivers(text)
        spans = tuple(Span(d.start, d.end, d.feature) for d in drivers)
        words = ", ".join(f"\u201c{text[d.start:d.end][:60]}\u201d" for d in drivers) or "no single word stands out"
        evidence = Evidence(
            signal=self.name, subject=subject, score=value,
            summary=f"{self.task} {value:.2f}: {words}",
            spans=spans,
            detail={"model": self.model.meta.get("version", "custom"), "weights": [round(d.weight, 3) for d in drivers]},
        )
        return Score(value, (evidence,))

    def explain(self, evidence: Evidence) -> str:
        return evidence.summary


class ThreatModel(ModelSignal):
    name = "model.threat"
    task = "threat"
    # Calibrated honestly, this model never says more than about 0.33: even its most
    # confident texts in the public threat sets are threats one time in three. Its top bins
    # start near 0.2, and those are the posts worth showing the words of.
    evidence_floor = 0.2


class ExtremismModel(ModelSignal):
    name = "model.extremism"
    task = "extremism"
