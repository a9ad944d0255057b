"""The text models a rescore runs, chosen on the driver and shipped to every worker.

The driver loads them and the cluster hands each worker a copy, so every worker scores with
the same weights whatever its own files and settings: a worker on another machine needs
neither the model folder nor CORDON_TEXT_MODEL_DIR.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cordon.errors import InputError
from cordon.signals.accounts import TextScorer
from cordon.signals.text.classifier import packaged_model_path
from cordon.signals.text.model import LinearTextModel

TASKS = ("threat", "extremism")


@dataclass(frozen=True)
class TextModels:
    threat: LinearTextModel
    extremism: LinearTextModel
    # sha256 over both model files: a resumed run must score with the very same models.
    digest: str
    source: str  # where they came from, for people


def load_models(model_dir: Path | None) -> TextModels:
    """The models in `model_dir` (threat.npz and extremism.npz, as `cordon train` writes them;
    a task without its file there keeps the packaged model, as CORDON_TEXT_MODEL_DIR does),
    or the packaged ones without a folder."""
    if model_dir is not None:
        if not model_dir.is_dir():
            raise InputError(f"model folder {model_dir} not found")
        if not any((model_dir / f"{task}.npz").is_file() for task in TASKS):
            raise InputError(f"{model_dir} holds neither threat.npz nor extremism.npz")
    paths = {
        task: model_dir / f"{task}.npz" if model_dir is not None and (model_dir / f"{task}.npz").is_file()
        else packaged_model_path(task)
        for task in TASKS
    }
    digest = hashlib.sha256()
    for task in TASKS:
        digest.update(paths[task].read_bytes())
    return TextModels(
        threat=LinearTextModel.load(paths["threat"]),
        extremism=LinearTextModel.load(paths["extremism"]),
        digest=digest.hexdigest()[:16],
        source=str(model_dir) if model_dir is not None else "packaged models",
    )


def scorer_for(models: TextModels) -> TextScorer:
    """The TextScorer of cordon.signals.accounts.default_signals with these models in place of
    the configured ones: the same signals, so a rescore with the default models equals
    flow.assess. The MiniLM second stage, when a worker's settings switch it on, reranks the
    threat model's output there (its reranker is the worker's own)."""
    from cordon.config import get_settings
    from cordon.signals.text.classifier import ExtremismModel, RerankedThreatModel, ThreatModel
    from cordon.signals.text.lexicon import ExtremismLexicon, ThreatLexicon

    threat_model = RerankedThreatModel if get_settings().text_second_stage == "minilm" else ThreatModel
    return TextScorer(
        threat=[threat_model(models.threat), ThreatLexicon()],
        extremism=[ExtremismModel(models.extremism), ExtremismLexicon()],
    )
