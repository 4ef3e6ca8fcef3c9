"""Claims: a recording is checked by one worker at a time, and a dead worker's claim expires.

Before a worker checks a recording it claims it (by the audio's sha256) for its host, process
and run, until ``expires_at``. Another worker that finds the claim held leaves the recording
alone. A claim can be taken over when it has expired, or at once when its holder ran on this
host and its process is gone (killed with SIGKILL, crashed): the next run, or the next worker of
the same run, finishes the recording. Results are stored under the recording's unique key and
alerts in the same transaction, so a takeover never duplicates a call or an alert.

Every takeover of a dead or expired claim is written to the audit log; ordinary claims and
releases are not (they say nothing a stored call does not).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from pipeline.store.audit import DEFAULT_ACTOR, AuditLog
from pipeline.store.database import Database
from pipeline.store.runs import process_alive
from pipeline.store.schema import claims, utc_now

DEFAULT_CLAIM_TTL_S = 3600.0  # a claim not renewed for an hour has expired
CLAIM_ATTEMPTS = 3  # two workers inserting the same new claim at once: the loser looks again


@dataclass(frozen=True)
class ClaimOwner:
    """Who holds a claim: a process on a host, working for one run."""

    host: str  # socket.gethostname() of the worker
    pid: int  # its process id
    run_id: str  # the batch run it checks the recording for

    @classmethod
    def this_process(cls, run_id: str) -> ClaimOwner:
        """The calling process, working for ``run_id``."""
        return cls(socket.gethostname(), os.getpid(), run_id)

    def __str__(self) -> str:
        return f"{self.host}:{self.pid} (run {self.run_id})"


@dataclass(frozen=True)
class Claim:
    """A held claim."""

    recording_id: str  # sha256 of the audio
    owner: ClaimOwner
    claimed_at: datetime  # UTC
    expires_at: datetime  # UTC; after it the claim may be taken over


class ClaimRepository:
    """Claims on recordings."""

    def __init__(self, db: Database, is_alive: Callable[[int], bool] = process_alive) -> None:
        self._db = db
        self._is_alive = is_alive

    def claim(
        self,
        recording_id: str,
        owner: ClaimOwner,
        *,
        ttl_s: float = DEFAULT_CLAIM_TTL_S,
        actor: str = DEFAULT_ACTOR,
    ) -> Claim | None:
        """Claim ``recording_id`` for ``owner`` for ``ttl_s`` seconds; returns the claim, or
        None when a live holder has it. Claiming again as the same owner renews it."""
        for attempt in range(CLAIM_ATTEMPTS):
            try:
                return self._claim(recording_id, owner, ttl_s, actor)
            except IntegrityError:  # another worker inserted it between our read and write
                if attempt == CLAIM_ATTEMPTS - 1:
                    raise
        return None  # unreachable: the loop returns or raises

    def _claim(
        self, recording_id: str, owner: ClaimOwner, ttl_s: float, actor: str
    ) -> Claim | None:
        now = utc_now()
        expires = now + timedelta(seconds=ttl_s)
        values: dict[str, object] = {
            "host": owner.host,
            "pid": owner.pid,
            "run_id": owner.run_id,
            "claimed_at": now,
            "expires_at": expires,
        }
        with self._db.write() as conn:
            row = (
                conn.execute(
                    select(claims).where(claims.c.recording_id == recording_id).with_for_update()
                )
                .mappings()
                .first()
            )
            if row is None:
                conn.execute(insert(claims).values(recording_id=recording_id, **values))
            else:
                held = ClaimOwner(row["host"], int(row["pid"]), row["run_id"])
                if held != owner:
                    why = self._why_stale(held, row["expires_at"], now)
                    if why is None:
                        return None
                    AuditLog.append(
                        conn,
                        actor,
                        "claim.taken_over",
                        f"recording:{recording_id}",
                        {"from": str(held), "to": str(owner), "reason": why},
                    )
                conn.execute(
                    update(claims).where(claims.c.recording_id == recording_id).values(**values)
                )
        return Claim(recording_id, owner, now, expires)

    def _why_stale(self, held: ClaimOwner, expires_at: datetime, now: datetime) -> str | None:
        """Why a claim held by someone else may be taken over (None: it may not)."""
        if expires_at <= now:
            return "expired"
        if held.host == socket.gethostname() and not self._is_alive(held.pid):
            return "its process is gone"
        return None

    def release(self, recording_id: str, owner: ClaimOwner) -> bool:
        """Drop ``owner``'s claim on ``recording_id`` (False: it did not hold one)."""
        with self._db.write() as conn:
            result = conn.execute(
                delete(claims).where(
                    claims.c.recording_id == recording_id,
                    claims.c.host == owner.host,
                    claims.c.pid == owner.pid,
                    claims.c.run_id == owner.run_id,
                )
            )
        return bool(result.rowcount)

    def held(self) -> list[Claim]:
        """Every claim in the table (live or expired), oldest first."""
        with self._db.read() as conn:
            rows = conn.execute(select(claims).order_by(claims.c.claimed_at)).mappings().all()
        return [
            Claim(
                r["recording_id"],
                ClaimOwner(r["host"], int(r["pid"]), r["run_id"]),
                r["claimed_at"],
                r["expires_at"],
            )
            for r in rows
        ]
