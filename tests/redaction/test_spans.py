"""Span planning from word timestamps: padding, merging, widening, answers, digit runs."""

from __future__ import annotations

import pytest

from pipeline.models import PiiFinding, Segment, Transcript, Violation, Word
from pipeline.redaction.policy import DIGITS, SECRET_ANSWER, AudioPolicy, default_audio_types
from pipeline.redaction.spans import (
    SpanBasis,
    channel_map,
    digit_runs,
    plan_spans,
    removed_share,
    word_span,
)

POLICY = AudioPolicy(default_audio_types(), digit_run=0)  # digit runs tested on their own
CARD_TEXT = "my card is 4532 0151 1283 0366 thanks"


def _words(text: str, start: float, step: float) -> tuple[Word, ...]:
    return tuple(
        Word(start + i * step, start + (i + 1) * step, w) for i, w in enumerate(text.split())
    )


def _segment(text: str, start: float = 10.0, step: float = 0.5, speaker: str = "customer"):
    words = _words(text, start, step)
    return Segment(speaker, start, words[-1].end, text, words)


def _card(segment_index: int = 0, text: str = CARD_TEXT) -> PiiFinding:
    start = text.index("4532")
    return PiiFinding("BANK_CARD", segment_index, start, start + 19, 0.9, "customer")


def _call(*segments: Segment, duration: float = 60.0) -> Transcript:
    return Transcript("c1", "en", duration, tuple(sorted(segments, key=lambda s: s.start)))


def test_timed_words_give_the_span_padded_on_the_speakers_channel_only() -> None:
    seg = _segment(CARD_TEXT)  # words at 10.0 + 0.5 i; the card is words 3..6
    (span,) = plan_spans(_call(seg), [_card()], [], POLICY, channels=2, padding_s=0.25)
    assert (span.channel, span.basis, span.entity_types) == (1, SpanBasis.WORDS, ("BANK_CARD",))
    assert span.start == pytest.approx(11.5 - 0.25) and span.end == pytest.approx(13.5 + 0.25)


def test_agent_channel_setting_swaps_the_channels() -> None:
    seg = _segment(CARD_TEXT)
    (span,) = plan_spans(_call(seg), [_card()], [], POLICY, channels=2, agent_channel=1)
    assert span.channel == 0
    assert channel_map(1, 0) == {"agent": (0,), "customer": (0,), "unknown": (0,)}


def test_an_untimed_digit_widens_the_span_to_the_segment() -> None:
    seg = _segment(CARD_TEXT)
    # Whisper left the second group untimed: its word is missing from the timed words
    words = tuple(w for w in seg.words if w.text != "0151")
    seg = Segment("customer", seg.start, seg.end, seg.text, words)
    (span,) = plan_spans(_call(seg), [_card()], [], POLICY, channels=2, padding_s=0.0)
    assert span.basis is SpanBasis.SEGMENT
    assert (span.start, span.end) == (seg.start, seg.end)


def test_a_group_before_the_first_timed_word_is_not_missed() -> None:
    text = "4532 0151 1283 0366 is my card"
    seg = _segment(text)
    words = seg.words[1:]  # the first group has no timed word
    seg = Segment("customer", seg.start, seg.end, text, words)
    finding = PiiFinding("BANK_CARD", 0, 0, 19, 0.9, "customer")
    (span,) = plan_spans(_call(seg), [finding], [], POLICY, channels=2, padding_s=0.0)
    assert span.start <= seg.start


def test_words_that_open_the_segment_reach_back_to_its_start() -> None:
    text = "4532 0151 1283 0366 is my card"
    seg = _segment(text)
    seg = Segment("customer", seg.start - 0.8, seg.end, text, seg.words)  # audio starts earlier
    assert word_span(seg, 0, 19) == (seg.start, pytest.approx(12.0))


@pytest.mark.parametrize(
    "step, plausible",
    [(0.5, True), (0.01, False)],  # 16 digits in 0.04 s cannot have been said
)
def test_too_short_word_times_are_implausible(step: float, plausible: bool) -> None:
    seg = _segment(CARD_TEXT, step=step)
    timed = word_span(seg, CARD_TEXT.index("4532"), CARD_TEXT.index("4532") + 19)
    assert (timed is not None) is plausible


def test_words_outside_their_segment_are_implausible() -> None:
    seg = _segment(CARD_TEXT)
    words = tuple(Word(w.start + 30, w.end + 30, w.text) for w in seg.words)
    seg = Segment("customer", seg.start, seg.end, CARD_TEXT, words)
    assert word_span(seg, CARD_TEXT.index("4532"), CARD_TEXT.index("4532") + 19) is None


def test_types_the_policy_keeps_audible_are_not_redacted() -> None:
    seg = _segment("I am John Miller ok", speaker="customer")
    person = PiiFinding("PERSON", 0, 5, 16, 0.9, "customer")
    keep_names = AudioPolicy(default_audio_types() - {"PERSON"}, digit_run=0)
    assert plan_spans(_call(seg), [person], [], keep_names, channels=2) == ()
    assert len(plan_spans(_call(seg), [person], [], POLICY, channels=2)) == 1


def test_the_customers_answer_to_a_secret_request_is_redacted_whole() -> None:
    ask = _segment("please tell me your pin", start=5.0, speaker="agent")
    answer = _segment("it is one nine eight four", start=8.0, speaker="customer")
    more = _segment("I think", start=11.5, speaker="customer")
    agent_next = _segment("thank you", start=13.0, speaker="agent")
    later = _segment("what else", start=15.0, speaker="customer")
    request = Violation("no-sensitive-auth-request", "critical", 5.0, 7.5, "agent", "asked")
    spans = plan_spans(
        _call(ask, answer, more, agent_next, later),
        [],
        [request],
        POLICY,
        channels=2,
        padding_s=0.0,
        merge_gap_s=0.1,
    )
    assert [(s.channel, s.start, s.end, s.entity_types, s.basis) for s in spans] == [
        (1, answer.start, answer.end, (SECRET_ANSWER,), SpanBasis.ANSWER),
        (1, more.start, more.end, (SECRET_ANSWER,), SpanBasis.ANSWER),
    ]


def test_no_answer_after_the_window() -> None:
    ask = _segment("please tell me your pin", start=5.0, speaker="agent")
    late = _segment("hello", start=40.0, speaker="customer")
    request = Violation("no-sensitive-auth-request", "critical", 5.0, 7.5, "agent", "asked")
    assert plan_spans(_call(ask, late), [], [request], POLICY, channels=2) == ()


def test_close_spans_merge_and_spans_are_clipped_to_the_call() -> None:
    seg = _segment("1 2 3 4 5 6 7 8", start=0.1, step=0.5)
    a = PiiFinding("PIN", 0, 0, 3, 0.9, "customer")  # "1 2": 0.1 .. 1.1
    b = PiiFinding("CVV", 0, 6, 9, 0.9, "customer")  # "4 5": 1.6 .. 2.6
    spans = plan_spans(
        _call(seg, duration=4.0), [a, b], [], POLICY, channels=1, padding_s=0.25, merge_gap_s=0.5
    )
    (span,) = spans
    assert span.start == 0.0 and span.end == pytest.approx(2.85)
    assert span.entity_types == ("CVV", "PIN") and span.channel == 0


def test_a_finding_pointing_nowhere_is_an_error() -> None:
    with pytest.raises(ValueError, match="segment 3"):
        plan_spans(_call(_segment(CARD_TEXT)), [_card(3)], [], POLICY, channels=2)


@pytest.mark.parametrize(
    "text, runs",
    [
        ("my pin is 1984 ok", 1),
        ("four one five five five five zero one four two", 1),
        ("it costs 12 dollars", 0),
        ("幺三八一二三四五六七八", 1),
    ],
)
def test_digit_runs_written_or_spoken(text: str, runs: int) -> None:
    assert len(digit_runs(text, 4)) == runs
    assert digit_runs(text, 0) == []


def test_digit_runs_are_redacted_whatever_the_pii_stage_found() -> None:
    seg = _segment(CARD_TEXT)
    (span,) = plan_spans(_call(seg), [], [], AudioPolicy(frozenset(), digit_run=4), channels=2)
    assert span.entity_types == (DIGITS,) and span.channel == 1


def test_removed_share_counts_overlapping_channels_once() -> None:
    seg = _segment(CARD_TEXT, speaker="unknown")
    spans = plan_spans(_call(seg, duration=20.0), [_card()], [], POLICY, channels=2)
    assert {s.channel for s in spans} == {0, 1}
    assert removed_share(spans, 20.0) == pytest.approx(spans[0].duration / 20.0)
    assert removed_share((), 0.0) == 0.0


def test_suspect_customer_turns_are_redacted_whole_agent_turns_are_not() -> None:
    loop = Segment("customer", 3.0, 8.0, "yes yes yes yes", suspect=True, suspect_reason="loop")
    agent = Segment("agent", 9.0, 12.0, "hmm hmm hmm", suspect=True, suspect_reason="loop")
    policy = AudioPolicy(frozenset(), digit_run=0)
    (span,) = plan_spans(_call(loop, agent), [], [], policy, channels=2, padding_s=0.0)
    assert (span.channel, span.start, span.end, span.basis) == (1, 3.0, 8.0, SpanBasis.SUSPECT)
    off = AudioPolicy(frozenset(), digit_run=0, suspect_customer_segments=False)
    assert plan_spans(_call(loop, agent), [], [], off, channels=2) == ()
