"""Turns of mono speech: the transcript's segments cut where the words pause.

The segments of a mono channel already end at the VAD's removed pauses and at Whisper's
sentence ends; a turn here is a run of words of one segment with no pause of
:data:`WORD_GAP_S` or more inside it. Turns are cut further where the voice changes
(:func:`pipeline.asr.speakers.split.refine`), and go back into segments with
:func:`to_segments`: the turns of one segment that got the same speaker stay one segment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from pipeline.asr.speakers.base import Span
from pipeline.models import Segment, Word

WORD_GAP_S = 0.3  # a pause between two words this long may be a change of speaker
CHUNK_S = 3.0  # a call heard as one turn is cut into chunks of about this long (then refined)


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


def split_turn(turn: Turn, segment: Segment, cut: int) -> tuple[Turn, Turn]:
    """``turn`` cut before its word ``cut`` (1 <= cut < len(turn.words))."""
    if not 1 <= cut < len(turn.words):
        raise ValueError(f"cut {cut} outside the turn's {len(turn.words)} words")
    return (
        _turn(segment, turn.segment, turn.first, turn.words[:cut]),
        _turn(segment, turn.segment, turn.first + cut, turn.words[cut:]),
    )


def initial_turns(segments: Sequence[Segment], gap_s: float = WORD_GAP_S) -> list[Turn]:
    """Every segment cut into turns at pauses between words of ``gap_s`` or more."""
    turns: list[Turn] = []
    for index, segment in enumerate(segments):
        words = segment.words
        if not words:
            turns.append(Turn(index, 0, (), segment.start, segment.end, segment.text))
            continue
        cuts = [i for i in range(1, len(words)) if words[i].start - words[i - 1].end >= gap_s]
        for a, b in zip([0, *cuts], [*cuts, len(words)], strict=True):
            turns.append(_turn(segment, index, a, words[a:b]))
    return turns


def chunked(
    turns: Sequence[Turn], segments: Sequence[Segment], seconds: float = CHUNK_S
) -> list[Turn]:
    """``turns`` cut at word boundaries into pieces of about ``seconds``: for a call whose
    transcript came out as one turn (one segment, no pause), so it can still be clustered."""
    out: list[Turn] = []
    for turn in turns:
        pending = turn
        while True:
            cut = next(
                (
                    i
                    for i, w in enumerate(pending.words)
                    if i and w.start - pending.start >= seconds
                ),
                None,
            )
            if cut is None or pending.end - pending.words[cut].start < seconds / 2:
                out.append(pending)
                break
            head, pending = split_turn(pending, segments[pending.segment], cut)
            out.append(head)
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
