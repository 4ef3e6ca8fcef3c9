"""Stored calls: one row per recording with its violations and PII findings.

A call is saved in one transaction with its findings, its alerts and an audit entry, so a crash
never leaves half a call. Each row carries the :class:`~pipeline.store.records.ResultKey` that
produced it: saving the same key again changes nothing; saving another key (a new ASR backend,
model, rule packs or PII stage) replaces the row's results, keeps the reviewers' verdicts on
findings the rerun raises again (:mod:`pipeline.store.carryover`), and records the replacement
in the audit log. Statistics for the batch anomalies are computed by the caller and passed in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, exists, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select

from pipeline.anomaly import CallStats, RunStats
from pipeline.models import SEVERITIES, Alert, CallReport, Recording, severity_rank
from pipeline.store.audit import DEFAULT_ACTOR, AuditLog
from pipeline.store.carryover import HeldReview, hold_reviews, restore_reviews
from pipeline.store.database import Database
from pipeline.store.integrity import call_digest
from pipeline.store.outbox import Outbox
from pipeline.store.records import (
    CallDetail,
    CallFilter,
    CallRecord,
    PiiRecord,
    ResultKey,
    ViolationFilter,
    ViolationRecord,
)
from pipeline.store.schema import (
    CallStatus,
    ReviewStatus,
    appeals,
    assignments,
    calls,
    pii_findings,
    reviews,
    utc_now,
    violations,
)

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 50  # rows per page of a listing
ALL_CALLS = CallFilter()  # the filter that matches every call
ALL_VIOLATIONS = ViolationFilter()


class SaveAction(StrEnum):
    """What :meth:`CallRepository.save` did."""

    STORED = "stored"  # a new call
    REPLACED = "replaced"  # the call was stored before with another result key
    UNCHANGED = "unchanged"  # stored before with the same key: nothing done


@dataclass(frozen=True)
class SaveResult:
    """The row id of the saved call and what happened."""

    pk: int
    action: SaveAction


def parse_call_time(text: str | None, zone: ZoneInfo) -> datetime | None:
    """An ISO 8601 call time as an aware datetime (naive text is read in ``zone``); None when
    absent or unreadable."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(str(text).strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed


class CallRepository:
    """Calls, violations and PII findings."""

    def __init__(self, db: Database, outbox: Outbox, call_timezone: ZoneInfo) -> None:
        self._db = db
        self._outbox = outbox
        self._zone = call_timezone

    # --- writes ------------------------------------------------------------------------------

    def save(
        self,
        report: CallReport,
        recording: Recording,
        *,
        key: ResultKey,
        stats: CallStats,
        transcript_path: str | Path | None,
        run_id: str | None,
        status: CallStatus | None = None,
        alerts: Sequence[Alert] = (),
        actor: str = DEFAULT_ACTOR,
    ) -> SaveResult:
        """Store (or replace) a call with its violations, PII findings, alerts and an audit
        entry, in one transaction. ``status`` defaults to ``empty`` for a call without a
        segment. ``alerts`` are queued in the same transaction, so a stored call never lacks
        its alerts; an alert already queued by key is not queued again."""
        status = status or (
            CallStatus.DONE if report.masked_transcript.segments else CallStatus.EMPTY
        )
        call_time = parse_call_time(report.call_time or recording.call_time, self._zone)
        if (report.call_time or recording.call_time) and call_time is None:
            log.warning("%s: call_time is not ISO 8601; stored without it", recording.path)
        values = {
            "recording_id": recording.recording_id,
            **key.as_dict(),
            "call_id": report.call_id,
            "path": str(recording.path),
            "agent_id": report.agent_id or recording.agent_id,
            "call_time": call_time,
            "direction": recording.direction,
            "language": report.language,
            "duration": report.duration,
            "score": report.score,
            "status": status.value,
            "violation_count": stats.violations,
            "pii_exposure_count": stats.pii_exposures,
            "silence_ratio": stats.silence_ratio,
            "transcript_path": None if transcript_path is None else str(transcript_path),
            "processed_at": utc_now(),
            "run_id": run_id,
        }
        details: dict[str, Any] = {
            "recording_id": recording.recording_id,
            **key.as_dict(),
            "status": status.value,
            "score": round(report.score, 1),
            "violations": sorted(v.rule_id for v in report.violations),
            "pii_findings": len(report.pii),
            "run_id": run_id,
        }
        try:
            with self._db.write() as conn:
                existing = (
                    conn.execute(
                        select(calls).where(calls.c.recording_id == recording.recording_id)
                    )
                    .mappings()
                    .first()
                )
                if existing is not None and _key_of(existing) == key:
                    return SaveResult(int(existing["id"]), SaveAction.UNCHANGED)
                held: list[HeldReview] = []
                if existing is None:
                    inserted = conn.execute(insert(calls).values(**values)).inserted_primary_key
                    assert inserted is not None
                    pk = int(inserted[0])
                    action = SaveAction.STORED
                else:
                    pk = int(existing["id"])
                    action = SaveAction.REPLACED
                    held = hold_reviews(conn, pk)  # verdicts outlive the rows they were given on
                    conn.execute(delete(violations).where(violations.c.call_pk == pk))
                    conn.execute(delete(pii_findings).where(pii_findings.c.call_pk == pk))
                    conn.execute(update(calls).where(calls.c.id == pk).values(**values))
                    details["replaced"] = _key_of(existing).as_dict()
                violation_rows = [_violation_row(pk, v) for v in report.violations]
                pii_rows = [_pii_row(pk, p) for p in report.pii]
                if violation_rows:
                    conn.execute(insert(violations), violation_rows)
                if pii_rows:
                    conn.execute(insert(pii_findings), pii_rows)
                details.update(restore_reviews(conn, pk, held).audit_details())
                details["rows"] = call_digest(values, violation_rows, pii_rows)
                AuditLog.append(
                    conn, actor, f"call.{action.value}", f"call:{report.call_id}", details
                )
                self._outbox.enqueue_in(conn, alerts, run_id, actor)
                return SaveResult(pk, action)
        except IntegrityError:
            # Another process stored this recording first: keep its row.
            found = self.current_key(recording.recording_id)
            if found is None:
                raise
            with self._db.read() as conn:
                pk_row = conn.execute(
                    select(calls.c.id).where(calls.c.recording_id == recording.recording_id)
                ).first()
            assert pk_row is not None
            return SaveResult(int(pk_row[0]), SaveAction.UNCHANGED)

    # --- reads -------------------------------------------------------------------------------

    def current_key(self, recording_id: str) -> ResultKey | None:
        """The result key this recording is stored with, or None when it is not stored."""
        with self._db.read() as conn:
            row = (
                conn.execute(select(calls).where(calls.c.recording_id == recording_id))
                .mappings()
                .first()
            )
        return None if row is None else _key_of(row)

    def is_current(self, recording_id: str, key: ResultKey) -> bool:
        """Whether this recording is stored with exactly this result key (nothing to redo)."""
        return self.current_key(recording_id) == key

    def get(self, pk: int) -> CallDetail | None:
        """One call with its findings, or None."""
        with self._db.read() as conn:
            row = conn.execute(select(calls).where(calls.c.id == pk)).mappings().first()
            if row is None:
                return None
            found = conn.execute(
                select(violations).where(violations.c.call_pk == pk).order_by(violations.c.id)
            ).mappings()
            found_violations = tuple(_violation(r, row["call_id"]) for r in found)
            pii = conn.execute(
                select(pii_findings).where(pii_findings.c.call_pk == pk).order_by(pii_findings.c.id)
            ).mappings()
            return CallDetail(_call(row), found_violations, tuple(_pii(r) for r in pii))

    def by_call_id(self, call_id: str) -> CallDetail | None:
        """One call by its readable id, or None."""
        with self._db.read() as conn:
            pk = conn.execute(select(calls.c.id).where(calls.c.call_id == call_id)).scalar()
        return None if pk is None else self.get(int(pk))

    def find(
        self, where: CallFilter = ALL_CALLS, *, limit: int = DEFAULT_PAGE_SIZE, offset: int = 0
    ) -> list[CallRecord]:
        """Calls matching ``where``, newest processed first."""
        query = _filter_calls(select(calls), where)
        query = query.order_by(calls.c.processed_at.desc(), calls.c.id.desc())
        with self._db.read() as conn:
            rows = conn.execute(query.limit(limit).offset(offset)).mappings().all()
        return [_call(r) for r in rows]

    def count(self, where: CallFilter = ALL_CALLS) -> int:
        """How many calls match ``where``."""
        query = _filter_calls(select(func.count()).select_from(calls), where)
        with self._db.read() as conn:
            return int(conn.execute(query).scalar() or 0)

    def violations(
        self,
        where: ViolationFilter = ALL_VIOLATIONS,
        *,
        limit: int = DEFAULT_PAGE_SIZE,
        offset: int = 0,
    ) -> list[ViolationRecord]:
        """Violations matching ``where``, newest call first, then by time in the call."""
        query = select(violations, calls.c.call_id).join(calls, violations.c.call_pk == calls.c.id)
        if where.called_from is not None:
            query = query.where(calls.c.call_time >= where.called_from)
        if where.called_until is not None:
            query = query.where(calls.c.call_time < where.called_until)
        if where.agent_id is not None:
            query = query.where(calls.c.agent_id == where.agent_id)
        if where.rule_id is not None:
            query = query.where(violations.c.rule_id == where.rule_id)
        if where.min_severity is not None:
            query = query.where(violations.c.severity.in_(_severities_from(where.min_severity)))
        if where.call_pk is not None:
            query = query.where(violations.c.call_pk == where.call_pk)
        query = query.order_by(calls.c.processed_at.desc(), violations.c.start_s, violations.c.id)
        with self._db.read() as conn:
            rows = conn.execute(query.limit(limit).offset(offset)).mappings().all()
        return [_violation(r, r["call_id"]) for r in rows]

    def rule_ids(self) -> list[str]:
        """The rule ids that have stored violations, sorted (the console's rule filter)."""
        query = select(violations.c.rule_id).distinct().order_by(violations.c.rule_id)
        with self._db.read() as conn:
            return [r[0] for r in conn.execute(query)]

    # --- statistics for anomalies --------------------------------------------------------------

    def history(self, *, exclude_run_id: str | None = None, limit: int = 30) -> list[RunStats]:
        """Previous runs, newest first (at most ``limit``): calls stored by each run and how
        many of them had a violation. Only ``done`` calls count."""
        hits = func.sum(case((calls.c.violation_count > 0, 1), else_=0))
        query = (
            select(calls.c.run_id, func.count(calls.c.id), hits, func.max(calls.c.processed_at))
            .where(calls.c.status == CallStatus.DONE.value, calls.c.run_id.is_not(None))
            .group_by(calls.c.run_id)
            .order_by(func.max(calls.c.processed_at).desc())
            .limit(limit + 1)
        )
        with self._db.read() as conn:
            rows = conn.execute(query).all()
        result = [
            RunStats(run_id=r[0], calls=int(r[1]), calls_with_violations=int(r[2] or 0))
            for r in rows
            if r[0] != exclude_run_id
        ]
        return result[:limit]

    def batch_stats(
        self, *, run_id: str | None = None, call_pks: Iterable[int] | None = None
    ) -> list[CallStats]:
        """The stored statistics of the ``done`` calls of a run, or of the given row ids."""
        query = select(calls).where(calls.c.status == CallStatus.DONE.value).order_by(calls.c.id)
        if run_id is not None:
            query = query.where(calls.c.run_id == run_id)
        if call_pks is not None:
            query = query.where(calls.c.id.in_(list(call_pks)))
        with self._db.read() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            CallStats(
                call_id=r["call_id"],
                agent_id=r["agent_id"],
                duration=r["duration"] or 0.0,
                silence_ratio=r["silence_ratio"] if r["silence_ratio"] is not None else 0.0,
                violations=r["violation_count"],
                pii_exposures=r["pii_exposure_count"],
            )
            for r in rows
        ]


def _severities_from(min_severity: str) -> list[str]:
    return list(SEVERITIES[severity_rank(min_severity) :])


def _filter_calls(query: Select[Any], where: CallFilter) -> Select[Any]:
    c = calls.c
    conditions: list[Any] = []
    if where.called_from is not None:
        conditions.append(c.call_time >= where.called_from)
    if where.called_until is not None:
        conditions.append(c.call_time < where.called_until)
    if where.processed_from is not None:
        conditions.append(c.processed_at >= where.processed_from)
    if where.processed_until is not None:
        conditions.append(c.processed_at < where.processed_until)
    if where.agent_id is not None:
        conditions.append(c.agent_id == where.agent_id)
    if where.status is not None:
        conditions.append(c.status == CallStatus(where.status).value)
    if where.language is not None:
        conditions.append(c.language == where.language)
    if where.run_id is not None:
        conditions.append(c.run_id == where.run_id)
    if where.rule_id is not None or where.min_severity is not None:
        # calls whose id is among the violations' call_pk (the covering indexes on
        # (rule_id, call_pk) and (severity, call_pk) answer this without reading violations)
        inner = select(violations.c.call_pk)
        if where.rule_id is not None:
            inner = inner.where(violations.c.rule_id == where.rule_id)
        if where.min_severity is not None:
            inner = inner.where(violations.c.severity.in_(_severities_from(where.min_severity)))
        conditions.append(c.id.in_(inner))
    if where.review_status is not None:
        conditions.append(_review_condition(ReviewStatus(where.review_status)))
    if where.assigned_to is not None:
        conditions.append(
            exists().where(
                assignments.c.call_pk == c.id, assignments.c.reviewer == where.assigned_to
            )
        )
    return query.where(*conditions) if conditions else query


def _review_condition(status: ReviewStatus) -> Any:
    """Calls in one review state (see :class:`~pipeline.store.schema.ReviewStatus`)."""
    c = calls.c
    unreviewed = exists().where(
        violations.c.call_pk == c.id,
        ~exists().where(reviews.c.violation_pk == violations.c.id),
    )
    if status is ReviewStatus.OPEN:
        return unreviewed
    if status is ReviewStatus.REVIEWED:
        return (c.violation_count > 0) & ~unreviewed
    return exists().where(
        violations.c.call_pk == c.id,
        appeals.c.violation_pk == violations.c.id,
        appeals.c.judgement.is_(None),
    )


def _key_of(row: RowMapping) -> ResultKey:
    return ResultKey(
        asr_backend=row["asr_backend"],
        model=row["model"],
        rules_version=row["rules_version"],
        pii_version=row["pii_version"],
    )


def _call(r: RowMapping) -> CallRecord:
    return CallRecord(
        pk=int(r["id"]),
        call_id=r["call_id"],
        recording_id=r["recording_id"],
        key=_key_of(r),
        path=r["path"],
        agent_id=r["agent_id"],
        call_time=r["call_time"],
        direction=r["direction"],
        language=r["language"],
        duration=r["duration"],
        score=r["score"],
        status=CallStatus(r["status"]),
        violation_count=int(r["violation_count"]),
        pii_exposure_count=int(r["pii_exposure_count"]),
        silence_ratio=r["silence_ratio"],
        transcript_path=r["transcript_path"],
        processed_at=r["processed_at"],
        run_id=r["run_id"],
    )


def _violation(r: RowMapping, call_id: str) -> ViolationRecord:
    return ViolationRecord(
        pk=int(r["id"]),
        call_pk=int(r["call_pk"]),
        call_id=call_id,
        rule_id=r["rule_id"],
        title=r["title"] or "",
        severity=r["severity"],
        start=r["start_s"],
        end=r["end_s"],
        speaker=r["speaker"],
        message=r["message"] or "",
        evidence=r["evidence"] or "",
        weight=r["weight"] or 0.0,
    )


def _pii(r: RowMapping) -> PiiRecord:
    return PiiRecord(
        pk=int(r["id"]),
        call_pk=int(r["call_pk"]),
        entity_type=r["entity_type"],
        segment_index=int(r["segment_index"]),
        start_offset=int(r["start_offset"]),
        end_offset=int(r["end_offset"]),
        score=r["score"],
        speaker=r["speaker"],
        time_start=r["time_start"],
        time_end=r["time_end"],
        recognizer=r["recognizer"],
    )


def _violation_row(call_pk: int, v: Any) -> dict[str, Any]:
    return {
        "call_pk": call_pk,
        "rule_id": v.rule_id,
        "title": v.title,
        "severity": str(v.severity),
        "start_s": v.start,
        "end_s": v.end,
        "speaker": str(v.speaker),
        "message": v.message,
        "evidence": v.evidence,
        "weight": v.weight,
    }


def _pii_row(call_pk: int, p: Any) -> dict[str, Any]:
    return {
        "call_pk": call_pk,
        "entity_type": p.entity_type,
        "segment_index": p.segment_index,
        "start_offset": p.start,
        "end_offset": p.end,
        "score": p.score,
        "speaker": str(p.speaker),
        "time_start": p.time_start,
        "time_end": p.time_end,
        "recognizer": p.recognizer,
    }
