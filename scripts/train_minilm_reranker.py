"""Build the optional MiniLM second stage of the threat signal, reproducibly, from ../shared/data.

First it measures, on accounts held out of training (the split of scripts/train_text_models.py):
the linear model alone, the linear model with the reranker, and each combined with the
lexicon as the product combines them. Then it trains on everything and writes
src/cordon/signals/text/models/<task>-minilm.npz. Needs the `minilm` extra.

Embedding ~57k texts takes 7-8 minutes on 2 cores; the embeddings are cached (--cache).

    .venv/bin/python scripts/train_minilm_reranker.py [--task threat] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import hashlib
import time
from datetime import date
from pathlib import Path

import numpy as np

from cordon.domain import SubjectRef
from cordon.signals.text.classifier import packaged_model_path
from cordon.signals.text.datasets import LabelledTexts, shared_sets
from cordon.signals.text.embedding import shared_encoder
from cordon.signals.text.evaluation import cap_per_group, measure_scores, split_by_group
from cordon.signals.text.lexicon import ThreatLexicon, stance_damping
from cordon.signals.text.reranker import GATE_RECALL, Reranker
from cordon.signals.text.training import ACCOUNT_CAP, train

REPO = Path(__file__).resolve().parents[1]


def embeddings(texts: list[str], cache_dir: Path) -> np.ndarray:
    key = hashlib.sha1("\x00".join(texts).encode("utf-8", "replace")).hexdigest()[:16]
    path = cache_dir / f"minilm-{key}.npy"
    if path.is_file():
        return np.load(path)
    began = time.perf_counter()
    out = shared_encoder().encode(texts)
    print(f"  embedded {len(texts):,} texts in {time.perf_counter() - began:.0f} s")
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(path, out)
    return out


def held_out_figures(task: str, data: LabelledTexts, vectors: np.ndarray, gate_recall: float = GATE_RECALL) -> None:
    train_idx, test_idx = split_by_group(data)
    train_set = data.subset(train_idx)
    first = train(task, train_set)
    reranker = Reranker.fit(first, vectors[train_idx], train_set.y, train_set.groups,
                            train_set.account_weights(ACCOUNT_CAP), gate_recall=gate_recall)
    test_all = data.subset(test_idx)
    keep = cap_per_group(test_all, ACCOUNT_CAP, 0)
    test = test_all.subset(keep)
    test_vectors = vectors[test_idx][keep]
    raw = first.decision(test.texts)
    first_p = first.calibrate(raw)
    gated = first_p >= reranker.gate
    second_p = first_p.copy()
    second_p[gated] = reranker.predict(test_vectors[gated], raw[gated])
    # As the signal scores: both stages damped by stance cues (lexicon.stance_damping).
    damping = stance_damping(task, test.texts)
    first_p, second_p = first_p * damping, second_p * damping
    # Ties in the isotonic steps are broken by each stage's own raw score.
    second_rank = second_p + 1e-4 / (1 + np.exp(-np.where(gated, reranker.decision(test_vectors, raw), raw)))
    lexicon = np.array([ThreatLexicon().score(t, SubjectRef.post("eval", str(i))).value for i, t in enumerate(test.texts)])

    def with_lexicon(p: np.ndarray) -> np.ndarray:
        return 1 - (1 - p) * (1 - lexicon)

    print(f"  gate {reranker.gate:.4f}: reranks {gated[test.y == 1].mean():.1%} of held-out positives, "
          f"{gated[test.y == 0].mean():.1%} of negatives")
    for label, rank, p in [
        ("linear model", first_p + 1e-4 / (1 + np.exp(-raw)), first_p),
        ("linear model + MiniLM reranker", second_rank, second_p),
        ("linear model, with lexicon", with_lexicon(first_p) + 1e-4 * first_p, with_lexicon(first_p)),
        ("reranked, with lexicon", with_lexicon(second_p) + 1e-4 * second_p, with_lexicon(second_p)),
    ]:
        m = measure_scores(task, test, rank, p, len(train_idx))
        print(f"  {label:<34} ROC-AUC {m.roc_auc:.4f}  PR-AUC {m.pr_auc:.4f}  recall@1%FPR "
              f"{m.recall_at_1pct_fpr:.4f}  Brier {m.brier:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="threat")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "cordon")
    parser.add_argument("--gate-recall", type=float, default=GATE_RECALL,
                        help="share of training positives the gate passes to the reranker (0.5 reranks ~6x fewer posts)")
    args = parser.parse_args()
    began = time.perf_counter()
    data = shared_sets(args.task, args.data)
    vectors = embeddings(data.texts, args.cache)
    held_out_figures(args.task, data, vectors, args.gate_recall)
    first = train(args.task, data)
    reranker = Reranker.fit(first, vectors, data.y, data.groups, data.account_weights(ACCOUNT_CAP), gate_recall=args.gate_recall)
    reranker.meta.update(version=f"{args.task}-minilm-{date.today()}", trained_on="../shared/data (development parts)")
    path = packaged_model_path(f"{args.task}-minilm")
    reranker.save(path)
    print(f"  wrote {path} ({path.stat().st_size / 1e3:.0f} kB) in {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
