"""Transcript JSON round trip and validation (the contract of DESIGN.md)."""

from __future__ import annotations

import pytest

from pipeline.models import Segment, Transcript, Word, severity_rank


def test_transcript_round_trip_keeps_segments_words_and_suspect_flag() -> None:
    transcript = Transcript(
        call_id="c1",
        language="en",
        duration=5.0,
        segments=(
            Segment("agent", 0.0, 1.5, "hello", (Word(0.0, 0.5, "hello"),)),
            Segment("customer", 2.0, 3.0, "la la la", suspect=True, suspect_reason="loop"),
        ),
    )
    again = Transcript.from_dict(transcript.to_dict())
    assert again == transcript


def test_from_dict_sorts_segments_by_start_and_defaults_call_id_to_file_stem() -> None:
    data = {
        "language": "zh",
        "segments": [
            {"speaker": "customer", "start": 3.0, "end": 4.0, "text": "b"},
            {"speaker": "agent", "start": 0.0, "end": 1.0, "text": "a"},
        ],
    }
    transcript = Transcript.from_dict(data, source="/x/call-42.json")
    assert [s.text for s in transcript.segments] == ["a", "b"]
    assert transcript.call_id == "call-42"
    assert transcript.duration == 4.0


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"segments": [{"speaker": "boss", "start": 0, "end": 1, "text": "x"}]}, "speaker"),
        ({"segments": [{"speaker": "agent", "end": 1, "text": "x"}]}, "start"),
        ([], "JSON object"),
        ({"segments": "abc"}, "segments must be a list"),
        ({"segments": ["abc"]}, "segment 0: must be a JSON object"),
        ({"segments": [{"speaker": "agent", "start": float("nan"), "end": 1}]}, "finite"),
        ({"segments": [{"speaker": "agent", "start": 0, "end": float("inf")}]}, "finite"),
        ({"segments": [{"speaker": "agent", "start": -1, "end": 1}]}, "non-negative"),
        ({"segments": [{"speaker": "agent", "start": 2, "end": 1}]}, "before start"),
        ({"segments": [{"speaker": "agent", "start": "0", "end": 1}]}, "number of seconds"),
        ({"segments": [{"speaker": "agent", "start": True, "end": 1}]}, "number of seconds"),
        ({"segments": [{"speaker": "agent", "start": 0, "end": 1, "text": None}]}, "string"),
        ({"segments": [{"speaker": "agent", "start": 0, "end": 1, "text": ["a"]}]}, "string"),
        ({"segments": [{"speaker": "agent", "start": 0, "end": 1, "text": "a",
                        "words": [{"start": 0, "end": 1, "text": 5}]}]}, "word 0 text"),
        ({"duration": -3, "segments": []}, "duration"),
        ({"language": ["en"], "segments": []}, "language must be a string"),
    ],
)  # fmt: skip
def test_from_dict_names_the_source_and_the_problem(data: object, problem: str) -> None:
    with pytest.raises(ValueError, match=rf"bad\.json: .*{problem}"):
        Transcript.from_dict(data, source="bad.json")  # type: ignore[arg-type]


def test_severity_rank_orders_severities() -> None:
    assert severity_rank("info") < severity_rank("medium") < severity_rank("critical")


@pytest.mark.parametrize(
    ("language", "expected"),
    [("EN", "en"), ("en-US", "en"), ("English", "en"), ("eng", "en"), ("zh-CN", "zh"),
     ("fr", "fr")],
)  # fmt: skip
def test_from_dict_normalises_the_language(language: str, expected: str) -> None:
    data = {"language": language, "segments": [{"start": 0, "end": 1, "text": "hello"}]}
    assert Transcript.from_dict(data).language == expected


@pytest.mark.parametrize(("text", "expected"), [("hello there", "en"), ("您好", "zh")])
def test_from_dict_detects_a_missing_language_from_the_text(text: str, expected: str) -> None:
    data = {"segments": [{"speaker": "agent", "start": 0, "end": 1, "text": text}]}
    assert Transcript.from_dict(data).language == expected
