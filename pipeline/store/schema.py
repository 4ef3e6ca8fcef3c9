"""The database schema at the newest migration: tables, closed sets of states, the time type.

Alembic migrations (``pipeline/store/migrations/versions``) create and change it; this module is
what the repositories and the migrations' autogenerate check read. Every timestamp is a
timezone-aware UTC ``datetime`` (:class:`UtcDateTime`); only masked text is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# Names of constraints and indexes (Alembic needs stable names to change them later).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class CallStatus(StrEnum):
    """What a stored call is."""

    DONE = "done"  # transcribed and checked
    EMPTY = "empty"  # decoded, but no speech
    QUARANTINED = "quarantined"


class RunStatus(StrEnum):
    """Where a batch run stands."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"  # the run stopped on an error
    ABANDONED = "abandoned"  # its process ended without finishing it (killed, power loss)


class AlertState(StrEnum):
    """The delivery state of a queued alert."""

    PENDING = "pending"  # to deliver (again)
    SENT = "sent"  # delivered by every sink
    FAILED = "failed"  # blocked for good (e.g. the scanner found an unmasked value)
    DISMISSED = "dismissed"  # its finding was dismissed by a reviewer: never delivered


class Role(StrEnum):
    """What a console user may do (see :mod:`pipeline.console.permissions`)."""

    REVIEWER = "reviewer"  # sees calls, gives verdicts, files appeals for agents
    SUPERVISOR = "supervisor"  # also judges appeals and assigns calls
    AUDITOR = "auditor"  # reads everything including the audit log, changes nothing
    ADMIN = "admin"  # manages users


class Verdict(StrEnum):
    """A reviewer's verdict on one finding."""

    CONFIRM = "confirm"  # the rule was right
    DISMISS = "dismiss"  # a false alarm


class Judgement(StrEnum):
    """A supervisor's final judgement on an appeal (there is no further appeal)."""

    UPHOLD = "uphold"  # the finding stands
    OVERTURN = "overturn"  # the finding is withdrawn (counts as dismissed)


class ReviewStatus(StrEnum):
    """Where a call stands in review (the call list's filter)."""

    OPEN = "open"  # at least one finding without a verdict
    REVIEWED = "reviewed"  # findings, every one with a verdict
    APPEALED = "appealed"  # an appeal waits for a supervisor


class AssignmentReason(StrEnum):
    """Why a call was assigned to a reviewer."""

    CRITICAL = "critical"  # every call with a critical finding
    SAMPLED = "sampled"  # drawn from the rest at the configured share


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC. Naive values are refused, not guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """UTC on the way in (naive values raise ValueError)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """An aware UTC datetime on the way out."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


metadata = MetaData(naming_convention=NAMING_CONVENTION)

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("status", String(20), nullable=False),  # RunStatus
    Column("counts", Text),  # JSON object, e.g. {"processed": 10, "quarantined": 1}
)

calls = Table(
    "calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recording_id", String(64), nullable=False),  # sha256 of the audio file
    # the result key: a rerun with another value of any of these four redoes the call
    Column("asr_backend", String(50), nullable=False),
    Column("model", String(200), nullable=False),
    Column("rules_version", String(100), nullable=False),
    Column("pii_version", String(100), nullable=False),
    Column("call_id", String(200), nullable=False),
    Column("path", Text),
    Column("agent_id", String(100)),
    Column("call_time", UtcDateTime),  # when the call took place (sidecar), UTC
    Column("direction", String(20)),
    Column("language", String(10)),
    Column("duration", Float),  # seconds
    Column("score", Float),
    Column("status", String(20), nullable=False),  # CallStatus
    Column("violation_count", Integer, nullable=False, default=0),
    Column("pii_exposure_count", Integer, nullable=False, default=0),
    Column("silence_ratio", Float),  # 0..1
    Column("transcript_path", Text),  # the masked transcript JSON
    Column("processed_at", UtcDateTime, nullable=False),
    Column("run_id", String(64)),
    UniqueConstraint("recording_id"),  # one row per call, whatever produced it
    Index(None, "agent_id"),
    Index(None, "run_id"),
    Index(None, "call_time"),
    Index(None, "processed_at"),
    Index(None, "status"),
    Index(None, "language"),
)

violations = Table(
    "violations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_pk", Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
    Column("rule_id", String(100), nullable=False),
    Column("title", Text),
    Column("severity", String(10), nullable=False),
    Column("start_s", Float),
    Column("end_s", Float),
    Column("speaker", String(10)),
    Column("message", Text),
    Column("evidence", Text),  # masked
    Column("weight", Float),
    Index(None, "rule_id"),
    Index(None, "call_pk"),
    Index(None, "severity"),
    Index(None, "rule_id", "call_pk"),  # the console's rule filter (covering)
    Index(None, "severity", "call_pk"),  # ... and severity filter
)

pii_findings = Table(
    "pii_findings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_pk", Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
    Column("entity_type", String(50), nullable=False),
    Column("segment_index", Integer, nullable=False),
    Column("start_offset", Integer, nullable=False),
    Column("end_offset", Integer, nullable=False),
    Column("score", Float),
    Column("speaker", String(10)),
    Column("time_start", Float),
    Column("time_end", Float),
    Column("recognizer", String(100)),
    Index(None, "call_pk"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_key", String(64), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("call_id", String(200)),
    Column("agent_id", String(100)),
    Column("rule_id", String(100)),
    Column("time_in_call", Float),
    Column("message", Text, nullable=False),
    Column("evidence", Text),  # masked
    Column("run_id", String(64)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("state", String(10), nullable=False, default=AlertState.PENDING.value),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("sent_at", UtcDateTime),
    Index(None, "state"),
)

alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_key", String(64), ForeignKey("alerts.alert_key"), nullable=False),
    Column("sink", String(50), nullable=False),
    Column("sent_at", UtcDateTime, nullable=False),
    UniqueConstraint("alert_key", "sink"),
)

quarantined = Table(
    "quarantined",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("path", Text, nullable=False),
    Column("recording_id", String(64)),
    Column("reason", Text, nullable=False),
    Column("stage", String(20), nullable=False),
    Column("run_id", String(64)),
    Column("at", UtcDateTime, nullable=False),
    Index(None, "run_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(50), nullable=False),
    Column("subject", Text, nullable=False),
    Column("details", Text, nullable=False),  # canonical JSON
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("role", String(20), nullable=False),  # Role
    Column("password_hash", Text, nullable=False),  # argon2id, never the password
    Column("created_at", UtcDateTime, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    UniqueConstraint("name"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "violation_pk", Integer, ForeignKey("violations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("reviewer", String(100), nullable=False),
    Column("verdict", String(10), nullable=False),  # Verdict
    Column("comment", Text),  # checked for unmasked values before it is stored
    Column("at", UtcDateTime, nullable=False),
    UniqueConstraint("violation_pk"),  # one verdict per finding; an appeal may overturn it
    Index(None, "reviewer"),
)

appeals = Table(
    "appeals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "violation_pk", Integer, ForeignKey("violations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("filed_by", String(100), nullable=False),  # the user acting for the agent
    Column("reason", Text, nullable=False),
    Column("filed_at", UtcDateTime, nullable=False),
    Column("judgement", String(10)),  # Judgement; NULL while open
    Column("judge", String(100)),
    Column("judge_comment", Text),
    Column("judged_at", UtcDateTime),
    UniqueConstraint("violation_pk"),  # one appeal per finding: no further appeal
    Index(None, "judgement"),
)

assignments = Table(
    "assignments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_pk", Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
    Column("reviewer", String(100), nullable=False),
    Column("reason", String(10), nullable=False),  # AssignmentReason
    Column("assigned_by", String(100), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    UniqueConstraint("call_pk"),
    Index(None, "reviewer"),
)

dismissed_alerts = Table(
    "dismissed_alerts",
    metadata,
    Column("alert_key", String(64), primary_key=True),  # stable_key("violation", call, rule, ..)
    Column("call_id", String(200), nullable=False),
    Column("rule_id", String(100), nullable=False),
    Column("dismissed_by", String(100), nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("client", String(100), nullable=False),
    Column("success", Boolean, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index(None, "name", "at"),
    Index(None, "client", "at"),
)

redacted_copies = Table(
    "redacted_copies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_pk", Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
    Column("path", Text, nullable=False),  # the redacted recording
    Column("sha256", String(64), nullable=False),  # of the file's bytes
    Column("mode", String(10), nullable=False),  # RedactionMode
    Column("channels", Integer, nullable=False),
    Column("duration", Float, nullable=False),  # seconds
    Column("removed_share", Float, nullable=False),  # 0..1 of the call's time
    Column("made_at", UtcDateTime, nullable=False),
    Column("deleted_at", UtcDateTime),  # by retention; NULL while the file is kept
    UniqueConstraint("call_pk"),
)

redaction_spans = Table(
    "redaction_spans",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_pk", Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
    Column("channel", Integer, nullable=False),  # index in the file (0 = left)
    Column("start_s", Float, nullable=False),
    Column("end_s", Float, nullable=False),
    Column("entity_type", String(200), nullable=False),  # comma-separated types; never a value
    Column("basis", String(10), nullable=False),  # SpanBasis: words | segment | answer
    Index(None, "call_pk"),
)

# --- call records (CDR) ------------------------------------------------------------------------
# Customers appear only as the keyed hash of their number (pipeline.records.cdr.hash_number).

contacts = Table(  # every outbound CDR row of every batch: the contact-frequency history
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("customer_hash", String(64), nullable=False),
    Column("purpose", String(20), nullable=False),  # pipeline.records.cdr.Purpose
    Column("start_time", UtcDateTime, nullable=False),
    Column("recording", String(255), nullable=False),  # the file name the CDR row names
    Column("line_number", String(40), nullable=False),  # display_number(): mobiles masked
    Column("agent_id", String(100)),
    Column("run_id", String(64)),
    UniqueConstraint("customer_hash", "start_time", "recording"),
    Index(None, "customer_hash", "purpose", "start_time"),
)

refusals = Table(  # customers who refused marketing, and in which call
    "refusals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("customer_hash", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),  # the refusing call's start
    Column("call_id", String(200), nullable=False),
    Column("run_id", String(64)),
    UniqueConstraint("customer_hash", "call_id"),
    Index(None, "customer_hash", "at"),
)

claims = Table(
    "claims",
    metadata,
    # sha256 of the audio file: one claim per recording, whoever holds it
    Column("recording_id", String(64), primary_key=True),
    Column("host", String(255), nullable=False),  # the holder's host name
    Column("pid", Integer, nullable=False),  # the holder's process id on that host
    Column("run_id", String(64), nullable=False),  # the batch run it works for
    Column("claimed_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),  # after this anyone may take it over
    Index(None, "run_id"),
)
