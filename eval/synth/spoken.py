"""Where a PII value is said in a turn: the span of text the evaluator treats as the value.

Numbers are said digit by digit in the scripts (一三八 / 幺三八 / "four one one" / "4916"), with
separators between groups. :func:`spoken_span` finds the shortest stretch of the turn whose
digits, read one by one and skipping only separators, are exactly the value's.
"""

from __future__ import annotations

import re

ZH_DIGITS = {
    "零": "0",
    "〇": "0",
    "洞": "0",
    "一": "1",
    "幺": "1",
    "二": "2",
    "两": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
    "叉": "X",
}
EN_DIGITS = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_TOKEN = re.compile(r"[0-9Xx]|[零〇洞一幺二两三四五六七八九叉]|[A-Za-z]+")
_SEPARATOR = re.compile(r"[\s,，、\-–.]*")  # what may stand between the digits of one value


def _digit_tokens(text: str) -> list[tuple[str, int, int]]:
    """(digit, start, end) for every digit said in ``text``."""
    found = []
    for m in _TOKEN.finditer(text):
        token = m.group()
        digit = ZH_DIGITS.get(token) or EN_DIGITS.get(token.lower())
        if digit is None and (token.isdigit() or token in "Xx") and len(token) == 1:
            digit = token.upper()
        if digit is not None:
            found.append((digit, m.start(), m.end()))
    return found


def spoken_span(text: str, value: str) -> tuple[int, int] | None:
    """(start, end) of ``value`` in ``text``: the exact text for words, the digits said one by
    one for a number; None when the turn does not say it."""
    if not re.fullmatch(r"[0-9]+[Xx]?", value):
        at = text.find(value)
        return (at, at + len(value)) if at >= 0 else None
    tokens = _digit_tokens(text)
    target = value.upper()
    for first in range(len(tokens)):
        for matched, k in enumerate(range(first, min(len(tokens), first + len(target)))):
            if k > first and not _SEPARATOR.fullmatch(text[tokens[k - 1][2] : tokens[k][1]]):
                break
            if tokens[k][0] != target[matched]:
                break
            if matched + 1 == len(target):
                return tokens[first][1], tokens[k][2]
    return None


def spoken_text(text: str, value: str) -> str:
    """The part of ``text`` that says ``value`` ("" when it is not said)."""
    span = spoken_span(text, value)
    return text[span[0] : span[1]] if span else ""
