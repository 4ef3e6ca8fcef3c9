"""Retention: which stored calls are older than a cut-off, and their audited deletions.

Age is the call's ``processed_at`` (when it was checked, UTC). Three kinds of data expire on
their own clocks (:class:`pipeline.redaction.modes.RetentionKind`): the redacted recording, the
masked transcript files, and the call's row with its findings. Every deletion is one audit
entry, appended in the transaction that also runs the file deletion (a deletion that fails
leaves no entry; an entry that cannot be written leaves the files). Deleting the transcript
files clears the call's ``transcript_path`` in that transaction, and the entry carries the row's
new digest; a call row deleted here gets a ``call.deleted`` entry. The row-integrity check
(:mod:`pipeline.store.integrity`) accepts both as audited changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from pipeline.store.audit import DEFAULT_ACTOR, AuditLog
from pipeline.store.database import Database
from pipeline.store.integrity import stored_call_digest
from pipeline.store.schema import audit_log, calls, redacted_copies, utc_now

REDACTED_AUDIO_DELETED = "redacted_audio.deleted"
TRANSCRIPTS_DELETED = "transcripts.deleted"
CALL_DELETED = "call.deleted"  # the name pipeline.store.integrity knows


@dataclass(frozen=True)
class AgedCall:
    """A stored call older than a cut-off, with where its files are."""

    pk: int
    call_id: str
    processed_at: datetime  # UTC
    transcript_path: str | None  # the masked transcript JSON
    redacted_path: str | None  # the redacted copy, None when none is kept
    redacted_sha256: str | None


class RetentionRepository:
    """Finds aged calls and records their deletions."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def older_than(self, cutoff: datetime) -> list[AgedCall]:
        """Calls processed before ``cutoff`` (aware), oldest first."""
        query = (
            select(
                calls.c.id,
                calls.c.call_id,
                calls.c.processed_at,
                calls.c.transcript_path,
                redacted_copies.c.path,
                redacted_copies.c.sha256,
                redacted_copies.c.deleted_at,
            )
            .outerjoin(redacted_copies, redacted_copies.c.call_pk == calls.c.id)
            .where(calls.c.processed_at < cutoff)
            .order_by(calls.c.processed_at, calls.c.id)
        )
        with self._db.read() as conn:
            rows = conn.execute(query).all()
        return [
            AgedCall(
                pk=int(r[0]),
                call_id=r[1],
                processed_at=r[2],
                transcript_path=r[3],
                redacted_path=None if r[6] is not None else r[4],
                redacted_sha256=None if r[6] is not None else r[5],
            )
            for r in rows
        ]

    def delete_redacted_audio(
        self,
        call: AgedCall,
        details: dict[str, Any],
        operation: Callable[[], None],
        *,
        actor: str = DEFAULT_ACTOR,
    ) -> int:
        """Mark the call's redacted copy deleted and run ``operation`` (removing the file) with
        a ``redacted_audio.deleted`` entry; returns the entry's number."""
        with self._db.write() as conn:
            conn.execute(
                update(redacted_copies)
                .where(redacted_copies.c.call_pk == call.pk)
                .values(deleted_at=utc_now())
            )
            seq = AuditLog.append(
                conn,
                actor,
                REDACTED_AUDIO_DELETED,
                f"call:{call.call_id}",
                {"path": call.redacted_path, "sha256": call.redacted_sha256, **details},
            )
            operation()
            return seq

    def delete_transcripts(
        self,
        call: AgedCall,
        details: dict[str, Any],
        operation: Callable[[], None],
        *,
        actor: str = DEFAULT_ACTOR,
    ) -> int:
        """Clear the call's ``transcript_path`` and run ``operation`` (removing the transcript
        files) with a ``transcripts.deleted`` entry naming the path and carrying the row's new
        digest; returns the entry's number."""
        with self._db.write() as conn:
            conn.execute(update(calls).where(calls.c.id == call.pk).values(transcript_path=None))
            seq = AuditLog.append(
                conn,
                actor,
                TRANSCRIPTS_DELETED,
                f"call:{call.call_id}",
                {
                    **details,
                    "transcript_path": call.transcript_path,
                    "rows": stored_call_digest(conn, call.pk),
                },
            )
            operation()
            return seq

    def transcripts_deleted_at(self, call_id: str) -> datetime | None:
        """When retention last deleted the call's transcript files (None: never)."""
        query = (
            select(audit_log.c.at)
            .where(audit_log.c.action == TRANSCRIPTS_DELETED)
            .where(audit_log.c.subject == f"call:{call_id}")
            .order_by(audit_log.c.seq.desc())
            .limit(1)
        )
        with self._db.read() as conn:
            return conn.scalar(query)

    def delete_call(
        self, call: AgedCall, details: dict[str, Any], *, actor: str = DEFAULT_ACTOR
    ) -> int:
        """Delete the call's row with its violations, PII findings, reviews and redaction
        records (ON DELETE CASCADE) and a ``call.deleted`` entry; returns the entry's number."""
        with self._db.write() as conn:
            conn.execute(delete(calls).where(calls.c.id == call.pk))
            return AuditLog.append(conn, actor, CALL_DELETED, f"call:{call.call_id}", details)
