"""The call list with its filters and paging, the call page, and the redacted recording."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from pipeline.console.callfiles import REDACTED_MEDIA_TYPES, masked_turns, redacted_audio
from pipeline.console.context import NotFound, Viewer, console, parse_id, render
from pipeline.models import SEVERITIES
from pipeline.store.records import CallFilter, UserRecord
from pipeline.store.reviews import findings_of
from pipeline.store.schema import ReviewStatus

router = APIRouter()

PAGE_SIZE = 50  # calls per page of the list
MAX_PAGE = 100_000
LANGUAGES = ("zh", "en")
MAX_FILTER_CHARS = 100


@dataclass(frozen=True)
class ListQuery:
    """The call list's filters as the form sent them (text, for refilling the form)."""

    date_from: str = ""
    date_until: str = ""
    agent: str = ""
    rule: str = ""
    severity: str = ""
    review: str = ""
    language: str = ""
    mine: str = ""

    def params(self, **extra: Any) -> str:
        """The query string of these filters (and ``extra``), without empty values."""
        values = {**self.__dict__, **extra}
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _day(text: str, zone: ZoneInfo) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=zone)
    except ValueError:
        return None


def _filter(query: ListQuery, zone: ZoneInfo, user: UserRecord) -> CallFilter:
    """The store filter of the form's values (values that do not parse are ignored)."""
    until = _day(query.date_until, zone)
    return CallFilter(
        called_from=_day(query.date_from, zone),
        called_until=None if until is None else until + timedelta(days=1),
        agent_id=query.agent or None,
        rule_id=query.rule or None,
        min_severity=query.severity if query.severity in SEVERITIES else None,
        review_status=ReviewStatus(query.review) if query.review in set(ReviewStatus) else None,
        language=query.language if query.language in LANGUAGES else None,
        assigned_to=user.name if query.mine else None,
    )


@router.get("/calls")
def call_list(request: Request, user: Viewer) -> Response:
    """Calls, newest processed first, filtered and paged."""
    ctx = console(request)
    args = request.query_params
    query = ListQuery(
        **{
            name: str(args.get(name, ""))[:MAX_FILTER_CHARS].strip()
            for name in ListQuery.__dataclass_fields__
        }
    )
    page_text = args.get("page", "1")
    page = min(int(page_text), MAX_PAGE) if page_text.isdigit() and int(page_text) > 0 else 1
    where = _filter(query, ZoneInfo(ctx.settings.timezone), user)
    total = ctx.store.calls.count(where)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages)
    found = ctx.store.calls.find(where, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render(
        request,
        "calls.html",
        calls=found,
        review=ctx.store.reviews.summary([c.pk for c in found]),
        total=total,
        page=page,
        pages=pages,
        query=query,
        rules=ctx.store.calls.rule_ids(),
        severities=SEVERITIES,
        review_states=list(ReviewStatus),
        languages=LANGUAGES,
    )


def _day_of(at: datetime | None) -> str | None:
    """The UTC day of a deletion, as the call page names it."""
    return None if at is None else at.astimezone(UTC).date().isoformat()


@router.get("/calls/{call_pk}")
def call_page(request: Request, call_pk: str, user: Viewer) -> Response:
    """One call: the masked transcript by speaker, its findings with their review, the player
    for the redacted recording; for a transcript that retention deleted, the day it did. The
    opening is written to the audit chain."""
    ctx = console(request)
    detail = ctx.store.calls.get(parse_id(call_pk))
    if detail is None:
        raise NotFound()
    call = detail.call
    ctx.store.audit.record(
        user.name, "call.opened", f"call:{call.call_id}", {"call_pk": call.pk, "role": user.role}
    )
    turns = masked_turns(ctx.out_dir, call.call_id)
    audio = redacted_audio(ctx.out_dir, call.call_id)
    transcript_deleted = (
        ctx.store.retention.transcripts_deleted_at(call.call_id)
        if turns is None and call.transcript_path is None
        else None
    )
    findings = findings_of(ctx.store.reviews.for_call(call.pk), detail.violations)
    pii_by_turn: dict[int, list[str]] = {}
    for finding in detail.pii:
        pii_by_turn.setdefault(finding.segment_index, []).append(finding.entity_type)
    return render(
        request,
        "call.html",
        call=call,
        turns=turns,
        findings=findings,
        pii=detail.pii,
        pii_by_turn=pii_by_turn,
        audio_name=None if audio is None else audio.name,
        audio_type=None if audio is None else REDACTED_MEDIA_TYPES[audio.name],
        transcript_deleted_on=_day_of(transcript_deleted),
        assignment=ctx.store.assignments.of_call(call.pk),
    )


@router.get("/calls/{call_pk}/audio/{name}")
def call_audio(
    request: Request,
    _user: Viewer,
    call_pk: str,
    name: str,
) -> Response:
    """The redacted recording of a call (byte ranges, so the player can seek); 404 for any
    other name, and when there is none."""
    ctx = console(request)
    if name not in REDACTED_MEDIA_TYPES:
        raise NotFound()
    detail = ctx.store.calls.get(parse_id(call_pk))
    if detail is None:
        raise NotFound()
    path = redacted_audio(ctx.out_dir, detail.call.call_id, name)
    if path is None:
        raise NotFound()
    return FileResponse(path, media_type=REDACTED_MEDIA_TYPES[name])
