"""Verdicts, appeals, the supervisor's judgement, and the assignment of calls to reviewers.

Every form here needs its CSRF token; every change goes through the store, which writes it to
the audit chain in the same transaction. A comment or reason in which the scanner finds an
unmasked card, ID or mobile number is refused, so no such value is ever stored or shown.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from pipeline.alerts.scan import find_unmasked_pii
from pipeline.console.context import (
    AppealForm,
    AssignForm,
    JudgeForm,
    NotFound,
    QueueReader,
    ReviewForm,
    console,
    parse_id,
    render,
)
from pipeline.store.reviews import NotFoundError, ReviewError
from pipeline.store.schema import Judgement, Role, Verdict

router = APIRouter()
HTTP_BAD_REQUEST = 400
HTTP_CONFLICT = 409


def _refused(request: Request, status: int, message: str) -> Response:
    return render(request, "error.html", status, title="Not done", message=message)


def _unmasked(text: str) -> bool:
    return bool(find_unmasked_pii(text))


UNMASKED_MESSAGE = (
    "The text holds what looks like a card, ID or mobile number. Leave personal data out."
)


@router.post("/findings/{violation_pk}/verdict")
def verdict(
    request: Request,
    user: ReviewForm,
    violation_pk: str,
    verdict: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    """Confirm or dismiss a finding, with a comment."""
    ctx = console(request)
    pk = parse_id(violation_pk)
    call_pk = ctx.store.reviews.call_of(pk)
    if call_pk is None:
        raise NotFound()
    if verdict not in set(Verdict):
        return _refused(request, HTTP_BAD_REQUEST, "Choose confirm or dismiss.")
    if _unmasked(comment):
        return _refused(request, HTTP_BAD_REQUEST, UNMASKED_MESSAGE)
    try:
        ctx.store.reviews.give_verdict(pk, Verdict(verdict), comment.strip(), reviewer=user.name)
    except ReviewError as exc:
        return _refused(request, HTTP_CONFLICT, str(exc))
    return RedirectResponse(f"/calls/{call_pk}#finding-{pk}", status_code=303)


@router.post("/findings/{violation_pk}/appeal")
def appeal(
    request: Request,
    user: AppealForm,
    violation_pk: str,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """File an appeal for the agent against a confirmed finding."""
    ctx = console(request)
    pk = parse_id(violation_pk)
    call_pk = ctx.store.reviews.call_of(pk)
    if call_pk is None:
        raise NotFound()
    if _unmasked(reason):
        return _refused(request, HTTP_BAD_REQUEST, UNMASKED_MESSAGE)
    try:
        ctx.store.reviews.file_appeal(pk, reason.strip(), filed_by=user.name)
    except ReviewError as exc:
        return _refused(request, HTTP_CONFLICT, str(exc))
    return RedirectResponse(f"/calls/{call_pk}#finding-{pk}", status_code=303)


@router.get("/appeals")
def appeal_list(request: Request, _user: QueueReader) -> Response:
    """Appeals waiting for a judgement."""
    return render(request, "appeals.html", appeals=console(request).store.reviews.open_appeals())


@router.post("/appeals/{appeal_pk}/judgement")
def judgement(
    request: Request,
    user: JudgeForm,
    appeal_pk: str,
    judgement: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    """The supervisor's final judgement on an appeal."""
    ctx = console(request)
    pk = parse_id(appeal_pk)
    call_pk = ctx.store.reviews.call_of_appeal(pk)
    if call_pk is None:
        raise NotFound()
    if judgement not in set(Judgement):
        return _refused(request, HTTP_BAD_REQUEST, "Choose uphold or overturn.")
    if _unmasked(comment):
        return _refused(request, HTTP_BAD_REQUEST, UNMASKED_MESSAGE)
    try:
        ctx.store.reviews.judge(pk, Judgement(judgement), comment.strip(), judge=user.name)
    except NotFoundError as exc:
        raise NotFound() from exc
    except ReviewError as exc:
        return _refused(request, HTTP_CONFLICT, str(exc))
    return RedirectResponse(f"/calls/{call_pk}", status_code=303)


@router.get("/assignments")
def assignment_list(request: Request, _user: QueueReader) -> Response:
    """Assignments, and the form that assigns the unassigned calls."""
    ctx = console(request)
    return render(
        request,
        "assignments.html",
        assignments=ctx.store.assignments.all(),
        reviewers=[u.name for u in ctx.store.users.by_role(Role.REVIEWER)],
        share=ctx.settings.console_sample_share,
        planned=request.query_params.get("planned", ""),
    )


@router.post("/assignments/plan")
def plan(request: Request, user: AssignForm) -> Response:
    """Assign every unassigned critical call and the configured share of the rest to the
    enabled reviewers in turn."""
    ctx = console(request)
    reviewers = [u.name for u in ctx.store.users.by_role(Role.REVIEWER)]
    if not reviewers:
        return _refused(request, HTTP_CONFLICT, "There is no enabled reviewer to assign calls to.")
    result = ctx.store.assignments.plan(
        reviewers, ctx.settings.console_sample_share, actor=user.name
    )
    return RedirectResponse(
        f"/assignments?planned={result.critical}+critical,+{result.sampled}+sampled",
        status_code=303,
    )
