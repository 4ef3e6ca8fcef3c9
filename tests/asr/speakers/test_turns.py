"""Turns from segments and the voices of the audio under their words, and segments again."""

from __future__ import annotations

import pytest

from pipeline.asr.speakers.base import Span
from pipeline.asr.speakers.turns import to_segments, voice_at, voiced_turns
from pipeline.models import Segment, Word


def _seg(start: float, spans: list[tuple[float, float, str]], text: str) -> Segment:
    words = tuple(Word(a, b, t) for a, b, t in spans)
    return Segment("unknown", start, spans[-1][1] + 0.1, text, words)


HELLO = _seg(
    0.4,
    [(0.5, 0.8, "Hello."), (0.9, 1.2, " Thanks."), (1.8, 2.1, " Hi"), (2.15, 2.5, " there.")],
    "Hello. Thanks. Hi there.",
)
# the audio: one voice from 0.45 to 1.3 s, the other from 1.75 to 2.55 s
PIECES = [Span(0.45, 1.3), Span(1.75, 2.55)]


def test_a_segment_is_cut_between_the_words_where_the_voice_changes() -> None:
    turns = voiced_turns([HELLO], PIECES, [0, 1])
    assert [(t.text, v) for t, v in turns] == [("Hello. Thanks.", 0), ("Hi there.", 1)]
    first, second = (t for t, _ in turns)
    assert (first.start, first.end) == (0.4, 1.2)  # the segment's own start
    assert (second.start, second.end) == (1.8, HELLO.end)  # and its own end
    assert [first.first, second.first] == [0, 2]


def test_one_voice_keeps_the_segment_one_turn() -> None:
    ((turn, voice),) = voiced_turns([HELLO], PIECES, [1, 1])
    assert voice == 1 and turn.text == HELLO.text and turn.words == HELLO.words


def test_a_word_stretched_over_a_pause_goes_with_the_audio_it_covers_most() -> None:
    # Whisper stretched "Thanks." to 1.95 s, over the pause and into the other voice
    late = _seg(
        0.4,
        [(0.5, 0.8, "Hello."), (0.9, 1.95, " Thanks."), (1.95, 2.1, " Hi"), (2.15, 2.5, " there.")],
        "Hello. Thanks. Hi there.",
    )
    turns = voiced_turns([late], PIECES, [0, 1])
    assert [t.text for t, _ in turns] == ["Hello. Thanks.", "Hi there."]


def test_a_word_in_a_pause_takes_the_nearest_pieces_voice() -> None:
    assert voice_at(1.35, 1.45, PIECES, [0, 1]) == 0
    assert voice_at(1.6, 1.7, PIECES, [0, 1]) == 1


def test_a_segment_without_words_is_one_turn() -> None:
    plain = Segment("unknown", 1.9, 2.4, "ok")
    (*_, (last, voice)) = voiced_turns([HELLO, plain], PIECES, [0, 1])
    assert last.segment == 1 and last.text == "ok" and last.words == () and voice == 1
    with pytest.raises(ValueError, match="at least one piece"):
        voiced_turns([plain], [], [])


def test_same_speaker_keeps_the_segment_as_it_was() -> None:
    turns = [t for t, _ in voiced_turns([HELLO], PIECES, [0, 1])]
    (out,) = to_segments([HELLO], turns, ["agent", "agent"])
    assert out == Segment("agent", HELLO.start, HELLO.end, HELLO.text, HELLO.words)


def test_a_change_of_speaker_splits_the_segment_at_the_words() -> None:
    turns = [t for t, _ in voiced_turns([HELLO], PIECES, [0, 1])]
    first, second = to_segments([HELLO], turns, ["agent", "customer"])
    assert (first.speaker, first.text, first.start, first.end) == (
        "agent",
        "Hello. Thanks.",
        0.4,
        1.2,
    )
    assert (second.speaker, second.text, second.end) == ("customer", "Hi there.", HELLO.end)
    assert first.words + second.words == HELLO.words
