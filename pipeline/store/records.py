"""Typed read models of the store (frozen dataclasses) and the filters that query them.

Everything the store returns is one of these: masked text only, times as timezone-aware UTC
datetimes. The review console and the reports read the store through them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.models import Alert
from pipeline.store.schema import (
    AlertState,
    AssignmentReason,
    CallStatus,
    Judgement,
    ReviewStatus,
    Role,
    RunStatus,
    Verdict,
)


@dataclass(frozen=True)
class ResultKey:
    """What produced a stored result. A rerun with another value of any field redoes the call."""

    asr_backend: str  # e.g. "openai-whisper"; "" for a transcript checked without audio
    model: str  # ASR model name or path
    rules_version: str  # content hash of the rule packs
    pii_version: str  # version of the PII stage (recognizers + masking policy)

    def as_dict(self) -> dict[str, str]:
        """The key as a plain mapping (audit entries)."""
        return {
            "asr_backend": self.asr_backend,
            "model": self.model,
            "rules_version": self.rules_version,
            "pii_version": self.pii_version,
        }


@dataclass(frozen=True)
class CallRecord:
    """One stored call (no transcript text: that is in the masked file ``transcript_path``)."""

    pk: int  # row id
    call_id: str
    recording_id: str  # sha256 of the audio
    key: ResultKey
    path: str | None  # where the recording was found
    agent_id: str | None
    call_time: datetime | None  # when the call took place (UTC)
    direction: str | None
    language: str | None
    duration: float | None  # seconds
    score: float | None  # 0..100
    status: CallStatus
    violation_count: int
    pii_exposure_count: int
    silence_ratio: float | None  # 0..1
    transcript_path: str | None
    processed_at: datetime  # UTC
    run_id: str | None


@dataclass(frozen=True)
class ViolationRecord:
    """One stored violation (evidence masked)."""

    pk: int
    call_pk: int
    call_id: str
    rule_id: str
    title: str
    severity: str
    start: float | None  # seconds in the call
    end: float | None
    speaker: str | None
    message: str
    evidence: str
    weight: float


@dataclass(frozen=True)
class PiiRecord:
    """One stored PII finding: type, offsets and time span, never the value."""

    pk: int
    call_pk: int
    entity_type: str
    segment_index: int
    start_offset: int
    end_offset: int
    score: float | None
    speaker: str | None
    time_start: float | None
    time_end: float | None
    recognizer: str | None


@dataclass(frozen=True)
class CallDetail:
    """A call with its violations and PII findings."""

    call: CallRecord
    violations: tuple[ViolationRecord, ...]
    pii: tuple[PiiRecord, ...]


@dataclass(frozen=True)
class AlertRecord:
    """A queued alert and its delivery state."""

    alert: Alert
    state: AlertState
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    run_id: str | None


@dataclass(frozen=True)
class RunRecord:
    """One batch run."""

    run_id: str
    started_at: datetime
    finished_at: datetime | None
    status: RunStatus
    counts: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class QuarantineRecord:
    """A file a run set aside, and why."""

    pk: int
    path: str
    recording_id: str | None
    reason: str
    stage: str
    run_id: str | None
    at: datetime


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the audit log."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    hash: str = ""  # the entry's chain hash


@dataclass(frozen=True)
class AuditCheck:
    """Result of :meth:`pipeline.store.audit.AuditLog.verify`."""

    ok: bool
    first_bad_seq: int | None  # the first entry whose hash or link does not check out
    entries: int  # entries read
    reason: str = ""  # what is wrong with first_bad_seq
    head: tuple[int, str] | None = None  # (seq, hash) of the newest entry when the chain is intact


@dataclass(frozen=True)
class CallFilter:
    """Which calls to list. Every field left None matches everything."""

    called_from: datetime | None = None  # call_time >= (aware)
    called_until: datetime | None = None  # call_time < (aware)
    processed_from: datetime | None = None  # processed_at >=
    processed_until: datetime | None = None  # processed_at <
    agent_id: str | None = None
    rule_id: str | None = None  # calls with a violation of this rule
    min_severity: str | None = None  # calls with a violation at or above this severity
    status: CallStatus | None = None
    language: str | None = None
    run_id: str | None = None
    review_status: ReviewStatus | None = None  # where the call stands in review
    assigned_to: str | None = None  # calls assigned to this reviewer


@dataclass(frozen=True)
class ViolationFilter:
    """Which violations to list."""

    called_from: datetime | None = None
    called_until: datetime | None = None
    agent_id: str | None = None
    rule_id: str | None = None
    min_severity: str | None = None
    call_pk: int | None = None


@dataclass(frozen=True)
class UserRecord:
    """A console user (the password hash stays in the store)."""

    pk: int
    name: str
    role: Role
    created_at: datetime  # UTC
    disabled: bool


@dataclass(frozen=True)
class ReviewRecord:
    """A reviewer's verdict on one violation."""

    pk: int
    violation_pk: int
    reviewer: str
    verdict: Verdict
    comment: str
    at: datetime  # UTC


@dataclass(frozen=True)
class AppealRecord:
    """An appeal against a confirmed violation, and the supervisor's final judgement."""

    pk: int
    violation_pk: int
    filed_by: str  # the user who filed it for the agent
    reason: str
    filed_at: datetime
    judgement: Judgement | None  # None while the appeal is open
    judge: str | None
    judge_comment: str
    judged_at: datetime | None


@dataclass(frozen=True)
class FindingReview:
    """A violation with its verdict and appeal, and what stands in the end."""

    violation: ViolationRecord
    review: ReviewRecord | None
    appeal: AppealRecord | None

    @property
    def final(self) -> Verdict | None:
        """The verdict that stands: an overturned appeal makes a confirmed finding dismissed;
        None while there is no verdict."""
        if self.review is None:
            return None
        if self.appeal is not None and self.appeal.judgement is Judgement.OVERTURN:
            return Verdict.DISMISS
        return self.review.verdict


@dataclass(frozen=True)
class AssignmentRecord:
    """A call assigned to a reviewer."""

    pk: int
    call_pk: int
    call_id: str
    reviewer: str
    reason: AssignmentReason
    assigned_by: str
    at: datetime


@dataclass(frozen=True)
class RulePrecision:
    """How often a rule's findings were confirmed, from the final verdicts."""

    rule_id: str
    findings: int  # stored violations of the rule
    confirmed: int  # final verdict confirm
    dismissed: int  # final verdict dismiss (including overturned appeals)

    @property
    def reviewed(self) -> int:
        """Findings with a final verdict."""
        return self.confirmed + self.dismissed

    @property
    def precision(self) -> float | None:
        """confirmed / reviewed (0..1); None before any verdict."""
        return self.confirmed / self.reviewed if self.reviewed else None
