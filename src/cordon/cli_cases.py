"""`cordon case ...` and `cordon cases ...`: review from the shell.

The CLI is the operator's shell access to the store: whoever runs it with the store's URL can
write the database anyway, so `--as NAME --role ROLE` names the actor the log records and the
permissions checked, on the operator's word. It is attribution, not authentication; reviewers
sign in to the console (cordon web) instead."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

import typer

from cordon.cli_support import command_store, out
from cordon.domain import Actor, Case, Role
from cordon.domain.cases import WAITING_STATES, CaseQuery, CaseState

case_app = typer.Typer(help="Review one case: show, claim, decide, escalate, appeal, close.", no_args_is_help=True)
cases_app = typer.Typer(help="Many cases: the review queue, bulk decisions, the read model.", no_args_is_help=True)

_STORE = typer.Option("--store", help="Store URL; default from CORDON_DATABASE_URL.")
_AS = typer.Option("--as", help="Who acts: the name the moderation log records.")
_ROLE = typer.Option("--role", help="The actor's role, whose permissions are checked.")
_REASON = typer.Option("--reason", help="Why: recorded in the log (required).")
_CLAUSE = typer.Option("--clause", help="The policy clause the decision applies (required).")

StoreOpt = Annotated[str | None, _STORE]
AsOpt = Annotated[str, _AS]
RoleOpt = Annotated[Role, _ROLE]
Reason = Annotated[str, _REASON]


@contextmanager
def _service(store_url: str | None) -> Iterator:
    from cordon.cases.workflow import CaseService
    from cordon.config import get_settings
    from cordon.enforce import Executor
    from cordon.enforce.actuators import configured_actuators

    with command_store(store_url) as store:
        yield CaseService(store, Executor(store, configured_actuators(store, get_settings())))


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def _print_case(case: Case) -> None:
    fields = [
        ("case", case.id), ("subject", str(case.subject)), ("queue", case.queue), ("state", case.state.value),
        ("priority", f"{case.priority:.3f}"), ("risk", "-" if case.risk is None else f"{case.risk:.3f}"),
        ("claimed by", case.assigned_to or "-"), ("decision", case.decision or "-"),
        ("policy clause", case.policy_clause or "-"), ("decided by", case.decided_by or "-"),
        ("appealed by", case.appealed_by or "-"), ("reports", str(case.report_count)),
        ("opened", _when(case.opened_at)), ("SLA due", _when(case.sla_due)),
        ("updated", _when(case.updated_at)), ("version", str(case.last_seq)),
        ("why", "; ".join(case.reasons) or "-"),
    ]
    width = max(len(k) for k, _ in fields)
    for key, value in fields:
        # Reasons and ids can come from hostile accounts: never interpret them as markup.
        out.print(f"{key:<{width}}  {value}", highlight=False, markup=False)


@case_app.command("show")
def show(case_id: str, store_url: StoreOpt = None) -> None:
    """Print a case as the read model holds it."""
    from cordon.cases.workflow import CaseNotFound

    with command_store(store_url) as store:
        case = store.case(case_id)
    if case is None:
        raise CaseNotFound(f"no case {case_id!r}")
    _print_case(case)


@case_app.command("claim")
def claim(case_id: str, name: AsOpt, role: RoleOpt = Role.MODERATOR, store_url: StoreOpt = None) -> None:
    """Hold a waiting case: nobody else may decide it until it is released."""
    with _service(store_url) as service:
        case = service.claim(case_id, Actor(name, role))
    out.print(f"case {case.id} claimed by {case.assigned_to}", highlight=False, markup=False)


@case_app.command("release")
def release(case_id: str, name: AsOpt, role: RoleOpt = Role.MODERATOR, store_url: StoreOpt = None) -> None:
    """Give a claimed case back to its queue."""
    with _service(store_url) as service:
        case = service.release(case_id, Actor(name, role))
    out.print(f"case {case.id} released ({case.state.value})", highlight=False, markup=False)


@case_app.command("decide")
def decide(
    case_id: str,
    decision: Annotated[str, typer.Argument(help="suspend, restrict, no_action or dismiss.")],
    clause: Annotated[str, _CLAUSE],
    reason: Reason,
    name: AsOpt,
    role: RoleOpt = Role.MODERATOR,
    store_url: StoreOpt = None,
) -> None:
    """Decide a case (claiming it when unclaimed), carry out its action, and close it."""
    with _service(store_url) as service:
        case = service.decide(case_id, Actor(name, role), decision, clause, reason)
    out.print(f"case {case.id}: {case.decision} under {case.policy_clause}, {case.state.value}",
              highlight=False, markup=False)


@case_app.command("escalate")
def escalate(case_id: str, reason: Reason, name: AsOpt, role: RoleOpt = Role.MODERATOR,
             store_url: StoreOpt = None) -> None:
    """Send a case to the escalations queue (senior moderators, the LE liaison)."""
    with _service(store_url) as service:
        case = service.escalate(case_id, Actor(name, role), reason)
    out.print(f"case {case.id} escalated to {case.queue}, due {_when(case.sla_due)}", highlight=False, markup=False)


@case_app.command("appeal")
def appeal(case_id: str, reason: Reason, name: AsOpt, role: RoleOpt = Role.MODERATOR,
           store_url: StoreOpt = None) -> None:
    """Record the account holder's appeal of a suspension or restriction: the case reopens
    for a reviewer other than the one who decided it."""
    with _service(store_url) as service:
        case = service.appeal(case_id, Actor(name, role), reason)
    out.print(f"case {case.id} appealed; waiting in {case.queue}", highlight=False, markup=False)


@case_app.command("appeal-decide")
def appeal_decide(
    case_id: str,
    outcome: Annotated[str, typer.Argument(help="uphold (the decision stands) or overturn (reinstate).")],
    reason: Reason,
    name: AsOpt,
    role: RoleOpt = Role.SENIOR_MODERATOR,
    store_url: StoreOpt = None,
) -> None:
    """Decide an appeal: uphold, or overturn and reinstate the account. Either closes the case."""
    with _service(store_url) as service:
        case = service.decide_appeal(case_id, Actor(name, role), outcome, reason)
    out.print(f"case {case.id}: appeal {case.decision}, {case.state.value}", highlight=False, markup=False)


@case_app.command("close")
def close(case_id: str, reason: Reason, name: AsOpt, role: RoleOpt = Role.MODERATOR,
          store_url: StoreOpt = None) -> None:
    """Close a case without a decision (a duplicate, a subject gone)."""
    with _service(store_url) as service:
        case = service.close(case_id, Actor(name, role), reason)
    out.print(f"case {case.id} closed", highlight=False, markup=False)


@case_app.command("finish")
def finish(case_id: str, name: AsOpt, role: RoleOpt = Role.MODERATOR, store_url: StoreOpt = None) -> None:
    """Complete a decision a crash interrupted: carry out its action and close the case."""
    with _service(store_url) as service:
        case = service.finish(case_id, Actor(name, role))
    out.print(f"case {case.id} {case.state.value}", highlight=False, markup=False)


def _query(
    queue: str | None, states: list[CaseState] | None, every: bool, assigned_to: str | None,
    min_risk: float | None, max_risk: float | None, overdue: bool,
) -> CaseQuery:
    chosen: tuple[CaseState, ...] = () if every else tuple(states or WAITING_STATES)
    return CaseQuery(
        queue=queue, states=chosen, assigned_to=assigned_to, min_risk=min_risk, max_risk=max_risk,
        overdue_at=datetime.now(UTC) if overdue else None,
    )


_QUEUE = typer.Option("--queue", help="Only this queue.")
_STATE = typer.Option("--state", help="Only these states (repeat); default: every waiting state.")
_ALL = typer.Option("--all", help="Every state, decided and closed included.")
_ASSIGNED = typer.Option("--assigned-to", help="Only cases this reviewer holds.")
_MIN_RISK = typer.Option("--min-risk", help="Only cases with at least this risk.")
_MAX_RISK = typer.Option("--max-risk", help="Only cases with at most this risk.")
_OVERDUE = typer.Option("--overdue", help="Only cases past their SLA.")


@cases_app.command("list")
def list_cases(
    queue: Annotated[str | None, _QUEUE] = None,
    state: Annotated[list[CaseState] | None, _STATE] = None,
    every: Annotated[bool, _ALL] = False,
    assigned_to: Annotated[str | None, _ASSIGNED] = None,
    min_risk: Annotated[float | None, _MIN_RISK] = None,
    max_risk: Annotated[float | None, _MAX_RISK] = None,
    overdue: Annotated[bool, _OVERDUE] = False,
    order: Annotated[str, typer.Option("--order", help="priority, age, sla or risk.")] = "priority",
    limit: Annotated[int, typer.Option("--limit", help="Cases per page.")] = 50,
    offset: Annotated[int, typer.Option("--offset", help="Cases to skip.")] = 0,
    store_url: StoreOpt = None,
) -> None:
    """The review queue from the read model, most urgent first, with counts per queue."""
    query = _query(queue, state, every, assigned_to, min_risk, max_risk, overdue)
    with command_store(store_url) as store:
        found = store.cases(query, order=order, limit=limit, offset=offset)
        counts = store.case_counts()
    waiting: dict[str, int] = {}
    for (name, state_name), n in counts.items():
        if state_name in WAITING_STATES:
            waiting[name] = waiting.get(name, 0) + n
    header = ", ".join(f"{q}: {n}" for q, n in sorted(waiting.items())) or "none"
    out.print(f"waiting per queue: {header}", highlight=False, markup=False, soft_wrap=True)
    now = datetime.now(UTC)
    # One line a case, never wrapped or cut: the id is what the next command needs, and the
    # output is often piped (grep, cut) rather than read in a wide terminal.
    out.print("case             queue        state      priority  risk   claimed by  SLA due                 subject",
              highlight=False, markup=False, soft_wrap=True)
    for case in found:
        due = _when(case.sla_due) + (" LATE" if case.sla_due and case.sla_due < now else "")
        risk = "-" if case.risk is None else f"{case.risk:.3f}"
        out.print(
            f"{case.id:<16} {case.queue:<12} {case.state.value:<10} {case.priority:8.3f}  {risk:<6} "
            f"{case.assigned_to or '-':<11} {due:<23} {case.subject}",
            highlight=False, markup=False, soft_wrap=True,
        )


@cases_app.command("bulk-decide")
def bulk_decide(
    decision: Annotated[str, typer.Argument(help="suspend, restrict, no_action or dismiss.")],
    clause: Annotated[str, _CLAUSE],
    reason: Reason,
    name: AsOpt,
    role: RoleOpt = Role.SENIOR_MODERATOR,
    queue: Annotated[str | None, _QUEUE] = None,
    state: Annotated[list[CaseState] | None, _STATE] = None,
    min_risk: Annotated[float | None, _MIN_RISK] = None,
    max_risk: Annotated[float | None, _MAX_RISK] = None,
    overdue: Annotated[bool, _OVERDUE] = False,
    store_url: StoreOpt = None,
) -> None:
    """Decide every waiting case the filters select, each with its own events and action.
    Cases claimed by someone else are skipped; cases that change meanwhile are left alone."""
    query = _query(queue, state, False, None, min_risk, max_risk, overdue)
    with _service(store_url) as service:
        result = service.bulk_decide(query, Actor(name, role), decision, clause, reason)
    out.print(
        f"decided {result.decided}; changed meanwhile (left alone) {result.changed}; "
        f"skipped {result.skipped}", highlight=False, markup=False,
    )


@cases_app.command("rebuild")
def rebuild(store_url: StoreOpt = None) -> None:
    """Recompute the case read model from the log (after changing CORDON_SLA_HOURS)."""
    with command_store(store_url) as store:
        n = store.rebuild_cases()
    out.print(f"rebuilt {n} cases from the log", highlight=False, markup=False)


def maintain_command(
    grace_minutes: Annotated[float, typer.Option(
        "--grace-minutes", min=0, help="Finish only decisions older than this (one in flight closes in seconds).",
    )] = 5.0,
    store_url: StoreOpt = None,
) -> None:
    """Housekeeping, idempotent, for cron: end the watch holds past their expiry (reinstating
    accounts no longer held) and carry out decisions a crash cut short. The stream worker does
    the same every CORDON_MAINTAIN_SECONDS."""
    from datetime import timedelta

    from cordon.cases.maintenance import maintain

    with _service(store_url) as service:
        done = maintain(service.store, service.executor, grace=timedelta(minutes=grace_minutes))
    out.print(str(done), highlight=False, soft_wrap=True)
