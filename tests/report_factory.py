"""Synthetic CallReports for the storage, anomaly, alert and output tests (no ASR, no PII)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.models import CallReport, PiiFinding, Recording, Segment, Transcript, Violation

RULES_VERSION = "rules-test-1"
MODEL = "base"


def make_violation(
    rule_id: str = "no-sensitive-auth-request",
    severity: str = "critical",
    start: float = 12.5,
    evidence: str = "请告诉我您的密码 <PASSWORD>",
) -> Violation:
    """A violation with masked evidence."""
    return Violation(
        rule_id=rule_id,
        severity=severity,
        start=start,
        end=start + 3.0,
        speaker="agent",
        message=f"{rule_id} broken",
        evidence=evidence,
        weight=20.0,
        title=rule_id.replace("-", " "),
    )


def make_report(
    call_id: str = "call-001",
    *,
    agent_id: str | None = "A01",
    violations: tuple[Violation, ...] = (),
    pii: tuple[PiiFinding, ...] = (),
    segments: tuple[Segment, ...] | None = None,
    duration: float = 60.0,
) -> CallReport:
    """A masked call report; by default two segments, no violation."""
    if segments is None:
        segments = (
            Segment("agent", 0.0, 4.0, "您好，这里是示例银行，本次通话将被录音。"),
            Segment("customer", 5.0, 9.0, "我的卡号是622202******1234。"),
        )
    transcript = Transcript(call_id, "zh", duration, segments)
    score = max(0.0, 100.0 - sum(v.weight for v in violations))
    return CallReport(
        call_id=call_id,
        language="zh",
        duration=duration,
        score=score,
        violations=violations,
        pii=pii,
        masked_transcript=transcript,
        rules_version=RULES_VERSION,
        model_name=MODEL,
        agent_id=agent_id,
    )


def make_recording(call_id: str = "call-001", agent_id: str | None = "A01") -> Recording:
    """A Recording whose id is the sha256 of the call id."""
    return Recording(
        path=Path(f"/recordings/{call_id}.wav"),
        recording_id=hashlib.sha256(call_id.encode()).hexdigest(),
        duration=60.0,
        sample_rate=8000,
        channels=2,
        codec="pcm_s16le",
        size_bytes=960_044,
        agent_id=agent_id,
        call_time="2024-05-01T09:30:00+08:00",
        direction="inbound",
    )
