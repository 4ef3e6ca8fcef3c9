"""Batch runs and the files they set aside (quarantined), each change with its audit entry."""

from __future__ import annotations

import errno
import json
import os
import socket
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping

from pipeline.models import Quarantined
from pipeline.store.audit import DEFAULT_ACTOR, AuditLog, canonical_json
from pipeline.store.database import Database
from pipeline.store.records import QuarantineRecord, RunRecord
from pipeline.store.schema import RunStatus, quarantined, runs, utc_now


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host."""
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM  # it exists, owned by another user
    return True


class RunRepository:
    """Runs and quarantined files."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def start(self, run_id: str, *, actor: str = DEFAULT_ACTOR) -> None:
        """Record the start of a run by this process (a retry of the same run_id changes
        nothing). While it runs, its ``counts`` hold the host and process id, so that a later
        run can tell it was abandoned (:meth:`abandon_dead`)."""
        owner = {"host": socket.gethostname(), "pid": os.getpid()}
        with self._db.write() as conn:
            if conn.execute(select(runs.c.run_id).where(runs.c.run_id == run_id)).first():
                return
            conn.execute(
                insert(runs).values(
                    run_id=run_id,
                    started_at=utc_now(),
                    status=RunStatus.RUNNING.value,
                    counts=canonical_json(owner),
                )
            )
            AuditLog.append(conn, actor, "run.started", f"run:{run_id}", owner)

    def abandon_dead(
        self,
        is_alive: Callable[[int], bool] = process_alive,
        *,
        actor: str = DEFAULT_ACTOR,
    ) -> list[str]:
        """Mark ``abandoned`` the runs still ``running`` whose process on this host is gone
        (killed, crashed, power loss); returns their ids. Runs of other hosts are left alone:
        their processes cannot be seen from here."""
        host = socket.gethostname()
        abandoned: list[str] = []
        with self._db.write() as conn:
            rows = conn.execute(
                select(runs.c.run_id, runs.c.counts).where(runs.c.status == RunStatus.RUNNING.value)
            ).all()
            for run_id, counts in rows:
                owner = json.loads(counts) if counts else {}
                pid = owner.get("pid")
                if owner.get("host") != host or not isinstance(pid, int) or is_alive(pid):
                    continue
                conn.execute(
                    update(runs)
                    .where(runs.c.run_id == run_id)
                    .values(finished_at=utc_now(), status=RunStatus.ABANDONED.value)
                )
                AuditLog.append(
                    conn,
                    actor,
                    "run.abandoned",
                    f"run:{run_id}",
                    {"host": host, "pid": pid, "reason": "its process ended without finishing"},
                )
                abandoned.append(run_id)
        return abandoned

    def finish(
        self,
        run_id: str,
        counts: dict[str, Any] | None = None,
        status: RunStatus = RunStatus.COMPLETED,
        *,
        actor: str = DEFAULT_ACTOR,
    ) -> None:
        """Record the end of a run with its counts (JSON-serialisable)."""
        counts = counts or {}
        status = RunStatus(status)
        with self._db.write() as conn:
            if not conn.execute(select(runs.c.run_id).where(runs.c.run_id == run_id)).first():
                conn.execute(
                    insert(runs).values(
                        run_id=run_id, started_at=utc_now(), status=RunStatus.RUNNING.value
                    )
                )
            conn.execute(
                update(runs)
                .where(runs.c.run_id == run_id)
                .values(finished_at=utc_now(), status=status.value, counts=canonical_json(counts))
            )
            AuditLog.append(
                conn,
                actor,
                "run.finished",
                f"run:{run_id}",
                {"status": status.value, "counts": counts},
            )

    def get(self, run_id: str) -> RunRecord | None:
        """One run, or None."""
        with self._db.read() as conn:
            row = conn.execute(select(runs).where(runs.c.run_id == run_id)).mappings().first()
        return None if row is None else _run(row)

    def quarantine(
        self, item: Quarantined, run_id: str | None, *, actor: str = DEFAULT_ACTOR
    ) -> None:
        """Record a file the run could not process (once per path, stage and run)."""
        with self._db.write() as conn:
            run_match = (
                quarantined.c.run_id.is_(None) if run_id is None else quarantined.c.run_id == run_id
            )
            done = conn.execute(
                select(quarantined.c.id).where(
                    quarantined.c.path == str(item.path),
                    quarantined.c.stage == item.stage,
                    run_match,
                )
            ).first()
            if done:
                return
            conn.execute(
                insert(quarantined).values(
                    path=str(item.path),
                    recording_id=item.recording_id,
                    reason=item.reason,
                    stage=item.stage,
                    run_id=run_id,
                    at=utc_now(),
                )
            )
            AuditLog.append(
                conn,
                actor,
                "file.quarantined",
                f"file:{item.path}",
                {"recording_id": item.recording_id, "stage": item.stage, "run_id": run_id},
            )

    def quarantined(self, run_id: str | None = None) -> list[QuarantineRecord]:
        """Quarantined files, of one run or all, oldest first."""
        query = select(quarantined).order_by(quarantined.c.id)
        if run_id is not None:
            query = query.where(quarantined.c.run_id == run_id)
        with self._db.read() as conn:
            return [
                QuarantineRecord(
                    pk=int(r["id"]),
                    path=r["path"],
                    recording_id=r["recording_id"],
                    reason=r["reason"],
                    stage=r["stage"],
                    run_id=r["run_id"],
                    at=r["at"],
                )
                for r in conn.execute(query).mappings()
            ]


def _run(r: RowMapping) -> RunRecord:
    return RunRecord(
        run_id=r["run_id"],
        started_at=r["started_at"],
        finished_at=r["finished_at"],
        status=RunStatus(r["status"]),
        counts=json.loads(r["counts"]) if r["counts"] else {},
    )
