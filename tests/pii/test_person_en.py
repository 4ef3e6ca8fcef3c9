"""English person names: NER windows stay small and skip what cue phrases already found."""

from __future__ import annotations

import pytest

from pipeline.pii.recognizers.person_en import ner_windows


@pytest.mark.parametrize(
    ("text", "covered", "windows"),
    [
        ("Thank you for calling, how can I help?", [], []),
        ("your payment is due on March 15, 2024.", [], []),
        (
            "yes I spoke with Sarah Connor yesterday about the fee and it was fine",
            [],
            ["yes I spoke with Sarah Connor yesterday about the fee"],
        ),
        ("hi, my name is John Smith and I want help", [(15, 25)], []),
    ],
)
def test_ner_windows(text, covered, windows):
    assert [text[s:e] for s, e in ner_windows(text, covered)] == windows
