"""Build the default text models that ship in the package, reproducibly, from ../shared/data.

For each task it first measures a model trained on 75% of the accounts against the other
25% (the figures in docs/model-card.md), then trains on everything and writes
src/cordon/signals/text/models/<task>.npz.

    .venv/bin/python scripts/train_text_models.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

from cordon.signals.text.classifier import packaged_model_path
from cordon.signals.text.datasets import TASKS, shared_sets
from cordon.signals.text.evaluation import evaluate
from cordon.signals.text.training import train

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    for task in TASKS:
        began = time.perf_counter()
        data = shared_sets(task, args.data)
        metrics, _ = evaluate(task, data)
        print("\n".join(metrics.lines()))
        model = train(task, data)
        model.meta.update(version=f"{task}-{date.today()}", trained_on="../shared/data (development parts)",
                          roc_auc=round(metrics.roc_auc, 4), pr_auc=round(metrics.pr_auc, 4),
                          recall_at_1pct_fpr=round(metrics.recall_at_1pct_fpr, 4))
        path = packaged_model_path(task)
        model.save(path)
        print(f"  wrote {path} ({path.stat().st_size / 1e6:.2f} MB) in {time.perf_counter() - began:.0f} s\n")


if __name__ == "__main__":
    main()
