"""POST /api/reports: the platform forwards its users' reports. Authenticated with the API
token (CORDON_CONSOLE_API_TOKEN) or a console session, rate limited per reporter, and written
as a cordon Report through the store, so it flows on like an ingested report (the next
assessment logs it, counts it and joins it to the account's case)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from cordon.cases.permissions import Permission
from cordon.domain import Report, SubjectKind, SubjectRef
from cordon.web.auth import SignedIn
from cordon.web.deps import Allow, StoreDep

router = APIRouter(prefix="/api", tags=["intake"])
_ID = r"^[A-Za-z0-9_.:@-]{1,64}$"


class ReportIn(BaseModel):
    platform: Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,32}$")]
    reporter_id: Annotated[str, Field(pattern=_ID)]
    subject_kind: SubjectKind = SubjectKind.ACCOUNT
    subject_id: Annotated[str, Field(pattern=_ID)]
    reason: Annotated[str, Field(pattern=r"^[a-z_]{1,64}$", description="violent_threat, terrorism, hate, spam, other...")]
    text: Annotated[str, Field(max_length=4000)] = ""
    id: Annotated[str | None, Field(pattern=_ID, description="the platform's report id; sent again, it is stored once")] = None
    created_at: datetime | None = None


class ReportOut(BaseModel):
    id: str
    new: bool


Caller = Annotated[SignedIn | None, Depends(Allow(Permission.VIEW_CASES, api_token=True))]


@router.post("/reports", status_code=202, response_model=ReportOut)
def receive_report(request: Request, body: ReportIn, caller: Caller, store: StoreDep) -> ReportOut:
    request.app.state.report_limit.hit(f"{body.platform}/{body.reporter_id}")
    when = body.created_at or request.app.state.clock()
    if when.tzinfo is None:
        when = when.replace(tzinfo=request.app.state.clock().tzinfo)
    report = Report(
        platform=body.platform, id=body.id or uuid.uuid4().hex, reporter_id=body.reporter_id,
        subject=SubjectRef(body.subject_kind, body.platform, body.subject_id), reason=body.reason,
        text=body.text, created_at=when,
    )
    written = store.insert_reports([report])
    request.app.state.metrics.reports.labels("new" if written.new else "repeat").inc()
    return ReportOut(id=report.id, new=bool(written.new))
