"""Text matching for rules: normalisation, phrase (exact / fuzzy / pinyin) and regex, negation.

Everything matches on *normalised* text: NFKC (full-width to half-width), lower case,
punctuation replaced by ``|`` (a clause boundary), hyphens as spaces, apostrophes dropped; in
Chinese, spaces are dropped except between two Latin letters, so ``1 3 8`` reads ``138``.
The segments of a call are joined by newlines into one string and each matcher scans it once.

Pinyin matching compares toneless syllables character by character with the usual ASR / accent
confusions merged (zh/z, ch/c, sh/s, -ing/-in, -eng/-en), so 理才 matches 理财 and 投资需谨慎
matches 投资须谨慎.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property, lru_cache

from pipeline.models import Transcript

SEGMENT_SEPARATOR = "\n"
CLAUSE_BOUNDARY = "|"
NEGATION_WINDOW_ZH_CHARS = 15  # look-back for a negation cue, Chinese characters
NEGATION_WINDOW_EN_WORDS = 8  # look-back for a negation cue, English words

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ASCII_ALNUM = re.compile(r"[a-z0-9]")
_SPACES = re.compile(r" {2,}")
_BARS = re.compile(r"(?:\s*\|\s*)+")

# Negation cues, "pseudo" negations that negate nothing, and words that open a new clause.
_NEG_ZH = re.compile(
    r"不|没|非|无|无需|无须|无法|并非|绝非|切勿|请勿|勿|千万别|别告诉|别把|别给|别透露|别说"
)
_PSEUDO_ZH = re.compile(
    r"不好意思|不客气|不用谢|没关系|没问题|不错|不然|要不要|是不是|能不能|可不可以|可以不可以|"
    r"方不方便|方便不方便|好不好|对不对|行不行|有没有|会不会|了不了解|清不清楚|"
    r"非常|除非|无论|无线|无聊"
)
_BOUNDARY_ZH = re.compile(r"但是|但|不过|可是|然后|现在|那么|另外|还有|请您|请你|麻烦您|麻烦你")
_NEG_EN = re.compile(
    r"\b(?:not|never|no|dont|doesnt|didnt|wont|wouldnt|isnt|arent|wasnt|cannot|cant|"
    r"shouldnt|mustnt|without|nor|neither|nothing|nobody|none)\b"
)
_PSEUDO_EN = re.compile(r"\b(?:no problem|no worries|not a problem|not sure|no thanks)\b")
_BOUNDARY_EN = re.compile(r"\b(?:but|however|so|now|please|and|then|okay|ok)\b")


def is_chinese(text: str) -> bool:
    """Whether the text holds any CJK character."""
    return bool(_CJK.search(text))


def normalise(text: str, language: str) -> str:
    """The matching form of ``text`` (see the module docstring); never contains a newline."""
    text = unicodedata.normalize("NFKC", text).lower()
    out: list[str] = []
    for ch in text:
        if ch in "'’‘`":
            continue
        if ch in "-_/~" or ch.isspace():
            out.append(" ")
        elif unicodedata.category(ch)[0] in "PS" and ch not in "%$¥+*#@.":
            out.append(CLAUSE_BOUNDARY)
        else:
            out.append(ch)
    result = _BARS.sub(CLAUSE_BOUNDARY, "".join(out))
    result = _dot(result)
    if language == "zh":
        result = _drop_cjk_spaces(result)
    return _SPACES.sub(" ", result).strip(" ")


def _dot(text: str) -> str:
    """A full stop ends a clause; a decimal point (3.85) stays."""
    return re.sub(r"\.(?!\d)", CLAUSE_BOUNDARY, text)


def _drop_cjk_spaces(text: str) -> str:
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == " ":
            before = text[i - 1] if i else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            if before.isascii() and before.isalpha() and after.isascii() and after.isalpha():
                out.append(ch)
            continue
        out.append(ch)
    return "".join(out)


@lru_cache(maxsize=8192)
def _char_syllable(ch: str) -> str:
    """Toneless pinyin of one character, accent confusions merged; other characters as is."""
    if not _CJK.match(ch):
        return ch
    from pypinyin import Style, pinyin

    syllable = pinyin(ch, style=Style.NORMAL, heteronym=False)[0][0]
    for merged, plain in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if syllable.startswith(merged):
            syllable = plain + syllable[len(merged) :]
    for merged, plain in (("ing", "in"), ("eng", "en")):
        if syllable.endswith(merged):
            syllable = syllable[: -len(merged)] + plain
    return syllable


def pinyin_key(text: str) -> str:
    """Space-separated syllables, one per character of (normalised) ``text``."""
    return " ".join(_char_syllable(ch) if ch != " " else "_" for ch in text)


@dataclass
class TextIndex:
    """All segments of a call, normalised and joined, with offsets back to segments."""

    language: str
    norm: str  # segments joined by SEGMENT_SEPARATOR
    offsets: tuple[int, ...]  # where each segment starts in ``norm``

    @classmethod
    def build(cls, transcript: Transcript) -> TextIndex:
        """Normalise every segment of ``transcript``."""
        parts = [normalise(s.text, transcript.language) for s in transcript.segments]
        offsets, pos = [], 0
        for part in parts:
            offsets.append(pos)
            pos += len(part) + 1
        return cls(transcript.language, SEGMENT_SEPARATOR.join(parts), tuple(offsets))

    def segment_norm(self, index: int) -> str:
        """Normalised text of one segment."""
        start = self.offsets[index]
        end = self.offsets[index + 1] - 1 if index + 1 < len(self.offsets) else len(self.norm)
        return self.norm[start:end]

    def char_range(self, segments: set[int] | None) -> tuple[int, int]:
        """The stretch of ``norm`` covering ``segments`` (all of it for None)."""
        if segments is None:
            return 0, len(self.norm)
        if not segments:
            return 0, 0
        last = max(segments)
        end = self.offsets[last + 1] - 1 if last + 1 < len(self.offsets) else len(self.norm)
        return self.offsets[min(segments)], end

    def locate(self, position: int) -> tuple[int, int]:
        """(segment index, offset within the segment) of a position in ``norm``."""
        index = bisect_right(self.offsets, position) - 1
        return index, position - self.offsets[index]

    @cached_property
    def pinyin(self) -> tuple[str, tuple[int, ...]]:
        """Syllable string `` s1 s2 ... `` (one token per character of ``norm``) and where
        each token starts in it."""
        tokens = [_char_syllable(ch) if ch != " " else "_" for ch in self.norm]
        starts, pos = [], 1
        for token in tokens:
            starts.append(pos)
            pos += len(token) + 1
        return " " + " ".join(tokens) + " ", tuple(starts)


def is_negated(norm: str, position: int, language: str) -> bool:
    """Whether a negation cue precedes ``position`` in its clause (within a short window)."""
    zh = language == "zh" or is_chinese(norm[max(0, position - 2) : position + 2])
    window = NEGATION_WINDOW_ZH_CHARS * 2 if zh else NEGATION_WINDOW_EN_WORDS * 12
    before = norm[max(0, position - window) : position]
    cut = max(before.rfind(CLAUSE_BOUNDARY), before.rfind(SEGMENT_SEPARATOR))
    before = before[cut + 1 :]
    boundary = _BOUNDARY_ZH if zh else _BOUNDARY_EN
    last = None
    for last in boundary.finditer(before):  # noqa: B007 - the last one is wanted
        pass
    if last is not None:
        before = before[last.end() :]
    if zh:
        before = before[-NEGATION_WINDOW_ZH_CHARS:]
        return bool(_NEG_ZH.search(_PSEUDO_ZH.sub("", before)))
    before = " ".join(before.split()[-NEGATION_WINDOW_EN_WORDS:])
    return bool(_NEG_EN.search(_PSEUDO_EN.sub("", before)))


@dataclass(frozen=True)
class TextMatch:
    """One match: which phrase item, where (segment and normalised character offsets)."""

    item: int  # index of the phrase item (0 for a regex)
    segment_index: int
    start: int  # offset in the segment's normalised text
    end: int


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


class PhraseMatcher:
    """Finds the items of a phrase list in a call (exact, fuzzy or pinyin)."""

    def __init__(
        self, items: tuple[tuple[str, ...], ...], mode: str, threshold: float, negation: bool
    ) -> None:
        self.mode = mode
        self.threshold = threshold
        self.negation = negation
        self.items = tuple(
            tuple(normalise(a, "zh" if is_chinese(a) else "en") for a in alts) for alts in items
        )
        self._owner: dict[str, int] = {}
        for index, alts in enumerate(self.items):
            for alt in alts:
                self._owner.setdefault(alt, index)
        # (alternative, needs a word boundary before, after): scanned with str.find, which is
        # far faster than one big regular-expression alternation
        self._plain = tuple(
            (a, bool(_ASCII_ALNUM.match(a[0])), bool(_ASCII_ALNUM.match(a[-1])))
            for a in sorted(self._owner, key=len, reverse=True)
        )
        self._fuzzy_keys = {
            a: [w for w in a.split() if len(w) >= 3] or [a[:3], a[-3:]] for a in self._owner
        }
        if mode == "pinyin":
            self._py_owner = {pinyin_key(a): i for a, i in self._owner.items()}
            py_ordered = sorted(self._py_owner, key=len, reverse=True)
            self._pinyin = re.compile(
                "(?<= )(?:" + "|".join(re.escape(k) for k in py_ordered) + ")(?= )"
            )

    def find(self, index: TextIndex, segments: set[int] | None = None) -> list[TextMatch]:
        """All matches in the call (restricted to ``segments`` when given), negations dropped."""
        found: dict[tuple[int, int, int], TextMatch] = {}
        norm = index.norm
        lo, hi = index.char_range(segments)
        for alt, bound_before, bound_after in self._plain:
            position = norm.find(alt, lo, hi)
            while position >= 0:
                end = position + len(alt)
                if not (
                    (bound_before and position and _is_word_char(norm[position - 1]))
                    or (bound_after and end < len(norm) and _is_word_char(norm[end]))
                ):
                    seg, local = index.locate(position)
                    found.setdefault(
                        (seg, local, len(alt)),
                        TextMatch(self._owner[alt], seg, local, local + len(alt)),
                    )
                position = norm.find(alt, position + 1, hi)
        if self.mode == "pinyin" and hi > lo:
            self._find_pinyin(index, found, lo, hi)
        elif self.mode == "fuzzy":
            self._find_fuzzy(index, found, segments)
        matches = [
            m
            for m in found.values()
            if (segments is None or m.segment_index in segments)
            and not (
                self.negation
                and is_negated(index.norm, index.offsets[m.segment_index] + m.start, index.language)
            )
        ]
        matches.sort(key=lambda m: (m.segment_index, m.start))
        return matches

    def _find_pinyin(self, index: TextIndex, found: dict, lo: int, hi: int) -> None:
        text, starts = index.pinyin
        end = starts[hi] if hi < len(starts) else len(text)
        for m in self._pinyin.finditer(text, starts[lo], end):
            first = bisect_right(starts, m.start()) - 1
            chars = m.group().count(" ") + 1
            seg, local = index.locate(first)
            key = (seg, local, chars)
            if key not in found:
                found[key] = TextMatch(self._py_owner[m.group()], seg, local, local + chars)

    def _find_fuzzy(self, index: TextIndex, found: dict, segments: set[int] | None) -> None:
        from rapidfuzz import fuzz

        cutoff = self.threshold * 100.0
        for seg in range(len(index.offsets)) if segments is None else sorted(segments):
            text = index.segment_norm(seg)
            if not text:
                continue
            for alt, item in self._owner.items():
                if len(text) < len(alt) * self.threshold:
                    continue
                if not any(key in text for key in self._fuzzy_keys[alt]):  # cheap prefilter
                    continue
                aligned = fuzz.partial_ratio_alignment(alt, text, score_cutoff=cutoff)
                if aligned is None:
                    continue
                start, end = aligned.dest_start, aligned.dest_end
                if not is_chinese(alt):  # snap to whole words
                    while start > 0 and text[start - 1].isalnum():
                        start -= 1
                    while end < len(text) and text[end].isalnum():
                        end += 1
                found.setdefault((seg, start, end - start), TextMatch(item, seg, start, end))


class RegexMatcher:
    """A regular expression over the normalised text, one segment at a time."""

    def __init__(self, pattern: str, ignore_case: bool, negation: bool) -> None:
        self.pattern = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
        self.negation = negation

    def find(self, index: TextIndex, segments: set[int] | None = None) -> list[TextMatch]:
        """All non-empty matches, negations dropped."""
        matches = []
        lo, hi = index.char_range(segments)
        for m in self.pattern.finditer(index.norm, lo, hi):
            if m.end() == m.start():
                continue
            seg, local = index.locate(m.start())
            if segments is not None and seg not in segments:
                continue
            end = min(local + m.end() - m.start(), len(index.segment_norm(seg)))
            if self.negation and is_negated(index.norm, m.start(), index.language):
                continue
            matches.append(TextMatch(0, seg, local, end))
        return matches
