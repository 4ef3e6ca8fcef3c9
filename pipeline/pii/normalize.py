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
is joined unless its shape says it is something else: an amount (``$5,000``, a unit after it,
a thousands-grouped ``12,000`` unless :mod:`pipeline.pii.thousands` reads it as dictated digits:
Whisper writes "the PIN is 1,984" and "It is 536,228,741." in that shape too), a decimal
(``3.85``), a date (``June 2, 1990``, ``04/30/2025``, ``2024-03-15``), an expiry (``05/27``), a
phone or SSN layout the recognizers read as it is (``800-432-1000``, ``(415) 555-2671``,
``123-45-6789``) or a list of small numbers (``10, 11, 12``).

The digit-density safety net (last line of defence) catches what the shapes above miss: a
stretch made only of digit groups (1 to :data:`MAX_DENSE_GROUP_DIGITS` digits) and separators,
in any mix ("4-9-1-6, 0-3-10-10-8-2-1-5, 2-0-4-2", misheard two-digit groups included, and two
groups Whisper glued together where a segment ended: "5248-1300. 44772917"), holding at least
:data:`MIN_DENSE_RUN_DIGITS` digits, is joined as one run. The run is cut into items at
the pauses (a gap with a space, ， or 、); items that are an amount, decimal, date, expiry,
phone or SSN layout (as above), or that follow a currency sign or precede a unit, stay as they
are and split the stretch; a run after "+" or "(" is a phone layout and stays whole.

ASR slips inside a dictated run are read as digits: ``I``/``l`` between digit groups ("1.I.84"),
the homophones won / to / too / for / ate between digit words ("one nine ate four"), and the
homophones of a digit's syllable (幺 as 姚 / 邀 / 要, 九 as 就 / 酒, 二 as 尔, 零 as 铃, ...)
inside a chain of Chinese digits ("姚姚零邀零八", "要九七五要要三零"). A filler
between two digit groups (:data:`FILLERS`: 呃, 嗯, 那个, uh, um) is a pause inside the run, so
"幺三八，呃，零零幺三，八零零零" is one number, the filler masked with it.

A spoken run needs at least :data:`MIN_SPOKEN_RUN_DIGITS` digits, so 一个 / 两个 / 三千块 /
"one moment" stay words, and amounts, rates and dates keep their shape (``5000元``, ``3.85%``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.pii.fold import fold, needs_folding
from pipeline.pii.recognizers._common import NOT_QUANTITY_AFTER
from pipeline.pii.thousands import THOUSANDS_RE, is_dictated_thousands

MIN_SPOKEN_RUN_DIGITS = 3  # a spoken run shorter than this is left as words
MAX_SEPARATOR_CHARS = 3  # longest gap (spaces, commas, dashes) inside one run
MAX_GROUP_DIGITS = 5  # a written digit group longer than this is not part of a dictated run
# ... except in a dense stretch, where two 4-digit groups may come glued ("44772917")
MAX_DENSE_GROUP_DIGITS = 8
DICTATED_MIN_GROUPS = 4  # single-digit groups ("1, 9, 8, 4"): digit by digit, like speech
# digit-density safety net: a stretch of digit groups, any separators, with this many digits
# or more is one number (an 8-digit stretch is already more than any date, rate or time holds)
MIN_DENSE_RUN_DIGITS = 8

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
    # financial numerals (大写), as read from a form or a cheque
    "壹": "1",
    "贰": "2",
    "貳": "2",
    "叁": "3",
    "叄": "3",
    "參": "3",
    "肆": "4",
    "伍": "5",
    "陆": "6",
    "陸": "6",
    "柒": "7",
    "捌": "8",
    "玖": "9",
}
# counted digits: 四个零 = 0000, 三个八 = 888 (a count, 个, then the digit it repeats)
ZH_COUNTS: dict[str, int] = {
    "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
}  # fmt: skip
COUNTED_MEASURE = "个"
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
# ASR homophones of digit words, read as digits only between digit words ("four won one")
EN_HOMOPHONES: dict[str, str] = {"won": "1", "to": "2", "too": "2", "for": "4", "ate": "8"}
STRICT_HOMOPHONE_DIGITS = ("1", "8")  # won / ate: enough with one digit word either side
# "four" heard as "for" right before a long spoken run ("my card is for five three two ..."):
# the digit when at least this many digit words follow it; "for the system", "for 12 months",
# "for five minutes" keep the word ("to" stays a word: "send it to five five five ...")
LEADING_HOMOPHONE_DIGITS = ("4",)
LEADING_HOMOPHONE_MIN_FOLLOWING = 7  # digit words after it, joined by short separators
# ASR homophones of 幺 (yāo, "one" in dictation): 姚姚零邀零八 is 110108. Read as 1 only inside a
# chain of Chinese digits (joined by separators) holding at least ZH_HOMOPHONE_MIN_DIGITS digits
# characters the ASR writes for a digit said, by the digit's syllable (yao, er, san, si, wu,
# liu, qi, ba, jiu, ling): digits only inside a chain of real Chinese digits (see below)
ZH_HOMOPHONES: dict[str, str] = {
    ch: digit
    for digit, chars in (
        ("1", "姚邀腰妖吆夭尧遥摇窑要药耀悠"),
        ("2", "尔而儿耳"),
        ("3", "伞散"),
        ("4", "寺似"),
        ("5", "午舞武吴"),
        ("6", "流留溜柳"),
        ("7", "期齐其"),
        ("8", "巴吧爸"),
        ("9", "就酒久救舅"),
        ("0", "铃玲灵龄"),
    )
    for ch in chars
}
ZH_HOMOPHONE_MIN_DIGITS = 3
# the homophones that may open or close a chain (幺 is heard as 姚 / 要 at either end); the
# others only between two digits, so "…九零三就可以了" keeps its 就
EDGE_HOMOPHONE_DIGITS = ("1",)
ONE_LIKE_LETTERS = "Il"  # "1.I.84": a 1 misrecognised as a letter, only between digit groups

_EN_WORDS = "|".join(sorted([*EN_DIGITS, *EN_REPEATS], key=len, reverse=True))
_HOMOPHONES = "|".join(sorted(EN_HOMOPHONES, key=len, reverse=True))
_TOKEN_RE = re.compile(
    rf"(?P<count>[{''.join(ZH_COUNTS)}]){COUNTED_MEASURE}(?=[{''.join(ZH_DIGITS)}])"
    rf"|(?P<ascii>[0-9]+)|(?P<zh>[{''.join(ZH_DIGITS)}])|(?P<zhhom>[{''.join(ZH_HOMOPHONES)}])"
    rf"|(?<![A-Za-z])(?P<en>{_EN_WORDS})(?![A-Za-z])"
    rf"|(?<![A-Za-z])(?P<hom>{_HOMOPHONES})(?![A-Za-z])"
    rf"|(?<![A-Za-z])(?-i:(?P<letter>[{ONE_LIKE_LETTERS}]))(?![A-Za-z])",
    re.IGNORECASE,
)
# a gap inside one run: spaces/commas/dashes as people pause, or one Whisper group separator
_SEPARATOR_RE = re.compile(
    rf"[ \t,，、\-]{{0,{MAX_SEPARATOR_CHARS}}}|[.·/]|[ \t]?·[ \t]?|[，、][ \t]?"
)
# a filler said while reading a number out is a pause in it: "幺三八，呃，零零幺三", "seven one
# eight, uh, five five five"
FILLERS = ("呃", "嗯", "额", "那个", "uh", "um", "umm", "er", "erm")
_FILLER_GAP_RE = re.compile(
    rf"[ \t,，、\-]{{0,{MAX_SEPARATOR_CHARS}}}(?:{'|'.join(FILLERS)})(?![A-Za-z])"
    rf"[ \t,，、\-]{{0,{MAX_SEPARATOR_CHARS}}}",
    re.IGNORECASE,
)
# ... and between two written digit groups also a dot or slash with spaces ("4916. 0310")
_ASCII_SEPARATOR_RE = re.compile(r"[ \t]?[.·/][ \t]?")
_SPACED_DOT_RE = re.compile(r"[ \t][./]|[./][ \t]")  # never a single-kind group separator
_PAUSE_RE = re.compile(r"[ \t，、]")  # a gap holding one of these ends an item of a dense run
_NOT_A_DENSE_RUN_BEFORE_RE = re.compile(r"[+(][ \t]?$")  # +1 415 555 2671, (415) ...
_SPACE_RE = re.compile(r"[ \t]{1,3}")  # between a homophone's digit-word neighbours
# one separator between digit groups, as around a misrecognised letter
_GROUP_SEPARATOR_RE = re.compile(r"[ \t]|[ \t]?[,，、.\-/·][ \t]?")
_MONTH_BEFORE_RE = re.compile(
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?[ \t]*$",
    re.IGNORECASE,
)
_YEAR_RE = re.compile(r"(?:19|20)[0-9]{2}")
# $5 ¥5 +CC (415) 10:30 (a colon with a space after it introduces a number: "code: 773 210")
_NOT_A_RUN_BEFORE_RE = re.compile(r"(?:[$¥￥€£+()][ \t]?|:)$")
_CURRENCY_BEFORE_RE = re.compile(r"(?:[$¥￥€£][ \t]?|:)$")  # the first item is an amount/time
# shapes that are not one dictated number, or that recognizers read in this very layout
_KEEP_SHAPES_RE = re.compile(
    r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]{1,2})?"  # amount (unless dictated: see thousands.py)
    r"|[0-9]{1,2}\.[0-9]+|[0-9]+\.[0-9]{1,2}"  # decimal, rate, 10.30
    r"|[0-9]{1,2}([/.\-])[0-9]{1,2}\1[0-9]{2,4}"  # 04/30/2025, 15.03.2024
    r"|[0-9]{4}([/.\-])[0-9]{1,2}\2[0-9]{1,2}"  # 2024-03-15
    r"|[0-9]{1,2}/[0-9]{2,4}|[0-9]{4}[/\-][0-9]{1,2}"  # 05/27, 3/15, 2024-03
    r"|(?:1([ .\-]))?[0-9]{3}([ .\-])[0-9]{3}\4[0-9]{4}"  # NANP 800-432-1000, 1-800-...
    r"|[0-9]{3}-[0-9]{4}"  # local 555-2671
    r"|[0-9]{3}([ \-])[0-9]{2}\5[0-9]{4}"  # SSN 123-45-6789
)
_AMOUNT = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]{1,2})?"
# items of a dense run that keep their shape: stricter than _KEEP_SHAPES_RE, since a misheard
# dictation writes "7-9-12" (no date: a date item needs a four-digit year)
_DENSE_KEEP_RE = re.compile(
    rf"{_AMOUNT}(?:[\-~]{_AMOUNT})?"  # 12,500.00, 1,000-5,000
    r"|[0-9]{1,2}\.[0-9]+|[0-9]+\.[0-9]{1,2}"  # decimal, rate, 9.30
    r"|[0-9]{1,2}([/.\-])[0-9]{1,2}\1(?:19|20)[0-9]{2}"  # 04/30/2025, 15.03.2024
    r"|(?:19|20)[0-9]{2}([/.\-])[0-9]{1,2}\2[0-9]{1,2}"  # 2024-03-15
    r"|[0-9]{1,2}/[0-9]{2,4}|(?:19|20)[0-9]{2}[/\-][0-9]{1,2}"  # 05/27, 3/15, 2024-03
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
    kind: str  # ascii | zh | en | repeat | homophone | zh_homophone | letter
    repeat: int = 1  # 2 for "double", 3 for "triple"

    @property
    def spoken(self) -> bool:
        return self.kind in ("zh", "en", "repeat", "homophone", "zh_homophone")


def _token_at(match: re.Match[str]) -> _Token:
    start, end = match.span()
    if match.group("count"):
        return _Token(start, end, "", "repeat", repeat=ZH_COUNTS[match.group("count")])
    if match.group("ascii"):
        return _Token(start, end, match.group("ascii"), "ascii")
    if match.group("zh"):
        return _Token(start, end, ZH_DIGITS[match.group("zh")], "zh")
    if match.group("zhhom"):
        return _Token(start, end, ZH_HOMOPHONES[match.group("zhhom")], "zh_homophone")
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


def _opens_long_run(text: str, tokens: list[_Token], i: int) -> bool:
    """Whether homophone ``tokens[i]`` is one of :data:`LEADING_HOMOPHONE_DIGITS` ("for") with
    at least :data:`LEADING_HOMOPHONE_MIN_FOLLOWING` spoken digit words right after it, each
    joined to the one before by a short separator: a long run it opens."""
    if tokens[i].digits not in LEADING_HOMOPHONE_DIGITS:
        return False
    last, following = tokens[i], 0
    for token in tokens[i + 1 :]:
        if token.kind not in ("en", "repeat", "homophone") or not _joined(
            text, last, token, _SEPARATOR_RE
        ):
            break
        following += token.kind != "homophone"
        last = token
    return following >= LEADING_HOMOPHONE_MIN_FOLLOWING


def _slip_is_digit(text: str, tokens: list[_Token], i: int) -> bool:
    """Whether a letter or homophone token sits inside a dictated run, or (a homophone of
    "four") opens a long one (else it is a word)."""
    if tokens[i].kind == "homophone" and _opens_long_run(text, tokens, i):
        return True
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


def _zh_homophone_digits(text: str, tokens: list[_Token]) -> set[int]:
    """Indices of the digit homophones in ``tokens`` that stand for a digit: those in a chain of
    Chinese digit tokens (each joined to the next by a separator, a homophone touching its
    neighbour) with at least :data:`ZH_HOMOPHONE_MIN_DIGITS` real Chinese digits, and inside
    the chain unless they are 幺's (:data:`EDGE_HOMOPHONE_DIGITS`) ("姚九七九", "五幺零酒酒三"
    yes; "姚明", "姚先生", "姚，一三八", "九零三就" no)."""
    digits: set[int] = set()
    chain: list[int] = []
    for i, token in enumerate([*tokens, None]):
        joined = False
        if token is not None and token.kind in ("zh", "zh_homophone") and chain:
            last = tokens[chain[-1]]
            gap = text[last.end : token.start]
            # a homophone touches its neighbour: "姚，一三八" is a surname before a number
            joined = (
                not gap
                if "zh_homophone" in (last.kind, token.kind)
                else _SEPARATOR_RE.fullmatch(gap) is not None
            )
        if chain and not joined:
            if sum(tokens[j].kind == "zh" for j in chain) >= ZH_HOMOPHONE_MIN_DIGITS:
                digits.update(
                    j
                    for k, j in enumerate(chain)
                    if tokens[j].kind == "zh_homophone"
                    and (tokens[j].digits in EDGE_HOMOPHONE_DIGITS or 0 < k < len(chain) - 1)
                )
            chain = []
        if token is not None and token.kind in ("zh", "zh_homophone"):
            chain.append(i)
    return digits


def _tokens(text: str) -> list[_Token]:
    """Digit tokens of ``text``; letters and homophones only where they stand for a digit."""
    tokens = [_token_at(m) for m in _TOKEN_RE.finditer(text)]
    zh_homophones = _zh_homophone_digits(text, tokens)
    return [
        t
        for i, t in enumerate(tokens)
        if (t.kind not in ("letter", "homophone", "zh_homophone"))
        or (t.kind == "zh_homophone" and i in zh_homophones)
        or (t.kind != "zh_homophone" and _slip_is_digit(text, tokens, i))
    ]


def _runs(text: str) -> list[list[tuple[_Token, str]]]:
    """Maximal runs of digit tokens joined only by short separators (token, gap-before)."""
    runs: list[list[tuple[_Token, str]]] = []
    current: list[tuple[_Token, str]] = []
    last_end = -1
    for token in _tokens(text):
        gap = text[last_end : token.start] if current else ""
        if current and (
            _SEPARATOR_RE.fullmatch(gap)
            or _filler_gap(gap)
            or (
                not token.spoken
                and not current[-1][0].spoken
                and _ASCII_SEPARATOR_RE.fullmatch(gap)
            )
        ):
            current.append((token, gap))
        else:
            if current:
                runs.append(current)
            current = [(token, "")]
        last_end = token.end
    if current:
        runs.append(current)
    return runs


def _filler_gap(gap: str) -> bool:
    """Whether ``gap`` is a filler between pauses (never glued to a word: "um" in "umbrella")."""
    match = _FILLER_GAP_RE.fullmatch(gap)
    return match is not None and (gap[:1] in " \t,，、-" or not gap[:1].isascii())


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
    if any(
        gap and (not _GROUP_SEPARATOR_RE.fullmatch(gap) or _SPACED_DOT_RE.search(gap))
        for _, gap in run[1:]
    ):
        return []
    if len({gap.strip() for _, gap in run[1:]} - {""}) > 1:  # "04/30/2025, 2024-03-15": two
        return []
    if _NOT_A_RUN_BEFORE_RE.search(text, max(0, start - 2), start):
        return []
    if not _QUANTITY_AFTER_RE.match(text, end):
        return []
    shape = text[start:end]
    small_list = _SMALL_LIST_RE.fullmatch(shape) and any(len(t.digits) == 2 for t, _ in run)
    if _KEEP_SHAPES_RE.fullmatch(shape) or small_list:
        thousands = THOUSANDS_RE.fullmatch(shape)
        if not (thousands and is_dictated_thousands(text, start, end)):
            return []
    return run


def _items(run: list[tuple[_Token, str]]) -> list[list[tuple[_Token, str]]]:
    """The run cut at its pauses (gaps with a space, ， or 、): "4-9-1-6, 0-3-10" is two items."""
    items: list[list[tuple[_Token, str]]] = []
    for token, gap in run:
        if items and not _PAUSE_RE.search(gap):
            items[-1].append((token, gap))
        else:
            items.append([(token, gap)])
    return items


def _dense_stretches(text: str, run: list[tuple[_Token, str]]) -> list[list[tuple[_Token, str]]]:
    """Stretches of a written run to join by digit density alone (see module docstring).

    Only for a run :func:`_grouped_run` did not join. Items that keep their shape (amount,
    decimal, date, phone or SSN layout; longer than :data:`MAX_DENSE_GROUP_DIGITS` digits per group;
    after a currency sign; before a unit) split the run; each stretch of the other items with
    :data:`MIN_DENSE_RUN_DIGITS` digits or more is returned (first gap cleared); a group of more
    than :data:`MAX_GROUP_DIGITS` digits only with other groups (alone it is left as written).
    """
    run = _drop_month_date(text, run)
    if sum(len(t.digits) for t, _ in run) < MIN_DENSE_RUN_DIGITS:
        return []
    start, end = run[0][0].start, run[-1][0].end
    if _NOT_A_DENSE_RUN_BEFORE_RE.search(text, max(0, start - 2), start):
        return []
    if _KEEP_SHAPES_RE.fullmatch(text, start, end):  # "800 432 1000", "5,000,000,000 dollars"
        return []
    stretches: list[list[tuple[_Token, str]]] = []
    current: list[tuple[_Token, str]] = []
    items = _items(run)
    for index, item in enumerate(items):
        item_start, item_end = item[0][0].start, item[-1][0].end
        keep = (
            any(len(t.digits) > MAX_DENSE_GROUP_DIGITS for t, _ in item)
            or _DENSE_KEEP_RE.fullmatch(text, item_start, item_end) is not None
            or (index == 0 and _CURRENCY_BEFORE_RE.search(text, max(0, start - 2), start))
            or (index == len(items) - 1 and not _QUANTITY_AFTER_RE.match(text, item_end))
        )
        if keep:
            stretches.append(current)
            current = []
        else:
            current.extend(item)
    stretches.append(current)
    return [
        [(t, "" if i == 0 else gap) for i, (t, gap) in enumerate(stretch)]
        for stretch in stretches
        if sum(len(t.digits) for t, _ in stretch) >= MIN_DENSE_RUN_DIGITS
        and (len(stretch) > 1 or len(stretch[0][0].digits) <= MAX_GROUP_DIGITS)
    ]


def _trim_lone_words(run: list[tuple[_Token, str]]) -> list[tuple[_Token, str]]:
    """Drop a leading "o"/"oh" or repeat word that is not followed by more digits."""
    while run and run[-1][0].repeat > 1:
        run = run[:-1]
    return run


def normalize(text: str) -> NormalizedText:
    """Rewrite spoken numbers and written digit groups to digits; map every character back.

    The text is first folded for detection (:mod:`pipeline.pii.fold`: full-width and other
    script digits, exotic spaces, invisible characters, single line breaks), so the map points
    at the original, unfolded text."""
    if not needs_folding(text):
        return _normalize_folded(text)
    folded = fold(text)
    inner = _normalize_folded(folded.text)
    return NormalizedText(
        inner.text,
        tuple(folded.starts[s] for s in inner.starts),
        tuple(folded.ends[e - 1] for e in inner.ends),
        inner.spoken_runs,
        inner.grouped_runs,
    )


def _normalize_folded(text: str) -> NormalizedText:
    out = _Output()
    for raw_run in _runs(text):
        run = _trim_lone_words(raw_run)
        if not run:
            continue
        if any(t.spoken for t, _ in run):
            _join_run(text, run, True, out)
            continue
        grouped = _grouped_run(text, run)
        for part in [grouped] if grouped else _dense_stretches(text, run):
            _join_run(text, part, False, out)
    _copy_unchanged(text, out.cursor, len(text), out.pieces, out.starts, out.ends)
    return NormalizedText(
        "".join(out.pieces),
        tuple(out.starts),
        tuple(out.ends),
        tuple(out.spoken_runs),
        tuple(out.grouped_runs),
    )


@dataclass
class _Output:
    """The normalised text being built (mutable, private to :func:`normalize`)."""

    pieces: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    spoken_runs: list[tuple[int, int]] = field(default_factory=list)
    grouped_runs: list[tuple[int, int]] = field(default_factory=list)
    cursor: int = 0  # original offset copied up to


def _join_run(text: str, run: list[tuple[_Token, str]], spoken: bool, out: _Output) -> None:
    """Copy the text before ``run`` unchanged, then the run as contiguous digits."""
    digits = _expand(run)
    if spoken and len(digits) < MIN_SPOKEN_RUN_DIGITS:
        return
    if (
        spoken
        and all(t.digits in ("0",) and t.spoken for t, _ in run if t.digits)
        and (len(run) < MIN_SPOKEN_RUN_DIGITS)
    ):
        return
    run_start, run_end = run[0][0].start, run[-1][0].end
    if len(digits) == _ID_BODY_DIGITS:
        check = _CHECK_LETTER_RE.match(text, run_end)
        if check:
            digits.append(("X", check.start(), check.end()))
            run_end = check.end()
    _copy_unchanged(text, out.cursor, run_start, out.pieces, out.starts, out.ends)
    span = (len(out.starts), len(out.starts) + len(digits))
    dictated = len(run) >= DICTATED_MIN_GROUPS and all(len(t.digits) == 1 for t, _ in run)
    (out.spoken_runs if spoken or dictated else out.grouped_runs).append(span)
    for digit, d_start, d_end in digits:
        out.pieces.append(digit)
        out.starts.append(d_start)
        out.ends.append(d_end)
    out.cursor = run_end


def _copy_unchanged(
    text: str, start: int, end: int, pieces: list[str], starts: list[int], ends: list[int]
) -> None:
    """Append ``text[start:end]`` unchanged, each character mapping to itself."""
    if end <= start:
        return
    pieces.append(text[start:end])
    starts.extend(range(start, end))
    ends.extend(range(start + 1, end + 1))
