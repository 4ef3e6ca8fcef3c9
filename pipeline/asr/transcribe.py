"""Transcription of a decoded call: each channel separately, merged into one timeline.

Per channel: the energy VAD gate (silent channels are skipped, long pauses cut out), Whisper
with word timestamps and temperature fallback, times mapped back to the call, then the guards of
:mod:`pipeline.asr.guards`. The language is detected once per call (on the channel with the
most speech) unless it is fixed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.asr.guards import (
    COMPRESSION_RATIO_MAX,
    LOGPROB_MIN,
    NO_SPEECH_PROB_MAX,
    AsrSegment,
    guard_channel,
    split_on_pauses,
)
from pipeline.asr.vad import SAMPLE_RATE, SpeechMap, compact_speech, detect_speech
from pipeline.models import Segment, Transcript, Word

if TYPE_CHECKING:
    import whisper

    from pipeline.audio import DecodedCall

log = logging.getLogger(__name__)

SUPPORTED_LANGUAGES: tuple[str, ...] = ("zh", "en")  # what the rest of the pipeline handles
DEFAULT_LANGUAGE = "zh"  # for a call with no speech on a multilingual model (calls are mostly zh)
# Fallback ladder. Whisper's default has six steps; a window that loops (as Whisper does on
# noise or unclear speech) is decoded at every step before it is given up, which on 2 cores
# cost minutes per window. Three steps bound that worst case at half the cost.
TEMPERATURES: tuple[float, ...] = (0.0, 0.4, 0.8)
BEST_OF = 5  # candidates sampled at a fallback temperature
DECODE_SEED = 0  # fixed seed: the same audio gives the same text, fallbacks included
LANGUAGE_PROBE_S = 30.0  # seconds of speech used to detect the language


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


def _channel_speech(speaker: str, samples: np.ndarray) -> ChannelSpeech | None:
    regions = detect_speech(samples, SAMPLE_RATE)
    if not regions:
        return None
    audio, speech_map = compact_speech(samples, regions, SAMPLE_RATE)
    return ChannelSpeech(speaker, audio, speech_map)


def detect_language(model: whisper.Whisper, audio: np.ndarray) -> str:
    """ "zh" or "en", whichever Whisper finds likelier in the first 30 s of ``audio``."""
    import whisper

    if not model.is_multilingual:
        return "en"
    probe = whisper.pad_or_trim(audio[: int(LANGUAGE_PROBE_S * SAMPLE_RATE)])
    mel = whisper.log_mel_spectrogram(probe, n_mels=model.dims.n_mels).to(model.device)
    _, probs = model.detect_language(mel)
    probs = probs[0] if isinstance(probs, list) else probs
    return max(SUPPORTED_LANGUAGES, key=lambda lang: probs.get(lang, 0.0))


def _whisper_segments(
    model: whisper.Whisper, channel: ChannelSpeech, language: str, beam_size: int
) -> list[AsrSegment]:
    import whisper

    result: dict[str, Any] = whisper.transcribe(
        model,
        channel.audio,
        language=language if model.is_multilingual else "en",
        task="transcribe",
        temperature=TEMPERATURES,
        beam_size=beam_size if beam_size > 1 else None,
        best_of=BEST_OF,
        word_timestamps=True,
        condition_on_previous_text=False,
        compression_ratio_threshold=COMPRESSION_RATIO_MAX,
        logprob_threshold=LOGPROB_MIN,
        no_speech_threshold=NO_SPEECH_PROB_MAX,
        fp16=False,
        verbose=None,
    )
    to_call = channel.speech_map.to_original
    segments = []
    for raw in result["segments"]:
        words = tuple(
            Word(
                start=to_call(float(w["start"])),
                end=to_call(float(w["end"]), is_end=True),
                text=str(w["word"]),
                probability=round(float(w.get("probability", 0.0)), 4),
            )
            for w in raw.get("words") or ()
        )
        segments.extend(
            split_on_pauses(
                AsrSegment(
                    start=to_call(float(raw["start"])),
                    end=to_call(float(raw["end"]), is_end=True),
                    text=str(raw["text"]),
                    words=words,
                    avg_logprob=float(raw.get("avg_logprob", 0.0)),
                    no_speech_prob=float(raw.get("no_speech_prob", 0.0)),
                    compression_ratio=None,  # Whisper's is per 30 s window; judge each segment
                )
            )
        )
    return segments


def merge_channels(channels: Sequence[Sequence[Segment]]) -> tuple[Segment, ...]:
    """All channels' segments in one timeline, sorted by start (then end, then speaker)."""
    merged = [seg for segments in channels for seg in segments]
    return tuple(sorted(merged, key=lambda s: (s.start, s.end, s.speaker)))


def transcribe_call(
    call: DecodedCall,
    model: whisper.Whisper,
    *,
    language: str = "auto",
    beam_size: int = 5,
    call_id: str | None = None,
) -> Transcript:
    """The raw (unmasked) transcript of one decoded call. Keep it in memory only.

    ``language`` is "auto" (detected once per call, on the channel with most speech, and
    used for every channel) or a fixed "zh" / "en". ``call_id`` defaults to the recording's
    sha256. Silence and noise give a transcript without segments.
    """
    import torch

    if language not in ("auto", *SUPPORTED_LANGUAGES):
        raise ValueError(f"language must be auto, zh or en, not {language!r}")
    duration = float(call.recording.duration)
    speech = [
        found
        for channel in call.channels
        if (found := _channel_speech(channel.speaker, np.asarray(channel.samples, np.float32)))
    ]
    if language == "auto":
        if not speech:
            language = DEFAULT_LANGUAGE if model.is_multilingual else "en"
        else:
            loudest = max(speech, key=lambda c: c.seconds)
            language = detect_language(model, loudest.audio)
    per_channel: list[tuple[Segment, ...]] = []
    with torch.random.fork_rng(devices=[]), torch.inference_mode():
        torch.manual_seed(DECODE_SEED)
        for channel in speech:
            raw = _whisper_segments(model, channel, language, beam_size)
            per_channel.append(guard_channel(raw, channel.speaker, duration))
    return Transcript(
        call_id=call_id or call.recording.recording_id,
        language=language,
        duration=duration,
        segments=merge_channels(per_channel),
    )
