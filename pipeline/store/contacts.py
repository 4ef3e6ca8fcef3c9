"""The contact history of the call-record checks: outbound contacts and marketing refusals,
by the keyed hash of the customer's number (never the number).

It implements :class:`pipeline.records.checks.ContactHistory`. Registering a batch's CDR rows
before its calls are checked makes ``contact-frequency`` independent of the order (or the
worker) a call is checked in; both tables are unique on what they record, so a rerun adds
nothing. Each registration and refusal has its audit entry. The line is stored as outputs show
it (a mobile with its middle digits hidden: an agent's own phone is personal data too).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from pipeline.records.cdr import CallRecord, Direction, display_number
from pipeline.store.audit import DEFAULT_ACTOR, AuditLog
from pipeline.store.database import Database
from pipeline.store.schema import contacts, refusals


def _insert_ignoring_duplicates(conn: Connection, table: object, rows: list[dict]) -> int:
    """Insert ``rows``, skipping those a unique constraint already holds; returns how many
    were new."""
    if not rows:
        return 0
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    # RETURNING counts the rows really inserted (psycopg reports no rowcount for these)
    statement = insert(table).on_conflict_do_nothing().returning(table.c.id)  # type: ignore[arg-type, attr-defined]
    return sum(len(conn.execute(statement, row).all()) for row in rows)


class ContactRepository:
    """Contacts and refusals across calls and batches."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def register(
        self,
        records: Iterable[CallRecord],
        run_id: str | None = None,
        *,
        actor: str = DEFAULT_ACTOR,
    ) -> int:
        """Store the outbound rows of a batch's CDR (rows already stored are skipped); returns
        how many were new."""
        rows = [
            {
                "customer_hash": r.customer_hash,
                "purpose": r.purpose.value,
                "start_time": r.start_time,
                "recording": r.recording,
                "line_number": display_number(r.line_number),
                "agent_id": r.agent_id,
                "run_id": run_id,
            }
            for r in records
            if r.direction is Direction.OUTBOUND
        ]
        with self._db.write() as conn:
            added = _insert_ignoring_duplicates(conn, contacts, rows)
            if added:
                AuditLog.append(
                    conn, actor, "contacts.registered", f"run:{run_id}", {"contacts": added}
                )
        return added

    def contacts_before(self, record: CallRecord, since: datetime) -> int:
        """Outbound contacts of the record's customer for its purpose that started at or after
        ``since`` and before the record (the same start: an earlier recording name)."""
        c = contacts.c
        earlier = or_(
            c.start_time < record.start_time,
            and_(c.start_time == record.start_time, c.recording < record.recording),
        )
        query = (
            select(func.count())
            .select_from(contacts)
            .where(
                c.customer_hash == record.customer_hash,
                c.purpose == record.purpose.value,
                c.start_time >= since,
                earlier,
            )
        )
        with self._db.read() as conn:
            return int(conn.execute(query).scalar_one())

    def add_refusal(
        self,
        customer_hash: str,
        at: datetime,
        call_id: str,
        run_id: str | None = None,
        *,
        actor: str = DEFAULT_ACTOR,
    ) -> bool:
        """Remember that the customer refused marketing in ``call_id`` (started ``at``);
        False when it was already recorded."""
        row = {"customer_hash": customer_hash, "at": at, "call_id": call_id, "run_id": run_id}
        with self._db.write() as conn:
            added = _insert_ignoring_duplicates(conn, refusals, [row]) > 0
            if added:
                AuditLog.append(conn, actor, "refusal.recorded", f"call:{call_id}", {})
        return added

    def refusal_before(
        self, customer_hash: str, before: datetime, since: datetime | None = None
    ) -> datetime | None:
        """When the customer first refused marketing before ``before`` and, with ``since``,
        after ``since`` (an older refusal has expired); None: no such refusal."""
        r = refusals.c
        query = select(r.at).where(r.customer_hash == customer_hash, r.at < before)
        if since is not None:
            query = query.where(r.at > since)
        query = query.order_by(r.at).limit(1)
        with self._db.read() as conn:
            found: datetime | None = conn.execute(query).scalar()
        return found
