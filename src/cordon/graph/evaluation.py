"""`cordon evaluate network`: how the network analyses do on platforms they were not tuned on.

On each generated platform (a seed and a size): seed expansion from the accounts the platform
had already suspended and those the default policy suspends on known media (the last round's
seeds), measured as precision at k against the scenario's truth and as the
journalists, researchers and counter-speech accounts it pulls in; the network component's
probability at the review threshold; the hub ranker's coverage of the 16 designated hubs; and
returning-account linking (MRR). On the real data: linking accounts whose timelines were split
in two and given a new identity (graph/evasion_data.py). The network model was fitted on
seeds 1 and 2 and the linker's weights on seed 101: evaluate on others.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cordon.domain import SubjectRef
from cordon.graph.build import InteractionGraph
from cordon.graph.evasion import evaluate_linking
from cordon.graph.evasion_data import real_tasks, scenario_task
from cordon.graph.expansion import expand
from cordon.graph.hubs import HubRanker
from cordon.ingest.lists import import_list_file
from cordon.ingest.pipeline import ingest_files
from cordon.risk.network import TOP_K, candidate_counts, default_network_model, last_round_seeds
from cordon.scenario import ScenarioConfig, generate, write_scenario
from cordon.store import open_store

HARD_NEGATIVES = ("journalist", "researcher", "counter_speech")
PRECISION_AT = (50, 100, 200, 500)
REVIEW_THRESHOLD = 0.5


@dataclass(frozen=True)
class PlatformFigures:
    seed: int
    accounts: int
    seeds: int
    network_accounts: int  # in the network and not yet suspended: what expansion can find
    precision_at: dict[int, float]
    hard_negatives_in_top: dict[int, int]
    flagged: int  # network probability >= REVIEW_THRESHOLD
    flagged_precision: float
    flagged_hard_negatives: int
    hubs_in_top16: int
    hubs: int
    mrr: float
    hit10: float
    returners: int

    def lines(self) -> Iterator[str]:
        yield f"scenario seed {self.seed}, {self.accounts:,} accounts: {self.seeds} seeds (suspended, or suspended on known media), {self.network_accounts} network accounts still up"
        yield "  expansion precision@k   " + "  ".join(f"@{k} {p:.3f}" for k, p in self.precision_at.items())
        yield "  journalists etc. in top " + "  ".join(f"@{k} {n}" for k, n in self.hard_negatives_in_top.items())
        yield (f"  network >= {REVIEW_THRESHOLD}: {self.flagged} accounts, precision {self.flagged_precision:.3f}, "
               f"{self.flagged_hard_negatives} journalists, researchers or counter-speech")
        yield f"  hub coverage (top 16 of the hub ranker): {self.hubs_in_top16} of {self.hubs}"
        yield f"  returning accounts: MRR {self.mrr:.3f}, hit@10 {self.hit10:.3f} over {self.returners}"


def evaluate_platform(seed: int, accounts: int) -> PlatformFigures:
    scenario = generate(ScenarioConfig(seed=seed, accounts=accounts))
    truth = scenario.truth
    violating = set(truth.violating_accounts)
    with tempfile.TemporaryDirectory(prefix="cordon-eval-") as tmp:
        files = write_scenario(scenario, Path(tmp) / "world")
        with open_store(f"sqlite:///{Path(tmp) / 'store.sqlite'}") as store:
            ingest_files(files.data, store)
            for name, path in (("media", files.media_list), ("links", files.link_list)):
                import_list_file(store, path, name=name)
            seeds = last_round_seeds(store)
            candidates = expand(InteractionGraph.from_store(store), seeds, top_k=TOP_K)
            officials = [SubjectRef.account(truth.platform, i) for i in truth.officials]
            hubs = HubRanker().rank(store, officials)[:16]
    labels = [c.account.id in violating for c in candidates]
    roles = [truth.roles.get(c.account.id) for c in candidates]
    probability = default_network_model().predict(candidate_counts(candidates))
    flagged = [i for i, p in enumerate(probability.tolist()) if p >= REVIEW_THRESHOLD]
    linking = scenario_task(scenario)
    report = evaluate_linking(linking.new, linking.suspended, linking.truth)
    return PlatformFigures(
        seed=seed, accounts=accounts, seeds=len(seeds),
        network_accounts=len(violating - {r.id for r in seeds}),
        precision_at={k: sum(labels[:k]) / min(k, len(labels)) for k in PRECISION_AT if labels},
        hard_negatives_in_top={k: sum(r in HARD_NEGATIVES for r in roles[:k]) for k in PRECISION_AT},
        flagged=len(flagged),
        flagged_precision=sum(labels[i] for i in flagged) / len(flagged) if flagged else 0.0,
        flagged_hard_negatives=sum(roles[i] in HARD_NEGATIVES for i in flagged),
        hubs_in_top16=len({h.account.id for h in hubs} & set(truth.hubs)),
        hubs=len(truth.hubs),
        mrr=report.mrr, hit10=report.hit10, returners=report.n,
    )


def evaluate_real(shared: Path) -> Iterator[str]:
    """Linking on the real tweets: the held-out part of real_tasks' split, both variants."""
    for variant, what in (("kept", "identity kept (numbering habits)"), ("changed", "handle, name and bio all changed")):
        _, test = real_tasks(shared, variant=variant)
        r = evaluate_linking(test.new, test.suspended, test.truth)
        yield (f"real tweets, {what}: MRR {r.mrr:.3f}, hit@1 {r.hit1:.3f}, hit@10 {r.hit10:.3f} "
               f"({r.n} returners against {len(test.suspended)} suspended)")
