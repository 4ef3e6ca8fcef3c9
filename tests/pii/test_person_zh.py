"""Chinese personal names: jieba's name tags, surnames and context."""

from __future__ import annotations

import pytest

from tests.pii.conftest import found


@pytest.mark.parametrize(
    "text",
    [
        # jieba tags 祝您 as a name; a pronoun is never part of one
        "感谢您的来电,祝您生活愉快再见。",
        "祝你一切顺利",
    ],
)
def test_a_word_with_a_pronoun_is_no_name(engine, text: str) -> None:
    assert [span for span in found(engine, text, "zh") if span[0] == "PERSON"] == []


def test_a_name_after_an_introduction_is_found(engine) -> None:
    assert ("PERSON", "陈志强") in found(engine, "我叫陈志强，身份证号码稍后告诉您", "zh")
