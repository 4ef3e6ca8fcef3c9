"""Batched window decoding for the faster-whisper engine (``CALLSENTRY_ASR_BATCH_SIZE`` > 1).

The sequential path (``WhisperModel.transcribe``) decodes the call's speech stream one 30 s
window after another: CTranslate2's beam search over one window keeps two cores only partly
busy. Here the stream is cut into windows first (:func:`plan_windows`, each cut at the quietest
point of its last seconds, where the gate's padding between two speech regions lies), and the
windows are decoded ``batch_size`` at a time by faster-whisper's ``BatchedInferencePipeline``
at temperature 0, with the same beam, prompt tokens (``hotwords``), timestamps and word
timestamps as the sequential path.

That pipeline has no temperature fallback and no seek: a window whose text ends early is not
read again. So every window is checked as the sequential path checks it
(:func:`fails_thresholds`: the guards' thresholds on compression ratio, mean log-probability
and no-speech probability, and no text although the gate heard speech): a window that fails is
decoded again on its own by the sequential path, with the fallback ladder; speech left unread
after a window's last word (:func:`unread_from`) is decoded by the sequential path too, as
its seek would. The guards then see the same kind of segments from either path. What the
batched pipeline does not do, and what stands in for it here:

* no fallback, no skip of no-speech windows: :func:`fails_thresholds`, and the guards drop a
  segment that is no speech;
* no conditioning on previous text: the sequential path does not condition either;
* no seek: :func:`unread_from`;
* its own chunking of ``clip_timestamps`` (seconds; each clip one window, cut at 30 s):
  :func:`plan_windows` gives clips of at most :data:`WINDOW_S`;
* its ``initial_prompt`` is tokenised without the leading space: the prompt goes in as
  ``hotwords``, the same tokens as the sequential path's;
* word timestamps: the same alignment, times already in the stream (clip offsets added);
* empty segments are kept: dropped here, as the sequential path drops them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from pipeline.asr.backends.faster_whisper import to_asr_segment
from pipeline.asr.guards import (
    COMPRESSION_RATIO_MAX,
    LOGPROB_MIN,
    NO_SPEECH_PROB_MAX,
    AsrSegment,
    compression_ratio,
)
from pipeline.asr.vad.base import SAMPLE_RATE

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

WINDOW_S = 30.0  # Whisper's input window, s
CUT_SEARCH_S = 8.0  # a window is cut at the quietest point of its last this many seconds
CUT_FRAME_S = 0.05  # frame over which the quietest point is measured, s
# Speech left after a window's last word: the decoder stopped early (its last sentence had no
# closing timestamp, and the batched pipeline drops it where the sequential path seeks back).
# That speech (from the last word's end, as the sequential path seeks) is decoded on its own.
UNREAD_TAIL_S = 1.0

SequentialDecode = Callable[[np.ndarray], list[AsrSegment]]


@dataclass(frozen=True)
class Window:
    """One stretch of the speech stream decoded as one Whisper window (seconds in the stream)."""

    start: float
    end: float


def _frame_energy(audio: np.ndarray, frame: int) -> np.ndarray:
    """Mean square of each whole ``frame``-sample frame of ``audio``."""
    usable = len(audio) // frame * frame
    return np.square(audio[:usable].reshape(-1, frame).astype(np.float64)).mean(axis=1)


def plan_windows(audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> list[Window]:
    """The stream cut into windows of at most WINDOW_S, each cut at the quietest CUT_FRAME_S
    frame of its last CUT_SEARCH_S (the latest such frame on a tie); [] for no audio."""
    total = len(audio)
    if total == 0:
        return []
    window = int(WINDOW_S * sample_rate)
    search = int(CUT_SEARCH_S * sample_rate)
    frame = max(1, int(CUT_FRAME_S * sample_rate))
    cuts = [0]
    while total - cuts[-1] > window:
        start = cuts[-1]
        low = start + window - search
        energy = _frame_energy(audio[low : start + window], frame)
        quietest = len(energy) - 1 - int(np.argmin(energy[::-1]))
        cuts.append(low + quietest * frame + frame // 2)
    cuts.append(total)
    return [Window(a / sample_rate, b / sample_rate) for a, b in itertools.pairwise(cuts)]


def is_silence(scores: AsrSegment) -> bool:
    """Whether a window with these scores is silence by Whisper's own rule (the sequential path
    skips such a window; the guards drop its segments)."""
    return scores.no_speech_prob > NO_SPEECH_PROB_MAX and scores.avg_logprob < LOGPROB_MIN


def fails_thresholds(segments: Sequence[AsrSegment]) -> bool:
    """Whether a window's batched decode (temperature 0, no fallback) fails where the
    sequential path would fall back to a higher temperature: no text although the gate heard
    speech, or a too repetitive or too unlikely text, unless the window is silence by Whisper's
    own rule. ``segments`` are the window's, each with the window's scores."""
    texts = [s.text for s in segments if s.text.strip()]
    if not texts:
        return True
    scores = segments[0]
    if is_silence(scores):
        return False  # the guards drop it
    if compression_ratio("".join(texts).strip()) > COMPRESSION_RATIO_MAX:
        return True
    return scores.avg_logprob < LOGPROB_MIN


def unread_from(segments: Sequence[AsrSegment], window: Window) -> float | None:
    """Where the speech a window's decode left unread begins (its last word's end, where the
    sequential path would seek to), or None when it was read to within UNREAD_TAIL_S of the
    window's end, or when the window is silence. ``segments`` must not be empty."""
    last = segments[-1]
    if is_silence(last):
        return None
    read_until = max([last.end, *(w.end for w in last.words)])
    return read_until if window.end - read_until > UNREAD_TAIL_S else None


def _shifted(segment: AsrSegment, offset: float) -> AsrSegment:
    """``segment`` with its times and its words' times moved by ``offset`` seconds."""
    words = tuple(replace(w, start=w.start + offset, end=w.end + offset) for w in segment.words)
    return replace(segment, start=segment.start + offset, end=segment.end + offset, words=words)


def transcribe_batched(
    model: WhisperModel,
    audio: np.ndarray,
    *,
    language: str,
    beam_size: int,
    prompt: str,
    batch_size: int,
    sequential: SequentialDecode,
) -> list[AsrSegment]:
    """Segments of speech-only ``audio`` (times in it), its windows decoded ``batch_size`` at a
    time; a window that fails :func:`fails_thresholds` is decoded again by ``sequential`` (the
    sequential path on that window's samples, times in them), as is what :func:`unread_from`
    finds left unread."""
    from faster_whisper import BatchedInferencePipeline

    windows = plan_windows(audio)
    if not windows:
        return []
    samples = np.ascontiguousarray(audio, np.float32)
    decoded, _ = BatchedInferencePipeline(model).transcribe(
        samples,
        language=language,
        task="transcribe",
        beam_size=beam_size,
        temperature=0.0,
        word_timestamps=True,
        without_timestamps=False,  # segments with their own times, as on the sequential path
        hotwords=prompt or None,
        clip_timestamps=[{"start": w.start, "end": w.end} for w in windows],
        batch_size=batch_size,
        vad_filter=False,
    )
    by_window: dict[int, list[AsrSegment]] = {i: [] for i in range(len(windows))}
    starts = np.array([w.start * model.frames_per_second for w in windows])
    for seg in decoded:  # the batched pipeline's seek is its clip's start, in frames
        by_window[int(np.argmin(np.abs(starts - seg.seek)))].append(to_asr_segment(seg))
    out: list[AsrSegment] = []
    for index, window in enumerate(windows):
        found = by_window[index]
        if fails_thresholds(found):
            found = _decode_alone(sequential, samples, window.start, window.end)
        else:
            tail = unread_from(found, window)
            if tail is not None:
                found += _decode_alone(sequential, samples, tail, window.end)
        out.extend(s for s in found if s.text.strip() and s.end > s.start)
    return out


def _decode_alone(
    sequential: SequentialDecode, samples: np.ndarray, start: float, end: float
) -> list[AsrSegment]:
    """``sequential`` on the stream's samples from ``start`` to ``end`` s, times in the stream."""
    a, b = round(start * SAMPLE_RATE), round(end * SAMPLE_RATE)
    return [_shifted(s, a / SAMPLE_RATE) for s in sequential(samples[a:b])]
