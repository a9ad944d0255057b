"""The JSON API: what the pages do, for scripts and the platform. The schema is served at
/api/openapi.json to signed-in users (the interactive docs are off: they load from a CDN)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from cordon.cases.permissions import Permission
from cordon.domain import Case, Role, SubjectRef
from cordon.web.account_view import account_view
from cordon.web.cases import ORDERS
from cordon.web.deps import DeskDep, SettingsDep, StoreDep, allow
from cordon.web.errors import NotFound
from cordon.web.filters import STATE_VIEWS, QueueFilter
from cordon.web.users import add_user

router = APIRouter(prefix="/api", tags=["console"])
_Reason = Annotated[str, Field(min_length=1, max_length=4000)]


class CaseOut(BaseModel):
    id: str
    subject: str
    queue: str
    state: str
    priority: float
    risk: float | None
    opened_at: datetime
    sla_due: datetime | None
    assigned_to: str | None
    decision: str | None
    policy_clause: str | None
    decided_by: str | None
    reasons: list[str]
    report_count: int

    @classmethod
    def of(cls, c: Case) -> CaseOut:
        return cls(
            id=c.id, subject=str(c.subject), queue=c.queue, state=c.state.value, priority=c.priority,
            risk=c.risk, opened_at=c.opened_at, sla_due=c.sla_due, assigned_to=c.assigned_to,
            decision=c.decision, policy_clause=c.policy_clause, decided_by=c.decided_by,
            reasons=list(c.reasons), report_count=c.report_count,
        )


class CaseList(BaseModel):
    more: bool = Field(description="whether another page follows")
    cases: list[CaseOut]


class Decision(BaseModel):
    decision: Annotated[str, Field(description="suspend, restrict, no_action or dismiss")]
    policy_clause: Annotated[str, Field(min_length=1, max_length=128)]
    reason: _Reason


class Reason(BaseModel):
    reason: _Reason


class AppealDecision(BaseModel):
    outcome: Annotated[str, Field(description="uphold or overturn")]
    reason: _Reason


class BulkDecision(Decision):
    queue: str | None = None
    min_risk: Annotated[float | None, Field(ge=0, le=1)] = None
    overdue: bool = False


class Done(BaseModel):
    case: CaseOut


class BulkDone(BaseModel):
    decided: int
    changed: int = Field(description="cases that moved on while the bulk decision ran: left alone")
    skipped: int = Field(description="cases a decision does not apply to (decided, held by another)")


class UserIn(BaseModel):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
    role: Role


class UserOut(BaseModel):
    name: str
    role: Role
    disabled: bool
    created: datetime
    password: str | None = Field(None, description="set once, when the user is created")


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request, user: allow(Permission.VIEW_CASES)) -> dict[str, Any]:
    return request.app.openapi()


@router.get("/cases", response_model=CaseList)
def list_cases(
    request: Request, user: allow(Permission.VIEW_CASES), desk: DeskDep,
    queue: str | None = None, state: Annotated[str, Query(pattern="^(" + "|".join(STATE_VIEWS) + ")$")] = "waiting",
    order: Annotated[str, Query(pattern="^(" + "|".join(ORDERS) + ")$")] = "priority",
    min_risk: Annotated[float | None, Query(ge=0, le=1)] = None, overdue: bool = False,
    mine: bool = False, limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0)] = 0,
) -> CaseList:
    flt = QueueFilter(queue, state, min_risk, overdue, None, mine)
    found = desk.find(flt.query(request.app.state.clock(), user.user.name), order, limit, offset)
    return CaseList(more=found.more, cases=[CaseOut.of(c) for c in found.cases])


@router.get("/cases/{case_id}", response_model=CaseOut)
def get_case(case_id: str, user: allow(Permission.VIEW_CASES), desk: DeskDep) -> CaseOut:
    case = desk.get(case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return CaseOut.of(case)


@router.post("/cases/{case_id}/claim", response_model=Done)
def api_claim(case_id: str, user: allow(Permission.CLAIM), desk: DeskDep) -> Done:
    return Done(case=CaseOut.of(desk.claim(case_id, user.actor)))


@router.post("/cases/{case_id}/release", response_model=Done)
def api_release(case_id: str, user: allow(Permission.CLAIM), desk: DeskDep) -> Done:
    return Done(case=CaseOut.of(desk.release(case_id, user.actor)))


@router.post("/cases/{case_id}/decide", response_model=Done)
def api_decide(case_id: str, body: Decision, user: allow(Permission.DECIDE), desk: DeskDep) -> Done:
    return Done(case=CaseOut.of(desk.decide(case_id, user.actor, body.decision, body.policy_clause, body.reason)))


@router.post("/cases/{case_id}/escalate", response_model=Done)
def api_escalate(case_id: str, body: Reason, user: allow(Permission.ESCALATE), desk: DeskDep) -> Done:
    return Done(case=CaseOut.of(desk.escalate(case_id, user.actor, body.reason)))


@router.post("/cases/{case_id}/appeal", response_model=Done)
def api_appeal(case_id: str, body: Reason, user: allow(Permission.DECIDE), desk: DeskDep) -> Done:
    return Done(case=CaseOut.of(desk.appeal(case_id, user.actor, body.reason)))


@router.post("/cases/{case_id}/appeal-decision", response_model=Done)
def api_appeal_decision(case_id: str, body: AppealDecision, user: allow(Permission.DECIDE_APPEAL),
                        desk: DeskDep) -> Done:
    return Done(case=CaseOut.of(desk.decide_appeal(case_id, user.actor, body.outcome, body.reason)))


@router.post("/cases/bulk-decide", response_model=BulkDone)
def api_bulk(request: Request, body: BulkDecision, user: allow(Permission.BULK_DECIDE), desk: DeskDep) -> BulkDone:
    flt = QueueFilter(body.queue, "waiting", body.min_risk, body.overdue)
    done = desk.bulk_decide(flt.query(request.app.state.clock(), user.user.name), user.actor,
                            body.decision, body.policy_clause, body.reason)
    return BulkDone(decided=done.decided, changed=done.changed, skipped=done.skipped)


@router.get("/accounts/{platform}/{account_id}")
def get_account(request: Request, platform: str, account_id: str, user: allow(Permission.VIEW_CASES),
                store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    view = account_view(store, SubjectRef.account(platform, account_id), settings.data_dir / "media",
                        request.app.state.clock())
    if view is None:
        raise NotFound(f"no account {platform}/{account_id}")
    a = view.account
    return {
        "account": {"ref": str(a.ref), "handle": a.handle, "display_name": a.display_name, "bio": a.bio,
                    "status": a.status.value, "created_at": a.created_at},
        "risk": None if view.risk is None else {"score": view.risk.score, "components": view.risk.components},
        "posts": [{"id": p.post.id, "text": p.post.text, "created_at": p.post.created_at,
                   "evidence": [{"signal": e.signal, "score": e.score, "summary": e.summary,
                                 "spans": [[s.start, s.end, s.label] for s in e.spans]} for e in p.evidence]}
                  for p in view.posts],
        "media": [{"post_id": m.post_id, "hash": m.hash, "distance": m.distance, "list": m.list_name}
                  for m in view.media],
        "reports": [{"id": r.id, "reporter_id": r.reporter_id, "reason": r.reason, "text": r.text,
                     "created_at": r.created_at} for r in view.reports],
        "events": [{"seq": e.seq, "name": e.name.value, "actor": e.actor, "created": e.created,
                    "case_id": e.case_id, "reason": e.reason} for e in view.events],
        "predecessors": [{"account": c, "score": s, "why": w} for c, s, w in view.predecessors],
        "holds": [{"id": h.id, "requesting_body": h.requesting_body, "reason": h.reason, "placed_by": h.placed_by,
                   "expires": h.expires} for h in view.liaison.holds],
        "preserved": [{"id": p.id, "manifest_sha256": p.manifest_sha256, "at": p.at, "by": p.by, "reason": p.reason}
                      for p in view.liaison.preserved],
        "packets": [{"id": p.id, "agency": p.agency, "sha256": p.sha256, "at": p.at, "by": p.by}
                    for p in view.liaison.packets],
    }


@router.get("/audit")
def api_audit(user: allow(Permission.VIEW_AUDIT), store: StoreDep,
              after_seq: Annotated[int, Query(ge=0)] = 0,
              limit: Annotated[int, Query(ge=1, le=1000)] = 200,
              verify: Annotated[bool, Query(description="recompute the hash chain over the whole log "
                                                        "(reads every event; ok and verdict are null without)")] = False,
              ) -> dict[str, Any]:
    verdict = store.verify_audit() if verify else None
    events = []
    for e in store.events(after_seq=after_seq):
        events.append({"seq": e.seq, "name": e.name.value, "actor": e.actor, "created": e.created,
                       "subject": str(e.subject), "case_id": e.case_id, "reason": e.reason})
        if len(events) >= limit:
            break
    return {"ok": None if verdict is None else verdict.ok, "verdict": None if verdict is None else str(verdict),
            "events": events}


@router.get("/transparency")
def api_transparency(
    request: Request, user: allow(Permission.VIEW_REPORTS), store: StoreDep,
    since: Annotated[str | None, Query(max_length=40, description="a date or ISO time (UTC unless it says)")] = None,
    until: Annotated[str | None, Query(max_length=40, description="events before this date or time")] = None,
) -> dict[str, Any]:
    from cordon.reports import Period, build_report

    period = Period.parse(since, until)
    report = build_report(store, period=period, now=request.app.state.clock())
    return {"period": period.label,
            "rows": [{"section": s, "metric": m, "value": v} for s, m, v in report.rows()]}


@router.get("/users", response_model=list[UserOut])
def api_users(user: allow(Permission.MANAGE_USERS), store: StoreDep) -> list[UserOut]:
    return [UserOut(name=u.name, role=u.role, disabled=u.disabled, created=u.created) for u in store.users()]


@router.post("/users", response_model=UserOut, status_code=201)
def api_add_user(body: UserIn, user: allow(Permission.MANAGE_USERS), store: StoreDep) -> UserOut:
    created, password = add_user(store, body.name, body.role)
    return UserOut(name=created.name, role=created.role, disabled=False, created=created.created,
                   password=password)
