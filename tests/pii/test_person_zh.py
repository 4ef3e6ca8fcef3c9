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


def _turns(engine, *texts: str) -> list[tuple[str, str]]:
    """(entity_type, text) found in a call whose turns alternate agent / customer."""
    from pipeline.models import Segment, Speaker, Transcript

    segments = tuple(
        Segment(Speaker.AGENT if i % 2 == 0 else Speaker.CUSTOMER, 3.0 * i, 3.0 * i + 2, text)
        for i, text in enumerate(texts)
    )
    transcript = Transcript(call_id="c", language="zh", duration=30.0, segments=segments)
    return [
        (f.entity_type, segments[f.segment_index].text[f.start : f.end])
        for f in engine.analyze_transcript(transcript)
    ]


@pytest.mark.parametrize(
    ("question", "answer", "name"),
    [
        ("好的,请提供您的姓名和身份证号码,", "赵绿娜,四四零三零五", "赵绿娜"),
        # the surname misheard (郑 -> 正): jieba sees no name, the question says there is one
        ("请提供您的姓名。", "好的,正海陶。", "正海陶"),
        # the question misheard too (姓名 -> 性命)
        ("请您提供一下性命,和身份正好吗。", "何有,五幺零幺零四", "何有"),
        ("请问您贵姓?", "免贵姓王。", "王"),
        # 吴敏 heard as 五名: a numeral may open the name, never a digit of the number after it
        ("请提供您的姓名和身份证号码。", "五名三三零幺零二幺九九四幺二零七三六八三。", "五名"),
        # asked to verify their identity (姓名 misheard as 请您), the caller gives the name first
        ("好的,请您先提供请您和身份正好满﹑", "王剑国﹑幺幺零幺零八﹑幺九七九零九二三", "王剑国"),
    ],
)
def test_the_answer_to_a_name_question_opens_with_the_name(
    engine, question: str, answer: str, name: str
) -> None:
    assert ("PERSON", name) in _turns(engine, question, answer)


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("请提供姓名和身份证号码。", "稍等一下,我找找。"),
        ("请提供姓名和身份证号码。", "一下子想不起来"),
        ("您好,请问有什么可以帮您?", "我想查一下账单。"),  # no name was asked for
    ],
)
def test_an_answer_that_gives_no_name_keeps_its_words(engine, question, answer) -> None:
    assert [t for t in _turns(engine, question, answer) if t[0] == "PERSON"] == []


def test_the_turn_separator_is_the_engines() -> None:
    from pipeline.pii.engine import SPEAKER_CHANGE_JOINER
    from pipeline.pii.recognizers import person_zh

    assert person_zh.SPEAKER_CHANGE_JOINER == SPEAKER_CHANGE_JOINER


@pytest.mark.parametrize("text", ["请问是张伟弦生吗", "请问是张伟鲜生吗", "您好，是王芳女事吗"])
def test_a_title_heard_by_its_sound_follows_the_name(engine, text: str) -> None:
    """先生 / 女士 as the ASR writes them by sound (弦生, 女事) mark the name before them, and
    are not taken into it."""
    name = text[3:5] if text.startswith("请问") else text[4:6]
    assert ("PERSON", name) in found(engine, text, "zh")
