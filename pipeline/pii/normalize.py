"""Spoken-number normalisation with an offset map back to the original text.

ASR writes digits the way people say them: 一三八 / 幺三八 / "four one one one" / "double five",
often with spaces or commas between groups, and Whisper groups long numbers with commas
("4,111,111,111,111,111"). Pattern recognizers want plain digits, so :func:`normalize` rewrites
every *run* of digit tokens to contiguous ASCII digits when the run is spoken (at least one
word or Chinese digit) or a sequence of digit groups, and keeps a per-character map so that a
span found in the normalised text is masked on the original text. Everything else is copied
unchanged.

Digit groups are how Whisper writes a dictated number: groups of 1 to
:data:`MAX_GROUP_DIGITS` digits joined by one separator (space , ， 、 . - / ·, optionally with a
space): "5425, 2334, 3010, 9903", "536.228.741", "773 210", "4,716,2034,812,59599". Such a run
is joined unless its shape says it is something else: an amount (``$5,000``, ``12,000``, a unit
after it), a decimal (``3.85``), a date (``June 2, 1990``, ``04/30/2025``, ``2024-03-15``),
an expiry (``05/27``), a phone or SSN layout the recognizers read as it is (``800-432-1000``,
``(415) 555-2671``, ``123-45-6789``) or a list of small numbers (``10, 11, 12``).

ASR slips inside a dictated run are read as digits: ``I``/``l`` between digit groups ("1.I.84")
and the homophones won / to / too / for / ate between digit words ("one nine ate four").

A spoken run needs at least :data:`MIN_SPOKEN_RUN_DIGITS` digits, so 一个 / 两个 / 三千块 /
"one moment" stay words, and amounts, rates and dates keep their shape (``5000元``, ``3.85%``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.pii.recognizers._common import NOT_QUANTITY_AFTER

MIN_SPOKEN_RUN_DIGITS = 3  # a spoken run shorter than this is left as words
MIN_GROUPED_RUN_DIGITS = 10  # thousands-grouped ASCII numbers ("5,000,000") shorter are amounts
MAX_SEPARATOR_CHARS = 3  # longest gap (spaces, commas, dashes) inside one run
MAX_GROUP_DIGITS = 5  # a written digit group longer than this is not part of a dictated run
DICTATED_MIN_GROUPS = 4  # single-digit groups ("1, 9, 8, 4"): digit by digit, like speech

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
# ASR homophones of digit words, read as digits only between digit words ("four won one")
EN_HOMOPHONES: dict[str, str] = {"won": "1", "to": "2", "too": "2", "for": "4", "ate": "8"}
STRICT_HOMOPHONE_DIGITS = ("1", "8")  # won / ate: enough with one digit word either side
ONE_LIKE_LETTERS = "Il"  # "1.I.84": a 1 misrecognised as a letter, only between digit groups

_EN_WORDS = "|".join(sorted([*EN_DIGITS, *EN_REPEATS], key=len, reverse=True))
_HOMOPHONES = "|".join(sorted(EN_HOMOPHONES, key=len, reverse=True))
_TOKEN_RE = re.compile(
    rf"(?P<ascii>[0-9]+)|(?P<zh>[{''.join(ZH_DIGITS)}])"
    rf"|(?<![A-Za-z])(?P<en>{_EN_WORDS})(?![A-Za-z])"
    rf"|(?<![A-Za-z])(?P<hom>{_HOMOPHONES})(?![A-Za-z])"
    rf"|(?<![A-Za-z])(?-i:(?P<letter>[{ONE_LIKE_LETTERS}]))(?![A-Za-z])",
    re.IGNORECASE,
)
# a gap inside one run: spaces/commas/dashes as people pause, or one Whisper group separator
_SEPARATOR_RE = re.compile(
    rf"[ \t,，、\-]{{0,{MAX_SEPARATOR_CHARS}}}|[.·/]|[ \t]?·[ \t]?|[，、][ \t]?"
)
_SPACE_RE = re.compile(r"[ \t]{1,3}")  # between a homophone's digit-word neighbours
# one separator between digit groups, as around a misrecognised letter
_GROUP_SEPARATOR_RE = re.compile(r"[ \t]|[ \t]?[,，、.\-/·][ \t]?")
_MONTH_BEFORE_RE = re.compile(
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?[ \t]*$",
    re.IGNORECASE,
)
_YEAR_RE = re.compile(r"(?:19|20)[0-9]{2}")
_NOT_A_RUN_BEFORE_RE = re.compile(r"[$¥￥€£+():][ \t]?$")  # $5 ¥5 +CC (415) 10:30
# shapes that are not one dictated number, or that recognizers read in this very layout
_KEEP_SHAPES_RE = re.compile(
    r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]{1,2})?"  # amount (joined only from 10 digits up)
    r"|[0-9]{1,2}\.[0-9]+|[0-9]+\.[0-9]{1,2}"  # decimal, rate, 10.30
    r"|[0-9]{1,2}([/.\-])[0-9]{1,2}\1[0-9]{2,4}"  # 04/30/2025, 15.03.2024
    r"|[0-9]{4}([/.\-])[0-9]{1,2}\2[0-9]{1,2}"  # 2024-03-15
    r"|[0-9]{1,2}/[0-9]{2,4}|[0-9]{4}[/\-][0-9]{1,2}"  # 05/27, 3/15, 2024-03
    r"|(?:1([ .\-]))?[0-9]{3}([ .\-])[0-9]{3}\4[0-9]{4}"  # NANP 800-432-1000, 1-800-...
    r"|[0-9]{3}-[0-9]{4}"  # local 555-2671
    r"|[0-9]{3}([ \-])[0-9]{2}\5[0-9]{4}"  # SSN 123-45-6789
)
# "10, 11, 12" (with a two-digit number: "1, 9, 8, 4" is a number said digit by digit)
_SMALL_LIST_RE = re.compile(r"[0-9]{1,2}(?:[ \t]?[,，、][ \t]?[0-9]{1,2})+")
_CHECK_LETTER_RE = re.compile(
    r"[ \t,，、\-]{0,2}(?:叉|艾克斯|(?<![A-Za-z])(?:x|ex)(?![A-Za-z]))", re.IGNORECASE
)
_ID_BODY_DIGITS = 17  # an ID-card number before its check character
_QUANTITY_AFTER_RE = re.compile(NOT_QUANTITY_AFTER)  # matches where NO unit follows


@dataclass(frozen=True)
class NormalizedText:
    """Text with spoken numbers rewritten, and where each character came from."""

    text: str  # the normalised text
    starts: tuple[int, ...]  # original start offset of each normalised character
    ends: tuple[int, ...]  # original end offset (exclusive) of each normalised character
    # normalised [start, end) of every run rewritten from spoken digits (words or Chinese) or
    # written digit by digit ("1, 9, 8, 4")
    spoken_runs: tuple[tuple[int, int], ...] = ()
    # normalised [start, end) of every run joined from written digit groups ("536.228.741")
    grouped_runs: tuple[tuple[int, int], ...] = ()

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
    kind: str  # ascii | zh | en | repeat | homophone | letter
    repeat: int = 1  # 2 for "double", 3 for "triple"

    @property
    def spoken(self) -> bool:
        return self.kind in ("zh", "en", "repeat", "homophone")


def _token_at(match: re.Match[str]) -> _Token:
    start, end = match.span()
    if match.group("ascii"):
        return _Token(start, end, match.group("ascii"), "ascii")
    if match.group("zh"):
        return _Token(start, end, ZH_DIGITS[match.group("zh")], "zh")
    if match.group("hom"):
        return _Token(start, end, EN_HOMOPHONES[match.group("hom").lower()], "homophone")
    if match.group("letter"):
        return _Token(start, end, "1", "letter")
    word = match.group("en").lower()
    if word in EN_REPEATS:
        return _Token(start, end, "", "repeat", repeat=EN_REPEATS[word])
    return _Token(start, end, EN_DIGITS[word], "en")


def _joined(text: str, left: _Token, right: _Token, gap_re: re.Pattern[str]) -> bool:
    return left.end < right.start and gap_re.fullmatch(text, left.end, right.start) is not None


def _slip_is_digit(text: str, tokens: list[_Token], i: int) -> bool:
    """Whether a letter or homophone token sits inside a dictated run (else it is a word)."""
    if i == 0 or i + 1 >= len(tokens):
        return False
    before, token, after = tokens[i - 1], tokens[i], tokens[i + 1]
    if token.kind == "letter":  # "1.I.84": digit groups on both sides, one separator each
        return (
            before.kind == after.kind == "ascii"
            and _joined(text, before, token, _GROUP_SEPARATOR_RE)
            and _joined(text, token, after, _GROUP_SEPARATOR_RE)
        )
    # a homophone needs digit words on both sides and, unless it is "won" or "ate" (never a
    # plain word between two digit words), a third digit word next to them ("one to one")
    if not (before.kind == after.kind == "en"):
        return False
    if not (
        _joined(text, before, token, _SEPARATOR_RE) and _joined(text, token, after, _SEPARATOR_RE)
    ):
        return False
    outer_before = (
        i >= 2 and tokens[i - 2].kind == "en" and _joined(text, tokens[i - 2], before, _SPACE_RE)
    )
    outer_after = (
        i + 2 < len(tokens)
        and tokens[i + 2].kind == "en"
        and _joined(text, after, tokens[i + 2], _SPACE_RE)
    )
    return outer_before or outer_after or token.digits in STRICT_HOMOPHONE_DIGITS


def _tokens(text: str) -> list[_Token]:
    """Digit tokens of ``text``; letters and homophones only where they stand for a digit."""
    tokens = [_token_at(m) for m in _TOKEN_RE.finditer(text)]
    return [
        t
        for i, t in enumerate(tokens)
        if t.kind not in ("letter", "homophone") or _slip_is_digit(text, tokens, i)
    ]


def _runs(text: str) -> list[list[tuple[_Token, str]]]:
    """Maximal runs of digit tokens joined only by short separators (token, gap-before)."""
    runs: list[list[tuple[_Token, str]]] = []
    current: list[tuple[_Token, str]] = []
    last_end = -1
    for token in _tokens(text):
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


def _drop_month_date(text: str, run: list[tuple[_Token, str]]) -> list[tuple[_Token, str]]:
    """ "June 2, 1990": a day (and a year) right after a month name is a date, not a group."""
    if not _MONTH_BEFORE_RE.search(text, max(0, run[0][0].start - 12), run[0][0].start):
        return run
    if len(run[0][0].digits) > 2:
        return run
    run = run[1:]
    if run and _YEAR_RE.fullmatch(run[0][0].digits):
        run = run[1:]
    return [(t, "" if i == 0 else gap) for i, (t, gap) in enumerate(run)]


def _grouped_run(text: str, run: list[tuple[_Token, str]]) -> list[tuple[_Token, str]]:
    """The part of a written run (no spoken digit) to join as one number, or ``[]``.

    Joined: two or more digit groups of at most :data:`MAX_GROUP_DIGITS` digits, with one kind
    of separator (spaces aside), unless the run is an amount, decimal, date, phone/SSN layout
    or a list of small numbers (see module docstring), is preceded by a currency sign or "+",
    or is followed by a unit.
    """
    run = _drop_month_date(text, run)
    if len(run) < 2 or any(len(t.digits) > MAX_GROUP_DIGITS for t, _ in run):
        return []
    start, end = run[0][0].start, run[-1][0].end
    if any(gap and not _GROUP_SEPARATOR_RE.fullmatch(gap) for _, gap in run[1:]):
        return []
    if len({gap.strip() for _, gap in run[1:]} - {""}) > 1:  # "04/30/2025, 2024-03-15": two
        return []
    if _NOT_A_RUN_BEFORE_RE.search(text, max(0, start - 2), start):
        return []
    if not _QUANTITY_AFTER_RE.match(text, end):
        return []
    shape = text[start:end]
    n_digits = sum(len(t.digits) for t, _ in run)
    small_list = _SMALL_LIST_RE.fullmatch(shape) and any(len(t.digits) == 2 for t, _ in run)
    if _KEEP_SHAPES_RE.fullmatch(shape) or small_list:
        thousands = re.fullmatch(r"[0-9]{1,3}(?:,[0-9]{3})+", shape)
        if not (thousands and n_digits >= MIN_GROUPED_RUN_DIGITS):
            return []
    return run


def _trim_lone_words(run: list[tuple[_Token, str]]) -> list[tuple[_Token, str]]:
    """Drop a leading "o"/"oh" or repeat word that is not followed by more digits."""
    while run and run[-1][0].repeat > 1:
        run = run[:-1]
    return run


def normalize(text: str) -> NormalizedText:
    """Rewrite spoken numbers and written digit groups to digits; map every character back."""
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    spoken_runs: list[tuple[int, int]] = []
    grouped_runs: list[tuple[int, int]] = []
    cursor = 0
    for raw_run in _runs(text):
        run = _trim_lone_words(raw_run)
        if not run:
            continue
        spoken = any(t.spoken for t, _ in run)
        if not spoken:
            run = _grouped_run(text, run)
            if not run:
                continue
        digits = _expand(run)
        if spoken and len(digits) < MIN_SPOKEN_RUN_DIGITS:
            continue
        if (
            spoken
            and all(t.digits in ("0",) and t.spoken for t, _ in run if t.digits)
            and (len(run) < MIN_SPOKEN_RUN_DIGITS)
        ):
            continue
        run_start, run_end = run[0][0].start, run[-1][0].end
        if len(digits) == _ID_BODY_DIGITS:
            check = _CHECK_LETTER_RE.match(text, run_end)
            if check:
                digits.append(("X", check.start(), check.end()))
                run_end = check.end()
        _copy_unchanged(text, cursor, run_start, pieces, starts, ends)
        span = (len(starts), len(starts) + len(digits))
        dictated = len(run) >= DICTATED_MIN_GROUPS and all(len(t.digits) == 1 for t, _ in run)
        if spoken or dictated:
            spoken_runs.append(span)
        else:
            grouped_runs.append(span)
        for digit, d_start, d_end in digits:
            pieces.append(digit)
            starts.append(d_start)
            ends.append(d_end)
        cursor = run_end
    _copy_unchanged(text, cursor, len(text), pieces, starts, ends)
    return NormalizedText(
        "".join(pieces), tuple(starts), tuple(ends), tuple(spoken_runs), tuple(grouped_runs)
    )


def _copy_unchanged(
    text: str, start: int, end: int, pieces: list[str], starts: list[int], ends: list[int]
) -> None:
    """Append ``text[start:end]`` unchanged, each character mapping to itself."""
    if end <= start:
        return
    pieces.append(text[start:end])
    starts.extend(range(start, end))
    ends.extend(range(start + 1, end + 1))
