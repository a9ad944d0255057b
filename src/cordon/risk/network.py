"""The network component of an account's risk: how it is tied, by endorsement, to accounts the
platform already suspended.

Seed expansion (graph/expansion.py) ranks the accounts around the suspended ones and counts
their ties: seeds it reposted, seeds that reposted it, seeds it follows and that follow it.
A logistic model over those counts turns them into a probability of belonging to the network.
It is fitted on generated platforms (scripts/train_network_model.py: seeds 1 and 2) and
measured on others (`cordon evaluate network`); attention (mentions, replies) is left out on
purpose, so journalists and researchers who talk to the network all day are not pulled in.
Network evidence alone never suspends: the default policy sends it to review.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from cordon.domain import AccountStatus, Evidence, SubjectRef
from cordon.graph import Candidate, InteractionGraph, expand
from cordon.store import Store

# The counts in Candidate.detail the model reads, each as log(1 + n).
FEATURES = ("reposted_seeds", "reposted_by_seeds", "follows_seeds", "followed_by_seeds", "quoted_seeds")
# Candidates ranked per run: the suspended network's neighbourhood, not the platform.
TOP_K = 20_000
MODEL_FILE = "network_model.json"


@dataclass(frozen=True, slots=True)
class NetworkModel:
    weights: tuple[float, ...]
    bias: float
    meta: Mapping[str, object]

    def predict(self, counts: np.ndarray) -> np.ndarray:
        z = np.log1p(counts) @ np.asarray(self.weights) + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"features": FEATURES, "weights": self.weights, "bias": self.bias,
                                    "meta": dict(self.meta)}, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> NetworkModel:
        text = path.read_text("utf-8") if path else resources.files(__package__).joinpath(MODEL_FILE).read_text("utf-8")
        data = json.loads(text)
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"network model features {data['features']} are not {list(FEATURES)}")
        return cls(tuple(float(w) for w in data["weights"]), float(data["bias"]), data.get("meta", {}))


def candidate_counts(candidates: Iterable[Candidate]) -> np.ndarray:
    return np.array([[c.detail.get(f, 0) for f in FEATURES] for c in candidates], dtype=np.float64).reshape(-1, len(FEATURES))


def suspended_accounts(store: Store) -> list[SubjectRef]:
    return [a.ref for a in store.accounts() if a.status is AccountStatus.SUSPENDED]


def last_round_seeds(store: Store) -> list[SubjectRef]:
    """The seeds the last round of flow.assess_and_enforce expands from, without running it:
    the accounts already suspended and those the default policy suspends on a known-media
    match. The model is fitted, evaluated and tested on these, as the product uses it."""
    from cordon.flow import score_accounts
    from cordon.signals.known import KnownContent

    seeds = suspended_accounts(store)
    known = KnownContent.from_store(store)
    if known is not None:
        seeds += [s.account for s, posts in score_accounts(store) if known.score_posts([p.post for p in posts]).media >= 0.95]
    return list(dict.fromkeys(seeds))


@dataclass(frozen=True, slots=True)
class NetworkScore:
    value: float
    evidence: Evidence


def network_scores(
    store: Store, seeds: Iterable[SubjectRef] | None = None, model: NetworkModel | None = None, top_k: int = TOP_K,
) -> dict[SubjectRef, NetworkScore]:
    """Each candidate around the seeds (the store's suspended accounts by default) with its
    network probability and the why as evidence. Seeds themselves are not scored."""
    seeds = suspended_accounts(store) if seeds is None else list(seeds)
    if not seeds:
        return {}
    graph = InteractionGraph.from_store(store)
    usernames = {a.ref: a.handle for a in store.accounts()}
    candidates = expand(graph, seeds, method="push", top_k=top_k, usernames=usernames)
    if not candidates:
        return {}
    values = (model or default_network_model()).predict(candidate_counts(candidates))
    out = {}
    for c, v in zip(candidates, values.tolist(), strict=True):
        value = round(float(v), 4)
        out[c.account] = NetworkScore(value, Evidence(
            signal="network.expansion", subject=c.account, score=value,
            summary=f"network {value:.2f}: {c.why}",
            detail={"rank": c.rank, "ppr": c.score, **c.detail, "paths": [p.describe(usernames) for p in c.paths]},
        ))
    return out


_MODEL: NetworkModel | None = None


def default_network_model() -> NetworkModel:
    global _MODEL
    if _MODEL is None:
        _MODEL = NetworkModel.load()
    return _MODEL
