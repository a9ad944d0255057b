"""Distribution hubs and communities on generated scenarios: ranking time and the top-16
recall of the truth hubs, and Leiden on the expanded neighbourhood of the officials.

    .venv/bin/python benchmarks/hubs.py --sizes 20000 100000 --seeds 1 2 3 --store-sizes 20000

For each size and seed: the ranker in memory (from the scenario's lists) and, for
--store-sizes, from a SQLite store (posts and follows streamed; writing the store is not
timed); then the 2-hop endorsement neighbourhood of the officials, Leiden on it, and how much
of the network its best community holds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine

from cordon.domain import SubjectRef
from cordon.graph.communities import CommunityFinder, neighbourhood
from cordon.graph.hubs import HubRanker
from cordon.scenario import ScenarioConfig, generate
from cordon.store import open_store

NETWORK = {"official", "hub", "supporter", "returning"}
HARD = {"journalist", "researcher", "counter_speech"}


def run(size: int, seed: int, store_too: bool) -> dict:
    began = time.perf_counter()
    scenario = generate(ScenarioConfig(seed=seed, accounts=size))
    truth = scenario.truth
    out: dict = {
        "size": size, "seed": seed, "posts": len(scenario.posts),
        "interactions": len(scenario.interactions), "generate_s": time.perf_counter() - began,
    }
    official = [SubjectRef.account(scenario.config.platform, o) for o in truth.officials]

    began = time.perf_counter()
    hubs = HubRanker().rank(scenario, official)
    out["rank_memory_s"] = time.perf_counter() - began
    top = [h.account.id for h in hubs[:16]]
    out["recall16"] = len(set(top) & set(truth.hubs)) / len(truth.hubs)
    out["hard_in_top16"] = sum(truth.roles[a] in HARD for a in top)
    out["ranked"] = len(hubs)
    truth_hubs = [h for h in hubs if h.account.id in set(truth.hubs)]
    others = [h for h in hubs if h.account.id not in set(truth.hubs)]
    out["gap"] = (min(h.hub_score for h in truth_hubs), max((h.hub_score for h in others), default=0.0))

    if store_too:
        with tempfile.TemporaryDirectory() as tmp:
            store = open_store(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
            began = time.perf_counter()
            step = 50_000
            store.write_batch(accounts=scenario.accounts)
            for i in range(0, len(scenario.posts), step):
                store.write_batch(posts=scenario.posts[i : i + step])
            for i in range(0, len(scenario.interactions), step):
                store.write_batch(interactions=scenario.interactions[i : i + step])
            out["store_write_s"] = time.perf_counter() - began
            began = time.perf_counter()
            from_store = HubRanker().rank(store, official)
            out["rank_store_s"] = time.perf_counter() - began
            out["store_equal"] = from_store == hubs
            store.close()

    began = time.perf_counter()
    matrix, nodes = neighbourhood(scenario.interactions, official, hops=2)
    out["nbhd_s"] = time.perf_counter() - began
    out["nbhd_nodes"], out["nbhd_edges"] = matrix.shape[0], matrix.nnz
    finder = CommunityFinder(seed=7)
    began = time.perf_counter()
    labels = finder.membership(matrix)
    out["leiden_s"] = time.perf_counter() - began
    out["communities"] = int(labels.max()) + 1 if len(labels) else 0
    net = Counter(int(c) for c, r in zip(labels.tolist(), nodes, strict=True) if truth.roles[r.id] in NETWORK)
    sizes = Counter(labels.tolist())
    best, count = net.most_common(1)[0]
    out["network_in_best"] = count / sum(net.values())
    out["best_purity"] = count / sizes[best]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--store-sizes", type=int, nargs="*", default=[20_000])
    args = parser.parse_args()
    print(f"# {machine()}")
    print("| accounts | seed | posts | interactions | rank in memory | rank from SQLite | recall@16 | "
          "hard negatives in top 16 | worst hub / best other | 2-hop nodes / edges | neighbourhood | Leiden | "
          "communities | network in one / its purity |")
    print("|" + "---|" * 14)
    rows = []
    for size in args.sizes:
        for seed in args.seeds:
            r = run(size, seed, size in args.store_sizes)
            rows.append(r)
            store = f"{r['rank_store_s']:.2f} s ({'same' if r['store_equal'] else 'DIFFERENT'})" if "rank_store_s" in r else "–"
            print(f"| {size:,} | {seed} | {r['posts']:,} | {r['interactions']:,} | {r['rank_memory_s']:.2f} s | {store} | "
                  f"{r['recall16']:.3f} | {r['hard_in_top16']} | {r['gap'][0]:.3f} / {r['gap'][1]:.3f} | "
                  f"{r['nbhd_nodes']:,} / {r['nbhd_edges']:,} | {r['nbhd_s']:.2f} s | {r['leiden_s']:.2f} s | "
                  f"{r['communities']} | {r['network_in_best']:.3f} / {r['best_purity']:.3f} |", flush=True)
    for size in args.sizes:
        mine = [r for r in rows if r["size"] == size]
        print(f"# {size:,}: median rank {statistics.median(r['rank_memory_s'] for r in mine):.2f} s, "
              f"min recall@16 {min(r['recall16'] for r in mine):.3f}, "
              f"median Leiden {statistics.median(r['leiden_s'] for r in mine):.2f} s")


if __name__ == "__main__":
    main()
