"""The queue filter, as the pages' and the API's query string give it, and as CaseQuery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cordon.domain import CaseState
from cordon.domain.cases import WAITING_STATES, CaseQuery

#: What the state filter may name: the waiting cases (the default), decided ones, or all.
STATE_VIEWS = {
    "waiting": WAITING_STATES,
    "decided": (CaseState.DECIDED,),
    "closed": (CaseState.CLOSED,),
    "all": (),
}


@dataclass(frozen=True, slots=True)
class QueueFilter:
    queue: str | None = None
    state: str = "waiting"
    min_risk: float | None = None
    overdue: bool = False
    older_than_hours: float | None = None
    mine: bool = False

    def query(self, now: datetime, me: str) -> CaseQuery:
        return CaseQuery(
            queue=self.queue or None,
            states=STATE_VIEWS.get(self.state, WAITING_STATES),
            assigned_to=me if self.mine else None,
            min_risk=self.min_risk,
            overdue_at=now if self.overdue else None,
            opened_before=now - timedelta(hours=self.older_than_hours) if self.older_than_hours else None,
        )

    def params(self) -> dict[str, str]:
        """The filter as query parameters (for links that keep it)."""
        out = {"state": self.state}
        if self.queue:
            out["queue"] = self.queue
        if self.min_risk is not None:
            out["min_risk"] = str(self.min_risk)
        if self.overdue:
            out["overdue"] = "1"
        if self.older_than_hours is not None:
            out["older_than_hours"] = str(self.older_than_hours)
        if self.mine:
            out["mine"] = "1"
        return out
