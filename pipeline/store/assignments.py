"""Which reviewer reviews which call: every call with a critical finding, plus a sample.

:meth:`AssignmentRepository.plan` takes the unassigned calls that have findings: each with a
critical violation is assigned (reason ``critical``); of the rest, a call is drawn when
:func:`sample_point` of its call id is below the configured share (reason ``sampled``). The draw
is a hash, so it is the same on every run and anyone can check it; reviewers get calls in
turn, the least loaded first. Every assignment is written to the audit chain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import exists, func, insert, select
from sqlalchemy.engine import RowMapping

from pipeline.store.audit import AuditLog
from pipeline.store.database import Database
from pipeline.store.records import AssignmentRecord
from pipeline.store.schema import (
    AssignmentReason,
    CallStatus,
    assignments,
    calls,
    utc_now,
    violations,
)

CRITICAL = "critical"
SAMPLE_HASH_BITS = 32  # of the call id's sha256 used for the draw


def sample_point(call_id: str) -> float:
    """A stable number in [0, 1) for a call id: the call is sampled when it is below the share."""
    digest = hashlib.sha256(f"sample|{call_id}".encode()).digest()
    return int.from_bytes(digest[: SAMPLE_HASH_BITS // 8], "big") / 2**SAMPLE_HASH_BITS


@dataclass(frozen=True)
class PlanResult:
    """What :meth:`AssignmentRepository.plan` assigned."""

    critical: int  # calls assigned for a critical finding
    sampled: int  # calls drawn from the rest
    considered: int  # unassigned calls with findings that were looked at


class AssignmentRepository:
    """Assignments of calls to reviewers."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def plan(self, reviewers: Sequence[str], share: float, *, actor: str) -> PlanResult:
        """Assign every unassigned call with a critical finding and a ``share`` (0..1) of the
        other unassigned calls with findings to ``reviewers`` in turn."""
        if not reviewers:
            raise ValueError("no reviewer to assign calls to")
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"sample share {share} is not between 0 and 1")
        has_critical = exists().where(
            violations.c.call_pk == calls.c.id, violations.c.severity == CRITICAL
        )
        unassigned = (
            select(calls.c.id, calls.c.call_id, has_critical.label("critical"))
            .where(
                calls.c.status == CallStatus.DONE.value,
                calls.c.violation_count > 0,
                ~exists().where(assignments.c.call_pk == calls.c.id),
            )
            .order_by(calls.c.id)
        )
        counts = {"critical": 0, "sampled": 0}
        now = utc_now()
        with self._db.write() as conn:
            load = dict.fromkeys(reviewers, 0)
            for name, n in conn.execute(
                select(assignments.c.reviewer, func.count()).group_by(assignments.c.reviewer)
            ):
                if name in load:
                    load[name] = int(n)
            rows = conn.execute(unassigned).all()
            for pk, call_id, critical in rows:
                if critical:
                    reason = AssignmentReason.CRITICAL
                elif sample_point(call_id) < share:
                    reason = AssignmentReason.SAMPLED
                else:
                    continue
                reviewer = min(load, key=lambda r: (load[r], r))
                load[reviewer] += 1
                conn.execute(
                    insert(assignments).values(
                        call_pk=pk,
                        reviewer=reviewer,
                        reason=reason.value,
                        assigned_by=actor,
                        at=now,
                    )
                )
                AuditLog.append(
                    conn,
                    actor,
                    "review.assigned",
                    f"call:{call_id}",
                    {"reviewer": reviewer, "reason": reason.value},
                )
                counts[reason.value] += 1
        return PlanResult(counts["critical"], counts["sampled"], len(rows))

    def for_reviewer(self, reviewer: str, *, limit: int = 200) -> list[AssignmentRecord]:
        """The calls assigned to one reviewer, newest first."""
        return self._find(assignments.c.reviewer == reviewer, limit)

    def of_call(self, call_pk: int) -> AssignmentRecord | None:
        """The assignment of one call, or None."""
        found = self._find(assignments.c.call_pk == call_pk, 1)
        return found[0] if found else None

    def all(self, *, limit: int = 500) -> list[AssignmentRecord]:
        """Every assignment, newest first."""
        return self._find(None, limit)

    def _find(self, condition: object, limit: int) -> list[AssignmentRecord]:
        query = select(assignments, calls.c.call_id).join(
            calls, assignments.c.call_pk == calls.c.id
        )
        if condition is not None:
            query = query.where(condition)  # type: ignore[arg-type]
        query = query.order_by(assignments.c.at.desc(), assignments.c.id.desc()).limit(limit)
        with self._db.read() as conn:
            return [_assignment(r) for r in conn.execute(query).mappings().all()]


def _assignment(r: RowMapping) -> AssignmentRecord:
    return AssignmentRecord(
        pk=int(r["id"]),
        call_pk=int(r["call_pk"]),
        call_id=r["call_id"],
        reviewer=r["reviewer"],
        reason=AssignmentReason(r["reason"]),
        assigned_by=r["assigned_by"],
        at=r["at"],
    )
