"""Reviewers' verdicts and appeals kept across a rerun that replaces a call's findings.

A rerun with another result key (a new model, rule packs or PII stage) deletes the call's
violations and stores the new ones. A verdict is a person's audited decision: it must not vanish
with the row it was given on. Before the old violations go, :func:`hold_reviews` reads their
verdicts and appeals; after the new ones are stored, :func:`restore_reviews` gives each verdict
(and its appeal) to the new violation of the same rule and speaker at about the same time. A
verdict whose finding the rerun no longer raises is reported as dropped, with its rule, times
and verdict (never its comment), for the audit entry of the replacement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from pipeline.store.reviews import dismiss_finding_alert
from pipeline.store.schema import Judgement, Verdict, appeals, reviews, violations

MATCH_TOLERANCE_S = 5.0  # a new finding this close in time to the old one is the same finding
REVIEW_COLUMNS = ("reviewer", "verdict", "comment", "at")
APPEAL_COLUMNS = (
    "filed_by", "reason", "filed_at", "judgement", "judge", "judge_comment", "judged_at",
)  # fmt: skip


@dataclass(frozen=True)
class HeldReview:
    """A verdict (with its appeal, if any) read from a violation about to be replaced."""

    rule_id: str
    speaker: str
    start: float | None  # seconds into the call
    end: float | None
    review: dict[str, Any]  # the review row's REVIEW_COLUMNS
    appeal: dict[str, Any] | None  # the appeal row's APPEAL_COLUMNS, None without an appeal

    @property
    def withdrawn_by(self) -> str | None:
        """Who took the finding back: the reviewer who dismissed it, or the judge who overturned
        it on appeal; None while it stands."""
        if self.review["verdict"] == Verdict.DISMISS.value:
            return str(self.review["reviewer"])
        if self.appeal is not None and self.appeal["judgement"] == Judgement.OVERTURN.value:
            return str(self.appeal["judge"])
        return None


@dataclass(frozen=True)
class Carried:
    """What :func:`restore_reviews` did: verdicts re-attached and verdicts left without a
    finding (as audit details: rule, speaker, times, verdict, reviewer)."""

    carried: int
    dropped: tuple[dict[str, Any], ...]

    def audit_details(self) -> dict[str, Any]:
        """The part of a ``call.replaced`` audit entry about verdicts (empty when none)."""
        if not self.carried and not self.dropped:
            return {}
        return {"reviews_carried": self.carried, "reviews_dropped": list(self.dropped)}


def hold_reviews(conn: Connection, call_pk: int) -> list[HeldReview]:
    """The verdicts and appeals on the call's current violations."""
    query = (
        select(
            violations.c.rule_id,
            violations.c.speaker,
            violations.c.start_s,
            violations.c.end_s,
            *(reviews.c[name] for name in REVIEW_COLUMNS),
            *(appeals.c[name].label(f"appeal_{name}") for name in APPEAL_COLUMNS),
            appeals.c.id.label("appeal_id"),
        )
        .join(reviews, reviews.c.violation_pk == violations.c.id)
        .outerjoin(appeals, appeals.c.violation_pk == violations.c.id)
        .where(violations.c.call_pk == call_pk)
        .order_by(violations.c.id)
    )
    held = []
    for row in conn.execute(query).mappings():
        appeal = None
        if row["appeal_id"] is not None:
            appeal = {name: row[f"appeal_{name}"] for name in APPEAL_COLUMNS}
        held.append(
            HeldReview(
                rule_id=row["rule_id"],
                speaker=row["speaker"],
                start=row["start_s"],
                end=row["end_s"],
                review={name: row[name] for name in REVIEW_COLUMNS},
                appeal=appeal,
            )
        )
    return held


def _distance(held: HeldReview, start: float | None, end: float | None) -> float | None:
    """How far apart the old and the new finding are in seconds; None when not the same."""
    if held.start is None or start is None:
        return 0.0 if held.start is None and start is None else None
    overlap = min(held.end or held.start, end or start) - max(held.start, start)
    gap = abs(held.start - start)
    if overlap >= 0 or gap <= MATCH_TOLERANCE_S:
        return gap
    return None


def restore_reviews(conn: Connection, call_pk: int, held: Sequence[HeldReview]) -> Carried:
    """Attach each held verdict to the closest new violation of the call with the same rule
    and speaker (each new violation takes at most one)."""
    if not held:
        return Carried(0, ())
    fresh = list(
        conn.execute(
            select(
                violations.c.id,
                violations.c.rule_id,
                violations.c.speaker,
                violations.c.start_s,
                violations.c.end_s,
            ).where(violations.c.call_pk == call_pk)
        ).mappings()
    )
    taken: set[int] = set()
    carried = 0
    dropped = []
    for old in held:
        candidates = []
        for row in fresh:
            if row["id"] in taken or (row["rule_id"], row["speaker"]) != (old.rule_id, old.speaker):
                continue
            distance = _distance(old, row["start_s"], row["end_s"])
            if distance is not None:
                candidates.append((distance, int(row["id"])))
        if not candidates:
            dropped.append(
                {
                    "rule_id": old.rule_id,
                    "speaker": old.speaker,
                    "start": old.start,
                    "end": old.end,
                    "verdict": old.review["verdict"],
                    "reviewer": old.review["reviewer"],
                    "appealed": old.appeal is not None,
                }
            )
            continue
        _, violation_pk = min(candidates)
        taken.add(violation_pk)
        conn.execute(insert(reviews).values(violation_pk=violation_pk, **old.review))
        if old.appeal is not None:
            conn.execute(insert(appeals).values(violation_pk=violation_pk, **old.appeal))
        if old.withdrawn_by is not None:  # the rerun's alert for it must not go out either
            dismiss_finding_alert(conn, violation_pk, old.withdrawn_by)
        carried += 1
    return Carried(carried, tuple(dropped))
