"""The law-enforcement liaison's routes, pages and JSON API: watch holds (list, place, lift),
evidence preservation (and its verification), and LE packets (build, download). Thin: the
work is LiaisonDesk's (liaison.py), over cordon.enforce."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import BaseModel, Field

from cordon.cases.permissions import Permission
from cordon.domain import SubjectRef
from cordon.enforce.watch import Hold, HoldError
from cordon.web.deps import LiaisonDep, allow
from cordon.web.errors import NotFound
from cordon.web.liaison import PACKET_FILES
from cordon.web.render import page

router = APIRouter()
_Text = Annotated[str, Form(min_length=1, max_length=4000)]
_Short = Annotated[str, Form(min_length=1, max_length=200)]
_CaseId = Annotated[str, Form(max_length=64)]
_Reason = Annotated[str, Field(min_length=1, max_length=4000)]


def parse_account(text: str) -> SubjectRef:
    """PLATFORM/ID or account/PLATFORM/ID, as the CLI takes an account."""
    text = (text or "").strip()
    if text.startswith("account/"):
        text = text[len("account/"):]
    platform, _, ident = text.partition("/")
    if not platform or not ident or "/" in ident or len(text) > 300:
        raise HoldError(f"not an account: {text[:80]!r} (give PLATFORM/ID, e.g. twitter/12345)")
    return SubjectRef.account(platform, ident)


def _back(account: SubjectRef, case_id: str | None, anchor: str) -> RedirectResponse:
    target = f"/cases/{case_id}" if case_id else f"/accounts/{account.platform}/{account.id}"
    return RedirectResponse(f"{target}#{anchor}", status_code=303)


# -- pages ------------------------------------------------------------------------------
@router.get("/holds")
def holds_page(request: Request, user: allow(Permission.WATCH), liaison: LiaisonDep):
    return page(request, "holds.html", user=user, holds=liaison.active_holds(), now=liaison.clock(),
                max_days=liaison.max_hold.days)


@router.post("/holds")
def place_hold_form(
    user: allow(Permission.WATCH), liaison: LiaisonDep, account: _Short, reason: _Text,
    requesting_body: _Short, expires: Annotated[str, Form(min_length=1, max_length=40)], case_id: _CaseId = "",
    back: Annotated[str, Form(max_length=10)] = "",
):
    ref = parse_account(account)
    liaison.place(user.actor, ref, reason, requesting_body, expires, case_id or None)
    if back == "holds":
        return RedirectResponse("/holds", status_code=303)
    return _back(ref, case_id or None, "liaison")


@router.post("/holds/{hold_id}/lift")
def lift_hold_form(hold_id: str, user: allow(Permission.WATCH), liaison: LiaisonDep, reason: _Text):
    liaison.lift(user.actor, hold_id, reason)
    return RedirectResponse("/holds", status_code=303)


@router.post("/accounts/{platform}/{account_id}/evidence")
def preserve_form(platform: str, account_id: str, user: allow(Permission.PRESERVE), liaison: LiaisonDep,
                  reason: _Text, case_id: _CaseId = ""):
    ref = SubjectRef.account(platform, account_id)
    liaison.preserve(user.actor, ref, reason, case_id or None)
    return _back(ref, case_id or None, "liaison")


@router.get("/evidence/{snapshot_id}")
def evidence_page(request: Request, snapshot_id: str, user: allow(Permission.PRESERVE), liaison: LiaisonDep):
    check = liaison.verify(snapshot_id)
    if check is None:
        raise NotFound(f"no preserved evidence {snapshot_id}")
    return page(request, "evidence.html", user=user, snapshot_id=snapshot_id, check=check)


@router.post("/accounts/{platform}/{account_id}/packets")
def packet_form(platform: str, account_id: str, user: allow(Permission.EXPORT_PACKET), liaison: LiaisonDep,
                agency: _Short, reason: _Text, case_id: _CaseId = ""):
    ref = SubjectRef.account(platform, account_id)
    liaison.escalate(user.actor, ref, reason, agency, case_id or None)
    return _back(ref, case_id or None, "liaison")


@router.get("/packets/{packet_id}/{file}")
def packet_download(packet_id: str, file: str, user: allow(Permission.EXPORT_PACKET), liaison: LiaisonDep):
    """packet.json or packet.html, as a download: the HTML holds the adversary's text, so it
    is never rendered as one of the console's pages (and the CSP still applies)."""
    path = liaison.packet_file(packet_id, file)
    if path is None:
        raise NotFound(f"no {file} in packet {packet_id}")
    return FileResponse(path, media_type=PACKET_FILES[file], filename=f"{packet_id}-{file}",
                        content_disposition_type="attachment")


# -- the JSON API -----------------------------------------------------------------------
class HoldIn(BaseModel):
    account: Annotated[str, Field(description="PLATFORM/ID", min_length=3, max_length=300)]
    reason: _Reason
    requesting_body: Annotated[str, Field(min_length=1, max_length=200)]
    expires: Annotated[str, Field(description="a duration (30d, 12h, 2w) or an ISO date or time",
                                  min_length=1, max_length=40)]
    case_id: Annotated[str | None, Field(max_length=64)] = None


class HoldOut(BaseModel):
    id: str
    account: str
    requesting_body: str
    reason: str
    placed_by: str
    placed_at: datetime
    expires: datetime
    case_id: str | None
    ended: str | None

    @classmethod
    def of(cls, h: Hold) -> HoldOut:
        return cls(id=h.id, account=str(h.account), requesting_body=h.requesting_body, reason=h.reason,
                   placed_by=h.placed_by, placed_at=h.placed_at, expires=h.expires, case_id=h.case_id, ended=h.ended)


class Lift(BaseModel):
    reason: _Reason


class PreserveIn(BaseModel):
    reason: _Reason
    case_id: Annotated[str | None, Field(max_length=64)] = None


class PacketIn(BaseModel):
    agency: Annotated[str, Field(min_length=1, max_length=200)]
    reason: _Reason
    case_id: Annotated[str | None, Field(max_length=64)] = None


@router.get("/api/holds", response_model=list[HoldOut], tags=["liaison"])
def api_holds(user: allow(Permission.WATCH), liaison: LiaisonDep) -> list[HoldOut]:
    return [HoldOut.of(h) for h in liaison.active_holds()]


@router.post("/api/holds", response_model=HoldOut, status_code=201, tags=["liaison"])
def api_place_hold(body: HoldIn, user: allow(Permission.WATCH), liaison: LiaisonDep) -> HoldOut:
    hold = liaison.place(user.actor, parse_account(body.account), body.reason, body.requesting_body,
                         body.expires, body.case_id)
    return HoldOut.of(hold)


@router.post("/api/holds/{hold_id}/lift", response_model=HoldOut, tags=["liaison"])
def api_lift_hold(hold_id: str, body: Lift, user: allow(Permission.WATCH), liaison: LiaisonDep) -> HoldOut:
    return HoldOut.of(liaison.lift(user.actor, hold_id, body.reason))


@router.post("/api/accounts/{platform}/{account_id}/evidence", status_code=201, tags=["liaison"])
def api_preserve(platform: str, account_id: str, body: PreserveIn, user: allow(Permission.PRESERVE),
                 liaison: LiaisonDep) -> dict[str, Any]:
    snap = liaison.preserve(user.actor, SubjectRef.account(platform, account_id), body.reason, body.case_id)
    return {"id": snap.folder.name, "manifest_sha256": snap.manifest_sha256, "seq": snap.event.seq}


@router.get("/api/evidence/{snapshot_id}", tags=["liaison"])
def api_verify_evidence(snapshot_id: str, user: allow(Permission.PRESERVE), liaison: LiaisonDep) -> dict[str, Any]:
    check = liaison.verify(snapshot_id)
    if check is None:
        raise NotFound(f"no preserved evidence {snapshot_id}")
    return {"id": snapshot_id, "ok": check.ok, "manifest_sha256": check.manifest_sha256, "changed": check.changed,
            "missing": check.missing, "added": check.added, "custody": check.custody}


@router.post("/api/accounts/{platform}/{account_id}/packets", status_code=201, tags=["liaison"])
def api_packet(platform: str, account_id: str, body: PacketIn, user: allow(Permission.EXPORT_PACKET),
               liaison: LiaisonDep) -> dict[str, Any]:
    packet = liaison.escalate(user.actor, SubjectRef.account(platform, account_id), body.reason, body.agency,
                              body.case_id)
    pid = packet.folder.name
    return {"id": pid, "sha256": packet.sha256, "manifest_sha256": packet.evidence.manifest_sha256,
            "seq": packet.event.seq, "files": {name: f"/packets/{pid}/{name}" for name in PACKET_FILES}}
