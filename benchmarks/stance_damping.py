"""Does damping the trained models' scores by the lexicon's stance cues (reporting, analysis,
condemnation, counter-speech) help? Measured on the held-out accounts of the split that
scripts/train_text_models.py uses, for each task: the model alone, then damped.

    .venv/bin/python benchmarks/stance_damping.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from common import machine

from cordon.signals.text.datasets import TASKS, shared_sets
from cordon.signals.text.evaluation import cap_per_group, measure_scores, split_by_group
from cordon.signals.text.lexicon import stance_damping
from cordon.signals.text.training import ACCOUNT_CAP, train

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    print(f"# {machine()}")
    for task in TASKS:
        data = shared_sets(task, args.data)
        train_idx, test_idx = split_by_group(data)
        model = train(task, data.subset(train_idx))
        test = data.subset(test_idx)
        test = test.subset(cap_per_group(test, ACCOUNT_CAP, 0))
        raw = model.decision(test.texts)
        plain = model.calibrate(raw)
        damping = stance_damping(task, test.texts)
        damped = plain * damping
        # Ties in the isotonic steps are broken by the raw score, as measure() ranks.
        for label, rank, p in [("model", raw, plain), ("model, stance-damped", damped + 1e-6 * raw / (1 + abs(raw)), damped)]:
            print(f"{task}: {label}")
            print("\n".join(measure_scores(task, test, rank, p, len(train_idx)).lines()[1:]))
        print(f"  damped: {(damping[test.y == 1] < 1).mean():.1%} of positives, {(damping[test.y == 0] < 1).mean():.1%} of negatives")


if __name__ == "__main__":
    main()
