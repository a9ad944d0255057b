"""The optional second stage: MiniLM sentence embeddings rerank the posts the linear model
already finds suspicious.

The linear model reads words; the embedding reads meaning ("your office will burn" without
"kill"). A logistic regression over [embedding, the linear model's own score] learns when to
trust which, and an isotonic map calibrates it on out-of-fold scores grouped by account.
Embedding costs about a hundred times the linear model, so only posts the first stage scores
at or above the gate are embedded; the gate is set in training so that it passes nine in ten
true positives. Measured on held-out accounts: docs/model-card.md.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cordon.errors import CordonError
from cordon.signals.text.model import LinearTextModel, fit_calibrated

# Share of the training positives the gate lets through to the second stage. 0.9 ranks best
# on held-out accounts; 0.5 keeps most of the gain at the top of the ranking and reranks
# about a sixth as many posts (docs/model-card.md).
GATE_RECALL = 0.9


@dataclass
class Reranker:
    task: str
    weights: np.ndarray  # one per embedding dimension, then one for the first stage's score
    bias: float
    knots_x: np.ndarray
    knots_y: np.ndarray
    # First-stage probability at or above which a post is embedded and reranked.
    gate: float
    # The first stage's raw score is standardised with its training mean and spread.
    first_mean: float
    first_std: float
    meta: dict = field(default_factory=dict)

    def features(self, embeddings: np.ndarray, first_raw: np.ndarray) -> np.ndarray:
        first = (np.asarray(first_raw, dtype=np.float32) - self.first_mean) / self.first_std
        return np.hstack([embeddings, first[:, None]])

    def decision(self, embeddings: np.ndarray, first_raw: np.ndarray) -> np.ndarray:
        return self.features(embeddings, first_raw) @ self.weights + self.bias

    def predict(self, embeddings: np.ndarray, first_raw: np.ndarray) -> np.ndarray:
        raw = self.decision(embeddings, first_raw)
        return np.clip(np.interp(raw, self.knots_x, self.knots_y), 0.0, 1.0)

    @classmethod
    def fit(
        cls, first: LinearTextModel, embeddings: np.ndarray, labels: np.ndarray, groups: Sequence[str],
        sample_weight: np.ndarray, *, c: float = 4.0, folds: int = 5, seed: int = 0, gate_recall: float = GATE_RECALL,
    ) -> Reranker:
        """`first` must come straight from LinearTextModel.fit on the same texts: the second
        stage learns from its out-of-fold scores, which look like its scores on new posts
        (its scores on its own training texts are overconfident)."""
        if first.out_of_fold is None:
            raise CordonError("the reranker needs a first-stage model fresh from training (its out-of-fold scores)")
        labels = np.asarray(labels, dtype=np.int8)
        first_raw = first.out_of_fold
        mean, std = float(first_raw.mean()), float(first_raw.std() or 1.0)
        shell = cls(first.task, np.zeros(0), 0.0, np.zeros(0), np.zeros(0), 0.0, mean, std)
        x = shell.features(embeddings, first_raw)
        _, final, knots = fit_calibrated(x, labels, groups, sample_weight, c=c, folds=folds, seed=seed, solver="lbfgs")
        first_probability = first.calibrate(first_raw)
        gate = float(np.quantile(first_probability[labels == 1], 1.0 - gate_recall))
        return cls(
            task=first.task, weights=final.coef_[0].astype(np.float32), bias=float(final.intercept_[0]),
            knots_x=knots[0], knots_y=knots[1], gate=gate, first_mean=mean, first_std=std,
            meta={"task": first.task, "examples": len(labels), "positives": int(labels.sum()),
                  "gate_pass_negatives": round(float((first_probability[labels == 0] >= gate).mean()), 4)},
        )

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path, weights=self.weights, bias=np.float64(self.bias), knots_x=self.knots_x, knots_y=self.knots_y,
            gate=np.float64(self.gate), first_mean=np.float64(self.first_mean), first_std=np.float64(self.first_std),
            meta=np.frombuffer(json.dumps({**self.meta, "task": self.task}).encode(), dtype=np.uint8),
        )

    @classmethod
    def load(cls, path: Path) -> Reranker:
        try:
            with np.load(path) as data:
                meta = json.loads(bytes(data["meta"]).decode())
                return cls(
                    meta["task"], data["weights"].astype(np.float32), float(data["bias"]), data["knots_x"],
                    data["knots_y"], float(data["gate"]), float(data["first_mean"]), float(data["first_std"]), meta,
                )
        except (OSError, KeyError, ValueError) as exc:
            raise CordonError(f"{path}: not a cordon reranker ({exc})") from None
