"""The application factory: routes, the session middleware, error pages, security headers."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import RequestResponseEndpoint

from pipeline.config import Settings
from pipeline.console.context import (
    STATIC_DIR,
    TEMPLATES_DIR,
    Console,
    Forbidden,
    LoginRequired,
    NotFound,
    render,
)
from pipeline.console.routes import admin, auth, calls, dashboards, review
from pipeline.console.sessions import COOKIE_NAME, SessionCodec, new_session
from pipeline.outputs import format_mmss
from pipeline.store import Store

# Nothing but the console's own files: no inline script, no other origin, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def create_app(store: Store, settings: Settings, *, out_dir: Path | None = None) -> FastAPI:
    """The console over ``store``; call folders are read from ``out_dir`` (default: the
    settings' output folder). ValueError when the settings have no console secret."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.filters["mmss"] = lambda s: format_mmss(float(s or 0.0))
    templates.env.filters["utc"] = lambda t: "" if t is None else t.strftime("%Y-%m-%d %H:%M")
    codec = SessionCodec(
        settings.console_secret.get_secret_value(), settings.console_session_max_age_s
    )
    app = FastAPI(title="callsentry console", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = Console(
        store=store,
        settings=settings,
        codec=codec,
        templates=templates,
        out_dir=Path(out_dir or settings.out_dir),
    )
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    for module in (auth, calls, review, dashboards, admin):
        app.include_router(module.router)

    @app.middleware("http")
    async def sessions_and_headers(
        request: Request, call_next: RequestResponseEndpoint
    ) -> Response:
        found = codec.loads(request.cookies.get(COOKIE_NAME))
        request.state.session = found or new_session()
        request.state.new_session = None
        response = await call_next(request)
        replaced = request.state.new_session
        if replaced is not None or found is None:
            response.set_cookie(
                COOKIE_NAME,
                codec.dumps(replaced or request.state.session),
                max_age=codec.max_age_s,
                httponly=True,
                samesite="strict",
                secure=settings.console_secure_cookies,
                path="/",
            )
        response.headers.update(SECURITY_HEADERS)
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if request.method in ("GET", "HEAD"):
            return RedirectResponse("/login", status_code=303)
        return Response("login required", status_code=401, media_type="text/plain")

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return render(request, "error.html", 403, title="Not allowed", message=exc.reason)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, _exc: NotFound) -> Response:
        return render(request, "error.html", 404, title="Not found", message="No such page.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        title = "Not found" if exc.status_code == 404 else "Error"
        return render(request, "error.html", exc.status_code, title=title, message=str(exc.detail))

    return app
