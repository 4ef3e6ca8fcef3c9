"""Pieces of speech from the audio: pauses found by energy, inside the segments only."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.asr.speakers.base import Span
from pipeline.asr.speakers.pieces import (
    MIN_PIECE_S,
    PAUSE_S,
    chunk_pieces,
    speech_frames,
    speech_pieces,
)
from pipeline.models import Segment

from .voices import RATE, voice

HISS = 0.002  # line noise amplitude, about -54 dBFS


def _line(parts: list[tuple[str, float]], seed: int = 0) -> np.ndarray:
    """Speech ("v") and quiet ("q") stretches of the given seconds, over line hiss."""
    rng = np.random.default_rng(seed)
    chunks = [
        voice(seconds, 150.0, 0.7, seed=i) if kind == "v" else np.zeros(int(seconds * RATE))
        for i, (kind, seconds) in enumerate(parts)
    ]
    audio = np.concatenate(chunks)
    return (audio + rng.normal(0, HISS, len(audio))).astype(np.float32)


def _whole(audio: np.ndarray) -> list[Segment]:
    return [Segment("unknown", 0.0, len(audio) / RATE, "x")]


def test_pauses_between_stretches_of_speech_end_pieces() -> None:
    audio = _line([("q", 0.5), ("v", 2.0), ("q", 0.35), ("v", 1.0), ("q", 0.5), ("v", 1.5)])
    pieces = speech_pieces(audio, _whole(audio))
    assert len(pieces) == 3
    expected = [(0.5, 2.5), (2.85, 3.85), (4.35, 5.85)]
    for piece, (start, end) in zip(pieces, expected, strict=True):
        assert piece.start == pytest.approx(start, abs=0.03)
        assert piece.end == pytest.approx(end, abs=0.03)


def test_a_short_gap_does_not_end_a_piece() -> None:
    audio = _line([("q", 0.3), ("v", 1.0), ("q", PAUSE_S / 2), ("v", 1.0), ("q", 0.3)])
    (piece,) = speech_pieces(audio, _whole(audio))
    assert piece.duration == pytest.approx(2.0 + PAUSE_S / 2, abs=0.03)


def test_clicks_are_no_piece_and_speech_outside_the_segments_is_left_out() -> None:
    audio = _line([("q", 0.5), ("v", MIN_PIECE_S / 2), ("q", 0.5), ("v", 2.0), ("q", 0.5)])
    segments = [Segment("unknown", 0.0, 1.0, "a"), Segment("unknown", 1.2, 2.0, "b")]
    (piece,) = speech_pieces(audio, segments)
    # the 2 s of speech start at 1.075 s; only what lies inside the second segment counts
    assert piece.start == pytest.approx(1.2, abs=0.02) and piece.end == pytest.approx(2.0, abs=0.02)
    assert not speech_frames(audio, []).any()


def test_a_long_piece_is_chunked_evenly() -> None:
    pieces = chunk_pieces([Span(0.0, 10.0), Span(11.0, 13.0)], seconds=3.0)
    assert [(round(p.start, 2), round(p.end, 2)) for p in pieces] == [
        (0.0, 3.33),
        (3.33, 6.67),
        (6.67, 10.0),
        (11.0, 13.0),
    ]
