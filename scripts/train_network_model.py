"""Fit the network component's logistic model (risk/network.py) on generated platforms.

Training platforms: seeds 1 and 2 at 10,000 accounts. Seeds of the expansion: what the last
round of `assess_and_enforce` expands from, each platform's previously suspended accounts and
the accounts the default policy suspends on a known-media match. Labels: the scenario's truth
(network roles). Measured on other seeds and sizes by `cordon evaluate network`.

    .venv/bin/python scripts/train_network_model.py
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from cordon.graph import InteractionGraph, expand
from cordon.ingest.lists import import_list_file
from cordon.ingest.pipeline import ingest_files
from cordon.risk.network import (
    FEATURES,
    MODEL_FILE,
    TOP_K,
    NetworkModel,
    candidate_counts,
    last_round_seeds,
)
from cordon.scenario import ScenarioConfig, stream, write_scenario
from cordon.scenario.truth import GroundTruth
from cordon.store import open_store

REPO = Path(__file__).resolve().parents[1]
TRAINING = ((1, 10_000), (2, 10_000))


def platform_rows(seed: int, accounts: int, workdir: Path) -> tuple[np.ndarray, np.ndarray]:
    files = write_scenario(stream(ScenarioConfig(seed=seed, accounts=accounts)), workdir / f"s{seed}")
    truth = GroundTruth.load(files.truth)
    with open_store(f"sqlite:///{workdir / f's{seed}.sqlite'}") as store:
        ingest_files(files.data, store)
        for name, path in (("media", files.media_list), ("links", files.link_list)):
            import_list_file(store, path, name=name)
        seeds = last_round_seeds(store)
        candidates = expand(InteractionGraph.from_store(store), seeds, top_k=TOP_K)
    violating = set(truth.violating_accounts)
    labels = np.array([c.account.id in violating for c in candidates], dtype=np.int8)
    print(f"seed {seed}: {len(seeds)} suspended seeds, {len(candidates)} candidates, {labels.sum()} in the network")
    return candidate_counts(candidates), labels


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rows = [platform_rows(seed, n, Path(tmp)) for seed, n in TRAINING]
    x = np.vstack([r[0] for r in rows])
    y = np.concatenate([r[1] for r in rows])
    fit = LogisticRegression(C=1.0, max_iter=1000).fit(np.log1p(x), y)
    model = NetworkModel(tuple(round(float(w), 5) for w in fit.coef_[0]), round(float(fit.intercept_[0]), 5),
                         {"trained_on": [f"scenario seed {s}, {n:,} accounts" for s, n in TRAINING],
                          "examples": len(y), "positives": int(y.sum()), "date": str(date.today())})
    path = REPO / "src" / "cordon" / "risk" / MODEL_FILE
    model.save(path)
    print(dict(zip(FEATURES, model.weights, strict=True)), "bias", model.bias)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
