"""Dependencies the routes declare: the store, the signed-in user, and the permission each
route needs (in the manner of full-stack-fastapi-template's api/deps.py). Routes stay thin.

Every route but the few in PUBLIC names its permission with `allow(...)`; app.py refuses to
start when one does not, and the tests call every route as every role."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from cordon.cases.permissions import Permission, PermissionDenied, can
from cordon.config import Settings
from cordon.store import Store
from cordon.web.auth import SESSION_COOKIE, SignedIn, same_token
from cordon.web.cases import CaseDesk
from cordon.web.errors import CsrfRejected, NotSignedIn
from cordon.web.liaison import LiaisonDesk

#: Routes anyone may call: signing in, static files and the metrics scrape.
PUBLIC = frozenset({"/login", "/static", "/metrics"})
#: Methods that change nothing; every other one needs the session's CSRF token.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"


# The app's own objects, handed to routes: async, so FastAPI calls them on the event loop
# instead of sending each to the thread pool (a thread hop apiece, on every request).
async def get_store(request: Request) -> Store:
    return request.app.state.store


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_desk(request: Request) -> CaseDesk:
    return request.app.state.desk


async def get_liaison(request: Request) -> LiaisonDesk:
    return request.app.state.liaison


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
DeskDep = Annotated[CaseDesk, Depends(get_desk)]
LiaisonDep = Annotated[LiaisonDesk, Depends(get_liaison)]


def signed_in(request: Request) -> SignedIn:
    user = request.app.state.auth.resolve(request.cookies.get(SESSION_COOKIE))
    if user is None:
        raise NotSignedIn("sign in first")
    return user


async def _check_csrf(request: Request, user: SignedIn) -> None:
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)  # cached: the route's Form() reads it again
        given = value if isinstance(value, str) else None
    if not same_token(given, user.csrf):
        raise CsrfRejected("missing or wrong CSRF token; reload the page and try again")


class Allow:
    """The dependency that guards a route: a signed-in user whose role has `permission`
    (any signed-in user when None), with the CSRF token on a state-changing request. With
    `api_token`, a request bearing CORDON_CONSOLE_API_TOKEN passes too, as the platform
    (the dependency then gives None)."""

    def __init__(self, permission: Permission | None, *, api_token: bool = False) -> None:
        self.permission = permission
        self.api_token = api_token

    async def __call__(self, request: Request) -> SignedIn | None:
        if self.api_token and _bearer_ok(request):
            return None
        # The session and user look-ups are blocking store reads: in the thread pool, so one
        # request's round trips never hold up the event loop (and every other request).
        user = await run_in_threadpool(signed_in, request)
        await _check_csrf(request, user)
        if self.permission is not None and not can(user.user.role, self.permission):
            raise PermissionDenied(
                f"{user.user.name} ({user.user.role.value}) may not {self.permission.value.replace('_', ' ')}"
            )
        return user


def _bearer_ok(request: Request) -> bool:
    secret = request.app.state.settings.console_api_token
    header = request.headers.get("authorization", "")
    if secret is None or not header.lower().startswith("bearer "):
        return False
    return same_token(header[7:].strip(), secret.get_secret_value())


def allow(permission: Permission | None) -> type[SignedIn]:
    """`user: allow(Permission.DECIDE)` in a route's signature: the guard, and the user."""
    return Annotated[SignedIn, Depends(Allow(permission))]  # type: ignore[return-value]


#: Any signed-in user, whatever their role (signing out, the home page).
CurrentUser = allow(None)
