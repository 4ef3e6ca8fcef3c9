"""The audit log: an append-only hash chain of everything the store did.

``hash = sha256(prev_hash + canonical JSON of (seq, at, actor, action, subject, details))``,
where ``at`` is the entry's UTC time as ``isoformat(timespec="microseconds")``.
:meth:`AuditLog.verify` recomputes the chain and finds an edited, inserted or deleted entry
(except the deletion of the newest entries, which a chain alone cannot see).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from pipeline.store.database import Database
from pipeline.store.records import AuditCheck, AuditEntry
from pipeline.store.schema import audit_log, utc_now

GENESIS_HASH = "0" * 64  # prev_hash of the first entry
DEFAULT_ACTOR = "callsentry"


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def timestamp_text(at: datetime) -> str:
    """The form of an entry's time that its hash covers (UTC, microseconds)."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def audit_hash(
    prev_hash: str, seq: int, at: datetime, actor: str, action: str, subject: str, details: str
) -> str:
    """sha256 of the previous hash and the canonical form of one entry."""
    entry = canonical_json(
        {
            "seq": seq,
            "at": timestamp_text(at),
            "actor": actor,
            "action": action,
            "subject": subject,
            "details": details,
        }
    )
    return hashlib.sha256((prev_hash + entry).encode("utf-8")).hexdigest()


class AuditLog:
    """Appends to and checks the chain. Appending happens inside the caller's transaction."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    def append(
        conn: Connection, actor: str, action: str, subject: str, details: dict[str, Any]
    ) -> int:
        """Add an entry in the transaction of ``conn``; returns its sequence number."""
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
        return int(seq)

    def record(
        self, actor: str, action: str, subject: str, details: dict[str, Any] | None = None
    ) -> int:
        """Add an entry in its own transaction; returns its sequence number."""
        with self._db.write() as conn:
            return self.append(conn, actor, action, subject, details or {})

    def entries(self, *, action: str | None = None) -> list[AuditEntry]:
        """Every entry in order (of one action, if given)."""
        query = select(audit_log).order_by(audit_log.c.seq)
        if action is not None:
            query = query.where(audit_log.c.action == action)
        with self._db.read() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            AuditEntry(
                seq=r["seq"],
                at=r["at"],
                actor=r["actor"],
                action=r["action"],
                subject=r["subject"],
                details=json.loads(r["details"]),
            )
            for r in rows
        ]

    def verify(self) -> AuditCheck:
        """Recompute the chain; report the first entry that was edited, inserted or that
        follows a deleted one."""
        prev_hash, expected_seq, count = GENESIS_HASH, 1, 0
        with self._db.read() as conn:
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
