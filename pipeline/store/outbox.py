"""The alert outbox: queued alerts and their delivery state machine.

``pending`` (to deliver; a failed attempt stays pending and is retried next run) -> ``sent``
(delivered by every sink), or ``failed`` (blocked for good, e.g. the scanner found an unmasked
value). ``alert_deliveries`` records which sink has delivered which alert, so when a second sink
fails the first never sends twice. Every change is one transaction with its audit entry.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from pipeline.models import Alert
from pipeline.store.audit import DEFAULT_ACTOR, AuditLog
from pipeline.store.database import Database
from pipeline.store.integrity import alert_digest
from pipeline.store.records import AlertRecord
from pipeline.store.schema import AlertState, alert_deliveries, alerts, dismissed_alerts, utc_now

MAX_ERROR_CHARS = 2000  # of a delivery error kept in the row
MAX_AUDIT_ERROR_CHARS = 500  # ... and in the audit entry


class Outbox:
    """Alerts to deliver, and what each sink has delivered."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def enqueue(
        self, new_alerts: Sequence[Alert], run_id: str | None = None, *, actor: str = DEFAULT_ACTOR
    ) -> list[Alert]:
        """Queue alerts as ``pending``; returns those that were not already queued by key."""
        with self._db.write() as conn:
            return self.enqueue_in(conn, new_alerts, run_id, actor)

    @staticmethod
    def enqueue_in(
        conn: Connection, new_alerts: Sequence[Alert], run_id: str | None, actor: str
    ) -> list[Alert]:
        """:meth:`enqueue` inside the caller's transaction. An alert whose finding a reviewer
        dismissed (its key is in ``dismissed_alerts``) is never queued."""
        added: list[Alert] = []
        if not new_alerts:
            return added
        keys = [a.alert_key for a in new_alerts]
        present = {
            r[0]
            for r in conn.execute(select(alerts.c.alert_key).where(alerts.c.alert_key.in_(keys)))
        }
        present |= {
            r[0]
            for r in conn.execute(
                select(dismissed_alerts.c.alert_key).where(dismissed_alerts.c.alert_key.in_(keys))
            )
        }
        now = utc_now()
        for a in new_alerts:
            if a.alert_key in present:
                continue
            present.add(a.alert_key)
            row = {
                "alert_key": a.alert_key,
                "kind": a.kind,
                "severity": str(a.severity),
                "call_id": a.call_id,
                "agent_id": a.agent_id,
                "rule_id": a.rule_id,
                "time_in_call": a.time_in_call,
                "message": a.message,
                "evidence": a.evidence,
                "run_id": run_id,
            }
            conn.execute(
                insert(alerts).values(
                    **row, created_at=now, state=AlertState.PENDING.value, attempts=0
                )
            )
            AuditLog.append(
                conn,
                actor,
                "alert.queued",
                f"alert:{a.alert_key}",
                {
                    "kind": a.kind,
                    "severity": str(a.severity),
                    "call_id": a.call_id,
                    "rule_id": a.rule_id,
                    "run_id": run_id,
                    "row": alert_digest(row),
                },
            )
            added.append(a)
        return added

    def pending(self) -> list[Alert]:
        """Alerts still to deliver, oldest first."""
        query = select(alerts).where(alerts.c.state == AlertState.PENDING.value)
        with self._db.read() as conn:
            return [_alert(r) for r in conn.execute(query.order_by(alerts.c.id)).mappings()]

    def get(self, alert_key: str) -> AlertRecord | None:
        """The alert with its state, attempts, last error and times; None when unknown."""
        with self._db.read() as conn:
            row = conn.execute(select(alerts).where(alerts.c.alert_key == alert_key)).mappings()
            first = row.first()
        return None if first is None else _record(first)

    def find(
        self, *, state: AlertState | None = None, run_id: str | None = None
    ) -> list[AlertRecord]:
        """Alerts (of one state and/or run), oldest first."""
        query = select(alerts).order_by(alerts.c.id)
        if state is not None:
            query = query.where(alerts.c.state == AlertState(state).value)
        if run_id is not None:
            query = query.where(alerts.c.run_id == run_id)
        with self._db.read() as conn:
            return [_record(r) for r in conn.execute(query).mappings()]

    def delivered_sinks(self, alert_key: str) -> set[str]:
        """Names of the sinks that have already delivered this alert."""
        with self._db.read() as conn:
            rows = conn.execute(
                select(alert_deliveries.c.sink).where(alert_deliveries.c.alert_key == alert_key)
            )
            return {r[0] for r in rows}

    def mark_delivered(self, alert_key: str, sink: str, *, actor: str = DEFAULT_ACTOR) -> None:
        """Record that ``sink`` delivered the alert (idempotent)."""
        with self._db.write() as conn:
            done = conn.execute(
                select(alert_deliveries.c.id).where(
                    alert_deliveries.c.alert_key == alert_key, alert_deliveries.c.sink == sink
                )
            ).first()
            if done:
                return
            conn.execute(
                insert(alert_deliveries).values(alert_key=alert_key, sink=sink, sent_at=utc_now())
            )
            AuditLog.append(conn, actor, "alert.delivered", f"alert:{alert_key}", {"sink": sink})

    def mark_sent(self, alert_key: str, *, actor: str = DEFAULT_ACTOR) -> None:
        """Mark an alert ``sent`` (by every sink); idempotent."""
        with self._db.write() as conn:
            row = _state(conn, alert_key)
            if row[0] == AlertState.SENT:
                return
            conn.execute(
                update(alerts)
                .where(alerts.c.alert_key == alert_key)
                .values(
                    state=AlertState.SENT.value,
                    sent_at=utc_now(),
                    attempts=row[1] + 1,
                    last_error=None,
                )
            )
            AuditLog.append(conn, actor, "alert.sent", f"alert:{alert_key}", {})

    def mark_failed(
        self, alert_key: str, error: str, *, permanent: bool = False, actor: str = DEFAULT_ACTOR
    ) -> None:
        """Count a failed delivery attempt. The alert stays ``pending`` (retried next run)
        unless ``permanent`` (e.g. blocked for unmasked PII), which makes it ``failed``."""
        with self._db.write() as conn:
            row = _state(conn, alert_key)
            if row[0] == AlertState.SENT:
                return
            state = AlertState.FAILED.value if permanent else row[0]
            conn.execute(
                update(alerts)
                .where(alerts.c.alert_key == alert_key)
                .values(state=state, attempts=row[1] + 1, last_error=error[:MAX_ERROR_CHARS])
            )
            AuditLog.append(
                conn,
                actor,
                "alert.failed",
                f"alert:{alert_key}",
                {"error": error[:MAX_AUDIT_ERROR_CHARS], "permanent": permanent},
            )


def _state(conn: Connection, alert_key: str) -> tuple[str, int]:
    row = conn.execute(
        select(alerts.c.state, alerts.c.attempts).where(alerts.c.alert_key == alert_key)
    ).first()
    if row is None:
        raise KeyError(f"no alert {alert_key}")
    return str(row[0]), int(row[1])


def _alert(r: RowMapping) -> Alert:
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


def _record(r: RowMapping) -> AlertRecord:
    return AlertRecord(
        alert=_alert(r),
        state=AlertState(r["state"]),
        attempts=int(r["attempts"]),
        last_error=r["last_error"],
        created_at=r["created_at"],
        sent_at=r["sent_at"],
        run_id=r["run_id"],
    )
