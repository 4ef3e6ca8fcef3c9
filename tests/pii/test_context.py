"""Context words in a character window, and the phrases that exclude them."""

from __future__ import annotations

from pipeline.pii.context import CONTEXT_PREFIX_CHARS


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
