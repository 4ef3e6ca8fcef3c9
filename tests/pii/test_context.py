"""Context words in a character window, and the phrases that exclude them."""

from __future__ import annotations

from pipeline.models import Segment, Transcript
from pipeline.pii.context import (
    CONTEXT_PREFIX_CHARS,
    PREVIOUS_TURN_CHARS,
    TURN_SEPARATOR,
    context_window_start,
)


def test_an_exclusion_cut_by_the_window_still_excludes(engine) -> None:
    """The window before a number may start inside "zip code", leaving "p code": the
    exclusion is looked for in the whole text, so "code" still does not announce a one-time
    code (a customer reading a zip after being asked for it)."""
    digits = "98122"
    filler = "for the account at the old place"
    text = f"your date of birth and zip code {filler} {digits}"
    code_at = text.index("zip code") + len("zip ")
    # the window of CONTEXT_PREFIX_CHARS before the digits starts inside "zip code"
    window_start = text.index(digits) - CONTEXT_PREFIX_CHARS
    assert text.index("zip code") < window_start <= code_at
    types = {s.entity_type for s in engine.analyze_text(text, "en")}
    assert "VERIFICATION_CODE" not in types
    # the same digits after a real one-time-code request are a code
    asked = engine.analyze_text(f"read me the code we texted you {digits}", "en")
    assert "VERIFICATION_CODE" in {s.entity_type for s in asked}


def test_a_later_question_takes_the_digits_from_a_secret_context(engine) -> None:
    """ "密码 ... 请提供身份证后四位 二二八六": the digits answer the later question (ID last four),
    so they are no PIN; straight after the PIN question they are one."""
    warned = engine.analyze_text(
        "密码请您不要告诉任何人 请提供姓名和身份证后四位 许文斌 后四位二二八六", "zh"
    )
    assert "PIN" not in {s.entity_type for s in warned}
    asked = engine.analyze_text("请告诉我您的取款密码 一二三四五六", "zh")
    assert "PIN" in {s.entity_type for s in asked}
    en = engine.analyze_text("never share your pin, now the last four of your social: 4471", "en")
    assert "PIN" not in {s.entity_type for s in en}


def test_an_answer_at_a_turn_start_sees_the_whole_question(engine) -> None:
    """The agent asks for the SMS code at the start of a long turn; the customer's answer,
    after a few fillers, is more than the character window away from 短信, but the window
    reaching into the previous turn covers all of it."""
    question = (
        "好的，我这边刚给您的手机发了一条短信，麻烦您把里面那几位数字读给我，"
        "我这边帮您核实一下身份，好吗"
    )
    answer = "哦，稍等，我看看，是729416。"
    assert len(question) - question.rindex("短信") + len(answer) > CONTEXT_PREFIX_CHARS
    segments = (Segment("agent", 0.0, 6.0, question), Segment("customer", 6.5, 9.0, answer))
    found = engine.analyze_transcript(Transcript("ctx1", "zh", 9.0, segments))
    assert [(f.entity_type, answer[f.start : f.end]) for f in found if f.segment_index == 1] == [
        ("VERIFICATION_CODE", "729416")
    ]
    # the same answer with no question before it is no code
    alone = engine.analyze_text(answer, "zh")
    assert "VERIFICATION_CODE" not in {s.entity_type for s in alone}


def test_the_window_reaches_back_one_turn_only() -> None:
    """From the start of a turn the window covers the previous turn, bounded in characters,
    never the turn before it."""
    first = "请告诉我验证码"
    second = "好的" * CONTEXT_PREFIX_CHARS
    third = "嗯，是"
    text = f"{first}{TURN_SEPARATOR}{second}{TURN_SEPARATOR}{third}123456"
    start = context_window_start(text, text.index("123456"))
    assert start == text.index(second)
    long_turn = "谢" * (PREVIOUS_TURN_CHARS + 50)
    text = f"{long_turn}{TURN_SEPARATOR}是123456"
    boundary = text.index(TURN_SEPARATOR)
    assert context_window_start(text, text.index("123456")) == boundary - PREVIOUS_TURN_CHARS
    # inside a long turn, the plain window
    text = "谢" * 100 + "123456"
    assert context_window_start(text, 100) == 100 - CONTEXT_PREFIX_CHARS
