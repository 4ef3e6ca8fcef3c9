"""Storage: SQLAlchemy schema and repository (SQLite file by default, PostgreSQL by URL).

Results are keyed by ``(recording_id, model, rules_version)``: a rerun asks
:meth:`Store.is_processed` and skips what is done; :meth:`Store.save_call` is idempotent (the
same key twice never duplicates). Every method is one transaction and safe to retry; retries
belong to the caller. Only masked text is stored: PII findings carry types, offsets and time
spans, never values.

Tables: ``runs``, ``calls``, ``violations``, ``pii_findings`` (both cascade from ``calls``),
``alerts`` (delivery state ``pending`` / ``sent`` / ``failed``), ``alert_deliveries`` (which
sink has delivered an alert, so a second sink failing never makes the first send twice),
``quarantined`` and ``audit_log``, an append-only hash chain:
``hash = sha256(prev_hash + canonical JSON of (seq, at, actor, action, subject, details))``.
:meth:`Store.verify_audit` recomputes it and finds an edited, inserted or deleted entry (except
the deletion of the newest entries, which a chain alone cannot see).

Concurrency: writers in one process are serialised by a lock; on SQLite every transaction starts
with ``BEGIN IMMEDIATE`` (one writer at a time across processes, others wait up to
``SQLITE_BUSY_TIMEOUT_MS``). On PostgreSQL two processes appending to the audit log at the same
instant collide on ``seq`` (primary key): one transaction fails with IntegrityError and is
rolled back whole, and the caller's retry succeeds.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    case,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool

from .anomaly import CallStats, RunStats, call_stats
from .models import Alert, CallReport, Quarantined, Recording

GENESIS_HASH = "0" * 64  # prev_hash of the first audit entry
SQLITE_BUSY_TIMEOUT_MS = 30_000  # how long a writer waits for another one
CALL_STATUSES = ("done", "empty", "quarantined")
ALERT_STATES = ("pending", "sent", "failed")
DEFAULT_ACTOR = "callsentry"

metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("started_at", String(40), nullable=False),  # ISO 8601 UTC
    Column("finished_at", String(40)),
    Column("status", String(20), nullable=False),  # running / completed / failed
    Column("counts", Text),  # JSON object, e.g. {"calls": 10, "quarantined": 1}
)

calls = Table(
    "calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recording_id", String(64), nullable=False),  # sha256 of the audio file
    Column("model", String(200), nullable=False),
    Column("rules_version", String(100), nullable=False),
    Column("call_id", String(200), nullable=False),
    Column("path", Text),
    Column("agent_id", String(100), index=True),
    Column("call_time", String(40)),
    Column("direction", String(20)),
    Column("language", String(10)),
    Column("duration", Float),  # seconds
    Column("score", Float),
    Column("status", String(20), nullable=False),  # done / empty / quarantined
    Column("violation_count", Integer, nullable=False, default=0),
    Column("pii_exposure_count", Integer, nullable=False, default=0),
    Column("silence_ratio", Float),  # 0..1
    Column("transcript_path", Text),  # the masked transcript JSON
    Column("processed_at", String(40), nullable=False),
    Column("run_id", String(64), index=True),
    UniqueConstraint("recording_id", "model", "rules_version", name="uq_calls_key"),
)

violations = Table(
    "violations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_pk", Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
    Column("rule_id", String(100), nullable=False, index=True),
    Column("title", Text),
    Column("severity", String(10), nullable=False),
    Column("start_s", Float),
    Column("end_s", Float),
    Column("speaker", String(10)),
    Column("message", Text),
    Column("evidence", Text),  # masked
    Column("weight", Float),
)

pii_findings = Table(
    "pii_findings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_pk", Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
    Column("entity_type", String(50), nullable=False),
    Column("segment_index", Integer, nullable=False),
    Column("start_offset", Integer, nullable=False),
    Column("end_offset", Integer, nullable=False),
    Column("score", Float),
    Column("speaker", String(10)),
    Column("time_start", Float),
    Column("time_end", Float),
    Column("recognizer", String(100)),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_key", String(64), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("call_id", String(200)),
    Column("agent_id", String(100)),
    Column("rule_id", String(100)),
    Column("time_in_call", Float),
    Column("message", Text, nullable=False),
    Column("evidence", Text),  # masked
    Column("run_id", String(64)),
    Column("created_at", String(40), nullable=False),
    Column("state", String(10), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("sent_at", String(40)),
)

alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_key", String(64), ForeignKey("alerts.alert_key"), nullable=False),
    Column("sink", String(50), nullable=False),
    Column("sent_at", String(40), nullable=False),
    UniqueConstraint("alert_key", "sink", name="uq_alert_delivery"),
)

quarantined = Table(
    "quarantined",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("path", Text, nullable=False),
    Column("recording_id", String(64)),
    Column("reason", Text, nullable=False),
    Column("stage", String(20), nullable=False),
    Column("run_id", String(64)),
    Column("at", String(40), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(50), nullable=False),
    Column("subject", Text, nullable=False),
    Column("details", Text, nullable=False),  # canonical JSON
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)


@dataclass(frozen=True)
class AuditCheck:
    """Result of :meth:`Store.verify_audit`."""

    ok: bool
    first_bad_seq: int | None  # the first entry whose hash or link does not check out
    entries: int  # entries read
    reason: str = ""  # what is wrong with first_bad_seq


def utc_now() -> str:
    """The current time as ISO 8601 UTC with microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def audit_hash(
    prev_hash: str, seq: int, at: str, actor: str, action: str, subject: str, details: str
) -> str:
    """sha256 of the previous hash and the canonical form of one entry."""
    entry = canonical_json(
        {
            "seq": seq,
            "at": at,
            "actor": actor,
            "action": action,
            "subject": subject,
            "details": details,
        }
    )
    return hashlib.sha256((prev_hash + entry).encode("utf-8")).hexdigest()


class Store:
    """The repository. One instance per process; methods are thread-safe and retry-safe."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = _make_engine(url, echo=echo)
        self._lock = threading.Lock()  # serialises writers in this process (audit chain order)
        metadata.create_all(self.engine)

    @classmethod
    def for_settings(cls, settings: Any) -> Store:
        """The store named by ``settings.resolved_database_url()``."""
        return cls(settings.resolved_database_url())

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    # --- calls -------------------------------------------------------------------------------

    def is_processed(self, recording_id: str, model: str, rules_version: str) -> bool:
        """Whether this audio was already stored with this model and rules version."""
        with self.engine.connect() as conn:
            return self._call_pk(conn, recording_id, model, rules_version) is not None

    def save_call(
        self,
        report: CallReport,
        recording: Recording,
        *,
        model: str,
        transcript_path: str | Path | None,
        run_id: str | None,
        status: str | None = None,
        alerts: Sequence[Alert] = (),
        actor: str = DEFAULT_ACTOR,
    ) -> int:
        """Store a call with its violations and PII findings and an audit entry, in one
        transaction; returns the call's row id. Saving the same key again returns the existing
        id and changes nothing. ``status`` defaults to ``empty`` for a call with no segment.
        ``alerts`` (e.g. ``call_alerts(report, ...)``) are queued in the same transaction, so a
        crash can never leave a stored call whose alerts were not queued."""
        rules_version = report.rules_version
        status = status or ("done" if report.masked_transcript.segments else "empty")
        if status not in CALL_STATUSES:
            raise ValueError(f"unknown call status {status!r}; expected one of {CALL_STATUSES}")
        stats = call_stats(report)
        with self._lock:
            try:
                with self.engine.begin() as conn:
                    existing = self._call_pk(conn, recording.recording_id, model, rules_version)
                    if existing is not None:
                        return existing
                    now = utc_now()
                    call_pk = conn.execute(
                        insert(calls).values(
                            recording_id=recording.recording_id,
                            model=model,
                            rules_version=rules_version,
                            call_id=report.call_id,
                            path=str(recording.path),
                            agent_id=report.agent_id or recording.agent_id,
                            call_time=report.call_time or recording.call_time,
                            direction=recording.direction,
                            language=report.language,
                            duration=report.duration,
                            score=report.score,
                            status=status,
                            violation_count=stats.violations,
                            pii_exposure_count=stats.pii_exposures,
                            silence_ratio=stats.silence_ratio,
                            transcript_path=None
                            if transcript_path is None
                            else str(transcript_path),
                            processed_at=now,
                            run_id=run_id,
                        )
                    ).inserted_primary_key[0]
                    if report.violations:
                        conn.execute(
                            insert(violations),
                            [_violation_row(call_pk, v) for v in report.violations],
                        )
                    if report.pii:
                        conn.execute(
                            insert(pii_findings), [_pii_row(call_pk, p) for p in report.pii]
                        )
                    self._append_audit(
                        conn,
                        actor,
                        "call.stored",
                        f"call:{report.call_id}",
                        {
                            "recording_id": recording.recording_id,
                            "model": model,
                            "rules_version": rules_version,
                            "status": status,
                            "score": round(report.score, 1),
                            "violations": sorted(v.rule_id for v in report.violations),
                            "pii_findings": len(report.pii),
                            "run_id": run_id,
                        },
                    )
                    self._enqueue(conn, alerts, run_id, actor)
                    return int(call_pk)
            except IntegrityError:
                # Another process stored the same key first: return its row.
                with self.engine.connect() as conn:
                    existing = self._call_pk(conn, recording.recording_id, model, rules_version)
                if existing is None:
                    raise
                return existing

    def call(self, call_pk: int) -> dict[str, Any] | None:
        """One stored call as a dict with its ``violations`` and ``pii`` rows, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(calls).where(calls.c.id == call_pk)).mappings().first()
            if row is None:
                return None
            result = dict(row)
            result["violations"] = [
                dict(r)
                for r in conn.execute(
                    select(violations).where(violations.c.call_pk == call_pk)
                ).mappings()
            ]
            result["pii"] = [
                dict(r)
                for r in conn.execute(
                    select(pii_findings).where(pii_findings.c.call_pk == call_pk)
                ).mappings()
            ]
            return result

    def save_quarantined(
        self, q: Quarantined, run_id: str | None, *, actor: str = DEFAULT_ACTOR
    ) -> None:
        """Record a file the run could not process (once per path, stage and run)."""
        with self._lock, self.engine.begin() as conn:
            exists = conn.execute(
                select(quarantined.c.id).where(
                    quarantined.c.path == str(q.path),
                    quarantined.c.stage == q.stage,
                    _eq_or_null(quarantined.c.run_id, run_id),
                )
            ).first()
            if exists:
                return
            conn.execute(
                insert(quarantined).values(
                    path=str(q.path),
                    recording_id=q.recording_id,
                    reason=q.reason,
                    stage=q.stage,
                    run_id=run_id,
                    at=utc_now(),
                )
            )
            self._append_audit(
                conn,
                actor,
                "file.quarantined",
                f"file:{q.path}",
                {"recording_id": q.recording_id, "stage": q.stage, "run_id": run_id},
            )

    def quarantined_files(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """Quarantined rows, of one run or all."""
        query = select(quarantined).order_by(quarantined.c.id)
        if run_id is not None:
            query = query.where(quarantined.c.run_id == run_id)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    # --- runs ----------------------------------------------------------------------------------

    def start_run(self, run_id: str, *, actor: str = DEFAULT_ACTOR) -> None:
        """Record the start of a run (a retry of the same run_id changes nothing)."""
        with self._lock, self.engine.begin() as conn:
            if conn.execute(select(runs.c.run_id).where(runs.c.run_id == run_id)).first():
                return
            conn.execute(insert(runs).values(run_id=run_id, started_at=utc_now(), status="running"))
            self._append_audit(conn, actor, "run.started", f"run:{run_id}", {})

    def finish_run(
        self,
        run_id: str,
        counts: dict[str, Any] | None = None,
        status: str = "completed",
        *,
        actor: str = DEFAULT_ACTOR,
    ) -> None:
        """Record the end of a run with its counts (JSON-serialisable)."""
        counts = counts or {}
        with self._lock, self.engine.begin() as conn:
            if not conn.execute(select(runs.c.run_id).where(runs.c.run_id == run_id)).first():
                conn.execute(
                    insert(runs).values(run_id=run_id, started_at=utc_now(), status="running")
                )
            conn.execute(
                update(runs)
                .where(runs.c.run_id == run_id)
                .values(finished_at=utc_now(), status=status, counts=canonical_json(counts))
            )
            self._append_audit(
                conn, actor, "run.finished", f"run:{run_id}", {"status": status, "counts": counts}
            )

    def run(self, run_id: str) -> dict[str, Any] | None:
        """One run row (``counts`` decoded), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(runs).where(runs.c.run_id == run_id)).mappings().first()
        if row is None:
            return None
        result = dict(row)
        result["counts"] = json.loads(result["counts"]) if result["counts"] else {}
        return result

    # --- statistics for anomalies ------------------------------------------------------------

    def history(self, *, exclude_run_id: str | None = None, limit: int = 30) -> list[RunStats]:
        """Previous runs, newest first (at most ``limit``): calls stored by each run and how
        many of them had a violation. Only ``done`` calls count."""
        hits = func.sum(case((calls.c.violation_count > 0, 1), else_=0))
        query = (
            select(calls.c.run_id, func.count(calls.c.id), hits, func.max(calls.c.processed_at))
            .where(calls.c.status == "done", calls.c.run_id.is_not(None))
            .group_by(calls.c.run_id)
            .order_by(func.max(calls.c.processed_at).desc())
            .limit(limit + 1)
        )
        with self.engine.connect() as conn:
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
        """Per-call statistics of the ``done`` calls of a run, or of the given call row ids."""
        query = select(calls).where(calls.c.status == "done").order_by(calls.c.id)
        if run_id is not None:
            query = query.where(calls.c.run_id == run_id)
        if call_pks is not None:
            query = query.where(calls.c.id.in_(list(call_pks)))
        with self.engine.connect() as conn:
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

    # --- alerts ------------------------------------------------------------------------------

    def enqueue_alerts(
        self, new_alerts: Sequence[Alert], run_id: str | None = None, *, actor: str = DEFAULT_ACTOR
    ) -> list[Alert]:
        """Queue alerts as ``pending``; returns those that were not already present by key."""
        with self._lock, self.engine.begin() as conn:
            return self._enqueue(conn, new_alerts, run_id, actor)

    def pending_alerts(self) -> list[Alert]:
        """Alerts still to deliver, oldest first."""
        query = select(alerts).where(alerts.c.state == "pending").order_by(alerts.c.id)
        with self.engine.connect() as conn:
            return [_alert_from_row(r) for r in conn.execute(query).mappings()]

    def alert_state(self, alert_key: str) -> dict[str, Any] | None:
        """The alert row (state, attempts, last_error, sent_at, ...), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(alerts).where(alerts.c.alert_key == alert_key)).mappings()
            first = row.first()
        return dict(first) if first else None

    def delivered_sinks(self, alert_key: str) -> set[str]:
        """Names of the sinks that have already delivered this alert."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(alert_deliveries.c.sink).where(alert_deliveries.c.alert_key == alert_key)
            )
            return {r[0] for r in rows}

    def mark_alert_delivered(
        self, alert_key: str, sink: str, *, actor: str = DEFAULT_ACTOR
    ) -> None:
        """Record that ``sink`` delivered the alert (idempotent)."""
        with self._lock, self.engine.begin() as conn:
            exists = conn.execute(
                select(alert_deliveries.c.id).where(
                    alert_deliveries.c.alert_key == alert_key, alert_deliveries.c.sink == sink
                )
            ).first()
            if exists:
                return
            conn.execute(
                insert(alert_deliveries).values(alert_key=alert_key, sink=sink, sent_at=utc_now())
            )
            self._append_audit(conn, actor, "alert.delivered", f"alert:{alert_key}", {"sink": sink})

    def mark_alert_sent(self, alert_key: str, *, actor: str = DEFAULT_ACTOR) -> None:
        """Mark an alert ``sent`` (by every sink); idempotent."""
        with self._lock, self.engine.begin() as conn:
            row = conn.execute(
                select(alerts.c.state, alerts.c.attempts).where(alerts.c.alert_key == alert_key)
            ).first()
            if row is None:
                raise KeyError(f"no alert {alert_key}")
            if row[0] == "sent":
                return
            conn.execute(
                update(alerts)
                .where(alerts.c.alert_key == alert_key)
                .values(state="sent", sent_at=utc_now(), attempts=row[1] + 1, last_error=None)
            )
            self._append_audit(conn, actor, "alert.sent", f"alert:{alert_key}", {})

    def mark_alert_failed(
        self, alert_key: str, error: str, *, permanent: bool = False, actor: str = DEFAULT_ACTOR
    ) -> None:
        """Count a failed delivery attempt. The alert stays ``pending`` (retried next run)
        unless ``permanent`` (e.g. blocked for unmasked PII), which makes it ``failed``."""
        with self._lock, self.engine.begin() as conn:
            row = conn.execute(
                select(alerts.c.state, alerts.c.attempts).where(alerts.c.alert_key == alert_key)
            ).first()
            if row is None:
                raise KeyError(f"no alert {alert_key}")
            if row[0] == "sent":
                return
            state = "failed" if permanent else row[0]
            conn.execute(
                update(alerts)
                .where(alerts.c.alert_key == alert_key)
                .values(state=state, attempts=row[1] + 1, last_error=error[:2000])
            )
            self._append_audit(
                conn,
                actor,
                "alert.failed",
                f"alert:{alert_key}",
                {"error": error[:500], "permanent": permanent},
            )

    # --- audit log -----------------------------------------------------------------------------

    def audit(
        self, actor: str, action: str, subject: str, details: dict[str, Any] | None = None
    ) -> int:
        """Append an entry to the audit log; returns its sequence number."""
        with self._lock, self.engine.begin() as conn:
            return self._append_audit(conn, actor, action, subject, details or {})

    def audit_entries(self) -> list[dict[str, Any]]:
        """Every audit entry in order (``details`` decoded)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(audit_log).order_by(audit_log.c.seq)).mappings().all()
        return [{**dict(r), "details": json.loads(r["details"])} for r in rows]

    def verify_audit(self) -> AuditCheck:
        """Recompute the hash chain; report the first entry that was edited, inserted or that
        follows a deleted one."""
        prev_hash, expected_seq, count = GENESIS_HASH, 1, 0
        with self.engine.connect() as conn:
            for r in conn.execute(select(audit_log).order_by(audit_log.c.seq)).mappings():
                count += 1
                seq = r["seq"]
                if seq != expected_seq:
                    return AuditCheck(
                        False, seq, count, f"expected seq {expected_seq}, found {seq}"
                    )
                if r["prev_hash"] != prev_hash:
                    return AuditCheck(
                        False, seq, count, "prev_hash does not match the previous entry"
                    )
                digest = audit_hash(
                    prev_hash, seq, r["at"], r["actor"], r["action"], r["subject"], r["details"]
                )
                if digest != r["hash"]:
                    return AuditCheck(False, seq, count, "hash does not match the entry's content")
                prev_hash, expected_seq = r["hash"], seq + 1
        return AuditCheck(True, None, count)

    # --- internals -----------------------------------------------------------------------------

    @staticmethod
    def _call_pk(conn: Connection, recording_id: str, model: str, rules_version: str) -> int | None:
        row = conn.execute(
            select(calls.c.id).where(
                calls.c.recording_id == recording_id,
                calls.c.model == model,
                calls.c.rules_version == rules_version,
            )
        ).first()
        return None if row is None else int(row[0])

    def _enqueue(
        self, conn: Connection, new_alerts: Sequence[Alert], run_id: str | None, actor: str
    ) -> list[Alert]:
        added: list[Alert] = []
        if not new_alerts:
            return added
        keys = [a.alert_key for a in new_alerts]
        present = {
            r[0]
            for r in conn.execute(select(alerts.c.alert_key).where(alerts.c.alert_key.in_(keys)))
        }
        now = utc_now()
        for a in new_alerts:
            if a.alert_key in present:
                continue
            present.add(a.alert_key)
            conn.execute(
                insert(alerts).values(
                    alert_key=a.alert_key,
                    kind=a.kind,
                    severity=a.severity,
                    call_id=a.call_id,
                    agent_id=a.agent_id,
                    rule_id=a.rule_id,
                    time_in_call=a.time_in_call,
                    message=a.message,
                    evidence=a.evidence,
                    run_id=run_id,
                    created_at=now,
                    state="pending",
                    attempts=0,
                )
            )
            self._append_audit(
                conn,
                actor,
                "alert.queued",
                f"alert:{a.alert_key}",
                {
                    "kind": a.kind,
                    "severity": a.severity,
                    "call_id": a.call_id,
                    "rule_id": a.rule_id,
                    "run_id": run_id,
                },
            )
            added.append(a)
        return added

    @staticmethod
    def _append_audit(
        conn: Connection, actor: str, action: str, subject: str, details: dict[str, Any]
    ) -> int:
        last = conn.execute(
            select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
        ).first()
        seq, prev_hash = (1, GENESIS_HASH) if last is None else (last[0] + 1, last[1])
        at, details_json = utc_now(), canonical_json(details)
        conn.execute(
            insert(audit_log).values(
                seq=seq,
                at=at,
                actor=actor,
                action=action,
                subject=subject,
                details=details_json,
                prev_hash=prev_hash,
                hash=audit_hash(prev_hash, seq, at, actor, action, subject, details_json),
            )
        )
        return seq


def _make_engine(url: str, *, echo: bool) -> Engine:
    """An engine; for SQLite: the folder created, WAL, foreign keys, and write-locking BEGIN."""
    if not url.startswith("sqlite"):
        return create_engine(url, echo=echo, pool_pre_ping=True)
    kwargs: dict[str, Any] = {"echo": echo, "connect_args": {"check_same_thread": False}}
    database = url.split("///", 1)[1] if "///" in url else ""
    in_memory = database in ("", ":memory:")
    if in_memory:
        kwargs["poolclass"] = StaticPool
    else:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below drive transactions
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Take the write lock at the start, so two processes never interleave the audit chain.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _eq_or_null(column: Any, value: Any) -> Any:
    return column.is_(None) if value is None else column == value


def _violation_row(call_pk: int, v: Any) -> dict[str, Any]:
    return {
        "call_pk": call_pk,
        "rule_id": v.rule_id,
        "title": v.title,
        "severity": v.severity,
        "start_s": v.start,
        "end_s": v.end,
        "speaker": v.speaker,
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
        "speaker": p.speaker,
        "time_start": p.time_start,
        "time_end": p.time_end,
        "recognizer": p.recognizer,
    }


def _alert_from_row(r: Any) -> Alert:
    return Alert(
        alert_key=r["alert_key"],
        kind=r["kind"],
        severity=r["severity"],
        message=r["message"],
        call_id=r["call_id"],
        agent_id=r["agent_id"],
        rule_id=r["rule_id"],
        time_in_call=r["time_in_call"],
        evidence=r["evidence"] or "",
    )
