"""Spoken-number normalisation with an offset map back to the original text.

ASR writes digits the way people say them: 一三八 / 幺三八 / "four one one one" / "double five",
often with spaces or commas between groups, and Whisper groups long numbers with commas
("4,111,111,111,111,111"). Pattern recognizers want plain digits, so :func:`normalize` rewrites
every *run* of digit tokens to contiguous ASCII digits when the run is spoken (at least one
word or Chinese digit) or comma-grouped, and keeps a per-character map so that a span found in
the normalised text is masked on the original text. Everything else is copied unchanged.

A run needs at least :data:`MIN_SPOKEN_RUN_DIGITS` digits, so 一个 / 两个 / 三千块 / "one moment"
stay words, and amounts, rates and dates keep their shape (``5000元``, ``3.85%``, ``$5,000``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_SPOKEN_RUN_DIGITS = 3  # a spoken run shorter than this is left as words
MIN_GROUPED_RUN_DIGITS = 10  # comma-grouped ASCII numbers shorter than this are amounts
MAX_SEPARATOR_CHARS = 3  # longest gap (spaces, commas, dashes) inside one run

ZH_DIGITS: dict[str, str] = {
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
}
EN_DIGITS: dict[str, str] = {
    "zero": "0",
    "oh": "0",
    "o": "0",
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
EN_REPEATS: dict[str, int] = {"double": 2, "triple": 3}
CHECK_LETTER_WORDS = ("叉", "艾克斯", "x", "ex")  # the spoken X closing an ID-card number

_EN_WORDS = "|".join(sorted([*EN_DIGITS, *EN_REPEATS], key=len, reverse=True))
_TOKEN_RE = re.compile(
    rf"(?P<ascii>[0-9]+)|(?P<zh>[{''.join(ZH_DIGITS)}])"
    rf"|(?<![A-Za-z])(?P<en>{_EN_WORDS})(?![A-Za-z])",
    re.IGNORECASE,
)
_SEPARATOR_RE = re.compile(rf"[ \t,，、\-]{{0,{MAX_SEPARATOR_CHARS}}}")
_CHECK_LETTER_RE = re.compile(
    r"[ \t,，、\-]{0,2}(?:叉|艾克斯|(?<![A-Za-z])(?:x|ex)(?![A-Za-z]))", re.IGNORECASE
)
_ID_BODY_DIGITS = 17  # an ID-card number before its check character


@dataclass(frozen=True)
class NormalizedText:
    """Text with spoken numbers rewritten, and where each character came from."""

    text: str  # the normalised text
    starts: tuple[int, ...]  # original start offset of each normalised character
    ends: tuple[int, ...]  # original end offset (exclusive) of each normalised character
    # normalised [start, end) of every run rewritten from spoken digits (words or Chinese)
    spoken_runs: tuple[tuple[int, int], ...] = ()

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original ``[start, end)`` span covering normalised ``[start, end)``."""
        if end <= start:
            pos = (
                self.starts[start]
                if start < len(self.starts)
                else (self.ends[-1] if self.ends else 0)
            )
            return pos, pos
        return self.starts[start], self.ends[end - 1]


@dataclass(frozen=True)
class _Token:
    start: int  # original offsets
    end: int
    digits: str  # what it stands for ("" for a repeat word)
    spoken: bool
    repeat: int = 1  # 2 for "double", 3 for "triple"


def _token_at(match: re.Match[str]) -> _Token:
    if match.group("ascii"):
        return _Token(match.start(), match.end(), match.group("ascii"), spoken=False)
    if match.group("zh"):
        return _Token(match.start(), match.end(), ZH_DIGITS[match.group("zh")], spoken=True)
    word = match.group("en").lower()
    if word in EN_REPEATS:
        return _Token(match.start(), match.end(), "", spoken=True, repeat=EN_REPEATS[word])
    return _Token(match.start(), match.end(), EN_DIGITS[word], spoken=True)


def _runs(text: str) -> list[list[tuple[_Token, str]]]:
    """Maximal runs of digit tokens joined only by short separators (token, gap-before)."""
    runs: list[list[tuple[_Token, str]]] = []
    current: list[tuple[_Token, str]] = []
    last_end = -1
    for match in _TOKEN_RE.finditer(text):
        token = _token_at(match)
        gap = text[last_end : token.start] if current else ""
        if current and _SEPARATOR_RE.fullmatch(gap):
            current.append((token, gap))
        else:
            if current:
                runs.append(current)
            current = [(token, "")]
        last_end = token.end
    if current:
        runs.append(current)
    return runs


def _expand(run: list[tuple[_Token, str]]) -> list[tuple[str, int, int]]:
    """Digits of a run as (digit, original start, original end); repeat words apply forward."""
    out: list[tuple[str, int, int]] = []
    pending: _Token | None = None
    for token, _gap in run:
        if token.repeat > 1:
            pending = token
            continue
        if pending is not None and token.digits:
            for _ in range(pending.repeat - 1):
                out.append((token.digits[0], pending.start, pending.end))
            pending = None
        out.extend(
            (
                d,
                token.start + i if not token.spoken else token.start,
                token.start + i + 1 if not token.spoken else token.end,
            )
            for i, d in enumerate(token.digits)
        )
    return out


def _is_whisper_grouped(run: list[tuple[_Token, str]]) -> bool:
    if len(run) < 3 or any(t.spoken for t, _ in run):
        return False
    if any(gap != "," for _, gap in run[1:]):
        return False
    if len(run[0][0].digits) > 3 or any(len(t.digits) != 3 for t, _ in run[1:]):
        return False
    return sum(len(t.digits) for t, _ in run) >= MIN_GROUPED_RUN_DIGITS


def _trim_lone_words(run: list[tuple[_Token, str]]) -> list[tuple[_Token, str]]:
    """Drop a leading "o"/"oh" or repeat word that is not followed by more digits."""
    while run and run[-1][0].repeat > 1:
        run = run[:-1]
    return run


def normalize(text: str) -> NormalizedText:
    """Rewrite spoken and comma-grouped numbers to digits; map every character back."""
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    spoken_runs: list[tuple[int, int]] = []
    cursor = 0
    for raw_run in _runs(text):
        run = _trim_lone_words(raw_run)
        if not run:
            continue
        spoken = any(t.spoken for t, _ in run)
        digits = _expand(run)
        if spoken and len(digits) < MIN_SPOKEN_RUN_DIGITS:
            continue
        if (
            spoken
            and all(t.digits in ("0",) and t.spoken for t, _ in run if t.digits)
            and (len(run) < MIN_SPOKEN_RUN_DIGITS)
        ):
            continue
        if not spoken and not _is_whisper_grouped(run):
            continue
        run_start, run_end = run[0][0].start, run[-1][0].end
        if len(digits) == _ID_BODY_DIGITS:
            check = _CHECK_LETTER_RE.match(text, run_end)
            if check:
                digits.append(("X", check.start(), check.end()))
                run_end = check.end()
        _copy_unchanged(text, cursor, run_start, pieces, starts, ends)
        if spoken:
            spoken_runs.append((len(starts), len(starts) + len(digits)))
        for digit, d_start, d_end in digits:
            pieces.append(digit)
            starts.append(d_start)
            ends.append(d_end)
        cursor = run_end
    _copy_unchanged(text, cursor, len(text), pieces, starts, ends)
    return NormalizedText("".join(pieces), tuple(starts), tuple(ends), tuple(spoken_runs))


def _copy_unchanged(
    text: str, start: int, end: int, pieces: list[str], starts: list[int], ends: list[int]
) -> None:
    """Append ``text[start:end]`` unchanged, each character mapping to itself."""
    if end <= start:
        return
    pieces.append(text[start:end])
    starts.extend(range(start, end))
    ends.extend(range(start + 1, end + 1))
