"""The optional MiniLM second stage of the threat signal (the `minilm` extra, which the test
extra installs): offline embeddings, training on out-of-fold scores, gating, persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from cordon.domain import SubjectRef
from cordon.errors import CordonError
from cordon.signals.text.classifier import RerankedThreatModel, ThreatModel
from cordon.signals.text.datasets import threat_sets
from cordon.signals.text.embedding import DIMENSIONS, shared_encoder
from cordon.signals.text.evaluation import split_by_group
from cordon.signals.text.model import LinearTextModel
from cordon.signals.text.reranker import GATE_RECALL, Reranker
from cordon.signals.text.training import train

S = SubjectRef.post("t", "1")


def test_embeddings_are_local_unit_length_and_blind_to_format_cues():
    vectors = shared_encoder().encode(["we will burn your office down", "RT @abu: we will burn your office down", ""])
    assert vectors.shape == (3, DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-4)
    # The retweet prefix and mention are blanked before the model sees the text.
    assert float(vectors[0] @ vectors[1]) > 0.99


@pytest.fixture(scope="module")
def small_threat_set(shared_data: Path):
    """About 1,500 real texts, whole accounts, both classes: enough to learn, quick to embed."""
    data = threat_sets(shared_data)
    rng = np.random.default_rng(0)
    keep = np.flatnonzero(rng.random(len(data.texts)) < 1500 / len(data.texts))
    subset = data.subset(keep)
    return subset, shared_encoder().encode(subset.texts)


def test_reranker_learns_on_held_out_accounts_and_round_trips(small_threat_set, tmp_path: Path):
    data, vectors = small_threat_set
    train_idx, test_idx = split_by_group(data)
    train_set, test_set = data.subset(train_idx), data.subset(test_idx)
    first = train("threat", train_set)
    reranker = Reranker.fit(first, vectors[train_idx], train_set.y, train_set.groups, train_set.account_weights(20))
    # The gate passes the agreed share of the training positives on to the second stage.
    passed = first.calibrate(first.out_of_fold)[train_set.y == 1] >= reranker.gate
    assert passed.mean() >= GATE_RECALL - 0.01
    raw = first.decision(test_set.texts)
    second = reranker.predict(vectors[test_idx], raw)
    assert ((0 <= second) & (second <= 1)).all()
    assert roc_auc_score(test_set.y, reranker.decision(vectors[test_idx], raw)) > 0.75
    path = tmp_path / "threat-minilm.npz"
    reranker.save(path)
    again = Reranker.load(path)
    assert np.allclose(again.predict(vectors[test_idx], raw), second, atol=1e-5)
    assert again.gate == pytest.approx(reranker.gate)


def test_reranker_needs_a_fresh_first_stage(tmp_path: Path):
    first = LinearTextModel.fit("threat", ["kill them"] * 4 + ["coffee"] * 4, np.array([1] * 4 + [0] * 4),
                                [f"a{i}" for i in range(8)], folds=2)
    first.save(tmp_path / "m.npz")
    with pytest.raises(CordonError, match="fresh from training"):
        Reranker.fit(LinearTextModel.load(tmp_path / "m.npz"), np.zeros((8, DIMENSIONS)), np.zeros(8), ["a"] * 8, np.ones(8))
    with pytest.raises(CordonError, match="not a cordon reranker"):
        Reranker.load(tmp_path / "m.npz")


def test_only_gated_posts_change_and_evidence_says_so():
    plain, reranked = ThreatModel(), RerankedThreatModel()
    texts = ["lovely weather for football", "coffee with friends", "We will slaughter your employees, the staff are targets",
             "i am going to find you and cut your throat"]
    items = [(t, S) for t in texts]
    before = [s.value for s in plain.score_many(items)]
    after = reranked.score_many(items)
    for b, a in zip(before, after):
        if b < reranked.reranker.gate:
            assert a.value == b
    flagged = [s for s in after if s.evidence]
    assert flagged and all(e.detail["second_stage"] == "all-MiniLM-L6-v2" for s in flagged for e in s.evidence)


def test_setting_switches_the_default_threat_signal(monkeypatch):
    from cordon.signals.accounts import default_signals

    assert default_signals()[0][0].name == "model.threat"
    monkeypatch.setenv("CORDON_TEXT_SECOND_STAGE", "minilm")
    assert default_signals()[0][0].name == "model.threat.minilm"
