"""The redacted copy of each call and its redacted spans, each copy with its audit entry.

A span holds the channel, the times, the entity types and how its times were found: never the
value. Saving a copy replaces the call's earlier copy and spans (a call checked again) in one
transaction with the ``audio.redacted`` audit entry, which records the copy's sha256. What
becomes of the original recording (moved, deleted) is audited here too, inside the same
transaction as the file operation: a failed move or deletion leaves no entry, and an entry that
cannot be written leaves the file where it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from pipeline.store.audit import DEFAULT_ACTOR, AuditLog
from pipeline.store.database import Database
from pipeline.store.schema import calls, redacted_copies, redaction_spans, utc_now

REDACTED_ACTION = "audio.redacted"
ORIGINAL_ACTIONS = {"move": "original.moved", "delete": "original.deleted"}


@dataclass(frozen=True)
class SpanRow:
    """One redacted span as stored."""

    channel: int  # index in the file (0 = left)
    start: float  # seconds
    end: float  # seconds
    entity_types: tuple[str, ...]  # e.g. ("BANK_CARD",), ("SECRET_ANSWER",)
    basis: str  # words | segment | answer


@dataclass(frozen=True)
class CopyRecord:
    """The stored facts of a call's redacted copy."""

    call_id: str
    path: str
    sha256: str
    mode: str  # beep | silence
    channels: int
    duration: float  # seconds
    removed_share: float  # 0..1 of the call's time
    made_at: datetime  # UTC
    deleted_at: datetime | None  # UTC, once retention removed the file
    spans: tuple[SpanRow, ...]


class RedactionRepository:
    """Redacted copies, their spans, and the lifecycle of the originals."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    def _call_pk(conn: Connection, call_id: str) -> int:
        row = conn.execute(select(calls.c.id).where(calls.c.call_id == call_id)).first()
        if row is None:
            raise LookupError(f"call {call_id!r} is not stored: store it before its redaction")
        return int(row[0])

    def save(
        self,
        call_id: str,
        *,
        path: str,
        sha256: str,
        mode: str,
        channels: int,
        duration: float,
        removed_share: float,
        spans: Sequence[SpanRow],
        actor: str = DEFAULT_ACTOR,
    ) -> int:
        """Store (or replace) the call's redacted copy and spans with an ``audio.redacted``
        audit entry; returns the entry's sequence number. LookupError if the call is unknown."""
        with self._db.write() as conn:
            pk = self._call_pk(conn, call_id)
            conn.execute(delete(redaction_spans).where(redaction_spans.c.call_pk == pk))
            conn.execute(delete(redacted_copies).where(redacted_copies.c.call_pk == pk))
            conn.execute(
                insert(redacted_copies).values(
                    call_pk=pk,
                    path=path,
                    sha256=sha256,
                    mode=mode,
                    channels=channels,
                    duration=duration,
                    removed_share=removed_share,
                    made_at=utc_now(),
                )
            )
            rows = [
                {
                    "call_pk": pk,
                    "channel": s.channel,
                    "start_s": s.start,
                    "end_s": s.end,
                    "entity_type": ",".join(s.entity_types),
                    "basis": s.basis,
                }
                for s in spans
            ]
            if rows:
                conn.execute(insert(redaction_spans), rows)
            seconds = sum(s.end - s.start for s in spans)
            details = {
                "path": path,
                "sha256": sha256,
                "mode": mode,
                "spans": len(rows),
                "redacted_channel_seconds": round(seconds, 3),
                "removed_share": round(removed_share, 4),
                "verified": True,
            }
            return AuditLog.append(conn, actor, REDACTED_ACTION, f"call:{call_id}", details)

    def get(self, call_id: str) -> CopyRecord | None:
        """The call's redacted copy with its spans, or None."""
        with self._db.read() as conn:
            row = (
                conn.execute(
                    select(redacted_copies)
                    .join(calls, calls.c.id == redacted_copies.c.call_pk)
                    .where(calls.c.call_id == call_id)
                )
                .mappings()
                .first()
            )
            if row is None:
                return None
            spans = conn.execute(
                select(redaction_spans)
                .where(redaction_spans.c.call_pk == row["call_pk"])
                .order_by(redaction_spans.c.channel, redaction_spans.c.start_s)
            ).mappings()
            span_rows = tuple(
                SpanRow(
                    s["channel"],
                    s["start_s"],
                    s["end_s"],
                    tuple(s["entity_type"].split(",")),
                    s["basis"],
                )
                for s in spans
            )
        return CopyRecord(
            call_id=call_id,
            path=row["path"],
            sha256=row["sha256"],
            mode=row["mode"],
            channels=row["channels"],
            duration=row["duration"],
            removed_share=row["removed_share"],
            made_at=row["made_at"],
            deleted_at=row["deleted_at"],
            spans=span_rows,
        )

    def record_original(
        self,
        call_id: str,
        action: str,
        details: dict[str, Any],
        operation: Callable[[], None],
        *,
        actor: str = DEFAULT_ACTOR,
    ) -> int:
        """Run ``operation`` (the move or deletion of the original, ``action`` ``move`` or
        ``delete``) inside the transaction of its audit entry; returns the entry's number.
        ValueError for another action; LookupError when the call has no verified copy stored."""
        if action not in ORIGINAL_ACTIONS:
            raise ValueError(f"unknown action on an original {action!r}; use move or delete")
        with self._db.write() as conn:
            pk = self._call_pk(conn, call_id)
            copy = conn.execute(
                select(redacted_copies.c.sha256).where(redacted_copies.c.call_pk == pk)
            ).first()
            if copy is None:
                raise LookupError(f"call {call_id!r} has no verified redacted copy stored")
            seq = AuditLog.append(
                conn,
                actor,
                ORIGINAL_ACTIONS[action],
                f"call:{call_id}",
                {**details, "redacted_sha256": copy[0]},
            )
            operation()
            return seq
