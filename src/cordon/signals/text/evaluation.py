"""Honest figures for a text model: trained on some accounts, measured on others.

The split is by group (account), and each test account counts equally: its posts are capped
at `cap` (the pro-ISIS accounts have ~160 tweets each, the controls ~3, and without the cap
the figures would mostly measure a few prolific accounts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score, roc_curve
from sklearn.model_selection import GroupShuffleSplit

from cordon.signals.text.datasets import LabelledTexts
from cordon.signals.text.model import LinearTextModel


@dataclass(frozen=True)
class Metrics:
    task: str
    train_examples: int
    test_examples: int
    test_positives: int
    roc_auc: float
    pr_auc: float
    recall_at_1pct_fpr: float
    # Calibration: mean squared error of the probabilities (lower is better).
    brier: float
    # False-positive rate at score >= 0.5, per negative source (background, controls, ...).
    fpr_by_source: dict[str, float]

    def lines(self) -> list[str]:
        out = [
            (f"task {self.task}: trained on {self.train_examples:,}, tested on {self.test_examples:,} "
            f"({self.test_positives:,} positive), split by account"),
            f"  ROC-AUC              {self.roc_auc:.4f}",
            f"  PR-AUC               {self.pr_auc:.4f}",
            f"  recall at 1% FPR     {self.recall_at_1pct_fpr:.4f}",
            f"  Brier score          {self.brier:.4f}",
        ]
        out += [f"  FPR at 0.5, {src:<20} {rate:.4f}" for src, rate in sorted(self.fpr_by_source.items())]
        return out


def recall_at_fpr(labels: np.ndarray, scores: np.ndarray, fpr_limit: float = 0.01) -> float:
    fpr, tpr, _ = roc_curve(labels, scores)
    return float(tpr[fpr <= fpr_limit].max(initial=0.0))


def cap_per_group(data: LabelledTexts, cap: int, seed: int) -> np.ndarray:
    """Indices keeping at most `cap` examples of each group, drawn at random."""
    rng = np.random.default_rng(seed)
    by_group: dict[str, list[int]] = {}
    for i, g in enumerate(data.groups):
        by_group.setdefault(g, []).append(i)
    keep: list[int] = []
    for members in by_group.values():
        keep.extend(members if len(members) <= cap else rng.choice(members, cap, replace=False).tolist())
    return np.sort(np.asarray(keep))


def measure(model: LinearTextModel, test: LabelledTexts, train_size: int, cap: int = 20, seed: int = 0) -> Metrics:
    test = test.subset(cap_per_group(test, cap, seed))
    # Ranking metrics on the raw score: calibration is monotone but has flat steps, and ties
    # would understate recall at a low false-positive rate.
    raw = model.decision(test.texts)
    return measure_scores(model.task, test, raw, model.calibrate(raw), train_size)


def measure_scores(task: str, test: LabelledTexts, raw: np.ndarray, scores: np.ndarray, train_size: int) -> Metrics:
    """Metrics of any scorer on an already capped test set: `raw` ranks, `scores` are the
    calibrated probabilities."""
    y = test.y
    fpr_by_source = {}
    for source in sorted(set(test.sources)):
        negatives = [i for i, (s, label) in enumerate(zip(test.sources, y)) if s == source and label == 0]
        if negatives:
            fpr_by_source[source] = float((scores[negatives] >= 0.5).mean())
    return Metrics(
        task=task, train_examples=train_size, test_examples=len(y), test_positives=int(y.sum()),
        roc_auc=float(roc_auc_score(y, raw)), pr_auc=float(average_precision_score(y, raw)),
        recall_at_1pct_fpr=recall_at_fpr(y, raw), brier=float(brier_score_loss(y, scores)),
        fpr_by_source=fpr_by_source,
    )


def split_by_group(data: LabelledTexts, test_share: float = 0.25, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_share, random_state=seed)
    train, test = next(splitter.split(data.texts, data.labels, data.groups))
    return train, test


def evaluate(task: str, data: LabelledTexts, *, cap: int = 20, seed: int = 0) -> tuple[Metrics, LinearTextModel]:
    """Train on 75% of the groups, measure on the other 25%."""
    train_idx, test_idx = split_by_group(data, seed=seed)
    train = data.subset(train_idx)
    model = LinearTextModel.fit(task, train.texts, train.y, train.groups, sample_weight=train.account_weights(cap))
    return measure(model, data.subset(test_idx), len(train_idx), cap=cap, seed=seed), model
