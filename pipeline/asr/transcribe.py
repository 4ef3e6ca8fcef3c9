"""Transcription of a decoded call: each channel separately, merged into one timeline.

Per channel: the VAD gate (silent channels are skipped, long pauses cut out), the ASR engine
with word timestamps and temperature fallback, times mapped back to the call exactly (no word
across a removed pause, a segment split there: :mod:`pipeline.asr.timeline`), then the guards of
:mod:`pipeline.asr.guards`. The language is detected once per call (on the channel with the
most speech) unless it is fixed. None of this depends on the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pipeline.asr.backends.base import SUPPORTED_LANGUAGES, AsrBackend
from pipeline.asr.guards import AsrSegment, guard_channel, split_on_pauses
from pipeline.asr.timeline import SpeechMap, compact_speech, map_segment
from pipeline.asr.vad import SAMPLE_RATE, VoiceDetector, load_detector
from pipeline.config import VadName
from pipeline.models import Segment, Transcript

if TYPE_CHECKING:
    from pipeline.audio import DecodedCall

DEFAULT_LANGUAGE = "zh"  # for a call with no speech on a multilingual model (calls are mostly zh)


@dataclass(frozen=True)
class ChannelSpeech:
    """One channel's speech-only audio and the way back to call time."""

    speaker: str
    audio: np.ndarray  # float32, 16 kHz, pauses removed
    speech_map: SpeechMap

    @property
    def seconds(self) -> float:
        """Seconds of speech (with padding)."""
        return len(self.audio) / SAMPLE_RATE


def channel_speech(speaker: str, samples: np.ndarray, vad: VoiceDetector) -> ChannelSpeech | None:
    """The speech of one channel as the gate finds it; None when it holds none."""
    regions = vad.detect(samples, SAMPLE_RATE)
    if not regions:
        return None
    audio, speech_map = compact_speech(samples, regions, SAMPLE_RATE)
    return ChannelSpeech(speaker, audio, speech_map)


def to_call_time(segments: Sequence[AsrSegment], speech_map: SpeechMap) -> list[AsrSegment]:
    """Segments decoded from compact audio, in call time, split at removed and long pauses."""
    return [
        part
        for segment in segments
        for mapped in map_segment(segment, speech_map)
        for part in split_on_pauses(mapped)
    ]


def merge_channels(channels: Sequence[Sequence[Segment]]) -> tuple[Segment, ...]:
    """All channels' segments in one timeline, sorted by start (then end, then speaker)."""
    merged = [seg for segments in channels for seg in segments]
    return tuple(sorted(merged, key=lambda s: (s.start, s.end, s.speaker)))


def transcribe_call(
    call: DecodedCall,
    backend: AsrBackend,
    *,
    language: str = "auto",
    beam_size: int = 5,
    call_id: str | None = None,
    vad: VoiceDetector | None = None,
) -> Transcript:
    """The raw (unmasked) transcript of one decoded call. Keep it in memory only.

    ``language`` is "auto" (detected once per call, on the channel with most speech, and
    used for every channel) or a fixed "zh" / "en". ``call_id`` defaults to the recording's
    sha256. ``vad`` defaults to the Silero gate (energy when Silero cannot load). Silence and
    noise give a transcript without segments.
    """
    if language not in ("auto", *SUPPORTED_LANGUAGES):
        raise ValueError(f"language must be auto, zh or en, not {language!r}")
    vad = vad or load_detector(VadName.SILERO)
    duration = float(call.recording.duration)
    speech = [
        found
        for channel in call.channels
        if (found := channel_speech(channel.speaker, np.asarray(channel.samples, np.float32), vad))
    ]
    if language == "auto":
        if not speech:
            language = DEFAULT_LANGUAGE if backend.is_multilingual else "en"
        else:
            loudest = max(speech, key=lambda c: c.seconds)
            language = backend.detect_language(loudest.audio)
    per_channel: list[tuple[Segment, ...]] = []
    for channel in speech:
        raw = backend.transcribe_channel(channel.audio, language, beam_size)
        mapped = to_call_time(raw, channel.speech_map)
        per_channel.append(guard_channel(mapped, channel.speaker, duration))
    return Transcript(
        call_id=call_id or call.recording.recording_id,
        language=language,
        duration=duration,
        segments=merge_channels(per_channel),
    )
