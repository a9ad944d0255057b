"""`cordon watch`, `cordon evidence` and `cordon escalate`: watch holds, preserved evidence and
law-enforcement packets. Each acts as the person named by --as in the role given by --role;
the role's permissions are checked (cordon.cases.permissions)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from cordon.cli_support import command_store, err, out
from cordon.domain import Actor, Role, SubjectRef
from cordon.errors import InputError

watch_app = typer.Typer(help="Watch holds: keep an account up for an investigation, until lifted or expired.",
                        no_args_is_help=True)
evidence_app = typer.Typer(help="Preserve an account's evidence, check it, and record its handovers.",
                           no_args_is_help=True)

_STORE = typer.Option("--store", help="Store URL; default from CORDON_DATABASE_URL.")
_AS = typer.Option("--as", help="Who acts: recorded as the actor of every event.")
_ROLE = typer.Option("--role", help="The role acted in: moderator, senior_moderator, le_liaison or admin.")
_CASE = typer.Option("--case", help="The case this belongs to, if any.")
_ACCOUNT = typer.Argument(help="The account: PLATFORM/ID or account/PLATFORM/ID.")
_DURATION = re.compile(r"^(\d+)\s*([dhw])$")


def _actor(name: str, role: str) -> Actor:
    if not name.strip():
        raise InputError("--as needs a name")
    try:
        return Actor(name.strip(), Role(role))
    except ValueError:
        raise InputError(f"unknown role {role!r}: one of {', '.join(r.value for r in Role)}") from None


def _account(text: str) -> SubjectRef:
    if text.startswith("account/") and text.count("/") == 2:
        return SubjectRef.parse(text)
    platform, _, ident = text.partition("/")
    if not platform or not ident or "/" in ident:
        raise InputError(f"not an account: {text!r} (give PLATFORM/ID, e.g. twitter/12345)")
    return SubjectRef.account(platform, ident)


def _expiry(text: str, now: datetime) -> datetime:
    """An expiry given as a duration from now (30d, 12h, 2w) or an ISO date or time (UTC
    when it names no zone)."""
    match = _DURATION.match(text.strip())
    if match:
        n, unit = int(match.group(1)), match.group(2)
        return now + {"d": timedelta(days=n), "h": timedelta(hours=n), "w": timedelta(weeks=n)}[unit]
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"--expires {text!r}: give a duration (30d, 12h, 2w) or an ISO date (2015-09-01)") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _executor(store):
    """An executor with the actuators the settings configure, so a hold's `watch` and the
    `reinstate` that ends it reach the platform (the webhook) as well as cordon's store."""
    from cordon.config import get_settings
    from cordon.enforce import Executor
    from cordon.enforce.actuators.configured import configured_actuators

    return Executor(store, configured_actuators(store, get_settings()))


@watch_app.command("place")
def watch_place(
    account: Annotated[str, _ACCOUNT],
    reason: Annotated[str, typer.Option(help="Why the account is kept up.")],
    requested_by: Annotated[str, typer.Option("--requested-by", help="The body that asked for the hold (e.g. 'FBI JTTF').")],
    expires: Annotated[str, typer.Option(help="When it ends: a duration (30d, 12h, 2w) or an ISO date; at most CORDON_WATCH_MAX_DAYS away.")],
    actor: Annotated[str, _AS],
    role: Annotated[str, _ROLE] = Role.LE_LIAISON.value,
    case: Annotated[str | None, _CASE] = None,
    store_url: Annotated[str | None, _STORE] = None,
) -> None:
    """Place a watch hold: the account is marked watched, and no suspension or restriction is
    carried out on it until the hold is lifted or expires."""
    from cordon.enforce.watch import place_hold

    who, ref = _actor(actor, role), _account(account)
    with command_store(store_url) as store:
        executor = _executor(store)
        hold = place_hold(store, executor, who, ref, reason, requested_by, _expiry(expires, executor.clock()), case)
    out.print(f"hold {hold.id} on {ref} for {hold.requesting_body} until {hold.expires.isoformat()}",
              highlight=False, markup=False, soft_wrap=True)


@watch_app.command("lift")
def watch_lift(
    hold_id: Annotated[str, typer.Argument(help="The hold's id (see `cordon watch list`).")],
    reason: Annotated[str, typer.Option(help="Why it ends early.")],
    actor: Annotated[str, _AS],
    role: Annotated[str, _ROLE] = Role.LE_LIAISON.value,
    store_url: Annotated[str | None, _STORE] = None,
) -> None:
    """Lift a hold before its expiry; the account is active again once no hold remains."""
    from cordon.enforce.watch import lift_hold

    with command_store(store_url) as store:
        hold = lift_hold(store, _executor(store), _actor(actor, role), hold_id, reason)
    out.print(f"hold {hold.id} on {hold.account} lifted", highlight=False, markup=False, soft_wrap=True)


@watch_app.command("list")
def watch_list(
    all_holds: Annotated[bool, typer.Option("--all", help="Ended holds too.")] = False,
    store_url: Annotated[str | None, _STORE] = None,
) -> None:
    """The holds in force (or every hold, with --all), soonest expiry first."""
    from cordon.enforce.watch import holds

    now = datetime.now(UTC)
    with command_store(store_url) as store:
        found = [h for h in holds(store) if all_holds or h.active(now)]
    if not found:
        out.print("no holds" + ("" if all_holds else " in force"), highlight=False)
        return
    for h in sorted(found, key=lambda h: h.expires):
        state = h.ended or ("in force" if h.active(now) else "expired, not yet swept")
        out.print(f"{h.id}  {h.account}  {state}  until {h.expires.isoformat()}  for {h.requesting_body}  "
                  f"by {h.placed_by} ({h.role}): {h.reason}", highlight=False, markup=False, soft_wrap=True)


@watch_app.command("expire")
def watch_expire(store_url: Annotated[str | None, _STORE] = None) -> None:
    """Record the holds whose expiry has passed, and put accounts no longer held back to
    active. Idempotent: run it from cron."""
    from cordon.enforce.watch import expire_holds

    with command_store(store_url) as store:
        expired = expire_holds(store, _executor(store))
    out.print(f"expired {len(expired)} hold(s)", highlight=False, soft_wrap=True)


@evidence_app.command("preserve")
def evidence_preserve(
    account: Annotated[str, _ACCOUNT],
    output: Annotated[Path, typer.Option("-o", "--output", help="A new (or empty) folder for the snapshot.")],
    actor: Annotated[str, _AS],
    role: Annotated[str, _ROLE] = Role.MODERATOR.value,
    reason: Annotated[str, typer.Option(help="Why it is preserved.")] = "preserved for review",
    case: Annotated[str | None, _CASE] = None,
    store_url: Annotated[str | None, _STORE] = None,
) -> None:
    """Snapshot the account, its posts, media, neighbourhood, history and risk, with a SHA-256
    manifest and a chain of custody."""
    from cordon.enforce.evidence import preserve

    with command_store(store_url) as store:
        snap = preserve(store, _actor(actor, role), _account(account), output, case, reason)
    out.print(f"preserved {account} in {snap.folder} (manifest sha256 {snap.manifest_sha256})",
              highlight=False, markup=False, soft_wrap=True)


@evidence_app.command("verify")
def evidence_verify(folder: Annotated[Path, typer.Argument(help="A snapshot folder.")]) -> None:
    """Recompute every file's SHA-256 and the chain of custody; exits 2 on any change,
    missing or added file, or broken custody entry."""
    from cordon.enforce.evidence import verify_evidence

    check = verify_evidence(folder)
    for line in check.lines():
        (out if check.ok else err).print(line, highlight=False, markup=False, soft_wrap=True)
    if not check.ok:
        raise typer.Exit(2)


@evidence_app.command("custody")
def evidence_custody(
    folder: Annotated[Path, typer.Argument(help="A snapshot folder.")],
    what: Annotated[str, typer.Option(help="The handover, e.g. 'exported to FBI on disk 7'.")],
    actor: Annotated[str, _AS],
    role: Annotated[str, _ROLE] = Role.LE_LIAISON.value,
) -> None:
    """Record a handover in the chain of custody (refused if the snapshot does not verify)."""
    from cordon.enforce.evidence import add_custody

    entry = add_custody(folder, _actor(actor, role), what)
    out.print(f"custody entry {entry['n']} recorded ({entry['hash']})", highlight=False, markup=False, soft_wrap=True)


def escalate_command(
    account: Annotated[str, _ACCOUNT],
    agency: Annotated[str, typer.Option(help="The agency the packet goes to.")],
    reason: Annotated[str, typer.Option(help="Why: the credible threat, in a sentence.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for packet.json, packet.html and evidence/.")],
    actor: Annotated[str, _AS],
    role: Annotated[str, _ROLE] = Role.LE_LIAISON.value,
    case: Annotated[str | None, _CASE] = None,
    store_url: Annotated[str | None, _STORE] = None,
) -> None:
    """Refer a credible threat to law enforcement: preserve the evidence and write the packet
    (JSON, and printable HTML: print it to PDF from a browser)."""
    from cordon.enforce.escalation import escalate_to_law_enforcement

    with command_store(store_url) as store:
        packet = escalate_to_law_enforcement(store, _actor(actor, role), _account(account), reason, agency, output, case)
    out.print(f"packet for {agency}: {packet.json_path}, {packet.html_path} (sha256 {packet.sha256}); "
              f"evidence {packet.evidence.folder}", highlight=False, markup=False, soft_wrap=True)
