"""The trained text signals: violent threat and extremist support, from the linear models
that ship in the package (models/*.npz, built by scripts/train_text_models.py)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from cordon.domain import Evidence, Span, SubjectRef
from cordon.signals.base import Score, TextSignal
from cordon.signals.text.lexicon import stance_damping
from cordon.signals.text.model import LinearTextModel
from cordon.signals.text.reranker import Reranker

# Scores below this carry no evidence: finding the words behind a score costs ten times the
# score itself, and the posts a reviewer sees are the ones the model calls more likely than
# not. (At 0.1, a third of the demo's ordinary posts had their words looked up.)
EVIDENCE_FLOOR = 0.5


def packaged_model_path(task: str) -> Path:
    return Path(str(resources.files(__package__).joinpath("models", f"{task}.npz")))


def _model_file(name: str) -> Path:
    """The platform's own file where CORDON_TEXT_MODEL_DIR has one, else the packaged one."""
    from cordon.config import get_settings

    custom = get_settings().text_model_dir
    if custom is not None and (custom / f"{name}.npz").is_file():
        return custom / f"{name}.npz"
    return packaged_model_path(name)


@cache
def _default_model(task: str) -> LinearTextModel:
    return LinearTextModel.load(_model_file(task))


@cache
def _default_reranker(task: str) -> Reranker:
    return Reranker.load(_model_file(f"{task}-minilm"))


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
        texts = [text for text, _ in batch]
        if not texts:
            return []
        damping = stance_damping(self.task, texts)
        values = self._values(texts) * damping
        return [
            self._with_evidence(text, subject, round(float(v), 4), float(d)) if v >= self.evidence_floor
            else Score(round(float(v), 4))
            for (text, subject), v, d in zip(batch, values, damping)
        ]

    def _values(self, texts: list[str]) -> np.ndarray:
        return self.model.predict(texts)

    def _with_evidence(self, text: str, subject: SubjectRef, value: float, damping: float = 1.0) -> Score:
        drivers = self.model.drivers(text)
        spans = tuple(Span(d.start, d.end, d.feature) for d in drivers)
        words = ", ".join(f"\u201c{text[d.start:d.end][:60]}\u201d" for d in drivers) or "no single word stands out"
        evidence = Evidence(
            signal=self.name, subject=subject, score=value,
            summary=f"{self.task} {value:.2f}: {words}",
            spans=spans,
            detail={"model": self.model.meta.get("version", "custom"), "weights": [round(d.weight, 3) for d in drivers],
                    # Below 1 where reporting or counter-speech cues damped the score (lexicon.py).
                    "stance_damping": round(damping, 3), **self._detail()},
        )
        return Score(value, (evidence,))

    def _detail(self) -> dict:
        return {}

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


class RerankedThreatModel(ThreatModel):
    """The threat model with the MiniLM second stage (reranker.py): posts the linear model
    scores at or above the reranker's gate get the reranker's probability instead. Needs the
    `minilm` extra; switched on with CORDON_TEXT_SECOND_STAGE=minilm."""

    name = "model.threat.minilm"

    def __init__(self, model: LinearTextModel | None = None, reranker: Reranker | None = None) -> None:
        from cordon.signals.text.embedding import shared_encoder

        super().__init__(model)
        self.reranker = reranker or _default_reranker(self.task)
        self.encoder = shared_encoder()

    def _values(self, texts: list[str]) -> np.ndarray:
        raw = self.model.decision(texts) if texts else np.zeros(0)
        values = self.model.calibrate(raw)
        gated = np.flatnonzero(values >= self.reranker.gate)
        if gated.size:
            embeddings = self.encoder.encode([texts[i] for i in gated])
            values[gated] = self.reranker.predict(embeddings, raw[gated])
        return values

    def _detail(self) -> dict:
        return {"second_stage": "all-MiniLM-L6-v2", "gate": round(self.reranker.gate, 4)}
