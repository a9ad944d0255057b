"""Rescoring on a Dask LocalCluster equals flow.assess, on every store backend."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from cordon.backfill import Checkpoint, Cluster, load_models, rescore, run_params
from cordon.backfill.models import scorer_for
from cordon.errors import ConfigError, InputError
from cordon.flow import assess
from cordon.signals.text.classifier import packaged_model_path
from cordon.signals.text.model import LinearTextModel


def run(url: str, cluster: Cluster, folder: Path, partitions: int = 8, model_dir: Path | None = None):
    models = load_models(model_dir)
    checkpoint = Checkpoint.start(folder, "rescore", partitions, run_params(url, models))
    return rescore(url, cluster, models, checkpoint), checkpoint


def test_rescore_equals_assess(platform, cluster, tmp_path):
    store, url = platform
    # Through the scheduler's address, as production connects.
    with Cluster(scheduler=cluster.address) as remote:
        result, checkpoint = run(url, remote, tmp_path / "runs")
    distributed = store.risks()
    assert result.accounts == store.counts()["accounts"] == len(distributed)
    assert result.posts == store.counts()["posts"]
    assert checkpoint.finished and checkpoint.pending == []
    assert sum(r.score >= 0.5 for r in distributed) >= 10  # the network is there to find

    assess(store)  # the single-process path, over the same rows
    assert store.risks() == distributed


# The backend changes nothing here: the equality test runs on both.
@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_rescore_scores_with_the_model_given(platform, cluster, tmp_path):
    store, url = platform
    threat = LinearTextModel.load(packaged_model_path("threat"))
    # A threat model that sees threats everywhere: every post's model score is its top knot.
    bold = replace(threat, weights=np.zeros_like(threat.weights), bias=50.0)
    (tmp_path / "model").mkdir()
    bold.save(tmp_path / "model" / "threat.npz")

    run(url, cluster, tmp_path / "runs", model_dir=tmp_path / "model")
    rescored = store.risks()
    # The workers scored with the model shipped to them: every post now reads as the top of
    # the calibration (less where reporting or counter-speech cues damp it).
    top = float(bold.knots_y.max())
    authors = {p.author_ref for p in store.posts()}
    bold_threat = [r for r in rescored if r.account in authors and r.components["threat"] >= 0.8 * top]
    assert len(bold_threat) >= 0.9 * len(authors)
    assess(store, scorer_for(load_models(tmp_path / "model")))
    assert store.risks() == rescored


# The backend changes nothing here: the equality test runs on both.
@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_resume_skips_done_partitions_and_checks_what_it_resumes(platform, cluster, tmp_path):
    store, url = platform
    models = load_models(None)
    folder = tmp_path / "runs"
    first = Checkpoint.start(folder, "rescore", 6, run_params(url, models))
    first.mark_done(2, accounts=0, posts=0)
    first.mark_done(4, accounts=0, posts=0)
    with first.path.open("a") as f:
        f.write('{"done": 5, "acc')  # a line the crash cut off: not done

    again = Checkpoint.resume(folder, first.run_id, "rescore", run_params(url, models))
    assert again.pending == [0, 1, 3, 5]
    result = rescore(url, cluster, models, again)
    assert result.resumed == 2
    # The partitions the checkpoint said were done were not scored again.
    assert 0 < result.accounts < store.counts()["accounts"]
    assert Checkpoint.resume(folder, first.run_id, "rescore", run_params(url, models)).finished

    with pytest.raises(ConfigError, match="another model"):
        Checkpoint.resume(folder, first.run_id, "rescore", {**run_params(url, models), "model": "0" * 16})
    with pytest.raises(ConfigError, match="another store"):
        Checkpoint.resume(folder, first.run_id, "rescore", run_params(url + "x", models))
    with pytest.raises(InputError, match="no backfill run"):
        Checkpoint.resume(folder, "rescore-nosuchrun", "rescore", run_params(url, models))
    with pytest.raises(InputError, match="bad run id"):
        Checkpoint.resume(folder, "../../etc/passwd", "rescore", run_params(url, models))


def test_a_scheduler_that_does_not_answer_is_one_clear_error():
    with pytest.raises(ConfigError, match="no Dask scheduler answers at tcp://127.0.0.1:9"):
        with Cluster(scheduler="tcp://127.0.0.1:9", connect_timeout=1):
            pass


def test_a_missing_model_folder_is_one_clear_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_models(tmp_path / "nowhere")
    with pytest.raises(InputError, match="neither threat.npz nor extremism.npz"):
        load_models(tmp_path)
