"""Pieces of mono speech found from the audio: the stretches between pauses.

Whisper's segments and word times are no guide to who speaks: a segment often runs over a
change of speaker, and a word's end is often stretched over the pause after it. The audio
itself shows the pauses: per 10 ms frame, speech is what stands clearly above the call's
noise floor. A *piece* is a stretch of speech inside the transcript's segments with no pause
of :data:`PAUSE_S` or more in it; pieces are what the voices are clustered on, and a long
one is searched for a change of voice without a pause
(:func:`pipeline.asr.speakers.split.refine_pieces`).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from pipeline.asr.speakers.base import SAMPLE_RATE, Span
from pipeline.models import Segment

FRAME_S = 0.01  # energy frame, seconds
PAUSE_S = 0.2  # a stretch of quiet this long ends a piece (turns here pause 0.3 s and more)
MIN_PIECE_S = 0.15  # shorter bursts of sound (clicks, breaths) are no piece
NOISE_PERCENTILE = 10  # the quietest tenth of a call's frames gives its noise floor
PEAK_PERCENTILE = 99  # its loud speech level, robust to a single spike
OVER_NOISE_DB = 12.0  # speech stands at least this far above the noise floor
UNDER_PEAK_DB = 40.0  # and no further than this below the loud speech level
SURE_SPEECH_DB = 25.0  # within this of the loud speech level a frame is speech whatever the
# noise floor says (a call spoken without a pause has its "floor" in the speech)
CHUNK_S = 3.0  # a piece longer than twice this with no pause is cut into chunks about this long


def frame_db(samples: np.ndarray) -> np.ndarray:
    """Energy in dB per :data:`FRAME_S` frame of 16 kHz samples."""
    hop = int(SAMPLE_RATE * FRAME_S)
    count = len(samples) // hop
    frames = np.asarray(samples[: count * hop], np.float64).reshape(count, hop)
    return 10.0 * np.log10(np.mean(frames**2, axis=1) + 1e-12)


def speech_frames(samples: np.ndarray, segments: Sequence[Segment]) -> np.ndarray:
    """Per frame, whether it is speech: loud enough over the noise floor and inside a
    segment (so hold music and whatever the VAD or the guards removed stay out)."""
    db = frame_db(samples)
    inside = np.zeros(len(db), bool)
    for seg in segments:
        inside[int(seg.start / FRAME_S) : int(np.ceil(seg.end / FRAME_S))] = True
    if not inside.any():
        return inside
    floor = float(np.percentile(db, NOISE_PERCENTILE))
    peak = float(np.percentile(db[inside], PEAK_PERCENTILE))
    threshold = min(max(floor + OVER_NOISE_DB, peak - UNDER_PEAK_DB), peak - SURE_SPEECH_DB)
    return inside & (db >= threshold)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, past-last) frame of each run of True in ``mask``."""
    padded = np.r_[False, mask, False].astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def speech_pieces(
    samples: np.ndarray, segments: Sequence[Segment], pause_s: float = PAUSE_S
) -> list[Span]:
    """The stretches of speech inside ``segments`` with no pause of ``pause_s`` or more,
    each at least :data:`MIN_PIECE_S` long, in time order."""
    mask = speech_frames(samples, segments)
    gap = round(pause_s / FRAME_S)
    runs = _runs(mask)
    merged: list[list[int]] = []
    for lo, hi in runs:
        if merged and lo - merged[-1][1] < gap:
            merged[-1][1] = hi
        else:
            merged.append([lo, hi])
    return [
        Span(lo * FRAME_S, hi * FRAME_S) for lo, hi in merged if (hi - lo) * FRAME_S >= MIN_PIECE_S
    ]


def chunk_pieces(pieces: Sequence[Span], seconds: float = CHUNK_S) -> list[Span]:
    """``pieces`` with each one longer than twice ``seconds`` cut into equal chunks of about
    ``seconds``: so a call spoken without a pause can still be clustered."""
    out: list[Span] = []
    for piece in pieces:
        count = max(1, int(piece.duration // seconds)) if piece.duration >= 2 * seconds else 1
        edges = np.linspace(piece.start, piece.end, count + 1)
        out.extend(Span(float(a), float(b)) for a, b in pairwise(edges))
    return out
