"""Turns from segments, and segments again from turns with speakers."""

from __future__ import annotations

from pipeline.asr.speakers.turns import chunked, initial_turns, split_turn, to_segments
from pipeline.models import Segment, Word


def _seg(start: float, spans: list[tuple[float, float, str]], text: str) -> Segment:
    words = tuple(Word(a, b, t) for a, b, t in spans)
    return Segment("unknown", start, spans[-1][1] + 0.1, text, words)


HELLO = _seg(
    0.4,
    [(0.5, 0.8, "Hello."), (0.9, 1.2, " Thanks."), (1.8, 2.1, " Hi"), (2.15, 2.5, " there.")],
    "Hello. Thanks. Hi there.",
)


def test_segments_are_cut_at_pauses_between_words() -> None:
    turns = initial_turns([HELLO], gap_s=0.3)
    assert [t.text for t in turns] == ["Hello. Thanks.", "Hi there."]
    assert (turns[0].start, turns[0].end) == (0.4, 1.2)  # the segment's own start
    assert (turns[1].start, turns[1].end) == (1.8, HELLO.end)  # and its own end
    assert [t.first for t in turns] == [0, 2]


def test_a_segment_without_words_is_one_turn() -> None:
    plain = Segment("unknown", 3.0, 4.0, "ok")
    turns = initial_turns([HELLO, plain])
    assert turns[-1].segment == 1 and turns[-1].text == "ok" and turns[-1].words == ()


def test_same_speaker_keeps_the_segment_as_it_was() -> None:
    turns = initial_turns([HELLO], gap_s=0.3)
    (out,) = to_segments([HELLO], turns, ["agent", "agent"])
    assert out == Segment("agent", HELLO.start, HELLO.end, HELLO.text, HELLO.words)


def test_a_change_of_speaker_splits_the_segment_at_the_words() -> None:
    turns = initial_turns([HELLO], gap_s=0.3)
    first, second = to_segments([HELLO], turns, ["agent", "customer"])
    assert (first.speaker, first.text, first.start, first.end) == (
        "agent",
        "Hello. Thanks.",
        0.4,
        1.2,
    )
    assert (second.speaker, second.text, second.end) == ("customer", "Hi there.", HELLO.end)
    assert first.words + second.words == HELLO.words


def test_split_turn_cuts_before_a_word() -> None:
    (turn,) = initial_turns([HELLO], gap_s=1.0)
    left, right = split_turn(turn, HELLO, 3)
    assert left.text == "Hello. Thanks. Hi" and right.text == "there."
    assert right.first == 3 and right.start == 2.15


def test_one_long_turn_is_chunked_at_words() -> None:
    words = [(0.1 + 0.5 * i, 0.5 + 0.5 * i, f" w{i}") for i in range(12)]
    seg = _seg(0.0, words, " ".join(f"w{i}" for i in range(12)))
    pieces = chunked(initial_turns([seg], gap_s=1.0), [seg], seconds=2.0)
    assert len(pieces) == 3
    assert sum(len(p.words) for p in pieces) == 12
    assert all(p.duration >= 1.0 for p in pieces)
