"""`cordon backfill backtest` on the driver: policy.backtest split by account over the workers,
and the partial results added up. The sum equals backtest_store on the same store (a test
holds it to that): every count is a sum over accounts, and the disagreements kept are the
highest-risk `keep` of all partitions' highest-risk `keep`.

The driver reads the log once and derives the report figures (brigades and reporter
reliability are platform-wide); each worker gets its partition's share of both, and reads
its accounts' saved risks itself. Nothing is written, so there is nothing to resume: a
backtest cut short is run again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cordon.backfill.cluster import Cluster
from cordon.backfill.partition import check_partitions, partition_of, split
from cordon.backfill.work import backtest_partition
from cordon.cases.reports import ReportFigures, figures_from_store
from cordon.domain import EventName, ModerationEvent, SubjectKind
from cordon.policy.backtest import Backtest
from cordon.policy.model import Policy
from cordon.store import open_store


@dataclass(frozen=True, slots=True)
class BacktestProgress:
    partition: int
    accounts: int
    done: int
    partitions: int


def backtest_history(
    store_url: str, policy: Policy, cluster: Cluster, partitions: int, keep: int = 50,
    progress: Callable[[BacktestProgress], None] | None = None,
) -> Backtest:
    """What `policy` would have done to every account with a saved risk or a human decision,
    against those decisions: policy.backtest.backtest_store, on the cluster."""
    check_partitions(partitions)
    store = open_store(store_url)
    try:
        events = list(store.events())
        figures = figures_from_store(store, events)
        accounts = [a.ref for a in store.accounts()]
    finally:
        store.close()
    decided = [e for e in events if e.name is EventName.DECIDED and e.subject.kind is SubjectKind.ACCOUNT]
    parts = split(accounts, partitions)
    decisions: list[list[ModerationEvent]] = [[] for _ in range(partitions)]
    for event in decided:  # in log order: the latest decision on an account still wins
        decisions[partition_of(event.subject, partitions)].append(event)
    shares = _figures_by_partition(figures, partitions)
    busy = [p for p in range(partitions) if parts[p] or decisions[p]]
    jobs = [(store_url, parts[p], shares[p], decisions[p], keep) for p in busy]
    total: list[Backtest] = []
    for done, (i, part) in enumerate(cluster.run(backtest_partition, jobs, [cluster.share(policy)]), 1):
        total.append(part)
        if progress is not None:
            progress(BacktestProgress(busy[i], part.accounts, done, len(busy)))
    return merge(policy.name, total, keep)


def _figures_by_partition(figures: ReportFigures, partitions: int) -> list[ReportFigures]:
    """Each partition's report figures and brigades: what backtest reads of ReportFigures."""
    shares = [ReportFigures() for _ in range(partitions)]
    for account, figure in figures.weighted.items():
        shares[partition_of(account, partitions)].weighted[account] = figure
    for account, brigade in figures.brigades.items():
        shares[partition_of(account, partitions)].brigades[account] = brigade
    return shares


def merge(policy: str, parts: Iterable[Backtest], keep: int) -> Backtest:
    """Partial backtests of disjoint sets of accounts, as one."""
    total = Backtest(policy)
    for part in parts:
        total.accounts += part.accounts
        total.suspended += part.suspended
        total.cases.update(part.cases)
        total.effects.update(part.effects)
        total.against.update(part.against)
        total.disagreements.extend(part.disagreements)
    # backtest's own order, so the same `keep` survive.
    total.disagreements.sort(key=lambda d: (-d.risk, str(d.account)))
    del total.disagreements[keep:]
    return total
