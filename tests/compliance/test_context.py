"""CallContext: shared indexes and memoised matcher results."""

from __future__ import annotations

from pipeline.compliance.context import CallContext
from pipeline.compliance.matchers import PhraseMatcher, RegexMatcher
from pipeline.models import Segment, Transcript


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
