"""Stored rows checked against what the audit log recorded about them.

When a call is stored (or replaced) its audit entry carries a digest of the call row and its
violation and PII rows (:func:`call_digest`), and so does the entry of an audited change to the
row (retention clearing the path of the transcript it deleted); when an alert is queued, a digest
of the alert (:func:`alert_digest`). :func:`check_rows` recomputes them from the tables: a
violation, score, evidence or alert changed in the database while the log's entries stayed is
found, and so is a row deleted without an audited deletion. Entries written by callsentry
0.1.0 have no digest; for those the fields they did record (status, score, rule ids, number of
PII findings) are compared.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pipeline.store.audit import canonical_json, timestamp_text
from pipeline.store.schema import AlertState, alerts, audit_log, calls, pii_findings, violations

CALL_FIELDS = (
    "recording_id", "asr_backend", "model", "rules_version", "pii_version", "call_id", "path",
    "agent_id", "call_time", "direction", "language", "duration", "score", "status",
    "violation_count", "pii_exposure_count", "silence_ratio", "transcript_path", "processed_at",
    "run_id",
)  # fmt: skip
VIOLATION_FIELDS = (
    "rule_id", "title", "severity", "start_s", "end_s", "speaker", "message", "evidence", "weight",
)  # fmt: skip
PII_FIELDS = (
    "entity_type", "segment_index", "start_offset", "end_offset", "score", "speaker",
    "time_start", "time_end", "recognizer",
)  # fmt: skip
ALERT_FIELDS = (
    "alert_key", "kind", "severity", "call_id", "agent_id", "rule_id", "time_in_call", "message",
    "evidence", "run_id",
)  # fmt: skip
STORED_ACTIONS = ("call.stored", "call.replaced")
# audited changes to a stored call row; their entries carry the new digest ("rows")
CHANGED_ACTIONS = ("transcripts.deleted",)  # retention cleared transcript_path
DELETED_ACTIONS = ("call.deleted",)  # an audited deletion (retention)
MAX_PROBLEMS = 50  # listed; the rest are counted


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return timestamp_text(value)
    if hasattr(value, "value") and isinstance(value, str):  # a StrEnum
        return str(value)
    return value


def _pick(row: Mapping[Any, Any], fields: Sequence[str]) -> list[Any]:
    return [_plain(row.get(f)) for f in fields]


def _digest(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def call_digest(
    call: Mapping[Any, Any],
    found_violations: Sequence[Mapping[Any, Any]],
    found_pii: Sequence[Mapping[Any, Any]],
) -> str:
    """sha256 of a call row and its violation and PII rows, in their stored order."""
    return _digest(
        {
            "call": _pick(call, CALL_FIELDS),
            "violations": [_pick(v, VIOLATION_FIELDS) for v in found_violations],
            "pii": [_pick(p, PII_FIELDS) for p in found_pii],
        }
    )


def alert_digest(alert: Mapping[Any, Any]) -> str:
    """sha256 of what an alert says (not its delivery state, which has entries of its own)."""
    return _digest(_pick(alert, ALERT_FIELDS))


def stored_call_digest(conn: Connection, call_pk: int) -> str:
    """:func:`call_digest` of the call row ``call_pk`` and its violation and PII rows as the
    database holds them now."""
    call = conn.execute(select(calls).where(calls.c.id == call_pk)).mappings().one()
    found_v = (
        conn.execute(
            select(violations).where(violations.c.call_pk == call_pk).order_by(violations.c.id)
        )
        .mappings()
        .all()
    )
    found_p = (
        conn.execute(
            select(pii_findings)
            .where(pii_findings.c.call_pk == call_pk)
            .order_by(pii_findings.c.id)
        )
        .mappings()
        .all()
    )
    return call_digest(call, found_v, found_p)


def _latest_entries(
    conn: Connection, actions: Sequence[str], digest_actions: Sequence[str] = ()
) -> dict[str, dict[str, Any]]:
    """subject -> details of the newest entry of one of ``actions``, or of ``digest_actions``
    that carries a row digest (entries written before they did are passed over)."""
    latest: dict[str, dict[str, Any]] = {}
    query = (
        select(audit_log.c.action, audit_log.c.subject, audit_log.c.details)
        .where(audit_log.c.action.in_([*actions, *digest_actions]))
        .order_by(audit_log.c.seq)
    )
    for action, subject, text in conn.execute(query):
        details = json.loads(text)
        if action in actions or "rows" in details:
            latest[subject] = details
    return latest


def _check_calls(conn: Connection) -> list[str]:
    problems: list[str] = []
    stored = _latest_entries(conn, STORED_ACTIONS, CHANGED_ACTIONS)
    deleted = _latest_entries(conn, DELETED_ACTIONS)
    seen: set[str] = set()
    for call in conn.execute(select(calls).order_by(calls.c.id)).mappings():
        subject = f"call:{call['call_id']}"
        seen.add(subject)
        entry = stored.get(subject)
        if entry is None:
            problems.append(f"{subject}: stored, but the audit log never recorded it")
            continue
        if "rows" in entry:
            if entry["rows"] != stored_call_digest(conn, call["id"]):
                problems.append(
                    f"{subject}: the stored call, violations or PII findings differ from what "
                    "the audit log recorded"
                )
            continue
        rule_ids = conn.scalars(
            select(violations.c.rule_id).where(violations.c.call_pk == call["id"])
        ).all()
        pii_ids = conn.scalars(
            select(pii_findings.c.id).where(pii_findings.c.call_pk == call["id"])
        ).all()
        recorded = (
            entry.get("status"),
            entry.get("score"),
            sorted(entry.get("violations", [])),
            entry.get("pii_findings"),
        )
        actual = (
            call["status"],
            None if call["score"] is None else round(call["score"], 1),
            sorted(rule_ids),
            len(pii_ids),
        )
        if recorded != actual:
            problems.append(f"{subject}: the stored call differs from what the audit log recorded")
    for subject in stored:
        if subject not in seen and subject not in deleted:
            problems.append(f"{subject}: recorded in the audit log, but its row is gone")
    return problems


def _check_alerts(conn: Connection) -> list[str]:
    problems: list[str] = []
    queued = _latest_entries(conn, ("alert.queued",))
    sent = _latest_entries(conn, ("alert.sent",))
    dismissed = {  # a reviewer dismissed the finding while its alert was still pending
        subject
        for subject, details in _latest_entries(conn, ("alert.dismissed",)).items()
        if details.get("dropped_pending")
    }
    failed_for_good = {
        subject
        for subject, details in _latest_entries(conn, ("alert.failed",)).items()
        if details.get("permanent")
    }
    seen: set[str] = set()
    for alert in conn.execute(select(alerts).order_by(alerts.c.id)).mappings():
        subject = f"alert:{alert['alert_key']}"
        seen.add(subject)
        entry = queued.get(subject)
        if entry is None:
            problems.append(f"{subject}: queued, but the audit log never recorded it")
            continue
        if "row" in entry and entry["row"] != alert_digest(alert):
            problems.append(f"{subject}: the stored alert differs from what the log recorded")
        if subject in sent:
            expected = AlertState.SENT.value
        elif subject in dismissed:
            expected = AlertState.DISMISSED.value
        elif subject in failed_for_good:
            expected = AlertState.FAILED.value
        else:
            expected = AlertState.PENDING.value
        if alert["state"] != expected:
            problems.append(f"{subject}: state {alert['state']}, but the audit log says {expected}")
    for subject in queued:
        if subject not in seen:
            problems.append(f"{subject}: recorded in the audit log, but its row is gone")
    return problems


def check_rows(conn: Connection) -> list[str]:
    """Every disagreement between the calls and alerts tables and the audit log."""
    problems = _check_calls(conn) + _check_alerts(conn)
    if len(problems) > MAX_PROBLEMS:
        extra = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], f"... and {extra} more"]
    return problems
