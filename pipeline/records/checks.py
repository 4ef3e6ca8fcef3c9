"""The five call-record checks, on one call's CDR row and the contact history.

=============================  ========  ======================================================
rule id                        severity  fires when (outbound calls only)
=============================  ========  ======================================================
``registered-caller-number``   high      the line is not in the registry, or not valid that day
``number-purpose-mismatch``    medium    the line is registered, but not for the call's purpose
``calling-hours``              high      the call starts outside the purpose's window that day
``contact-frequency``          high      the customer's contacts for the purpose that day / week
                                         (this one included) exceed the cap
``contact-after-refusal``      critical  a marketing call to a customer who refused marketing
                                         in an earlier call (rule ``marketing-refusal``) that
                                         has not expired (``CALLSENTRY_REFUSAL_EXPIRY_DAYS``)
=============================  ========  ======================================================

The history (:class:`ContactHistory`, kept in the store) holds every outbound CDR row of this
and earlier batches by customer hash, and every refusal. Counting only contacts that started
*earlier* than the call makes the result the same whatever order the calls are checked in.
Violations name the line, the local time and the rule that was broken, never the customer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo
from typing import Protocol

from pipeline.compliance.metadata import CallMetadata
from pipeline.compliance.scoring import score_call
from pipeline.models import CallReport, Recording, Violation
from pipeline.records.calendar import DayKind, WorkdayCalendar
from pipeline.records.cdr import CallRecord, Direction, Purpose, display_number, parse_time
from pipeline.records.policy import ContactPolicy
from pipeline.records.registry import NumberRegistry

REFUSAL_RULE_ID = "marketing-refusal"  # the pack rule whose hit is remembered as a refusal


@dataclass(frozen=True)
class RecordCheck:
    """What a record check reports when it fires."""

    rule_id: str
    title: str
    severity: str
    weight: float  # points off the call score


REGISTERED_CALLER_NUMBER = RecordCheck(
    "registered-caller-number", "Unregistered caller number", "high", 10
)
NUMBER_PURPOSE_MISMATCH = RecordCheck(
    "number-purpose-mismatch", "Line used for a purpose it is not registered for", "medium", 5
)
CALLING_HOURS = RecordCheck("calling-hours", "Call outside the allowed hours", "high", 10)
CONTACT_FREQUENCY = RecordCheck("contact-frequency", "Too many contacts", "high", 10)
CONTACT_AFTER_REFUSAL = RecordCheck(
    "contact-after-refusal", "Marketing call after the customer refused", "critical", 20
)
RECORD_CHECKS: tuple[RecordCheck, ...] = (
    REGISTERED_CALLER_NUMBER,
    NUMBER_PURPOSE_MISMATCH,
    CALLING_HOURS,
    CONTACT_FREQUENCY,
    CONTACT_AFTER_REFUSAL,
)


class ContactHistory(Protocol):
    """Contacts and refusals across calls and batches (``pipeline.store.contacts``)."""

    def contacts_before(self, record: CallRecord, since: datetime) -> int:
        """Outbound contacts of the record's customer for its purpose that started at or after
        ``since`` and before the record (same start: earlier recording name)."""
        ...

    def refusal_before(
        self, customer_hash: str, before: datetime, since: datetime | None = None
    ) -> datetime | None:
        """When the customer first refused marketing before ``before`` and, with ``since``,
        after ``since`` (None: no such refusal)."""
        ...

    def add_refusal(
        self, customer_hash: str, at: datetime, call_id: str, run_id: str | None = None
    ) -> bool:
        """Remember that the customer refused marketing in ``call_id`` (started ``at``)."""
        ...


@dataclass(frozen=True)
class RecordContext:
    """What the record checks need besides the row: the centre's files and the history."""

    policy: ContactPolicy
    calendar: WorkdayCalendar
    registry: NumberRegistry | None  # None: the two number checks are not run
    history: ContactHistory


def _violation(check: RecordCheck, message: str, duration: float, evidence: str) -> Violation:
    return Violation(
        rule_id=check.rule_id,
        severity=check.severity,
        start=0.0,
        end=duration,
        speaker="agent",
        message=message,
        evidence=evidence,
        weight=check.weight,
        title=check.title,
    )


def _clock(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def record_violations(
    record: CallRecord, context: RecordContext, duration: float = 0.0
) -> tuple[Violation, ...]:
    """The record checks' violations for one call (``duration``: the call's, in seconds)."""
    if record.direction is not Direction.OUTBOUND:
        return ()
    policy = context.policy
    local = record.local_start(policy.zone)
    day = local.date()
    line = display_number(record.line_number)
    where = f"line {line}, {_clock(local)} {policy.zone.key}"
    found: list[Violation] = []

    registry = context.registry
    if registry is not None:
        valid = registry.valid(record.line_number, day)
        if not valid:
            known = registry.registrations(record.line_number)
            why = "is not registered" if not known else f"is not registered for {day}"
            found.append(
                _violation(
                    REGISTERED_CALLER_NUMBER,
                    f"Outbound call from line {line}, which {why} in the number registry.",
                    duration,
                    where,
                )
            )
        elif not any(record.purpose in r.purposes for r in valid):
            allowed = sorted({p.value for r in valid for p in r.purposes})
            found.append(
                _violation(
                    NUMBER_PURPOSE_MISMATCH,
                    f"A {record.purpose.value} call from line {line}, registered "
                    f"for {', '.join(allowed)} only.",
                    duration,
                    where,
                )
            )

    kind = context.calendar.kind(day)
    kind_name = "workday" if kind is DayKind.WORKDAY else "rest day"
    window = policy.window(record.purpose, kind)
    if window is not None and not window.allows(local.time()):
        found.append(
            _violation(
                CALLING_HOURS,
                f"A {record.purpose.value} call at {local.strftime('%H:%M')} on a {kind_name} "
                f"({day}); allowed: {window}.",
                duration,
                where,
            )
        )

    caps = policy.cap(record.purpose)
    day_start = datetime.combine(day, time(0), local.tzinfo)
    week_start = day_start - timedelta(days=day.weekday())
    for period, cap, since in (("day", caps.day, day_start), ("week", caps.week, week_start)):
        if cap is None:
            continue
        count = context.history.contacts_before(record, since) + 1
        if count > cap:
            found.append(
                _violation(
                    CONTACT_FREQUENCY,
                    f"Contact {count} with this customer for {record.purpose.value} this "
                    f"{period}; at most {cap} allowed.",
                    duration,
                    where,
                )
            )

    if record.purpose is Purpose.MARKETING:
        refused = context.history.refusal_before(
            record.customer_hash, record.start_time, policy.refusals_since(record.start_time)
        )
        if refused is not None:
            found.append(
                _violation(
                    CONTACT_AFTER_REFUSAL,
                    "A marketing call to a customer who refused marketing in an earlier call "
                    f"({_clock(refused.astimezone(policy.zone))}).",
                    duration,
                    where,
                )
            )
    return tuple(found)


def check_record(
    report: CallReport, record: CallRecord, context: RecordContext, run_id: str | None = None
) -> CallReport:
    """The report with the record checks' violations added; a refusal of marketing in the call
    (rule ``marketing-refusal``) is remembered for the customer's later calls."""
    violations = record_violations(record, context, report.duration)
    if refused(report):
        context.history.add_refusal(record.customer_hash, record.start_time, report.call_id, run_id)
    return with_record_findings(report, violations)


def with_record_findings(report: CallReport, violations: Sequence[Violation]) -> CallReport:
    """The report with the record checks' violations added (sorted by time) and re-scored."""
    if not violations:
        return report
    merged = tuple(
        sorted((*report.violations, *violations), key=lambda v: (v.start, v.end, v.rule_id))
    )
    return replace(report, violations=merged, score=score_call(merged))


def refused(report: CallReport) -> bool:
    """Whether the customer refused marketing in this call (rule ``marketing-refusal``)."""
    return any(v.rule_id == REFUSAL_RULE_ID for v in report.violations)


def call_metadata(recording: Recording, record: CallRecord | None, zone: tzinfo) -> CallMetadata:
    """What the rules' ``metadata:`` clauses see: the CDR row, else the sidecar's fields
    (``direction``, ``call_time``; ``purpose`` and ``queue`` among its other keys)."""
    if record is not None:
        return CallMetadata(
            direction=record.direction.value,
            purpose=record.purpose.value,
            queue=record.queue,
            local_time=record.local_start(zone).time(),
        )
    local_time = None
    if recording.call_time:
        try:
            local_time = parse_time(recording.call_time, zone).astimezone(zone)
        except ValueError:
            local_time = None
    purpose = recording.extra.get("purpose")
    queue = recording.extra.get("queue")
    return CallMetadata(
        direction=recording.direction,
        purpose=str(purpose).lower() if purpose is not None else None,
        queue=None if queue is None else str(queue),
        local_time=None if local_time is None else local_time.time(),
    )
