"""Shared regex pieces for the recognizers (checksums: ``pipeline/pii/checksums.py``)."""

from __future__ import annotations

import re

# Digit boundaries that work when digits are glued to Chinese text (where \b does not).
NO_DIGIT_BEFORE = r"(?<![0-9])"
NO_DIGIT_AFTER = r"(?![0-9])"
# A number followed by a unit or a date part is an amount, a rate or a date, never a code.
NOT_QUANTITY_AFTER = (
    r"(?![0-9%％]|[.\-/][0-9]|\s?(?:元|块|万|千|百|亿|角|分钟|分|秒|年|月|日|号|个|位|岁|次|天|笔|点|倍|"
    r"美元|港币|人民币|dollars?|bucks|percent|years?|months?|days?|minutes?|%))"
)
# ... and not the tail of an amount, decimal, dashed or spaced number ("800-820-5555", "3.14")
NOT_CURRENCY_BEFORE = r"(?<![$¥￥€£A-Za-z])(?<![0-9][.,\-/ ])"
SEP = r"[ \-,]?"  # one optional separator between digits (space, dash, Whisper comma)


def digits_of(text: str) -> str:
    """Only the ASCII digits (and a final X) of ``text``."""
    return re.sub(r"[^0-9Xx]", "", text).upper()
