"""What every route needs: the store, the settings, templates, the session and the user.

Routes declare what they need with :func:`require` (a permission, and for forms a valid CSRF
token). Without a session a page redirects to the login form and any other request gets 401; a
role without the permission gets 403; a form without its token gets 403. Pages are rendered by
:func:`render`, which scans the finished HTML for unmasked card, ID and mobile numbers and
withholds a page that has one (the data is masked upstream; this is the last line of defence).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from pipeline.alerts.scan import find_unmasked_pii
from pipeline.config import Settings
from pipeline.console.permissions import Permission, allowed
from pipeline.console.sessions import CSRF_FIELD, Session, SessionCodec, csrf_matches
from pipeline.store import Store
from pipeline.store.records import UserRecord

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).with_name("templates")
STATIC_DIR = Path(__file__).with_name("static")
HTTP_WITHHELD = 500


@dataclass(frozen=True)
class Console:
    """The application's shared parts (``app.state.console``)."""

    store: Store
    settings: Settings
    codec: SessionCodec
    templates: Jinja2Templates
    out_dir: Path  # where the calls' folders are (``<out_dir>/calls/<call-id>/``)


class LoginRequired(Exception):
    """No valid session: pages redirect to the login form, other requests get 401."""


class Forbidden(Exception):
    """The user's role may not do this, or a form lacks its CSRF token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFound(Exception):
    """No such call, finding or file (also any id that does not parse)."""


def console(request: Request) -> Console:
    """The console of the app serving ``request``."""
    found: Console = request.app.state.console
    return found


def session(request: Request) -> Session:
    """The request's session (the middleware makes one for every visitor)."""
    found: Session = request.state.session
    return found


def current_user(request: Request) -> UserRecord | None:
    """The logged-in, enabled user, or None."""
    name = session(request).user
    if name is None:
        return None
    user = console(request).store.users.get(name)
    return None if user is None or user.disabled else user


def require(permission: Permission, *, form: bool = False) -> Callable[..., Any]:
    """A dependency: the user, when logged in, allowed ``permission`` and (for a form) sending
    the session's CSRF token."""

    async def dependency(request: Request) -> UserRecord:
        user = await run_in_threadpool(current_user, request)  # a database read
        if user is None:
            raise LoginRequired()
        if not allowed(user.role, permission):
            raise Forbidden(f"the {user.role} role may not do this")
        if form:
            sent = (await request.form()).get(CSRF_FIELD)
            if not csrf_matches(session(request), sent if isinstance(sent, str) else None):
                raise Forbidden("the form's CSRF token is missing or wrong; reload the page")
        request.state.user = user
        return user

    return dependency


async def check_csrf(request: Request) -> None:
    """A dependency for forms that need no login (the login form itself)."""
    sent = (await request.form()).get(CSRF_FIELD)
    if not csrf_matches(session(request), sent if isinstance(sent, str) else None):
        raise Forbidden("the form's CSRF token is missing or wrong; reload the page")


def parse_id(text: str) -> int:
    """A row id from a URL; NotFound for anything but plain digits."""
    if not text.isdigit() or len(text) > 18:
        raise NotFound()
    return int(text)


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """A page from a template, scanned for unmasked values before it leaves."""
    user: UserRecord | None = getattr(request.state, "user", None) or current_user(request)
    ctx = console(request)

    def can(permission: str) -> bool:
        return user is not None and allowed(user.role, Permission(permission))

    html = ctx.templates.get_template(template).render(
        request=request,
        user=user,
        csrf=session(request).csrf,
        csrf_field=CSRF_FIELD,
        can=can,
        **values,
    )
    found = find_unmasked_pii(html)
    if found:
        log.error("page %s withheld: %s", request.url.path, "; ".join(found))
        html = ctx.templates.get_template("withheld.html").render(
            request=request, user=user, csrf=session(request).csrf, csrf_field=CSRF_FIELD, can=can
        )
        return HTMLResponse(html, status_code=HTTP_WITHHELD)
    return HTMLResponse(html, status_code=status_code)


# The user of a route, by what the route needs (``user: Viewer`` in a signature).
Viewer = Annotated[UserRecord, Depends(require(Permission.VIEW_CALLS))]
ReviewForm = Annotated[UserRecord, Depends(require(Permission.REVIEW, form=True))]
AppealForm = Annotated[UserRecord, Depends(require(Permission.APPEAL, form=True))]
QueueReader = Annotated[UserRecord, Depends(require(Permission.VIEW_QUEUES))]
JudgeForm = Annotated[UserRecord, Depends(require(Permission.JUDGE, form=True))]
AssignForm = Annotated[UserRecord, Depends(require(Permission.ASSIGN, form=True))]
AuditReader = Annotated[UserRecord, Depends(require(Permission.READ_AUDIT))]
UserReader = Annotated[UserRecord, Depends(require(Permission.VIEW_USERS))]
AdminForm = Annotated[UserRecord, Depends(require(Permission.MANAGE_USERS, form=True))]
