"""Transcription of a decoded call: each channel gated and attributed on its own, decoded once.

Per channel, the VAD gate finds the speech (silent channels give none, long pauses are cut out).
The speech regions of all channels are then joined in the order they were said into one stream
(each region's samples from its own channel: nothing is mixed down), and the ASR engine decodes
that stream once, with word timestamps and temperature fallback: as many 30 s windows as a mono
downmix would take or fewer, where decoding each channel apart took one window or more per
channel. Every word goes back to its channel and call time exactly (no word across a removed
pause, a segment split wherever it passes to another channel or over a removed pause:
:mod:`pipeline.asr.timeline`), then each channel gets the guards of :mod:`pipeline.asr.guards`.
The language is detected once per call on the start of that stream unless it is fixed. None
of this depends on the engine. A mono call's speech is then split into agent and customer
turns (:mod:`pipeline.asr.speakers`) unless ``CALLSENTRY_MONO_SPLIT=off``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pipeline.asr.backends.base import SUPPORTED_LANGUAGES, AsrBackend
from pipeline.asr.guards import AsrSegment, guard_channel, split_on_pauses
from pipeline.asr.timeline import SpeechMap, compact_channels, map_segment
from pipeline.asr.vad import SAMPLE_RATE, VoiceDetector, load_detector
from pipeline.config import VadName
from pipeline.models import Segment, Speaker, Transcript

if TYPE_CHECKING:
    from pipeline.asr.speakers import MonoSplitter
    from pipeline.audio import ChannelAudio, DecodedCall

DEFAULT_LANGUAGE = "zh"  # for a call with no speech on a multilingual model (calls are mostly zh)


@dataclass(frozen=True)
class CallSpeech:
    """The speech of a call's channels as one stream, and the way back to channel and time."""

    speakers: tuple[str, ...]  # speaker of each channel, by channel index
    audio: np.ndarray  # float32, 16 kHz, every channel's speech regions in order, pauses removed
    speech_map: SpeechMap

    @property
    def seconds(self) -> float:
        """Seconds of speech (with padding)."""
        return len(self.audio) / SAMPLE_RATE


def call_speech(channels: Sequence[ChannelAudio], vad: VoiceDetector) -> CallSpeech | None:
    """Every channel's speech as the gate finds it, joined into one stream; None when none."""
    samples = [np.asarray(channel.samples, np.float32) for channel in channels]
    found = list(zip(samples, vad.detect_channels(samples, SAMPLE_RATE), strict=True))
    if not any(regions for _, regions in found):
        return None
    audio, speech_map = compact_channels(found, SAMPLE_RATE)
    return CallSpeech(tuple(c.speaker for c in channels), audio, speech_map)


def to_call_time(segments: Sequence[AsrSegment], speech: CallSpeech) -> dict[str, list[AsrSegment]]:
    """Segments decoded from the speech stream, per speaker, in call time, split at channel
    changes, removed pauses and long pauses between words."""
    out: dict[str, list[AsrSegment]] = {speaker: [] for speaker in speech.speakers}
    for segment in segments:
        for source, mapped in map_segment(segment, speech.speech_map):
            out[speech.speakers[source]].extend(split_on_pauses(mapped))
    return out


def merge_channels(channels: Sequence[Sequence[Segment]]) -> tuple[Segment, ...]:
    """All channels' segments in one timeline, sorted by start (then end, then speaker)."""
    merged = [seg for segments in channels for seg in segments]
    return tuple(sorted(merged, key=lambda s: (s.start, s.end, s.speaker)))


def _mono_splitter(mono: MonoSplitter | bool | None) -> MonoSplitter | None:
    """The splitter ``mono`` names (see :func:`transcribe_gated`)."""
    if mono is True:
        from pipeline.asr.speakers import splitter_from
        from pipeline.config import get_settings

        return splitter_from(get_settings())
    return mono or None


def transcribe_call(
    call: DecodedCall,
    backend: AsrBackend,
    *,
    language: str = "auto",
    beam_size: int = 5,
    call_id: str | None = None,
    vad: VoiceDetector | None = None,
    mono: MonoSplitter | bool | None = True,
) -> Transcript:
    """The raw (unmasked) transcript of one decoded call. Keep it in memory only.

    The call is gated by ``vad`` (default: the Silero gate, energy when Silero cannot load),
    then decoded by :func:`transcribe_gated`, which documents the other arguments.
    """
    _check_language(language)
    speech = call_speech(call.channels, vad or load_detector(VadName.SILERO))
    return transcribe_gated(
        call,
        speech,
        backend,
        language=language,
        beam_size=beam_size,
        call_id=call_id,
        mono=mono,
    )


def transcribe_gated(
    call: DecodedCall,
    speech: CallSpeech | None,
    backend: AsrBackend,
    *,
    language: str = "auto",
    beam_size: int = 5,
    call_id: str | None = None,
    mono: MonoSplitter | bool | None = True,
) -> Transcript:
    """The raw (unmasked) transcript of a call whose speech the gate has found already
    (``speech``: :func:`call_speech` of its channels). Keep it in memory only.

    ``language`` is "auto" (detected once per call, on the start of its speech, and used for
    every channel) or a fixed "zh" / "en"; the engine's prompt for that language
    (``backend.prompt_for``) is given to the decoder and guarded against in its output.
    ``call_id`` defaults to the recording's sha256. Silence and noise (``speech`` None) give a
    transcript without segments. ``mono`` splits a one-channel call into agent / customer
    turns: True = as the settings say (``CALLSENTRY_MONO_SPLIT``, ``CALLSENTRY_MONO_FEATURES``),
    False = every segment unknown, or a :class:`~pipeline.asr.speakers.MonoSplitter` to use.
    """
    _check_language(language)
    duration = float(call.recording.duration)
    if language == "auto":
        if speech is None:
            language = DEFAULT_LANGUAGE if backend.is_multilingual else "en"
        else:
            language = backend.detect_language(speech.audio)
    per_channel: list[tuple[Segment, ...]] = []
    if speech is not None:
        prompt = backend.prompt_for(language)
        raw = backend.transcribe_speech(speech.audio, language, beam_size, prompt)
        for speaker, segments in to_call_time(raw, speech).items():
            per_channel.append(guard_channel(segments, speaker, duration, prompt))
        splitter = _mono_splitter(mono) if len(call.channels) == 1 else None
        if splitter is not None and call.channels[0].speaker == Speaker.UNKNOWN:
            samples = np.asarray(call.channels[0].samples, np.float32)
            per_channel = [splitter.split(per_channel[0], samples, language)]
    return Transcript(
        call_id=call_id or call.recording.recording_id,
        language=language,
        duration=duration,
        segments=merge_channels(per_channel),
    )


def _check_language(language: str) -> None:
    if language not in ("auto", *SUPPORTED_LANGUAGES):
        raise ValueError(f"language must be auto, zh or en, not {language!r}")
