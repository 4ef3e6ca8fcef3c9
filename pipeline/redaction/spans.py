"""Where to redact: per channel, from the word timestamps of the raw transcript.

Each PII finding of a type the audio policy redacts becomes a span on the channel where it was
spoken: the times of the ASR words that hold its characters, widened by the padding. When a
character of it lies in no timed word (Whisper often leaves digits untimed, or writes a group
before its first timed word), or the words' times are implausible (reversed, outside their
segment, too short for what they say), the span is the whole segment instead: over-redacting a
second beats leaving a card group audible. A finding whose words open or close their segment
reaches to the segment's start or end, for the same reason. The customer's answer to an agent's
request for a secret (a finding of a rule the policy names) is redacted whole, and so is every
run of the policy's ``digit_run`` digits, whatever the PII stage made of it, and every customer
turn the ASR guards flagged as suspect (its text cannot show what was said). Spans of one
channel closer than the merge gap become one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pipeline.models import PiiFinding, Segment, Speaker, Transcript, Violation, Word
from pipeline.pii.alignment import word_offsets
from pipeline.pii.normalize import normalize
from pipeline.redaction.policy import DIGITS, SECRET_ANSWER, UNTRUSTED, AudioPolicy

WORD_TIME_TOLERANCE_S = 0.5  # a word may sit this far outside its segment before it is implausible
MIN_DIGIT_S = 0.12  # seconds a spoken digit takes at least ("six" is ~0.3 s)
MIN_CJK_CHAR_S = 0.08  # seconds a spoken Chinese character takes at least
MIN_OTHER_CHAR_S = 0.02  # seconds per other letter (names, e-mail addresses)
DIGIT_RUN = re.compile(r"\d(?:[\s,.\-/]*\d)*")  # digits, with the separators ASR writes


class SpanBasis(StrEnum):
    """How a span's times were found."""

    WORDS = "words"  # the word timestamps of the finding
    SEGMENT = "segment"  # widened to the segment: word times missing or implausible
    ANSWER = "answer"  # the customer's answer to a request for a secret, whole
    SUSPECT = "suspect"  # a customer turn the ASR guards flagged, whole


@dataclass(frozen=True)
class RedactionSpan:
    """One stretch of one channel to beep or silence. Never holds the value."""

    channel: int  # index of the channel in the file (0 = left)
    start: float  # seconds, padded, within the call
    end: float  # seconds
    entity_types: tuple[str, ...]  # sorted; SECRET_ANSWER for an answer to a secret request
    basis: SpanBasis  # the least precise basis among the merged spans

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.end - self.start


def channel_map(channels: int, agent_channel: int) -> dict[str, tuple[int, ...]]:
    """File channels of each speaker: stereo agent / customer (unknown: both); mono: channel 0."""
    if channels == 1:
        return {s.value: (0,) for s in Speaker}
    return {
        Speaker.AGENT.value: (agent_channel,),
        Speaker.CUSTOMER.value: (1 - agent_channel,),
        Speaker.UNKNOWN.value: (0, 1),
    }


def min_spoken_seconds(text: str) -> float:
    """The least time ``text`` can take to say (digits, Chinese characters, other letters)."""
    total = 0.0
    for ch in text:
        if ch.isdigit():
            total += MIN_DIGIT_S
        elif unicodedata.east_asian_width(ch) == "W" and ch.isalpha():
            total += MIN_CJK_CHAR_S
        elif ch.isalnum():
            total += MIN_OTHER_CHAR_S
    return total


def _plausible(word: Word, segment: Segment) -> bool:
    return (
        word.end > word.start
        and word.start >= segment.start - WORD_TIME_TOLERANCE_S
        and word.end <= segment.end + WORD_TIME_TOLERANCE_S
    )


def word_span(segment: Segment, start: int, end: int) -> tuple[float, float] | None:
    """Seconds of the characters ``[start, end)`` of ``segment`` from its word timestamps, or
    None when they cannot be trusted: a letter or digit in no located word, an implausible word
    time, or less time than the text takes to say. A span whose words open (close) the segment
    reaches back to the segment's start (on to its end)."""
    text = segment.text[start:end]
    covered = [not ch.isalnum() for ch in text]
    times: list[tuple[float, float]] = []
    offsets = word_offsets(segment)
    located = [(word, span) for word, span in zip(segment.words, offsets, strict=True) if span]
    first_hit = last_hit = None
    for i, (word, (w_start, w_end)) in enumerate(located):
        lo, hi = max(w_start, start), min(w_end, end)
        if lo >= hi:
            continue
        if not _plausible(word, segment):
            return None
        covered[lo - start : hi - start] = [True] * (hi - lo)
        times.append((word.start, word.end))
        first_hit = i if first_hit is None else first_hit
        last_hit = i
    if not times or not all(covered):
        return None
    t_start, t_end = min(t[0] for t in times), max(t[1] for t in times)
    if t_end - t_start < min_spoken_seconds(text):
        return None
    if first_hit == 0:
        t_start = min(t_start, segment.start)
    if last_hit == len(located) - 1:
        t_end = max(t_end, segment.end)
    return t_start, t_end


@dataclass(frozen=True)
class _Raw:
    channel: int
    start: float
    end: float
    entity_type: str
    basis: SpanBasis


_BASIS_RANK = {SpanBasis.WORDS: 0, SpanBasis.SEGMENT: 1, SpanBasis.ANSWER: 2, SpanBasis.SUSPECT: 3}


def _finding_spans(
    transcript: Transcript,
    findings: Sequence[PiiFinding],
    policy: AudioPolicy,
    channels: Mapping[str, tuple[int, ...]],
) -> list[_Raw]:
    raw: list[_Raw] = []
    for finding in findings:
        if not policy.redacts(finding.entity_type):
            continue
        if not 0 <= finding.segment_index < len(transcript.segments):
            raise ValueError(
                f"{transcript.call_id}: PII finding points at segment {finding.segment_index} "
                f"of {len(transcript.segments)}"
            )
        segment = transcript.segments[finding.segment_index]
        timed = word_span(segment, finding.start, finding.end)
        start, end = timed or (segment.start, segment.end)
        basis = SpanBasis.WORDS if timed else SpanBasis.SEGMENT
        for channel in channels[segment.speaker]:
            raw.append(_Raw(channel, start, end, finding.entity_type, basis))
    return raw


def answer_segments(transcript: Transcript, request: Violation, window_s: float) -> list[Segment]:
    """The customer's answer to ``request``: their segments that start after the request
    starts and within ``window_s`` after it ends, up to the agent's next turn after the first.
    (Speaker ``unknown``, a mono call without roles, counts as the customer.)"""
    answer: list[Segment] = []
    for segment in transcript.segments:  # sorted by start
        if segment.start < request.start:
            continue
        if segment.speaker == Speaker.AGENT.value:
            if answer and segment.start > answer[0].start:
                break
            continue
        if not answer and segment.start > request.end + window_s:
            break
        answer.append(segment)
    return answer


def digit_runs(text: str, min_digits: int) -> list[tuple[int, int]]:
    """Original ``[start, end)`` of every run of ``min_digits`` or more digits in ``text``,
    spoken numbers ("four one one", 幺三八) included."""
    if min_digits <= 0:
        return []
    normalized = normalize(text)
    runs = []
    for match in DIGIT_RUN.finditer(normalized.text):
        if sum(ch.isdigit() for ch in match.group()) >= min_digits:
            runs.append(normalized.to_original(match.start(), match.end()))
    return runs


def _digit_spans(
    transcript: Transcript, policy: AudioPolicy, channels: Mapping[str, tuple[int, ...]]
) -> list[_Raw]:
    raw: list[_Raw] = []
    for segment in transcript.segments:
        for start, end in digit_runs(segment.text, policy.digit_run):
            timed = word_span(segment, start, end)
            t_start, t_end = timed or (segment.start, segment.end)
            basis = SpanBasis.WORDS if timed else SpanBasis.SEGMENT
            for channel in channels[segment.speaker]:
                raw.append(_Raw(channel, t_start, t_end, DIGITS, basis))
    return raw


def _suspect_spans(
    transcript: Transcript, policy: AudioPolicy, channels: Mapping[str, tuple[int, ...]]
) -> list[_Raw]:
    if not policy.suspect_customer_segments:
        return []
    return [
        _Raw(channel, segment.start, segment.end, UNTRUSTED, SpanBasis.SUSPECT)
        for segment in transcript.segments
        if segment.suspect and segment.speaker != Speaker.AGENT.value
        for channel in channels[segment.speaker]
    ]


def _answer_spans(
    transcript: Transcript,
    violations: Sequence[Violation],
    policy: AudioPolicy,
    channels: Mapping[str, tuple[int, ...]],
) -> list[_Raw]:
    raw: list[_Raw] = []
    for violation in violations:
        if violation.rule_id not in policy.secret_request_rules:
            continue
        for segment in answer_segments(transcript, violation, policy.answer_window_s):
            for channel in channels[segment.speaker]:
                raw.append(
                    _Raw(channel, segment.start, segment.end, SECRET_ANSWER, SpanBasis.ANSWER)
                )
    return raw


def merge_spans(
    raw: Sequence[_Raw], *, padding_s: float, merge_gap_s: float, duration: float
) -> tuple[RedactionSpan, ...]:
    """Pad, clip to ``[0, duration]`` and merge per channel; sorted by channel and start."""
    merged: list[RedactionSpan] = []
    padded = sorted(
        (
            _Raw(
                r.channel,
                max(0.0, r.start - padding_s),
                min(duration, r.end + padding_s),
                r.entity_type,
                r.basis,
            )
            for r in raw
        ),
        key=lambda r: (r.channel, r.start, r.end),
    )
    for r in padded:
        if r.end <= r.start:
            continue
        last = merged[-1] if merged else None
        if last is not None and last.channel == r.channel and r.start - last.end <= merge_gap_s:
            basis = max(last.basis, r.basis, key=_BASIS_RANK.__getitem__)
            merged[-1] = RedactionSpan(
                r.channel,
                last.start,
                max(last.end, r.end),
                tuple(sorted({*last.entity_types, r.entity_type})),
                basis,
            )
        else:
            merged.append(RedactionSpan(r.channel, r.start, r.end, (r.entity_type,), r.basis))
    return tuple(merged)


def plan_spans(
    transcript: Transcript,
    findings: Sequence[PiiFinding],
    violations: Sequence[Violation],
    policy: AudioPolicy,
    *,
    channels: int,
    agent_channel: int = 0,
    padding_s: float = 0.25,
    merge_gap_s: float = 0.5,
    duration: float | None = None,
) -> tuple[RedactionSpan, ...]:
    """Every span to redact in a call of ``channels`` channels, merged per channel.

    ``transcript`` is the raw one the ``findings`` point into (its words carry the times);
    ``violations`` name the agent's requests for a secret; ``duration`` (seconds, default the
    transcript's) is the length spans are clipped to. ValueError when a finding points at a
    segment the transcript lacks.
    """
    speakers = channel_map(channels, agent_channel)
    raw = _finding_spans(transcript, findings, policy, speakers)
    raw += _answer_spans(transcript, violations, policy, speakers)
    raw += _digit_spans(transcript, policy, speakers)
    raw += _suspect_spans(transcript, policy, speakers)
    length = transcript.duration if duration is None else duration
    return merge_spans(raw, padding_s=padding_s, merge_gap_s=merge_gap_s, duration=length)


def removed_share(spans: Sequence[RedactionSpan], duration: float) -> float:
    """Share (0..1) of the call's time during which at least one channel is redacted."""
    if duration <= 0:
        return 0.0
    covered, end = 0.0, 0.0
    for span in sorted(spans, key=lambda s: s.start):
        start = max(span.start, end)
        if span.end > start:
            covered += span.end - start
            end = span.end
    return min(1.0, covered / duration)
