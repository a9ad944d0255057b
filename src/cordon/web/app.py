"""The app factory: the console's pages, its JSON API and /metrics over one store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from cordon.cases.permissions import PermissionDenied
from cordon.config import Settings
from cordon.enforce import Executor
from cordon.enforce.actuators.configured import configured_actuators
from cordon.errors import CordonError
from cordon.store import Store
from cordon.web import api, intake, liaison_routes, pages, users
from cordon.web.auth import Authenticator
from cordon.web.cases import CONFLICTS, CaseDesk, CaseNotFound
from cordon.web.deps import PUBLIC, Allow
from cordon.web.errors import CsrfRejected, NotFound, NotSignedIn, TooManyRequests
from cordon.web.liaison import LiaisonDesk
from cordon.web.metrics import Metrics, MetricsMiddleware, metrics_endpoint
from cordon.web.ratelimit import SlidingWindow
from cordon.web.render import STATIC, page
from cordon.web.security import SecurityHeaders

LOGIN_WINDOW_SECONDS = 15 * 60


def create_app(
    store: Store, settings: Settings | None = None, *, executor: Executor | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> FastAPI:
    """The console over `store`. Actions go through `executor` (by default one with the
    actuators the settings configure, as the CLI's: the store's own account status, and the
    platform's webhook or Mastodon instance when set)."""
    settings = settings or Settings()
    app = FastAPI(
        title="cordon review console", version="1",
        # The interactive docs load their script from a CDN: the schema alone is served,
        # at /api/openapi.json, behind sign-in (api.py).
        openapi_url=None, docs_url=None, redoc_url=None,
    )
    app.state.store = store
    app.state.settings = settings
    app.state.clock = clock
    executor = executor or Executor(store, configured_actuators(store, settings), clock)
    app.state.desk = CaseDesk(store, executor, clock)
    app.state.liaison = LiaisonDesk(store, executor, settings.data_dir, clock, settings.watch_max_days)
    app.state.auth = Authenticator(
        store, settings.console_session_hours, settings.console_login_attempts, LOGIN_WINDOW_SECONDS, clock,
    )
    app.state.report_limit = SlidingWindow(settings.console_report_limit, 60.0)
    app.state.metrics = Metrics()

    # The routes themselves, not include_router: FastAPI wraps included routers in a private
    # route type, and check_guarded and the tests walk app.routes as plain APIRoutes.
    for module in (pages, users, liaison_routes, api, intake):
        app.router.routes.extend(module.router.routes)
    app.add_api_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_error_handlers(app)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(SecurityHeaders)
    check_guarded(app)
    return app


def route_guard(route: APIRoute) -> Allow | None:
    """The Allow that guards a route, found in its dependency tree; None when unguarded."""
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        if isinstance(dependant.call, Allow):
            return dependant.call
        stack.extend(dependant.dependencies)
    return None


def is_public(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PUBLIC)


def check_guarded(app: FastAPI) -> None:
    """Refuse to build an app with a route that names no permission and is not public."""
    for route in app.routes:
        if isinstance(route, APIRoute) and route_guard(route) is None and not is_public(route.path):
            raise CordonError(f"route {route.path} declares no permission (web/deps.py: allow(...))")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def _answer(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    response = page(request, "error.html", status_code=status, message=message, status=status)
    response.headers.update(headers or {})
    return response


def _add_error_handlers(app: FastAPI) -> None:
    async def not_signed_in(request: Request, exc: Exception) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": str(exc)}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path if request.method == "GET" else "/queue"
        return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)

    async def too_many(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TooManyRequests)
        return _answer(request, 429, str(exc), {"Retry-After": str(exc.retry_after)})

    def simple(status: int):
        async def handler(request: Request, exc: Exception) -> Response:
            return _answer(request, status, str(exc))
        return handler

    app.add_exception_handler(NotSignedIn, not_signed_in)
    app.add_exception_handler(TooManyRequests, too_many)
    app.add_exception_handler(PermissionDenied, simple(403))
    app.add_exception_handler(CsrfRejected, simple(403))
    app.add_exception_handler(NotFound, simple(404))
    app.add_exception_handler(CaseNotFound, simple(404))
    for conflict in CONFLICTS:
        app.add_exception_handler(conflict, simple(409))
    app.add_exception_handler(CordonError, simple(400))

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if _wants_json(request):
            return JSONResponse({"detail": jsonable(exc.errors())}, status_code=422)
        return page(request, "error.html", status_code=422, status=422, message="the form was not filled in right")

    app.add_exception_handler(RequestValidationError, invalid)


def jsonable(errors: object) -> object:
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(errors)
