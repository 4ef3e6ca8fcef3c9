"""The ``audio:`` section of the masking policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.pii.entities import REGISTRY, JrtClass
from pipeline.redaction.policy import DEFAULT_DIGIT_RUN, load_audio_policy


def test_bundled_policy_redacts_every_c3_and_c2_type_and_secret_answers() -> None:
    policy = load_audio_policy()
    assert policy.entity_types == {
        e.name for e in REGISTRY if e.jrt_class in (JrtClass.C2, JrtClass.C3)
    }
    assert policy.secret_request_rules == ("no-sensitive-auth-request",)
    assert policy.answer_window_s == 15.0 and policy.digit_run == DEFAULT_DIGIT_RUN


def _policy(tmp_path: Path, audio: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(f"version: 1\naudio:\n{audio}", encoding="utf-8")
    return path


def test_text_only_types_stay_audible(tmp_path: Path) -> None:
    policy = load_audio_policy(_policy(tmp_path, "  text_only: [PERSON, ADDRESS]\n"))
    assert not policy.redacts("PERSON") and not policy.redacts("ADDRESS")
    assert policy.redacts("BANK_CARD")


def test_a_policy_without_the_section_takes_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("version: 1\n", encoding="utf-8")
    assert load_audio_policy(path) == load_audio_policy()


@pytest.mark.parametrize(
    "audio, problem",
    [
        ("  text_only: [CVV]\n", "CVV is sensitive authentication data"),
        ("  redact: [BANK_CARD]\n", "must be redacted from the recording"),
        ("  redact: [NO_SUCH]\n", "unknown entity 'NO_SUCH'"),
        ("  secret_answers: {window_s: 0}\n", "window_s"),
        ("  digit_run: -1\n", "digit_run"),
        ("  suspect_customer_segments: 1\n", "true or false"),
    ],
)
def test_bad_sections_name_the_file_and_the_problem(
    tmp_path: Path, audio: str, problem: str
) -> None:
    path = _policy(tmp_path, audio)
    with pytest.raises(ValueError, match=problem) as caught:
        load_audio_policy(path)
    assert str(path) in str(caught.value)
