"""Logging in and out. Failed logins are counted per user name and per client address; past
the configured number in the window, the form is refused (429) without checking the password."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from pipeline.console.context import LoginRequired, check_csrf, console, current_user, render
from pipeline.console.permissions import Permission, allowed
from pipeline.console.sessions import new_session
from pipeline.store.users import window_start

router = APIRouter()
HTTP_TOO_MANY = 429


def home_for(role_can_view_calls: bool) -> str:
    """Where a user lands after login."""
    return "/calls" if role_can_view_calls else "/admin/users"


@router.get("/")
def index(request: Request) -> Response:
    """The start page of the logged-in user, else the login form."""
    user = current_user(request)
    if user is None:
        raise LoginRequired()
    return RedirectResponse(home_for(allowed(user.role, Permission.VIEW_CALLS)), status_code=303)


@router.get("/login")
def login_form(request: Request) -> Response:
    """The login form."""
    return render(request, "login.html", error=None)


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(request: Request, name: str = Form(""), password: str = Form("")) -> Response:
    """Check the password; on success a new session (a new CSRF token) for the user."""
    ctx = console(request)
    settings = ctx.settings
    client = request.client.host if request.client else "unknown"
    users = ctx.store.users
    since = window_start(settings.console_login_window_s)
    if users.recent_failures(name=name, client=client, since=since) >= (
        settings.console_login_max_failures
    ):
        return render(
            request,
            "login.html",
            HTTP_TOO_MANY,
            error="Too many failed logins. Wait a few minutes and try again.",
        )
    user = users.authenticate(name, password)
    users.record_login(name, client, user is not None)
    if user is None:
        return render(request, "login.html", 401, error="Wrong name or password.")
    request.state.new_session = new_session(user.name)
    return RedirectResponse(home_for(allowed(user.role, Permission.VIEW_CALLS)), status_code=303)


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request) -> Response:
    """End the session."""
    request.state.new_session = new_session()
    return RedirectResponse("/login", status_code=303)
