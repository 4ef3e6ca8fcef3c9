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


def test_an_ing_verb_after_i_am_is_no_name(engine) -> None:
    found = engine.analyze_text("to verify you i'm sending you a one time code", "en")
    assert "PERSON" not in {s.entity_type for s in found}
    named = engine.analyze_text("hi i'm ming from card services", "en")
    assert [named[0].entity_type] == ["PERSON"]
    capital = engine.analyze_text("I'm Sterling, how can I help", "en")
    assert "PERSON" in {s.entity_type for s in capital}
