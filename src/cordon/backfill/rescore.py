"""`cordon backfill rescore` on the driver: score every account's content on the workers, fuse
it here with the network, evasion and report components, and save the risks partition by
partition, checkpointing each one.

The result equals flow.assess on the same store (a test holds it to that). Content is the
part that scales with the platform's history, and splits by account; the network and
evasion components are graph-wide analyses, so the driver computes them once, while the
workers score.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from cordon.backfill.checkpoint import Checkpoint
from cordon.backfill.cluster import Cluster
from cordon.backfill.models import TextModels
from cordon.backfill.partition import split
from cordon.backfill.work import PartitionScores, score_partition
from cordon.flow import report_counts
from cordon.risk.evasion import evasion_scores
from cordon.risk.fusion import fuse
from cordon.risk.network import network_scores
from cordon.store import open_store

KIND = "rescore"


@dataclass(frozen=True, slots=True)
class PartitionDone:
    """One partition finished and saved: what a progress display shows."""

    partition: int
    accounts: int
    posts: int
    done: int  # partitions finished in this run so far, earlier tries included
    partitions: int


@dataclass(frozen=True, slots=True)
class RescoreResult:
    run_id: str
    partitions: int
    resumed: int  # partitions an earlier try had finished already
    accounts: int  # scored in this try
    posts: int
    seconds: float

    @property
    def posts_per_second(self) -> float:
        return self.posts / self.seconds if self.seconds else 0.0


def store_fingerprint(store_url: str) -> str:
    """What a checkpoint remembers of the store: a digest, so no password lands in a file."""
    return hashlib.sha256(store_url.encode()).hexdigest()[:16]


def run_params(store_url: str, models: TextModels) -> dict[str, str]:
    return {"store": store_fingerprint(store_url), "model": models.digest}


def rescore(
    store_url: str, cluster: Cluster, models: TextModels, checkpoint: Checkpoint,
    progress: Callable[[PartitionDone], None] | None = None,
) -> RescoreResult:
    """Score the partitions `checkpoint` has not finished, and save their risks. The workers
    read the store at `store_url` themselves, so it must be the address they reach it at."""
    started = time.perf_counter()
    resumed = len(checkpoint.done)
    store = open_store(store_url)
    try:
        parts = split((a.ref for a in store.accounts()), checkpoint.partitions)
        pending = [p for p in checkpoint.pending if parts[p]]
        shared = cluster.share(models)
        results = cluster.run(score_partition, [(store_url, parts[p]) for p in pending], [shared])
        # While the workers score: the graph-wide components and the report figures.
        reports = report_counts(store)
        network = network_scores(store)
        evasion = evasion_scores(store)
        accounts = posts = 0
        for i, scored in results:
            partition = pending[i]
            _save(store, scored, reports, network, evasion)
            checkpoint.mark_done(partition, accounts=len(scored.content), posts=scored.posts)
            accounts += len(scored.content)
            posts += scored.posts
            if progress is not None:
                progress(PartitionDone(partition, len(scored.content), scored.posts,
                                       len(checkpoint.done), checkpoint.partitions))
        for empty in checkpoint.pending:  # partitions no account hashes to
            checkpoint.mark_done(empty, accounts=0, posts=0)
        checkpoint.finish()
    finally:
        store.close()
    return RescoreResult(checkpoint.run_id, checkpoint.partitions, resumed, accounts, posts,
                         time.perf_counter() - started)


def _save(store, scored: PartitionScores, reports, network, evasion) -> None:
    # flow.fuse_all's fusion, one partition at a time.
    store.save_risks(
        fuse(c.text, reports.get(c.text.account, 0), c.known, network.get(c.text.account),
             evasion.get(c.text.account))
        for c in scored.content
    )
