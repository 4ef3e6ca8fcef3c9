"""Turns of mono speech: the transcript's segments cut between words where the voice changes.

A turn is a run of words of one segment that the audio under them gives to one voice
(:func:`voiced_turns`, from the voiced pieces of :mod:`pipeline.asr.speakers.pieces`); turns
go back into segments with :func:`to_segments`: the turns of one segment that got the same
speaker stay one segment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from pipeline.asr.speakers.base import Span
from pipeline.models import Segment, Word


@dataclass(frozen=True)
class Turn:
    """A stretch of one segment that one speaker is taken to have said."""

    segment: int  # index of the segment it comes from
    first: int  # index of its first word in that segment (0 when the segment has no words)
    words: tuple[Word, ...]  # its words (empty when the segment has no word times)
    start: float  # seconds
    end: float  # seconds
    text: str

    @property
    def span(self) -> Span:
        """Its time span."""
        return Span(self.start, self.end)

    @property
    def duration(self) -> float:
        """Seconds."""
        return self.end - self.start


def _turn(segment: Segment, index: int, first: int, words: tuple[Word, ...]) -> Turn:
    whole = first == 0 and len(words) == len(segment.words)
    return Turn(
        segment=index,
        first=first,
        words=words,
        start=segment.start if whole or first == 0 else words[0].start,
        end=segment.end if whole or first + len(words) == len(segment.words) else words[-1].end,
        text=segment.text if whole else "".join(w.text for w in words).strip(),
    )


def _overlap(a: Span, b_start: float, b_end: float) -> float:
    return max(0.0, min(a.end, b_end) - max(a.start, b_start))


def voice_at(start: float, end: float, pieces: Sequence[Span], voices: Sequence[int]) -> int:
    """The voice of the pieces that cover most of [start, end]; the nearest piece's when
    none covers any of it (a word Whisper put in a pause)."""
    totals = [0.0, 0.0]
    for piece, voice in zip(pieces, voices, strict=True):
        totals[voice] += _overlap(piece, start, end)
    if totals[0] or totals[1]:
        return 0 if totals[0] >= totals[1] else 1
    middle = (start + end) / 2
    distance = [min(abs(p.start - middle), abs(p.end - middle)) for p in pieces]
    return int(voices[int(np.argmin(distance))])


def voiced_turns(
    segments: Sequence[Segment], pieces: Sequence[Span], voices: Sequence[int]
) -> list[tuple[Turn, int]]:
    """Every segment cut into turns between the words where the voice of the audio under
    them changes: (turn, voice) in time order. A segment without word times is one turn."""
    if not pieces:
        raise ValueError("voiced turns need at least one piece of speech")
    out: list[tuple[Turn, int]] = []
    for index, segment in enumerate(segments):
        words = segment.words
        if not words:
            voice = voice_at(segment.start, segment.end, pieces, voices)
            out.append((Turn(index, 0, (), segment.start, segment.end, segment.text), voice))
            continue
        labels = [voice_at(w.start, w.end, pieces, voices) for w in words]
        cuts = [i for i in range(1, len(words)) if labels[i] != labels[i - 1]]
        for a, b in zip([0, *cuts], [*cuts, len(words)], strict=True):
            out.append((_turn(segment, index, a, words[a:b]), labels[a]))
    return out


def to_segments(
    segments: Sequence[Segment], turns: Sequence[Turn], speakers: Sequence[str]
) -> tuple[Segment, ...]:
    """The segments again, each turn with its speaker: a segment whose turns share a speaker
    keeps its text and words as they were; others are split at the changes of speaker."""
    out: list[Segment] = []
    groups: list[list[tuple[Turn, str]]] = []
    for turn, speaker in zip(turns, speakers, strict=True):
        last = groups[-1] if groups else None
        if last and last[-1][0].segment == turn.segment and last[-1][1] == speaker:
            last.append((turn, speaker))
        else:
            groups.append([(turn, speaker)])
    for group in groups:
        first, speaker = group[0]
        segment = segments[first.segment]
        words = tuple(w for turn, _ in group for w in turn.words)
        if len(words) == len(segment.words):
            out.append(replace(segment, speaker=speaker))
            continue
        merged = _turn(segment, first.segment, first.first, words)
        out.append(
            replace(
                segment,
                speaker=speaker,
                start=merged.start,
                end=merged.end,
                text=merged.text,
                words=words,
            )
        )
    return tuple(out)
