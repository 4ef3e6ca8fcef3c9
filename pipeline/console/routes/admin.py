"""User management (admin only): list, add, disable and enable users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from pipeline.console.context import AdminForm, UserReader, console, render
from pipeline.store.schema import Role
from pipeline.store.users import UserExistsError

router = APIRouter()
HTTP_BAD_REQUEST = 400


@router.get("/admin/users")
def user_list(request: Request, _user: UserReader) -> Response:
    """Every user with role and state (and, for an admin, the form to add one)."""
    return render(
        request,
        "users.html",
        users=console(request).store.users.all(),
        roles=list(Role),
        error=None,
    )


@router.post("/admin/users")
def add_user(
    request: Request,
    user: AdminForm,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    """Add a user."""
    store = console(request).store
    try:
        if role not in set(Role):
            raise ValueError("choose a role")
        store.users.add(name.strip(), Role(role), password, actor=user.name)
    except (ValueError, UserExistsError) as exc:
        return render(
            request,
            "users.html",
            HTTP_BAD_REQUEST,
            users=store.users.all(),
            roles=list(Role),
            error=str(exc),
        )
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{name}/disabled")
def set_disabled(
    request: Request,
    user: AdminForm,
    name: str,
    disabled: Annotated[str, Form()] = "",
) -> Response:
    """Disable (``disabled=1``) or enable a user; an admin cannot disable themself."""
    if name != user.name:
        console(request).store.users.set_disabled(name, disabled == "1", actor=user.name)
    return RedirectResponse("/admin/users", status_code=303)
