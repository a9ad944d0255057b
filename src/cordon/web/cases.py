"""The console's one door to the case workflow: every read and change of a case goes
through CaseDesk, over cases/workflow.py's CaseService (claim lock, transitions, actions
through the executor) and the store's case read model (Store.cases), so the pages and the
API never touch the log's case events themselves."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from cordon.cases.workflow import (
    APPEAL_OUTCOMES,
    DECISIONS,
    BulkResult,
    CaseConflict,
    CaseNotFound,
    CaseService,
    IllegalTransition,
)
from cordon.domain import Actor, Case
from cordon.domain.cases import CaseQuery
from cordon.enforce import Executor
from cordon.store import Store
from cordon.store.base import CASE_ORDERS

T = TypeVar("T")
#: Seconds the queue page's counts are reused (other consoles' changes show within it).
COUNTS_TTL = 5.0
#: Orders of the queue, as the store's read model sorts.
ORDERS = CASE_ORDERS
#: The answer to each workflow refusal: 404 for an unknown case, 409 for a case that does
#: not allow the change or moved on meanwhile (app.py maps them).
CONFLICTS = (CaseConflict, IllegalTransition)

__all__ = [
    "APPEAL_OUTCOMES", "CONFLICTS", "DECISIONS", "ORDERS", "BulkResult", "CaseDesk", "CaseNotFound", "CasePage",
]


@dataclass(frozen=True, slots=True)
class CasePage:
    cases: list[Case]
    # Whether another page follows (the read model gives pages, not a count per filter).
    more: bool


class CaseDesk:
    def __init__(self, store: Store, executor: Executor, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.service = CaseService(store, executor, clock)
        self._counts: tuple[float, dict[tuple[str, str], int]] | None = None
        self._counts_lock = threading.Lock()
        self._counting = False

    # -- reads ---------------------------------------------------------------------------
    def find(self, query: CaseQuery, order: str = "priority", limit: int = 50, offset: int = 0) -> CasePage:
        found = self.store.cases(query, order=order, limit=limit + 1, offset=offset)
        return CasePage(found[:limit], len(found) > limit)

    def get(self, case_id: str) -> Case | None:
        if not case_id or len(case_id) > 64:
            return None
        return self.store.case(case_id)

    def counts(self) -> dict[tuple[str, str], int]:
        """Cases per (queue, state): the queue page's header and its queue list. Counting is
        a scan of the read model (25 ms at 100k cases) and every queue page shows it, so the
        figures are kept for COUNTS_TTL seconds, and dropped by any change made through this
        desk: a moderator's own claim or decision shows in the next page, other consoles'
        within COUNTS_TTL."""
        with self._counts_lock:
            cached, fresh = self._counts, self._counts is not None and time.monotonic() - self._counts[0] <= COUNTS_TTL
            if fresh or (cached is not None and self._counting):
                return cached[1]  # fresh, or another request is recounting: not worth a wait
            self._counting = True
        try:
            counted = (time.monotonic(), self.store.case_counts())
        finally:
            with self._counts_lock:
                self._counting = False
        with self._counts_lock:
            if self._counts is cached:  # no change through the desk dropped them meanwhile
                self._counts = counted
        return counted[1]

    def _changing(self, change: Callable[..., T], *args: object) -> T:
        try:
            return change(*args)
        finally:  # after the change is written, so no page re-caches the figures before it
            with self._counts_lock:
                self._counts = None

    # -- changes -------------------------------------------------------------------------
    def claim(self, case_id: str, actor: Actor) -> Case:
        return self._changing(self.service.claim, case_id, actor)

    def release(self, case_id: str, actor: Actor) -> Case:
        return self._changing(self.service.release, case_id, actor)

    def decide(self, case_id: str, actor: Actor, decision: str, policy_clause: str, reason: str) -> Case:
        return self._changing(self.service.decide, case_id, actor, decision, policy_clause, reason)

    def escalate(self, case_id: str, actor: Actor, reason: str) -> Case:
        return self._changing(self.service.escalate, case_id, actor, reason)

    def appeal(self, case_id: str, appellant: Actor, reason: str) -> Case:
        return self._changing(self.service.appeal, case_id, appellant, reason)

    def decide_appeal(self, case_id: str, actor: Actor, outcome: str, reason: str) -> Case:
        return self._changing(self.service.decide_appeal, case_id, actor, outcome, reason)

    def bulk_decide(
        self, query: CaseQuery, actor: Actor, decision: str, policy_clause: str, reason: str,
    ) -> BulkResult:
        return self._changing(self.service.bulk_decide, query, actor, decision, policy_clause, reason)
