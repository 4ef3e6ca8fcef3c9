"""Domain objects shared by every stage of the pipeline.

All of them are frozen dataclasses: a stage returns new objects, it never edits the ones it got.
Times are seconds from the start of the call; character offsets index ``Segment.text``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class Speaker(StrEnum):
    """Who said a segment. A stereo call gives agent and customer; mono speech is unknown."""

    AGENT = "agent"
    CUSTOMER = "customer"
    UNKNOWN = "unknown"


SPEAKERS: tuple[str, ...] = tuple(s.value for s in Speaker)


class Severity(StrEnum):
    """How bad a finding is, in increasing order."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


SEVERITIES: tuple[str, ...] = tuple(s.value for s in Severity)


def severity_rank(severity: str) -> int:
    """Order of a severity name: info 0 ... critical 4 (ValueError for an unknown name)."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Recording:
    """One decoded-and-probed call recording (metadata only; samples live elsewhere)."""

    path: Path  # where the file was found
    recording_id: str  # sha256 hex digest of the file bytes
    duration: float  # seconds
    sample_rate: int  # Hz, of the source stream before resampling
    channels: int  # 1 (mono) or 2 (agent / customer)
    codec: str  # decoder name reported by FFmpeg, e.g. "pcm_s16le", "pcm_mulaw", "mp3"
    size_bytes: int  # file size
    agent_id: str | None = None  # from the sidecar <file>.json
    call_time: str | None = None  # ISO 8601, from the sidecar
    direction: str | None = None  # "inbound" / "outbound", from the sidecar
    # other sidecar keys
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # problems with the sidecar (a bad field is left out, the audio is kept)
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def call_id(self) -> str:
        """Readable, unique call id: the file name's stem and the first 8 hex digits of its hash."""
        return f"{self.path.stem}-{self.recording_id[:8]}"


@dataclass(frozen=True)
class Quarantined:
    """A file that could not be processed, and why. The batch goes on without it."""

    path: Path  # the offending file
    reason: str  # human-readable, names the file and the problem
    recording_id: str | None = None  # sha256 when the bytes could be read
    stage: str = "ingest"  # pipeline stage that rejected it


@dataclass(frozen=True)
class Word:
    """One recognised word (or character, for Chinese) with its time span."""

    start: float  # seconds
    end: float  # seconds
    text: str
    probability: float | None = None  # decoder probability, 0..1


@dataclass(frozen=True)
class Segment:
    """A stretch of speech by one speaker."""

    speaker: str  # "agent", "customer" or "unknown"
    start: float  # seconds
    end: float  # seconds
    text: str
    words: tuple[Word, ...] = ()
    suspect: bool = False  # flagged by an ASR guard: no rule may fire on it alone
    suspect_reason: str | None = None  # e.g. "repetition loop", "high no-speech probability"


@dataclass(frozen=True)
class Transcript:
    """A call's segments from all channels, merged into one timeline sorted by start."""

    call_id: str
    language: str  # "zh" or "en" (ISO 639-1)
    duration: float  # seconds of audio
    segments: tuple[Segment, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The transcript JSON of DESIGN.md (``suspect`` only where set)."""
        segments = []
        for seg in self.segments:
            item: dict[str, Any] = {
                "speaker": seg.speaker,
                "start": round(seg.start, 3),
                "end": round(seg.end, 3),
                "text": seg.text,
            }
            if seg.words:
                item["words"] = [
                    {"start": round(w.start, 3), "end": round(w.end, 3), "text": w.text}
                    for w in seg.words
                ]
            if seg.suspect:
                item["suspect"] = True
                item["suspect_reason"] = seg.suspect_reason
            segments.append(item)
        return {
            "call_id": self.call_id,
            "language": self.language,
            "duration": round(self.duration, 3),
            "segments": segments,
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "<transcript>") -> Transcript:
        """Build a transcript from its JSON form; ValueError names ``source`` and the problem.

        Strict about what rules depend on: times must be finite, non-negative numbers with
        ``end >= start``; text must be a string; speakers one of :data:`SPEAKERS`. The language
        may be spelled any common way (``EN``, ``en-US``, ``English``, ``cmn``, ``普通话``) and is
        normalised (:func:`pipeline.language.normalize_language`); when it is missing it is
        detected from the text.
        """
        from pipeline.language import detect_text_language, normalize_language

        if not isinstance(data, dict):
            raise ValueError(f"{source}: transcript must be a JSON object")
        try:
            raw_segments = data.get("segments") or []
            if not isinstance(raw_segments, list):
                raise ValueError(f"segments must be a list, not {type(raw_segments).__name__}")
            segments = [_segment_from_dict(raw, i) for i, raw in enumerate(raw_segments)]
            segments.sort(key=lambda s: (s.start, s.end))
            call_id = data.get("call_id")
            if call_id is not None and not isinstance(call_id, str | int):
                raise ValueError(f"call_id must be a string, not {type(call_id).__name__}")
            raw_language = data.get("language")
            if raw_language is not None and not isinstance(raw_language, str):
                raise ValueError(f"language must be a string, not {type(raw_language).__name__}")
            language = normalize_language(raw_language) or detect_text_language(
                " ".join(s.text for s in segments)
            )
            last_end = max((s.end for s in segments), default=0.0)
            duration = (
                last_end if data.get("duration") is None else _seconds(data["duration"], "duration")
            )
            return cls(
                call_id=str(call_id or Path(source).stem),
                language=language,
                duration=max(duration, last_end),
                segments=tuple(segments),
            )
        except (KeyError, TypeError, ValueError, RecursionError) as exc:
            problem = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            raise ValueError(f"{source}: invalid transcript: {problem}") from exc


def _seconds(value: Any, what: str) -> float:
    """A time in seconds: a finite, non-negative number (ValueError otherwise)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a number of seconds, not {type(value).__name__}")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{what} must be a finite, non-negative number of seconds, not {value}")
    return seconds


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string, not {type(value).__name__}")
    return value


def _segment_from_dict(raw: Any, i: int) -> Segment:
    where = f"segment {i}"
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: must be a JSON object, not {type(raw).__name__}")
    speaker = raw.get("speaker", "unknown")
    if speaker not in SPEAKERS:
        raise ValueError(f"{where}: unknown speaker {speaker!r}")
    start = _seconds(raw["start"], f"{where}: start")
    end = _seconds(raw["end"], f"{where}: end")
    if end < start:
        raise ValueError(f"{where}: end {end} is before start {start}")
    raw_words = raw.get("words") or []
    if not isinstance(raw_words, list):
        raise ValueError(f"{where}: words must be a list")
    words = []
    for j, w in enumerate(raw_words):
        if not isinstance(w, dict):
            raise ValueError(f"{where}: word {j} must be a JSON object")
        w_start = _seconds(w["start"], f"{where}: word {j} start")
        w_end = _seconds(w["end"], f"{where}: word {j} end")
        if w_end < w_start:
            raise ValueError(f"{where}: word {j} ends before it starts")
        probability = w.get("probability")
        if probability is not None:
            probability = _seconds(probability, f"{where}: word {j} probability")
        words.append(Word(w_start, w_end, _text(w["text"], f"{where}: word {j} text"), probability))
    reason = raw.get("suspect_reason")
    return Segment(
        speaker=speaker,
        start=start,
        end=end,
        text=_text(raw.get("text", ""), f"{where}: text"),
        words=tuple(words),
        suspect=bool(raw.get("suspect", False)),
        suspect_reason=None if reason is None else str(reason),
    )


@dataclass(frozen=True)
class PiiFinding:
    """A piece of personal or sensitive data found in one segment. Never holds the value."""

    entity_type: str  # e.g. "BANK_CARD", "ID_CARD", "PHONE", "PERSON", "VERIFICATION_CODE"
    segment_index: int  # index into Transcript.segments
    start: int  # character offset in the segment's (original) text
    end: int  # exclusive character offset
    score: float  # detection confidence, 0..1
    speaker: str  # speaker of the segment
    time_start: float | None = None  # seconds, from word timestamps where present
    time_end: float | None = None  # seconds
    recognizer: str = ""  # name of the recognizer that found it

    def to_dict(self) -> dict[str, Any]:
        """JSON form for reports and storage (offsets and times, no value)."""
        return {
            "entity_type": self.entity_type,
            "segment_index": self.segment_index,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 3),
            "speaker": self.speaker,
            "time_start": None if self.time_start is None else round(self.time_start, 3),
            "time_end": None if self.time_end is None else round(self.time_end, 3),
            "recognizer": self.recognizer,
        }


@dataclass(frozen=True)
class Violation:
    """A compliance rule that a call broke."""

    rule_id: str  # e.g. "no-sensitive-auth-request"
    severity: str  # one of SEVERITIES
    start: float  # seconds; where the problem is (or the window that lacked something)
    end: float  # seconds
    speaker: str  # who is responsible, usually "agent"
    message: str  # what is wrong, for a reviewer
    evidence: str = ""  # masked text that shows it (empty for a missing-phrase rule)
    weight: float = 0.0  # points taken off the call score
    title: str = ""  # the rule's title

    def to_dict(self) -> dict[str, Any]:
        """JSON form for reports (evidence is already masked)."""
        return {
            "rule_id": self.rule_id,
            "title": self.title,
            "severity": self.severity,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "speaker": self.speaker,
            "message": self.message,
            "evidence": self.evidence,
            "weight": self.weight,
        }


@dataclass(frozen=True)
class CallReport:
    """Everything the pipeline concluded about one call. Holds masked text only."""

    call_id: str
    language: str
    duration: float  # seconds
    score: float  # 0..100, 100 minus the weights of the violations (floored at 0)
    violations: tuple[Violation, ...]
    pii: tuple[PiiFinding, ...]
    masked_transcript: Transcript
    rules_version: str = ""  # content hash of the rule packs used
    model_name: str = ""  # ASR model, "" for a transcript checked without audio
    asr_backend: str = ""  # ASR engine, "" for a transcript checked without audio
    pii_version: str = ""  # version of the PII stage (recognizers + masking policy)
    agent_id: str | None = None
    call_time: str | None = None
    warnings: tuple[str, ...] = ()  # e.g. no rule pack for the call's language

    def to_dict(self) -> dict[str, Any]:
        """The report JSON of DESIGN.md (``check-transcript`` output)."""
        return {
            "call_id": self.call_id,
            "language": self.language,
            "duration": round(self.duration, 3),
            "score": round(self.score, 1),
            "agent_id": self.agent_id,
            "violations": [v.to_dict() for v in self.violations],
            "pii": [p.to_dict() for p in self.pii],
            "masked_segments": self.masked_transcript.to_dict()["segments"],
            "rules_version": self.rules_version,
            "pii_version": self.pii_version,
            "asr_backend": self.asr_backend,
            "model": self.model_name,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class Alert:
    """Something a human should look at. Text fields are masked."""

    alert_key: str  # stable id: the same finding in a rerun gives the same key (no double mail)
    kind: str  # "violation", "pii_exposure" or "anomaly"
    severity: str  # one of SEVERITIES
    message: str
    call_id: str | None = None  # None for batch-level anomalies
    agent_id: str | None = None
    rule_id: str | None = None
    time_in_call: float | None = None  # seconds
    evidence: str = ""  # masked
