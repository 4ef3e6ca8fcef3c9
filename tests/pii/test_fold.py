"""Folding for detection: what hides a number from a pattern, mapped back to the original."""

from __future__ import annotations

import pytest

from pipeline.pii.fold import fold, needs_folding


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("6222\u00a00212", "6222 0212"),  # no-break space
        ("6222\u202f0212", "6222 0212"),  # narrow no-break space
        ("6222\u30000212", "6222 0212"),  # ideographic space
        ("6222\u200b0212\u2060", "62220212"),  # zero-width space, word joiner
        ("6222\u00ad0212", "62220212"),  # soft hyphen
        ("6222\ufeff0212", "62220212"),  # byte-order mark
        ("１５９－００００", "159-0000"),  # full-width digits and hyphen
        ("٣٤٥", "345"),  # Arabic-Indic digits
        ("۱۲", "12"),  # extended Arabic-Indic
        ("६७", "67"),  # Devanagari
        ("6222\u20130212", "6222-0212"),  # en dash
        ("ｊｏｈｎ＠ｂａｎｋ．ｃｎ", "john@bank.cn"),
        ("6222\n0212", "6222 0212"),  # one line break: inside a number
        ("6222\r\n0212", "6222 0212"),
        ("6222\n\n0212", "6222\n\n0212"),  # a blank line: a boundary
        ("您好，请问（一）？", "您好，请问（一）？"),  # Chinese punctuation stays
        # Whisper's small punctuation forms between dictated digits
        ("幺幺零﹑幺九七九﹐三三", "幺幺零、幺九七九,三三"),
        ("感谢您﹒再见﹗", "感谢您.再见!"),
        ("plain ascii", "plain ascii"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    result = fold(text)
    assert result.text == folded
    assert len(result.starts) == len(result.ends) == len(result.text)
    # every folded character points into the original, in order
    assert list(result.starts) == sorted(result.starts)
    assert all(0 <= s < e <= len(text) for s, e in zip(result.starts, result.ends, strict=True))


def test_the_map_covers_dropped_characters() -> None:
    text = "卡号6222\u200b0212"
    result = fold(text)
    start = result.text.index("6")
    end = len(result.text)
    assert text[result.starts[start] : result.ends[end - 1]] == "6222\u200b0212"


def test_plain_ascii_needs_no_folding() -> None:
    assert not needs_folding("card 4111 1111")
    assert needs_folding("card\n4111") and needs_folding("卡号")
