"""Characters folded for detection: what hides a number from a pattern, with an offset map.

A card number grouped with no-break spaces (U+00A0, U+202F), the ideographic space (U+3000,
common in Chinese text) or a line break, written with full-width (１５９) or other script
digits (٣٤٥), or with zero-width characters or soft hyphens between its digits, is one number
to a reader and none to a regular expression. :func:`fold` rewrites such characters (digits to
ASCII, exotic spaces and single line breaks to a space, dashes to ``-``, full-width Latin
letters and ``＠ ．`` to ASCII, the small punctuation forms Whisper writes in Chinese (``﹐ ﹑ ﹒``)
to ``, 、 .``) and drops invisible ones, keeping for each folded character the
original span it came from. A blank line (two line breaks) stays: it is a boundary nothing may
run across (the PII engine joins two speakers' turns with one).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# zero-width and formatting characters, dropped (they never separate what a reader sees)
INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
    "\ufeff"
)
LINE_BREAKS = frozenset("\n\r\u2028\u2029\x0b\x0c\x85")
DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
# Chinese punctuation in the full-width block, kept: ，：；（）！？
FULL_WIDTH_KEPT = frozenset("\uff0c\uff1a\uff1b\uff08\uff09\uff01\uff1f")
FULL_WIDTH_START, FULL_WIDTH_END = 0xFF01, 0xFF5E  # ！ .. ～, the ASCII block in full width
FULL_WIDTH_OFFSET = 0xFEE0  # full-width code point - ASCII code point
SMALL_FORM_START, SMALL_FORM_END = 0xFE50, 0xFE6B  # ﹐ .. ﹫, small punctuation (one char each)


@dataclass(frozen=True)
class Folded:
    """Folded text and, per folded character, the original [start, end) it stands for."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]


def _fold_char(ch: str) -> str:
    """What one character becomes ("" for dropped); line breaks are handled by :func:`fold`."""
    if ch in INVISIBLE:
        return ""
    if ch in DASHES:
        return "-"
    code = ord(ch)
    if FULL_WIDTH_START <= code <= FULL_WIDTH_END and ch not in FULL_WIDTH_KEPT:
        return chr(code - FULL_WIDTH_OFFSET)
    if SMALL_FORM_START <= code <= SMALL_FORM_END:
        return unicodedata.normalize("NFKC", ch)
    digit = unicodedata.decimal(ch, None)
    if digit is not None:
        return str(digit)
    if unicodedata.category(ch) == "Zs":
        return " "
    return ch


def needs_folding(text: str) -> bool:
    """Whether :func:`fold` could change ``text`` (plain ASCII on one line cannot)."""
    return not text.isascii() or any(ch in LINE_BREAKS for ch in text)


def fold(text: str) -> Folded:
    """``text`` with the characters above folded, and the offset map back to ``text``."""
    if not needs_folding(text):
        return Folded(text, tuple(range(len(text))), tuple(range(1, len(text) + 1)))
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in LINE_BREAKS:
            j = i + 1
            while j < n and text[j] in LINE_BREAKS:
                j += 1
            breaks = text[i:j].replace("\r\n", "\n")
            # one break (\n, \r\n) is a space inside a number; a blank line stays a boundary
            out = " " if len(breaks) == 1 else "\n\n"
            for k, piece in enumerate(out):
                pieces.append(piece)
                starts.append(i if k == 0 else j - 1)
                ends.append(j if k == len(out) - 1 else j - 1)
            i = j
            continue
        folded = ch if ch.isascii() else _fold_char(ch)
        for piece in folded:
            pieces.append(piece)
            starts.append(i)
            ends.append(i + 1)
        i += 1
    return Folded("".join(pieces), tuple(starts), tuple(ends))
