"""The review loop: verdicts on findings, appeals, the supervisor's final judgement, precision.

A reviewer gives each violation one verdict, ``confirm`` or ``dismiss``, with a comment. A
confirmed violation may be appealed once (by a user acting for the agent); a supervisor's
judgement, ``uphold`` or ``overturn``, is final: there is no further appeal. A dismissed (or
overturned) finding never alerts again: its alert key goes to ``dismissed_alerts``, a pending
alert for it becomes ``dismissed``, and :meth:`pipeline.store.outbox.Outbox.enqueue_in` skips the
key from then on, also after a rerun. Every change is one transaction with its audit entry;
audit details hold ids, rules and verdicts, never comments or transcript text.
"""

from __future__ import annotations

from sqlalchemy import and_, case, func, insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from pipeline.anomaly import stable_key
from pipeline.store.audit import AuditLog
from pipeline.store.database import Database
from pipeline.store.records import AppealRecord, FindingReview, ReviewRecord, RulePrecision
from pipeline.store.schema import (
    AlertState,
    Judgement,
    Verdict,
    alerts,
    appeals,
    calls,
    dismissed_alerts,
    reviews,
    utc_now,
    violations,
)

MAX_COMMENT_CHARS = 2000  # of a comment, reason or judgement note


class ReviewError(ValueError):
    """A review action that the state of the finding does not allow."""


class NotFoundError(LookupError):
    """No such violation or appeal."""


def violation_alert_key(call_id: str, rule_id: str, start: float | None, end: float | None) -> str:
    """The per-call alert key of a violation (as :func:`pipeline.anomaly.call_alerts` makes it)."""
    return stable_key("violation", call_id, rule_id, f"{start or 0.0:.3f}", f"{end or 0.0:.3f}")


class ReviewRepository:
    """Verdicts, appeals and judgements."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # --- writes ------------------------------------------------------------------------------

    def give_verdict(
        self, violation_pk: int, verdict: Verdict, comment: str, *, reviewer: str
    ) -> ReviewRecord:
        """Record a reviewer's verdict; ReviewError when the finding has one already."""
        verdict = Verdict(verdict)
        now = utc_now()
        with self._db.write() as conn:
            finding = _finding(conn, violation_pk)
            if conn.execute(
                select(reviews.c.id).where(reviews.c.violation_pk == violation_pk)
            ).first():
                raise ReviewError("this finding has a verdict already; appeal it instead")
            inserted = conn.execute(
                insert(reviews).values(
                    violation_pk=violation_pk,
                    reviewer=reviewer,
                    verdict=verdict.value,
                    comment=comment[:MAX_COMMENT_CHARS],
                    at=now,
                )
            ).inserted_primary_key
            assert inserted is not None
            AuditLog.append(
                conn,
                reviewer,
                "review.verdict",
                f"violation:{violation_pk}",
                {
                    "call_id": finding["call_id"],
                    "rule_id": finding["rule_id"],
                    "verdict": verdict.value,
                },
            )
            if verdict is Verdict.DISMISS:
                _dismiss_alert(conn, finding, reviewer)
        return ReviewRecord(
            int(inserted[0]), violation_pk, reviewer, verdict, comment[:MAX_COMMENT_CHARS], now
        )

    def file_appeal(self, violation_pk: int, reason: str, *, filed_by: str) -> AppealRecord:
        """Appeal a confirmed finding for the agent; ReviewError when it is not confirmed or was
        appealed before (there is one appeal per finding)."""
        if not reason.strip():
            raise ReviewError("an appeal needs a reason")
        now = utc_now()
        with self._db.write() as conn:
            finding = _finding(conn, violation_pk)
            verdict = conn.execute(
                select(reviews.c.verdict).where(reviews.c.violation_pk == violation_pk)
            ).scalar()
            if verdict != Verdict.CONFIRM.value:
                raise ReviewError("only a confirmed finding can be appealed")
            if conn.execute(
                select(appeals.c.id).where(appeals.c.violation_pk == violation_pk)
            ).first():
                raise ReviewError("this finding was appealed already: there is no further appeal")
            inserted = conn.execute(
                insert(appeals).values(
                    violation_pk=violation_pk,
                    filed_by=filed_by,
                    reason=reason[:MAX_COMMENT_CHARS],
                    filed_at=now,
                )
            ).inserted_primary_key
            assert inserted is not None
            pk = int(inserted[0])
            AuditLog.append(
                conn,
                filed_by,
                "review.appeal",
                f"violation:{violation_pk}",
                {"appeal": pk, "call_id": finding["call_id"], "rule_id": finding["rule_id"]},
            )
        return AppealRecord(
            pk, violation_pk, filed_by, reason[:MAX_COMMENT_CHARS], now, None, None, "", None
        )

    def judge(
        self, appeal_pk: int, judgement: Judgement, comment: str, *, judge: str
    ) -> AppealRecord:
        """A supervisor's final judgement; ReviewError when the appeal is judged already or the
        judge gave the verdict under appeal. ``overturn`` dismisses the finding."""
        judgement = Judgement(judgement)
        now = utc_now()
        with self._db.write() as conn:
            row = conn.execute(select(appeals).where(appeals.c.id == appeal_pk)).mappings().first()
            if row is None:
                raise NotFoundError(f"no appeal {appeal_pk}")
            if row["judgement"] is not None:
                raise ReviewError("this appeal is judged: the judgement is final")
            reviewer = conn.execute(
                select(reviews.c.reviewer).where(reviews.c.violation_pk == row["violation_pk"])
            ).scalar()
            if reviewer == judge:
                raise ReviewError("the reviewer who confirmed the finding cannot judge its appeal")
            finding = _finding(conn, int(row["violation_pk"]))
            conn.execute(
                update(appeals)
                .where(appeals.c.id == appeal_pk)
                .values(
                    judgement=judgement.value,
                    judge=judge,
                    judge_comment=comment[:MAX_COMMENT_CHARS],
                    judged_at=now,
                )
            )
            AuditLog.append(
                conn,
                judge,
                "review.judgement",
                f"violation:{row['violation_pk']}",
                {
                    "appeal": appeal_pk,
                    "call_id": finding["call_id"],
                    "rule_id": finding["rule_id"],
                    "judgement": judgement.value,
                },
            )
            if judgement is Judgement.OVERTURN:
                _dismiss_alert(conn, finding, judge)
            updated = conn.execute(select(appeals).where(appeals.c.id == appeal_pk)).mappings()
            return _appeal(updated.one())

    # --- reads -------------------------------------------------------------------------------

    def for_call(self, call_pk: int) -> dict[int, tuple[ReviewRecord | None, AppealRecord | None]]:
        """Verdict and appeal of each violation of a call, by violation row id."""
        with self._db.read() as conn:
            pks = [
                int(r[0])
                for r in conn.execute(
                    select(violations.c.id).where(violations.c.call_pk == call_pk)
                )
            ]
            found_reviews = {
                r["violation_pk"]: _review(r)
                for r in conn.execute(select(reviews).where(reviews.c.violation_pk.in_(pks)))
                .mappings()
                .all()
            }
            found_appeals = {
                r["violation_pk"]: _appeal(r)
                for r in conn.execute(select(appeals).where(appeals.c.violation_pk.in_(pks)))
                .mappings()
                .all()
            }
        return {pk: (found_reviews.get(pk), found_appeals.get(pk)) for pk in pks}

    def open_appeals(self, *, limit: int = 200) -> list[tuple[AppealRecord, str, str, int]]:
        """Appeals waiting for a judgement, oldest first, each with its call id, rule id and
        call row id."""
        query = (
            select(appeals, calls.c.call_id, violations.c.rule_id, calls.c.id.label("call_pk"))
            .join(violations, appeals.c.violation_pk == violations.c.id)
            .join(calls, violations.c.call_pk == calls.c.id)
            .where(appeals.c.judgement.is_(None))
            .order_by(appeals.c.filed_at)
            .limit(limit)
        )
        with self._db.read() as conn:
            rows = conn.execute(query).mappings().all()
        return [(_appeal(r), r["call_id"], r["rule_id"], int(r["call_pk"])) for r in rows]

    def summary(self, call_pks: list[int]) -> dict[int, tuple[int, int, int]]:
        """Per call row id: (findings, findings with a verdict, open appeals); calls without a
        finding are left out."""
        query = (
            select(
                violations.c.call_pk,
                func.count(violations.c.id),
                func.count(reviews.c.id),
                func.sum(
                    case((appeals.c.id.is_not(None) & appeals.c.judgement.is_(None), 1), else_=0)
                ),
            )
            .select_from(violations)
            .outerjoin(reviews, reviews.c.violation_pk == violations.c.id)
            .outerjoin(appeals, appeals.c.violation_pk == violations.c.id)
            .where(violations.c.call_pk.in_(call_pks))
            .group_by(violations.c.call_pk)
        )
        with self._db.read() as conn:
            rows = conn.execute(query).all()
        return {int(r[0]): (int(r[1]), int(r[2]), int(r[3] or 0)) for r in rows}

    def call_of(self, violation_pk: int) -> int | None:
        """The call row id of a violation, or None when there is no such violation."""
        with self._db.read() as conn:
            found = conn.execute(
                select(violations.c.call_pk).where(violations.c.id == violation_pk)
            ).scalar()
        return None if found is None else int(found)

    def call_of_appeal(self, appeal_pk: int) -> int | None:
        """The call row id of an appeal, or None when there is no such appeal."""
        with self._db.read() as conn:
            found = conn.execute(
                select(violations.c.call_pk)
                .join(appeals, appeals.c.violation_pk == violations.c.id)
                .where(appeals.c.id == appeal_pk)
            ).scalar()
        return None if found is None else int(found)

    def is_dismissed(self, alert_key: str) -> bool:
        """Whether the finding behind this alert key was dismissed."""
        with self._db.read() as conn:
            found = conn.execute(
                select(dismissed_alerts.c.alert_key).where(
                    dismissed_alerts.c.alert_key == alert_key
                )
            ).first()
        return found is not None

    def precision(self) -> list[RulePrecision]:
        """Per rule: findings, confirmed and dismissed by final verdict, by rule id."""
        overturned = appeals.c.judgement == Judgement.OVERTURN.value
        confirmed = and_(
            reviews.c.verdict == Verdict.CONFIRM.value, ~func.coalesce(overturned, False)
        )
        dismissed = (reviews.c.verdict == Verdict.DISMISS.value) | func.coalesce(overturned, False)
        query = (
            select(
                violations.c.rule_id,
                func.count(violations.c.id),
                func.sum(case((confirmed, 1), else_=0)),
                func.sum(case((dismissed, 1), else_=0)),
            )
            .select_from(violations)
            .outerjoin(reviews, reviews.c.violation_pk == violations.c.id)
            .outerjoin(appeals, appeals.c.violation_pk == violations.c.id)
            .group_by(violations.c.rule_id)
            .order_by(violations.c.rule_id)
        )
        with self._db.read() as conn:
            rows = conn.execute(query).all()
        return [RulePrecision(r[0], int(r[1]), int(r[2] or 0), int(r[3] or 0)) for r in rows]


def findings_of(
    found: dict[int, tuple[ReviewRecord | None, AppealRecord | None]], violation_records: tuple
) -> list[FindingReview]:
    """Pair each violation record with its verdict and appeal."""
    return [FindingReview(v, *found.get(v.pk, (None, None))) for v in violation_records]


def _finding(conn: Connection, violation_pk: int) -> RowMapping:
    row = (
        conn.execute(
            select(
                violations.c.id,
                violations.c.rule_id,
                violations.c.start_s,
                violations.c.end_s,
                calls.c.call_id,
            )
            .join(calls, violations.c.call_pk == calls.c.id)
            .where(violations.c.id == violation_pk)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFoundError(f"no violation {violation_pk}")
    return row


def dismiss_finding_alert(conn: Connection, violation_pk: int, actor: str) -> None:
    """Inside the caller's transaction: the alert of violation ``violation_pk`` is dismissed
    (never queued, a pending one taken off the queue), as a dismissing verdict does."""
    _dismiss_alert(conn, _finding(conn, violation_pk), actor)


def _dismiss_alert(conn: Connection, finding: RowMapping, actor: str) -> None:
    """Remember the finding's alert key as dismissed and take a pending alert off the queue."""
    key = violation_alert_key(
        finding["call_id"], finding["rule_id"], finding["start_s"], finding["end_s"]
    )
    known = conn.execute(
        select(dismissed_alerts.c.alert_key).where(dismissed_alerts.c.alert_key == key)
    ).first()
    if known is None:
        conn.execute(
            insert(dismissed_alerts).values(
                alert_key=key,
                call_id=finding["call_id"],
                rule_id=finding["rule_id"],
                dismissed_by=actor,
                at=utc_now(),
            )
        )
    dropped = conn.execute(
        update(alerts)
        .where(alerts.c.alert_key == key, alerts.c.state == AlertState.PENDING.value)
        .values(state=AlertState.DISMISSED.value)
    ).rowcount
    AuditLog.append(
        conn,
        actor,
        "alert.dismissed",
        f"alert:{key}",
        {
            "call_id": finding["call_id"],
            "rule_id": finding["rule_id"],
            "dropped_pending": bool(dropped),
        },
    )


def _review(r: RowMapping) -> ReviewRecord:
    return ReviewRecord(
        pk=int(r["id"]),
        violation_pk=int(r["violation_pk"]),
        reviewer=r["reviewer"],
        verdict=Verdict(r["verdict"]),
        comment=r["comment"] or "",
        at=r["at"],
    )


def _appeal(r: RowMapping) -> AppealRecord:
    return AppealRecord(
        pk=int(r["id"]),
        violation_pk=int(r["violation_pk"]),
        filed_by=r["filed_by"],
        reason=r["reason"],
        filed_at=r["filed_at"],
        judgement=None if r["judgement"] is None else Judgement(r["judgement"]),
        judge=r["judge"],
        judge_comment=r["judge_comment"] or "",
        judged_at=r["judged_at"],
    )
