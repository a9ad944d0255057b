"""A calibrated linear text model: hashed word n-grams, logistic regression, and an isotonic
map from the raw score to a probability, fitted on out-of-fold predictions grouped by account.

Saved as one small .npz: only the weights of columns training ever saw, as float16.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from cordon.errors import CordonError
from cordon.signals.text.features import Featurizer, shared_featurizer, token_spans


def fit_calibrated(
    x, labels: np.ndarray, groups: Sequence[str], weight: np.ndarray, *, c: float, folds: int, seed: int,
    solver: str = "liblinear",
) -> tuple[np.ndarray, LogisticRegression, tuple[np.ndarray, np.ndarray]]:
    """Logistic regression on x, and an isotonic map from its raw score to a probability fitted
    on out-of-fold scores grouped by account (no account on both sides of a fold). Returns
    the out-of-fold scores, the model fitted on everything and the map's knots."""

    def learner() -> LogisticRegression:
        return LogisticRegression(C=c, class_weight="balanced", solver=solver, random_state=seed, max_iter=2000)

    raw = np.zeros(len(labels))
    n_folds = min(folds, len(set(groups)))
    for train, test in GroupKFold(n_splits=n_folds).split(x, labels, groups):
        fold = learner().fit(x[train], labels[train], sample_weight=weight[train])
        raw[test] = fold.decision_function(x[test])
    isotonic = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
    isotonic.fit(raw, labels, sample_weight=weight)
    final = learner().fit(x, labels, sample_weight=weight)
    knots = (np.asarray(isotonic.X_thresholds_, dtype=np.float64), np.asarray(isotonic.y_thresholds_, dtype=np.float64))
    return raw, final, knots


@dataclass(frozen=True, slots=True)
class Driver:
    """A feature that pushed a text's score up, where it stands in the original text."""

    feature: str
    start: int
    end: int
    weight: float


@dataclass
class LinearTextModel:
    task: str
    weights: np.ndarray  # dense, one per hashed column
    bias: float
    # Isotonic calibration as interpolation knots: raw decision value -> probability.
    knots_x: np.ndarray
    knots_y: np.ndarray
    meta: dict = field(default_factory=dict)
    # Raw out-of-fold decisions on the training texts, right after fit; None once loaded.
    out_of_fold: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._featurizer = shared_featurizer(len(self.weights))

    # -- scoring -------------------------------------------------------------------------
    def decision(self, texts: Sequence[str]) -> np.ndarray:
        return self._featurizer.transform(texts) @ self.weights + self.bias

    def calibrate(self, raw: np.ndarray) -> np.ndarray:
        return np.clip(np.interp(raw, self.knots_x, self.knots_y), 0.0, 1.0)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities in [0,1], one per text."""
        if not texts:
            return np.zeros(0)
        return self.calibrate(self.decision(texts))

    def drivers(self, text: str, limit: int = 3) -> list[Driver]:
        """The features of this text that weigh most towards the positive class."""
        spans = token_spans(text)
        if not spans:
            return []
        columns = self._featurizer.columns([s.feature for s in spans])
        weights = self.weights[columns]
        order = np.argsort(-weights)
        out: list[Driver] = []
        for i in order[:limit]:
            if weights[i] <= 0:
                break
            s = spans[i]
            out.append(Driver(s.feature, s.start, s.end, float(weights[i])))
        return out

    # -- training ------------------------------------------------------------------------
    @classmethod
    def fit(
        cls, task: str, texts: Sequence[str], labels: np.ndarray, groups: Sequence[str], *,
        sample_weight: np.ndarray | None = None, c: float = 4.0, folds: int = 5, seed: int = 0,
    ) -> LinearTextModel:
        labels = np.asarray(labels, dtype=np.int8)
        if len(set(labels.tolist())) != 2:
            raise CordonError(f"training '{task}' needs both positive and negative examples")
        # A private featurizer: the shared one would keep the whole training matrix as its
        # last batch.
        featurizer = Featurizer()
        x = featurizer.transform(texts)
        weight = np.ones(len(labels)) if sample_weight is None else np.asarray(sample_weight, float)

        raw, final, knots = fit_calibrated(x, labels, groups, weight, c=c, folds=folds, seed=seed)
        model = cls(
            task=task,
            weights=final.coef_[0].astype(np.float32),
            bias=float(final.intercept_[0]),
            knots_x=knots[0],
            knots_y=knots[1],
            meta={"task": task, "examples": len(labels), "positives": int(labels.sum()), "C": c},
        )
        # Kept for a second stage that learns on top of this one (reranker.py); not saved.
        model.out_of_fold = raw
        return model

    # -- persistence ---------------------------------------------------------------------
    def save(self, path: Path) -> None:
        seen = np.flatnonzero(self.weights).astype(np.int32)
        np.savez_compressed(
            path, columns=seen, values=self.weights[seen].astype(np.float16),
            n_features=np.int64(len(self.weights)), bias=np.float64(self.bias),
            knots_x=self.knots_x, knots_y=self.knots_y,
            meta=np.frombuffer(json.dumps({**self.meta, "task": self.task}).encode(), dtype=np.uint8),
        )

    @classmethod
    def load(cls, path: Path) -> LinearTextModel:
        try:
            with np.load(path) as data:
                weights = np.zeros(int(data["n_features"]), dtype=np.float32)
                weights[data["columns"]] = data["values"].astype(np.float32)
                meta = json.loads(bytes(data["meta"]).decode())
                return cls(meta["task"], weights, float(data["bias"]), data["knots_x"], data["knots_y"], meta)
        except (OSError, KeyError, ValueError) as exc:
            raise CordonError(f"{path}: not a cordon text model ({exc})") from None
