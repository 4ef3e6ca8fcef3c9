"""English person names: NER windows stay small and skip what cue phrases already found."""

from __future__ import annotations

import pytest

from pipeline.pii.recognizers.person_en import ner_windows
from tests.pii.conftest import found


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


@pytest.mark.parametrize(
    "text",
    [
        "thank you for speaking with us today.",
        "This is we, the bank, calling.",
        "yes this is he speaking",
        "Hi, this is it, the last one.",
    ],
)
def test_a_pronoun_after_a_cue_is_no_name(engine, text: str) -> None:
    assert [span for span in found(engine, text, "en") if span[0] == "PERSON"] == []


def _turns(engine, *texts: str) -> list[tuple[str, str]]:
    """(entity_type, text) found in a call whose turns alternate agent / customer."""
    from pipeline.models import Segment, Speaker, Transcript

    segments = tuple(
        Segment(Speaker.AGENT if i % 2 == 0 else Speaker.CUSTOMER, 3.0 * i, 3.0 * i + 2, text)
        for i, text in enumerate(texts)
    )
    transcript = Transcript(call_id="c", language="en", duration=30.0, segments=segments)
    return [
        (f.entity_type, segments[f.segment_index].text[f.start : f.end])
        for f in engine.analyze_transcript(transcript)
    ]


@pytest.mark.parametrize(
    ("question", "answer", "name"),
    [
        ("May I have your name?", "jason lee.", "jason lee"),
        ("May I have your name please?", "Sure, it is karen hughes.", "karen hughes"),
        ("Who am I speaking with?", "uh, dana, and I'm calling about my card", "dana"),
    ],
)
def test_the_answer_to_a_name_question_opens_with_the_name(
    engine, question: str, answer: str, name: str
) -> None:
    assert ("PERSON", name) in _turns(engine, question, answer)


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("May I have your name?", "Sure, one moment."),
        ("How can I help you?", "lost card."),  # no name was asked for
    ],
)
def test_an_answer_that_gives_no_name_keeps_its_words(engine, question, answer) -> None:
    assert [t for t in _turns(engine, question, answer) if t[0] == "PERSON"] == []


def test_a_pronoun_after_a_one_word_name_is_left_out(engine) -> None:
    text = "good morning mr. rodriguez it takes 7 business days"
    assert [span for span in found(engine, text, "en") if span[0] == "PERSON"] == [
        ("PERSON", "rodriguez")
    ]
