"""CallContext: shared indexes and memoised matcher results."""

from __future__ import annotations

import pytest

from pipeline.compliance.context import CallContext, Hit
from pipeline.compliance.loader import condition_from_yaml
from pipeline.compliance.matchers import PhraseMatcher, RegexMatcher
from pipeline.models import PiiFinding, Segment, Transcript


def _call() -> Transcript:
    texts = [
        ("agent", "this call is recorded my name is anna"),
        ("customer", "my pin is one two three four"),
        ("agent", "please tell me your pin"),
        ("customer", "what is the balance"),
        ("agent", "your balance is 40 dollars never share your pin"),
    ]
    segments = tuple(
        Segment(speaker, i * 4.0, i * 4.0 + 3.5, text) for i, (speaker, text) in enumerate(texts)
    )
    return Transcript("c", "en", 20.0, segments)


def test_speaker_matches_served_from_the_whole_call_equal_a_direct_search() -> None:
    phrase = PhraseMatcher((("pin",), ("balance",)), "fuzzy", 0.85, negation=True)
    regex = RegexMatcher(r"\b(?:pin|balance)\b", ignore_case=True, negation=False)
    for matcher in (phrase, regex):
        ctx = CallContext(_call())
        whole = ctx.text_matches(matcher, None)
        for speaker in ("agent", "customer"):
            segments = ctx.scope_segments(speaker, None)
            assert segments is not None
            served = ctx.text_matches(matcher, segments)
            assert served == matcher.find(ctx.text, segments)
            assert {m.segment_index for m in served} <= segments
        assert len(whole) >= 3  # the search found something to share


def test_text_matches_are_memoised_per_matcher_and_segment_set() -> None:
    ctx = CallContext(_call())
    matcher = RegexMatcher(r"pin", ignore_case=True, negation=False)
    first = ctx.text_matches(matcher, frozenset({1}))
    assert ctx.text_matches(matcher, frozenset({1})) is first
    assert [m.segment_index for m in first] == [1]


ZH_CARD_WORDS = "六二二二零二幺二三四五六七八九零幺二八"


@pytest.mark.parametrize(
    ("language", "text", "number", "digits"),
    [
        ("en", "My  card is: 5531 4750 0095 8836, thanks.", "5531 4750 0095 8836",
         "5531475000958836"),
        ("en", "Its five five three one four seven five zero zero zero nine five eight eight "
         "three six OK", "five five three one four seven five zero zero zero nine five eight "
         "eight three six", "5531475000958836"),
        ("zh", "我的卡号是 6222 0212 3456 7890 128 对", "6222 0212 3456 7890 128",
         "6222021234567890128"),
        ("zh", f"卡号 {ZH_CARD_WORDS} 好的", ZH_CARD_WORDS, "6222021234567890128"),
    ],
)  # fmt: skip
def test_a_pii_hits_words_are_the_findings_span(
    language: str, text: str, number: str, digits: str
) -> None:
    """A finding's offsets (original text) carried into the normalised text: the hit's digits
    are the number's, not the rest of the turn's."""
    call = Transcript("c", language, 10.0, (Segment("customer", 0.0, 10.0, text),))
    start = text.index(number)
    finding = PiiFinding("BANK_CARD", 0, start, start + len(number), 0.9, "customer")
    ctx = CallContext(call, (finding,))
    [hit] = condition_from_yaml({"pii": {"types": ["BANK_CARD"]}}).hits(ctx)
    assert ctx.digits(hit) == digits


def test_digits_of_text_hits_and_of_hits_without_words() -> None:
    ctx = CallContext(_call())
    [pin] = condition_from_yaml({"regex": "my pin is[a-z ]*"}).hits(ctx)
    assert ctx.digits(pin) == "1234"
    assert ctx.digits(ctx.segment_hit(4)) == "40"  # a whole turn
    assert ctx.digits(Hit(0.0, 20.0, "agent", None, synthetic=True)) == ""
