"""The console's pages: thin routes over CaseDesk and the views, rendered by Jinja2."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from cordon.cases.permissions import Permission
from cordon.domain import SubjectRef
from cordon.reports import Period, build_report, charts
from cordon.web.account_view import account_view, media_path
from cordon.web.auth import LOGIN_COOKIE, SESSION_COOKIE, same_token
from cordon.web.cases import APPEAL_OUTCOMES, DECISIONS, ORDERS
from cordon.web.deps import CurrentUser, DeskDep, SettingsDep, StoreDep, allow
from cordon.web.errors import NotFound
from cordon.web.filters import STATE_VIEWS, QueueFilter
from cordon.web.render import page

router = APIRouter()
PAGE_SIZE = 50
#: The keyboard shortcut of each common decision on the case page (static/console.js).
DECISION_KEYS = {"suspend": "s", "restrict": "t", "no_action": "n", "dismiss": "d"}
#: Events shown on the audit page, newest last.
AUDIT_TAIL = 200


def _safe_next(target: str | None) -> str:
    """Only a path of this app: never another host (//evil, /\\evil, https://...)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/queue"
    return target


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="strict", path="/",
        secure=request.url.scheme == "https",
    )


# -- signing in and out -----------------------------------------------------------------
@router.get("/login")
def login_form(request: Request, next: str | None = None, failed: bool = False):
    token = secrets.token_urlsafe(24)
    response = page(request, "login.html", next=_safe_next(next), login_csrf=token, failed=failed)
    _cookie(response, request, LOGIN_COOKIE, token, 3600)
    return response


@router.post("/login")
def login(
    request: Request, username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)], csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/queue",
):
    if not same_token(csrf, request.cookies.get(LOGIN_COOKIE, "")) or not csrf:
        return page(request, "error.html", status_code=403, status=403,
                    message="the sign-in form expired; reload it and try again")
    client = request.client.host if request.client else "?"
    token = request.app.state.auth.sign_in(username, password, client)
    if token is None:
        response = page(request, "login.html", status_code=401, next=_safe_next(next),
                        login_csrf=csrf, failed=True)
        return response
    response = RedirectResponse(_safe_next(next), status_code=303)
    hours = request.app.state.settings.console_session_hours
    _cookie(response, request, SESSION_COOKIE, token, int(hours * 3600))
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, user: CurrentUser):
    request.app.state.auth.sign_out(user.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(user: CurrentUser):
    return RedirectResponse("/queue", status_code=303)


# -- queues -----------------------------------------------------------------------------
@router.get("/queue")
def queue_page(
    request: Request, user: allow(Permission.VIEW_CASES), desk: DeskDep, store: StoreDep,
    queue: str | None = None, state: str = "waiting", order: str = "priority",
    min_risk: Annotated[float | None, Query(ge=0, le=1)] = None, overdue: bool = False,
    older_than_hours: Annotated[float | None, Query(ge=0)] = None, mine: bool = False,
    page_no: Annotated[int, Query(alias="page", ge=1)] = 1, bulk_done: str | None = None,
):
    flt = QueueFilter(queue, state if state in STATE_VIEWS else "waiting", min_risk, overdue, older_than_hours, mine)
    order = order if order in ORDERS else "priority"
    now = request.app.state.clock()
    found = desk.find(flt.query(now, user.user.name), order, PAGE_SIZE, (page_no - 1) * PAGE_SIZE)
    # The page's handles in one query, never one look-up per row.
    accounts = store.get_accounts(c.subject for c in found.cases if c.subject.kind.value == "account")
    handles = {ref: a.handle for ref, a in accounts.items()}
    counts = desk.counts()
    return page(
        request, "queue.html", user=user, cases=found.cases, more=found.more, handles=handles,
        flt=flt, order=order, orders=ORDERS, queues=sorted({q for q, _ in counts}), counts=counts,
        states=list(STATE_VIEWS), decisions=list(DECISIONS), now=now, page_no=page_no,
        filter_query=urlencode({**flt.params(), "order": order}), bulk_done=bulk_done,
    )


# -- a case and its account ------------------------------------------------------------
@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: str, user: allow(Permission.VIEW_CASES), desk: DeskDep,
              store: StoreDep, settings: SettingsDep):
    case = desk.get(case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    view = (account_view(store, case.subject, settings.data_dir / "media", request.app.state.clock())
            if case.subject.kind.value == "account" else None)
    return page(
        request, "case.html", user=user, case=case, view=view, decisions=list(DECISIONS),
        keys=DECISION_KEYS, outcomes=APPEAL_OUTCOMES, now=request.app.state.clock(),
    )


@router.get("/accounts/{platform}/{account_id}")
def account_page(request: Request, platform: str, account_id: str, user: allow(Permission.VIEW_CASES),
                 store: StoreDep, settings: SettingsDep):
    view = account_view(store, SubjectRef.account(platform, account_id), settings.data_dir / "media",
                        request.app.state.clock())
    if view is None:
        raise NotFound(f"no account {platform}/{account_id}")
    return page(request, "account.html", user=user, case=None, view=view, now=request.app.state.clock())


@router.get("/media/{digest}")
def media(digest: str, user: allow(Permission.VIEW_CASES), settings: SettingsDep):
    """The app's own copy of a matched picture; the page blurs it until clicked."""
    path = media_path(settings.data_dir / "media", digest)
    if path is None:
        raise NotFound("no local copy of that picture")
    return FileResponse(path, media_type="image/png")


def _back(case_id: str) -> RedirectResponse:
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/claim")
def claim(case_id: str, user: allow(Permission.CLAIM), desk: DeskDep):
    desk.claim(case_id, user.actor)
    return _back(case_id)


@router.post("/cases/{case_id}/release")
def release(case_id: str, user: allow(Permission.CLAIM), desk: DeskDep):
    desk.release(case_id, user.actor)
    return RedirectResponse("/queue", status_code=303)


@router.post("/cases/{case_id}/decide")
def decide(
    case_id: str, user: allow(Permission.DECIDE), desk: DeskDep,
    decision: Annotated[str, Form()], policy_clause: Annotated[str, Form(min_length=1, max_length=128)],
    reason: Annotated[str, Form(min_length=1, max_length=4000)],
):
    desk.decide(case_id, user.actor, decision, policy_clause, reason)
    return _back(case_id)


@router.post("/cases/{case_id}/escalate")
def escalate(case_id: str, user: allow(Permission.ESCALATE), desk: DeskDep,
             reason: Annotated[str, Form(min_length=1, max_length=4000)]):
    desk.escalate(case_id, user.actor, reason)
    return _back(case_id)


@router.post("/cases/{case_id}/appeal")
def appeal(case_id: str, user: allow(Permission.DECIDE), desk: DeskDep,
           reason: Annotated[str, Form(min_length=1, max_length=4000)]):
    desk.appeal(case_id, user.actor, reason)
    return _back(case_id)


@router.post("/cases/{case_id}/appeal-decision")
def appeal_decision(case_id: str, user: allow(Permission.DECIDE_APPEAL), desk: DeskDep,
                    outcome: Annotated[str, Form()], reason: Annotated[str, Form(min_length=1, max_length=4000)]):
    desk.decide_appeal(case_id, user.actor, outcome, reason)
    return _back(case_id)


@router.post("/bulk")
def bulk(
    request: Request, user: allow(Permission.BULK_DECIDE), desk: DeskDep,
    decision: Annotated[str, Form()], policy_clause: Annotated[str, Form(min_length=1, max_length=128)],
    reason: Annotated[str, Form(min_length=1, max_length=4000)],
    queue: Annotated[str, Form()] = "", min_risk: Annotated[float | None, Form(ge=0, le=1)] = None,
    overdue: Annotated[bool, Form()] = False,
):
    flt = QueueFilter(queue or None, "waiting", min_risk, overdue)
    done = desk.bulk_decide(flt.query(request.app.state.clock(), user.user.name), user.actor, decision,
                            policy_clause, reason)
    summary = f"{done.decided} decided, {done.changed} changed meanwhile, {done.skipped} skipped"
    return RedirectResponse(f"/queue?{urlencode({**flt.params(), 'bulk_done': summary})}", status_code=303)


# -- the log and the figures -----------------------------------------------------------
@router.get("/audit")
def audit_page(request: Request, user: allow(Permission.VIEW_AUDIT), store: StoreDep):
    """The newest events. The hash chain is not re-verified on every load (that reads the
    whole log): the page's button asks for it (/audit/verify)."""
    return page(request, "audit.html", user=user, verdict=None, **audit_tail(store))


@router.get("/audit/verify")
def audit_verify(request: Request, user: allow(Permission.VIEW_AUDIT), store: StoreDep):
    """The audit page with verify_audit()'s verdict over the whole chain, computed now. Not
    cached: an edit to an old event must show however recently the chain was checked, so a
    verdict is only ever one just computed over every event."""
    return page(request, "audit.html", user=user, verdict=store.verify_audit(), **audit_tail(store))


def audit_tail(store) -> dict:
    total = store.counts()["events"]
    return {"events": list(store.events(after_seq=max(0, total - AUDIT_TAIL))), "total": total}


@router.get("/dashboard")
def dashboard(request: Request, user: allow(Permission.VIEW_REPORTS), store: StoreDep,
              since: Annotated[str | None, Query(max_length=40)] = None,
              until: Annotated[str | None, Query(max_length=40)] = None):
    """The transparency report, over every event or those of a period (a bad date: 400)."""
    period = Period.parse(since, until)
    report = build_report(store, period=period, now=request.app.state.clock())
    figures = [("Risk across all accounts", charts.risk_histogram(report.risk_scores, {}))]
    if report.cases_by_queue:
        figures.append(("Cases by queue", charts.bar_chart(report.cases_by_queue, "Cases by queue", "cases")))
    if report.actions:
        figures.append(("Actions", charts.bar_chart(report.actions, "Actions taken", "actions")))
    return page(request, "dashboard.html", user=user, report=report, figures=figures, period=period,
                since=since or "", until=until or "")
