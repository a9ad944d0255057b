"""Terminal views of review state, shared by `cordon queue` and `cordon demo`."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cordon.domain import Case, CaseQuery
from cordon.store import Store


def queue_rows(store: Store, queue: str | None = None, limit: int = 20) -> list[tuple[Case, str, str]]:
    """(case, username, evidence summary) for the top of the queue: three queries, whatever
    the size of the log (the case read model, the accounts, their risks)."""
    cases = store.cases(CaseQuery.waiting(queue), order="priority", limit=limit)
    subjects = [c.subject for c in cases]
    risks = {r.account: r for r in store.risks(accounts=subjects)}
    accounts = store.get_accounts(s for s in subjects if s.kind.value == "account")
    rows = []
    for case in cases:
        account = accounts.get(case.subject)
        risk = risks.get(case.subject)
        evidence = "; ".join(e.summary for e in risk.evidence[:2]) if risk else ""
        rows.append((case, account.handle if account else "?", evidence))
    return rows


def print_queue(store: Store, console: Console, *, queue: str | None = None, limit: int = 20) -> None:
    table = Table(title="Review queue", show_lines=False)
    for column in ("priority", "queue", "account", "state"):
        table.add_column(column, no_wrap=True)
    table.add_column("why", overflow="fold", ratio=1)
    for case, handle, evidence in queue_rows(store, queue, limit):
        # Handles and evidence come from hostile accounts: never interpret them as markup.
        table.add_row(f"{case.priority:.3f}", case.queue, escape("@" + handle), case.state.value, escape(evidence))
    console.print(table)
