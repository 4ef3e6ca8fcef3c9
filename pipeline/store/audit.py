"""The audit log: an append-only chain of everything the store did, keyed with a secret.

Each entry's ``hash`` covers the previous entry's hash and the entry itself (``seq``, ``at`` as
UTC ``isoformat(timespec="microseconds")``, ``actor``, ``action``, ``subject``, ``details``):

- from the ``audit.keyed`` marker on: ``HMAC-SHA256(audit key, prev_hash + canonical entry)``.
  The key is kept outside the database (``CALLSENTRY_AUDIT_KEY`` or a key file, see
  :mod:`pipeline.store.keys`), so whoever can write to the database cannot recompute the chain;
- before the marker (databases made by callsentry 0.1.0, and the first migration's entry):
  ``sha256(prev_hash + canonical entry)``, as 0.1.0 wrote it. The marker's own keyed hash
  covers the last of them, so they cannot be rewritten either.

:meth:`AuditLog.verify` recomputes the chain (an edited, inserted or deleted entry breaks it),
checks it against the anchored head (:mod:`pipeline.store.anchor`: a truncated chain no longer
reaches it) and :mod:`pipeline.store.integrity` checks the stored rows against what the log
recorded about them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import weakref
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from pipeline.store.database import Database, lock_writers
from pipeline.store.records import AuditCheck, AuditEntry
from pipeline.store.schema import audit_log, utc_now

GENESIS_HASH = "0" * 64  # prev_hash of the first entry
DEFAULT_ACTOR = "callsentry"
KEYED_MARKER = "audit.keyed"  # the action of the entry from which the chain is keyed
KEYED_SCHEME = "hmac-sha256"
KEY_ID_HEX_CHARS = 16  # length of a key's public fingerprint
# The audit key of each open database, so that ``AuditLog.append(conn, ...)`` (called inside
# every repository's transactions) finds it from the connection alone.
_KEYS: weakref.WeakKeyDictionary[Engine, bytes] = weakref.WeakKeyDictionary()


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def timestamp_text(at: datetime) -> str:
    """The form of an entry's time that its hash covers (UTC, microseconds)."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def key_id(key: bytes) -> str:
    """A public fingerprint of an audit key (tells a wrong key from a tampered chain)."""
    return hmac.new(key, b"callsentry audit key id", hashlib.sha256).hexdigest()[:KEY_ID_HEX_CHARS]


def _entry_text(seq: int, at: datetime, actor: str, action: str, subject: str, details: str) -> str:
    return canonical_json(
        {
            "seq": seq,
            "at": timestamp_text(at),
            "actor": actor,
            "action": action,
            "subject": subject,
            "details": details,
        }
    )


def audit_hash(
    prev_hash: str, seq: int, at: datetime, actor: str, action: str, subject: str, details: str
) -> str:
    """The unkeyed hash of an entry (the chain before its ``audit.keyed`` marker)."""
    entry = _entry_text(seq, at, actor, action, subject, details)
    return hashlib.sha256((prev_hash + entry).encode("utf-8")).hexdigest()


def keyed_hash(
    key: bytes,
    prev_hash: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    details: str,
) -> str:
    """The keyed hash of an entry (from the ``audit.keyed`` marker on)."""
    entry = _entry_text(seq, at, actor, action, subject, details)
    return hmac.new(key, (prev_hash + entry).encode("utf-8"), hashlib.sha256).hexdigest()


def register_key(engine: Engine, key: bytes) -> None:
    """Use ``key`` for every entry appended through ``engine``."""
    if not key:
        raise ValueError("the audit key is empty")
    _KEYS[engine] = key


class AuditLog:
    """Appends to and checks the chain. Appending happens inside the caller's transaction."""

    def __init__(self, db: Database, key: bytes) -> None:
        self._db = db
        self._key = key
        register_key(db.engine, key)
        self._ensure_keyed()

    @property
    def key_id(self) -> str:
        """The fingerprint of the key this log is written with."""
        return key_id(self._key)

    def _ensure_keyed(self) -> None:
        """Append the ``audit.keyed`` marker if the chain has none yet (a new or an old
        database): every later entry is keyed."""
        with self._db.write() as conn:
            marker = conn.execute(
                select(audit_log.c.seq).where(audit_log.c.action == KEYED_MARKER).limit(1)
            ).first()
            if marker is None:
                self.append(
                    conn,
                    DEFAULT_ACTOR,
                    KEYED_MARKER,
                    "audit",
                    {"scheme": KEYED_SCHEME, "key_id": self.key_id},
                )

    @staticmethod
    def append(
        conn: Connection, actor: str, action: str, subject: str, details: dict[str, Any]
    ) -> int:
        """Add an entry in the transaction of ``conn``; returns its sequence number."""
        key = _KEYS.get(conn.engine)
        if key is None:
            raise RuntimeError("no audit key registered for this database (open it with Store)")
        lock_writers(conn)  # PostgreSQL: read the last entry and append under the writers' lock
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
                hash=keyed_hash(key, prev_hash, seq, at, actor, action, subject, details_json),
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
                hash=r["hash"],
            )
            for r in rows
        ]

    def head(self) -> tuple[int, str] | None:
        """(seq, hash) of the newest entry, or None for an empty log."""
        with self._db.read() as conn:
            row = conn.execute(
                select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
            ).first()
        return None if row is None else (int(row[0]), str(row[1]))

    def verify(self) -> AuditCheck:
        """Recompute the chain; report the first entry that was edited, inserted, written
        without the key, or that follows a deleted one."""
        prev_hash, expected_seq, count, keyed = GENESIS_HASH, 1, 0, False
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
                if r["action"] == KEYED_MARKER and not keyed:
                    keyed = True
                    marked = json.loads(r["details"]).get("key_id")
                    if marked != self.key_id:
                        return AuditCheck(
                            False,
                            seq,
                            count,
                            f"the chain is keyed with key {marked}, not with the configured "
                            f"key {self.key_id} (CALLSENTRY_AUDIT_KEY)",
                        )
                fields = (seq, r["at"], r["actor"], r["action"], r["subject"], r["details"])
                digest = (
                    keyed_hash(self._key, prev_hash, *fields)
                    if keyed
                    else audit_hash(prev_hash, *fields)
                )
                if digest != r["hash"]:
                    return AuditCheck(False, seq, count, "hash does not match the entry's content")
                prev_hash, expected_seq = r["hash"], seq + 1
        if count and not keyed:
            return AuditCheck(False, None, count, "the chain has no keyed entry (audit.keyed)")
        return AuditCheck(True, None, count, head=(expected_seq - 1, prev_hash) if count else None)
