"""Text scoring throughput on one core, end to end from parsed posts to scores.

Posts: the real tweets of ../shared/data (pro-ISIS, same-topic controls, background, abusive),
as Post objects. The baseline, trained and run in the same session on the same texts, is the
scikit-learn pipeline most people would write first: TfidfVectorizer (word 1-2 grams, default
tokenisation) + LogisticRegression.

    .venv/bin/python benchmarks/text_scoring.py [--repeat 5] [--data ../shared/data] [--minilm]

--minilm also measures the threat signal with its optional MiniLM second stage (the `minilm`
extra), on 5,000 posts of ordinary traffic.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from common import machine, median_rate, pin_to_one_core
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from cordon.domain import Post
from cordon.signals.accounts import TextScorer
from cordon.signals.text.classifier import ExtremismModel, ThreatModel
from cordon.signals.text.datasets import extremism_sets

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--minilm", action="store_true", help="also measure the MiniLM second stage")
    args = parser.parse_args()
    pin_to_one_core()
    data = extremism_sets(args.data)
    texts = data.texts
    posts = [Post("bench", str(i), data.groups[i], t) for i, t in enumerate(texts)]
    print(f"# {machine()}")
    print(f"posts: {len(posts):,} real tweets, mean {sum(map(len, texts)) / len(texts):.0f} characters")

    baseline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression(max_iter=1000))
    baseline.fit(texts, data.y)
    model = ExtremismModel().model
    heads = [ThreatModel(), ExtremismModel()]
    scorer = TextScorer()
    batch = 4096

    def run_baseline() -> int:
        for i in range(0, len(texts), batch):
            baseline.predict_proba(texts[i : i + batch])
        return len(texts)

    def run_model() -> int:
        for i in range(0, len(posts), batch):
            model.predict([p.text for p in posts[i : i + batch]])
        return len(posts)

    def run_models() -> int:
        for i in range(0, len(posts), batch):
            chunk = [p.text for p in posts[i : i + batch]]
            for head in heads:
                head.model.predict(chunk)
        return len(posts)

    # Ordinary traffic: the same texts less the extremist ones (evidence is only computed for
    # the few posts that score high, as on a real platform).
    ordinary = [p for p, label in zip(posts, data.labels) if label == 0]

    def run_scorer_ordinary() -> int:
        for i in range(0, len(ordinary), batch):
            scorer.score_posts(ordinary[i : i + batch])
        return len(ordinary)

    def run_heads() -> int:
        for i in range(0, len(posts), batch):
            items = [(p.text, p.ref) for p in posts[i : i + batch]]
            for head in heads:
                head.score_many(items)
        return len(posts)

    def run_scorer() -> int:
        for i in range(0, len(posts), batch):
            scorer.score_posts(posts[i : i + batch])
        return len(posts)

    runs = []
    if args.minilm:
        from cordon.signals.text.classifier import RerankedThreatModel

        sample = [(p.text, p.ref) for p in ordinary[:5000]]
        reranked = RerankedThreatModel()
        passed = sum(v >= reranked.reranker.gate for v in reranked.model.predict([t for t, _ in sample]))
        print(f"MiniLM gate {reranked.reranker.gate:.4f}: {passed / len(sample):.1%} of ordinary posts reranked")
        runs += [("threat model + MiniLM reranker, 5,000 ordinary posts", lambda: len(reranked.score_many(sample)))]

    base = None
    for label, work in [
        ("baseline: sklearn TF-IDF + LR (one head)", run_baseline),
        ("cordon extremism model (one head)", run_model),
        ("cordon default models, both heads, scores only", run_models),
        ("cordon default models as signals (with evidence)", run_heads),
        ("cordon default scoring: models + lexicons, with evidence", run_scorer),
        ("the same on ordinary traffic only (no extremist posts)", run_scorer_ordinary),
        *runs,
    ]:
        rate, rates = median_rate(work, args.repeat)
        base = base or rate
        print(f"{label:<54} median {rate:>8,.0f} posts/s  ({rate / base:.2f}× baseline)  runs: "
              + ", ".join(f"{r:,.0f}" for r in rates))


if __name__ == "__main__":
    main()
