"""The trained text models: features, training, persistence, evidence, and honest quality on
accounts they were not trained on."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from cordon.domain import Account, EventName, ModerationEvent, Post, SubjectRef
from cordon.errors import CordonError, InputError
from cordon.signals.text.classifier import packaged_model_path
from cordon.signals.text.datasets import extremism_sets, load_labelled, shared_sets, threat_sets
from cordon.signals.text.evaluation import evaluate
from cordon.signals.text.features import Featurizer, prepare, token_spans
from cordon.signals.text.model import LinearTextModel
from cordon.signals.text.normalize import fast_normalize, normalize
from cordon.signals.text.training import decisions

TOY = (
    ["we will kill them all", "kill the infidels now", "they will die by our hands", "slaughter them",
     "lovely weather", "football tonight", "coffee with friends", "the match was great"] * 5
)
TOY_Y = np.array([1, 1, 1, 1, 0, 0, 0, 0] * 5)
TOY_GROUPS = [f"acct{i}" for i in range(len(TOY))]


def test_fast_normalize_equals_normalize_on_the_real_data(shared_data: Path):
    texts = extremism_sets(shared_data).texts + threat_sets(shared_data).texts
    assert len(texts) > 100_000
    assert [t for t in texts if fast_normalize(t) != normalize(t)[0]] == []


def test_format_cues_are_blanked_and_lengths_kept():
    text = "RT @abu_x: the khilafah 2015 https://t.co/AbC12 @bob"
    prepared = prepare(text)
    assert "abu" not in prepared and "http" not in prepared and "2015" not in prepared and "bob" not in prepared
    assert "khilafah" in prepared and len(prepared) == len(text)


def test_featurizer_columns_match_the_matrix():
    featurizer = Featurizer()
    text = "We w1ll k\u200bill them #Dawla"
    matrix = featurizer.transform([text])
    columns = featurizer.columns([s.feature for s in token_spans(text)])
    assert sorted(set(columns.tolist())) == sorted(matrix.indices.tolist())


def test_fit_save_load_predict_and_drivers(tmp_path: Path):
    model = LinearTextModel.fit("threat", TOY, TOY_Y, TOY_GROUPS, folds=4)
    scores = model.predict(["we will kill you", "coffee and football"])
    assert scores[0] > 0.5 > scores[1]
    path = tmp_path / "m.npz"
    model.save(path)
    again = LinearTextModel.load(path)
    assert np.allclose(again.predict(TOY), model.predict(TOY), atol=1e-3)
    text = "honestly: w3 will k\u200bill them"
    drivers = again.drivers(text)
    assert drivers and all(0 <= d.start < d.end <= len(text) for d in drivers)
    assert any("k\u200bill" in text[d.start : d.end] for d in drivers)


def test_training_refuses_one_class_and_bad_files(tmp_path: Path):
    with pytest.raises(CordonError, match="both positive and negative"):
        LinearTextModel.fit("threat", TOY[:4], np.ones(4), TOY_GROUPS[:4])
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label,account_id\nhello,0,a\nkill,maybe,b\n")
    with pytest.raises(InputError, match=r"bad.csv:3: label must be 0 or 1"):
        load_labelled(bad)
    with pytest.raises(CordonError, match="not a cordon text model"):
        LinearTextModel.load(bad)


def test_decisions_in_the_store_become_training_data(store):
    t0 = datetime(2015, 6, 1, tzinfo=timezone.utc)
    store.upsert_accounts([Account("t", "1", "a"), Account("t", "2", "b")])
    store.insert_posts([Post("t", "p1", "1", "dawla baqiya"), Post("t", "p2", "2", "news about the war")])
    a, b = SubjectRef.account("t", "1"), SubjectRef.account("t", "2")
    store.append_events([
        ModerationEvent(EventName.CASE_OPENED, "policy", t0, a, "c1", payload={"queue": "extremism"}),
        ModerationEvent(EventName.CASE_OPENED, "policy", t0, b, "c2", payload={"queue": "extremism"}),
        ModerationEvent(EventName.DECIDED, "mod", t0, a, "c1", payload={"decision": "suspend"}),
        ModerationEvent(EventName.DECIDED, "mod", t0, b, "c2", payload={"decision": "dismiss"}),
    ])
    labelled = decisions(store)["extremism"]
    assert sorted(zip(labelled.texts, labelled.labels)) == [("dawla baqiya", 1), ("news about the war", 0)]
    assert decisions(store)["threat"].texts == []


def test_packaged_models_are_small_and_documented():
    for task in ("threat", "extremism"):
        path = packaged_model_path(task)
        assert path.stat().st_size < 20_000_000
        assert LinearTextModel.load(path).meta["task"] == task


@pytest.mark.parametrize(
    ("task", "roc_auc", "recall", "max_background_fpr"),
    # Floors a little under what scripts/train_text_models.py measured (docs/model-card.md).
    [("extremism", 0.95, 0.5, 0.01), ("threat", 0.88, 0.2, 0.01)],
)
def test_quality_on_accounts_not_trained_on(shared_data: Path, task, roc_auc, recall, max_background_fpr):
    metrics, _ = evaluate(task, shared_sets(task, shared_data))
    assert metrics.roc_auc >= roc_auc
    assert metrics.recall_at_1pct_fpr >= recall
    assert metrics.fpr_by_source["background"] <= max_background_fpr
