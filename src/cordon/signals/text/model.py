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

        def learner() -> LogisticRegression:
            return LogisticRegression(C=c, class_weight="balanced", solver="liblinear", random_state=seed)

        # Out-of-fold raw scores, grouped so no account is on both sides, calibrate the model.
        raw = np.zeros(len(labels))
        n_folds = min(folds, len(set(groups)))
        for train, test in GroupKFold(n_splits=n_folds).split(x, labels, groups):
            fold = learner().fit(x[train], labels[train], sample_weight=weight[train])
            raw[test] = fold.decision_function(x[test])
        isotonic = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
        isotonic.fit(raw, labels, sample_weight=weight)
        final = learner().fit(x, labels, sample_weight=weight)
        return cls(
            task=task,
            weights=final.coef_[0].astype(np.float32),
            bias=float(final.intercept_[0]),
            knots_x=np.asarray(isotonic.X_thresholds_, dtype=np.float64),
            knots_y=np.asarray(isotonic.y_thresholds_, dtype=np.float64),
            meta={"task": task, "examples": int(len(labels)), "positives": int(labels.sum()), "C": c},
        )

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
