"""The law-enforcement liaison's door to watch holds, preserved evidence and LE packets: the
console's counterpart of `cordon watch`, `cordon evidence` and `cordon escalate`
(cli_holds.py), over the same functions in cordon.enforce, and the data dir layout the
console keeps them in:

    $CORDON_DATA_DIR/evidence/<snapshot id>/     a snapshot (enforce/evidence.py)
    $CORDON_DATA_DIR/packets/<packet id>/        packet.json, packet.html, evidence/

An id is the folder's name, made by evidence.snapshot_folder (platform, id, time, random
suffix). A folder is only ever found by an id that matches ID_PATTERN and names a folder
directly under its root, so no id can reach outside the data dir."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cordon.domain import Actor, EventName, ModerationEvent, SubjectRef
from cordon.enforce import Executor
from cordon.enforce.escalation import PACKET_HTML, PACKET_JSON, Packet, escalate_to_law_enforcement
from cordon.enforce.evidence import EvidenceCheck, Snapshot, preserve, snapshot_folder, verify_evidence
from cordon.enforce.watch import Hold, HoldError, fold_holds, holds, lift_hold, place_hold
from cordon.store import Store

ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,200}$")
#: The files of a packet the console hands out, with their media types.
PACKET_FILES = {PACKET_JSON: "application/json", PACKET_HTML: "text/html; charset=utf-8"}
_DURATION = re.compile(r"^(\d{1,4})\s*([hdw])$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


@dataclass(frozen=True, slots=True)
class Preserved:
    """A snapshot named by an EVIDENCE_PRESERVED event of the account's history."""

    id: str
    manifest_sha256: str
    at: datetime
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class PacketRecord:
    """A packet named by an ESCALATED event (to law enforcement) of the account's history."""

    id: str
    agency: str
    sha256: str
    at: datetime
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class LiaisonRecords:
    """What the account view shows of the liaison's work on one account."""

    holds: list[Hold]
    preserved: list[Preserved]
    packets: list[PacketRecord]


def parse_expiry(text: str, now: datetime) -> datetime:
    """A hold's expiry as the form gives it: a duration from now (30d, 12h, 2w) or an ISO
    date or time (UTC when it names no zone), as `cordon watch place --expires` takes it."""
    text = (text or "").strip()
    match = _DURATION.match(text)
    if match:
        return now + int(match.group(1)) * _UNITS[match.group(2)]
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise HoldError(f"expiry {text[:40]!r}: give a duration (30d, 12h, 2w) or an ISO date (2015-09-01)") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def records(events: Iterable[ModerationEvent], now: datetime) -> LiaisonRecords:
    """Active holds, preserved snapshots and packets among one account's events. The ids are
    the folder names the events recorded, so a page can link to them."""
    events = list(events)
    active = sorted((h for h in fold_holds(events).values() if h.active(now)), key=lambda h: h.expires)
    preserved, packets = [], []
    for e in events:
        folder = Path(str(e.payload.get("folder", ""))).name
        if e.name is EventName.EVIDENCE_PRESERVED and folder:
            preserved.append(Preserved(folder, str(e.payload.get("manifest_sha256", "")), e.created, e.actor, e.reason))
        elif e.name is EventName.ESCALATED and e.payload.get("to") == "law_enforcement" and folder:
            packets.append(PacketRecord(folder, str(e.payload.get("agency", "")), str(e.payload.get("packet_sha256", "")),
                                        e.created, e.actor, e.reason))
    # A packet preserves its own evidence (packets/<id>/evidence): it is listed with the
    # packet, not again among the snapshots.
    preserved = [p for p in preserved if p.id != "evidence"]
    return LiaisonRecords(active, preserved, packets)


class LiaisonDesk:
    def __init__(
        self, store: Store, executor: Executor, data_dir: Path, clock: Callable[[], datetime], max_hold_days: int,
    ) -> None:
        self.store = store
        self.executor = executor
        self.evidence_root = Path(data_dir) / "evidence"
        self.packet_root = Path(data_dir) / "packets"
        self.clock = clock
        self.max_hold = timedelta(days=max_hold_days)

    # -- watch holds ---------------------------------------------------------------------
    def active_holds(self) -> list[Hold]:
        """Holds in force, soonest expiry first. Reads the whole log (holds live only there);
        the page is the liaison's, not every moderator's."""
        now = self.clock()
        return sorted((h for h in holds(self.store) if h.active(now)), key=lambda h: h.expires)

    def place(self, actor: Actor, account: SubjectRef, reason: str, requesting_body: str, expires: str,
              case_id: str | None = None) -> Hold:
        when = parse_expiry(expires, self.clock())
        return place_hold(self.store, self.executor, actor, account, reason, requesting_body, when,
                          case_id or None, max_duration=self.max_hold)

    def lift(self, actor: Actor, hold_id: str, reason: str) -> Hold:
        return lift_hold(self.store, self.executor, actor, hold_id, reason)

    # -- evidence ------------------------------------------------------------------------
    def preserve(self, actor: Actor, account: SubjectRef, reason: str, case_id: str | None = None) -> Snapshot:
        now = self.clock()
        folder = snapshot_folder(self.evidence_root, account, now)
        return preserve(self.store, actor, account, folder, case_id or None, reason, now=now)

    def snapshot(self, snapshot_id: str) -> Path | None:
        """A snapshot's folder: one preserved on its own, or the evidence of a packet."""
        found = _child(self.evidence_root, snapshot_id)
        if found is None:
            packet = _child(self.packet_root, snapshot_id)
            found = packet / "evidence" if packet is not None and (packet / "evidence").is_dir() else None
        return found

    def verify(self, snapshot_id: str) -> EvidenceCheck | None:
        folder = self.snapshot(snapshot_id)
        return None if folder is None else verify_evidence(folder)

    # -- law-enforcement packets ---------------------------------------------------------
    def escalate(self, actor: Actor, account: SubjectRef, reason: str, agency: str,
                 case_id: str | None = None) -> Packet:
        now = self.clock()
        folder = snapshot_folder(self.packet_root, account, now)
        return escalate_to_law_enforcement(self.store, actor, account, reason, agency, folder, case_id or None, now=now)

    def packet_file(self, packet_id: str, name: str) -> Path | None:
        if name not in PACKET_FILES:
            return None
        folder = _child(self.packet_root, packet_id)
        path = None if folder is None else folder / name
        return path if path is not None and path.is_file() else None


def _child(root: Path, name: str) -> Path | None:
    """root/name when name is a plain folder name (no separators, not . or ..) and exists."""
    if not ID_PATTERN.match(name) or name in (".", "..") or set(name) == {"."}:
        return None
    path = root / name
    return path if path.is_dir() else None
