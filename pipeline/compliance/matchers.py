"""Text matching for rules: normalisation, phrase (exact / fuzzy / pinyin) and regex, negation.

Everything matches on *normalised* text: NFKC (full-width to half-width), lower case,
punctuation replaced by ``|`` (a clause boundary), hyphens as spaces, apostrophes dropped; in
Chinese, spaces are dropped except between two Latin letters, so ``1 3 8`` reads ``138``.
The segments of a call are joined by newlines into one string and each matcher scans it once.

Pinyin matching compares toneless syllables character by character with the usual ASR / accent
confusions merged (zh/z, ch/c, sh/s, -ing/-in, -eng/-en), so 理才 matches 理财 and 投资需谨慎
matches 投资须谨慎. Each syllable is coded as one character, so a homophone search is a plain
substring search at the same offsets. A homophone match may not straddle an ASR pause (a space
dropped from Chinese text), so 安全 麻烦 does not read as 安全码.

Latin phrases ignore spaces (ASR writes "pass code" for passcode and "p i n" for PIN) but still
need a word boundary at each end. Per call, ``TextIndex`` memoises what matchers share: segment
lengths, pinyin codes, which segments hold a word, and negation answers.
"""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from pipeline.compliance.literals import required_factors, safe_for_text
from pipeline.compliance.scanner import KeyScanner, ScannerSet
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
    r"非常|除非|无论|无线|无聊|"
    # dissatisfaction, not a negation of what follows: "很不满意 我要投诉"
    r"不满意|不满|不合理|不公平|不像话|不靠谱|不负责|不讲理|不专业|不舒服|不高兴|"
    # an answer ("不会的 稳赚不赔") or a word that negates nothing ("高不少 而且保本")
    r"不会的|不是的|没有的|不少|不久|不断|不同|不仅|不但|不管|"
    # "about the same": a comparison ("跟定期差不多的计划 预期年化三点八")
    r"差不多|差不离|"
    # "not all of it" negates the whole, not the act: "您不用全念 就报前面两位" still asks
    r"(?:不用|不必|不需要|无需|无须|用不着)(?:全部|全|都|整个|完整)"
)
_PSEUDO_BLANK = "_"  # stands in for each character of a pseudo negation
# a demand opens a new clause too: in "我根本没操作过 把你们领导叫来 我要找你们主管" the "没" is
# the denial before it ("我要是" is "if I", no demand)
_BOUNDARY_ZH = re.compile(
    r"但是|但|不过|可是|然后|现在|那么|另外|还有|请您|请你|麻烦您|麻烦你|我要(?!是)|我就要"
)
_NEG_EN = re.compile(
    r"\b(?:not|never|no|dont|doesnt|didnt|wont|wouldnt|isnt|arent|wasnt|cannot|cant|"
    r"shouldnt|mustnt|without|nor|neither|nothing|nobody|none)\b"
)
_PSEUDO_EN = re.compile(r"\b(?:no problem|no worries|not a problem|not sure|no thanks)\b")
# "not all of it" negates the whole, not the request for a part: "you dont have to read the
# whole code, just the first two digits" still asks. The cue is blanked where the words after
# it (up to PARTIAL_LOOKAHEAD_CHARS past the position looked at) say "the whole" / "all six".
_PARTIAL_EN = re.compile(
    r"\b(?:dont|do not|no)\b(?= (?:have to|need to|need)\b(?: [a-z]+){0,3} (?:the whole|"
    r"whole thing|all of it|all of them|all (?:six|five|four|three|the digits|the numbers)|"
    r"every digit|the entire)\b)"
)
PARTIAL_LOOKAHEAD_CHARS = 60  # past the position, for the words after a negation cue (English)
_BOUNDARY_EN = re.compile(r"\b(?:but|however|so|now|please|and|then|okay|ok)\b")


def is_chinese(text: str) -> bool:
    """Whether the text holds any CJK character."""
    return bool(_CJK.search(text))


class _CharMap(dict):
    """``str.translate`` table built lazily: what each (NFKC, lower-cased) character becomes."""

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        if ch in "'’‘`":
            out = None
        elif ch in "-_/~" or ch.isspace():
            out = " "
        elif unicodedata.category(ch)[0] in "PS" and ch not in "%$¥+*#@.":
            out = CLAUSE_BOUNDARY
        else:
            out = ch
        self[code] = out
        return out


_CHAR_MAP = _CharMap()
_FULL_STOP = re.compile(r"\.(?!\d)")
# a space not between two Latin letters (dropped in Chinese text)
_CJK_SPACE = re.compile(r"(?<![A-Za-z]) | (?![A-Za-z])")
_PAUSE = "¦"  # marks a dropped space; never left in text by _CHAR_MAP (it becomes "|")


def normalise(text: str, language: str) -> str:
    """The matching form of ``text`` (see the module docstring); never contains a newline."""
    return normalise_with_pauses(text, language)[0]


def normalise_with_pauses(text: str, language: str) -> tuple[str, tuple[int, ...]]:
    """``normalise(text)`` and, in Chinese, the offsets in it where a space was dropped (the
    pauses ASR marks with a space: a homophone match may not straddle one)."""
    result = unicodedata.normalize("NFKC", text).lower().translate(_CHAR_MAP)
    result = _BARS.sub(CLAUSE_BOUNDARY, result)
    result = _FULL_STOP.sub(CLAUSE_BOUNDARY, result)  # a decimal point (3.85) stays
    if language != "zh":
        return _SPACES.sub(" ", result).strip(" "), ()
    pieces = _SPACES.sub(" ", _CJK_SPACE.sub(_PAUSE, result)).strip(" ").split(_PAUSE)
    norm = "".join(pieces)
    pauses: set[int] = set()
    offset = 0
    for piece in pieces[:-1]:
        offset += len(piece)
        if 0 < offset < len(norm):
            pauses.add(offset)
    return norm, tuple(sorted(pauses))


def normalised_offset(text: str, offset: int, language: str) -> int:
    """Where character ``offset`` of the original ``text`` lies in ``normalise(text)``: the
    length of the normalised text before it (a space dropped or collapsed at the cut may put
    it one character early, never inside the next word)."""
    return len(normalise(text[:offset], language))


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


_TOKEN_CODES: dict[str, str] = {}  # pinyin token -> one private-use character
_CODE_BASE = 0xE000  # the BMP private use area (two-byte strings) ...
_CODE_BMP_COUNT = 0x1900  # ... holds this many tokens,
_CODE_BASE_EXTRA = 0xF0000  # then supplementary private use area A


def _token_code(token: str) -> str:
    code = _TOKEN_CODES.get(token)
    if code is None:
        n = len(_TOKEN_CODES)
        point = _CODE_BASE + n if n < _CODE_BMP_COUNT else _CODE_BASE_EXTRA + n - _CODE_BMP_COUNT
        code = _TOKEN_CODES[token] = chr(point)
    return code


@lru_cache(maxsize=16384)
def _char_code(ch: str) -> str:
    """One character standing for the pinyin token of ``ch``: equal codes, equal tokens."""
    return _token_code(_char_syllable(ch) if ch != " " else "_")


def pinyin_codes(text: str) -> str:
    """``text`` with every character replaced by the code of its pinyin token, so a pinyin
    match is a plain substring match at the same offsets."""
    return "".join(map(_char_code, text))


def pinyin_key(text: str) -> str:
    """Space-separated syllables, one per character of (normalised) ``text``."""
    return " ".join(_char_syllable(ch) if ch != " " else "_" for ch in text)


@dataclass
class TextIndex:
    """All segments of a call, normalised and joined, with offsets back to segments."""

    language: str
    norm: str  # segments joined by SEGMENT_SEPARATOR
    offsets: tuple[int, ...]  # where each segment starts in ``norm``
    pauses: tuple[int, ...] = ()  # sorted positions in ``norm`` where a space was dropped (zh)

    @classmethod
    def build(cls, transcript: Transcript) -> TextIndex:
        """Normalise every segment of ``transcript``."""
        offsets: list[int] = []
        pauses: list[int] = []
        parts: list[str] = []
        pos = 0
        for segment in transcript.segments:
            part, part_pauses = normalise_with_pauses(segment.text, transcript.language)
            offsets.append(pos)
            pauses.extend(pos + p for p in part_pauses)
            parts.append(part)
            pos += len(part) + 1
        norm = SEGMENT_SEPARATOR.join(parts)
        return cls(transcript.language, norm, tuple(offsets), tuple(pauses))

    def straddles_pause(self, start: int, end: int) -> bool:
        """Whether a dropped space lies strictly inside ``norm[start:end]``."""
        i = bisect_right(self.pauses, start)
        return i < len(self.pauses) and self.pauses[i] < end

    @cached_property
    def despaced(self) -> tuple[str, tuple[int, ...]]:
        """``norm`` without spaces, and where each of its characters lies in ``norm``: ASR
        splits compounds and spells acronyms ("pass code", "p i n"), so Latin phrases are
        looked for here, then checked for word boundaries in ``norm``."""
        kept = [i for i, ch in enumerate(self.norm) if ch != " "]
        return self.norm.replace(" ", ""), tuple(kept)

    @cached_property
    def _occurrences(self) -> dict[KeyScanner, dict[str, list[int]]]:
        return {}

    def occurrences(self, scanner: KeyScanner) -> dict[str, list[int]]:
        """Where ``scanner``'s keys occur in this call's text of the scanner's channel (see
        ``scanner``): once per call for all the matchers sharing the scanner."""
        found = self._occurrences.get(scanner)
        if found is None:
            if scanner.channel == "norm":
                text = self.norm
            elif scanner.channel == "despaced":
                text = self.despaced[0]
            else:
                text = self.pinyin_codes
            found = self._occurrences[scanner] = scanner.occurrences(text)
        return found

    def segment_norm(self, index: int) -> str:
        """Normalised text of one segment."""
        start = self.offsets[index]
        end = self.offsets[index + 1] - 1 if index + 1 < len(self.offsets) else len(self.norm)
        return self.norm[start:end]

    def char_range(self, segments: AbstractSet[int] | None) -> tuple[int, int]:
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
    def lengths(self) -> tuple[int, ...]:
        """Length of each segment's normalised text."""
        ends = [start - 1 for start in self.offsets[1:]] + [len(self.norm)]
        return tuple(end - start for start, end in zip(self.offsets, ends, strict=True))

    @cached_property
    def is_ascii(self) -> bool:
        """Whether ``norm`` is all ASCII (then lower case: see ``normalise``)."""
        return self.norm.isascii()

    @cached_property
    def pinyin_codes(self) -> str:
        """``norm`` as pinyin token codes, one per character (see ``pinyin_codes``)."""
        return pinyin_codes(self.norm)

    @cached_property
    def _substrings(self) -> dict[str, tuple[int, ...]]:
        return {}

    def segments_with(self, text: str) -> tuple[int, ...]:
        """Segments whose normalised text contains ``text`` (no newline), in order; memoised,
        since the fuzzy prefilters of many phrase lists share words."""
        found = self._substrings.get(text)
        if found is None:
            norm, offsets, out = self.norm, self.offsets, []
            position = norm.find(text)
            while position >= 0:
                seg = bisect_right(offsets, position) - 1
                out.append(seg)
                if seg + 1 >= len(offsets):
                    break
                position = norm.find(text, offsets[seg + 1])  # on to the next segment
            found = self._substrings[text] = tuple(out)
        return found

    @cached_property
    def segment_texts(self) -> tuple[str, ...]:
        """Normalised text of each segment (``segment_norm`` of every index)."""
        return tuple(self.norm.split(SEGMENT_SEPARATOR))

    @cached_property
    def _holding_any(self) -> dict[tuple[tuple[str, ...], float], frozenset[int]]:
        return {}

    def segments_with_any(self, texts: tuple[str, ...], min_length: float) -> frozenset[int]:
        """Segments at least ``min_length`` long whose normalised text contains one of
        ``texts``: the fuzzy prefilter, memoised since phrase lists share alternatives."""
        key = (texts, min_length)
        found = self._holding_any.get(key)
        if found is None:
            lengths = self.lengths
            found = self._holding_any[key] = frozenset(
                seg
                for text in texts
                for seg in self.segments_with(text)
                if lengths[seg] >= min_length
            )
        return found

    @cached_property
    def _negated(self) -> dict[int, bool]:
        return {}

    def negated(self, position: int) -> bool:
        """``is_negated`` at a position of ``norm`` (memoised: matchers share the answer)."""
        answer = self._negated.get(position)
        if answer is None:
            answer = self._negated[position] = is_negated(self.norm, position, self.language)
        return answer


def is_negated(norm: str, position: int, language: str) -> bool:
    """Whether a negation cue precedes ``position`` in its clause (within a short window)."""
    zh = language == "zh" or is_chinese(norm[max(0, position - 2) : position + 2])
    window = NEGATION_WINDOW_ZH_CHARS * 2 if zh else NEGATION_WINDOW_EN_WORDS * 12
    start = max(0, position - window)
    if zh:
        before = norm[start:position]
    else:
        # blanked with spaces of the same length, so the cut at ``position`` stays in place
        region = norm[start : position + PARTIAL_LOOKAHEAD_CHARS]
        before = _PARTIAL_EN.sub(lambda m: " " * len(m.group()), region)[: position - start]
    cut = max(before.rfind(CLAUSE_BOUNDARY), before.rfind(SEGMENT_SEPARATOR))
    before = before[cut + 1 :]
    boundary = _BOUNDARY_ZH if zh else _BOUNDARY_EN
    last = None
    for last in boundary.finditer(before):  # noqa: B007 - the last one is wanted
        pass
    if last is not None:
        before = before[last.end() :]
    if zh:
        # pseudo negations are blanked before the look-back is cut to its window, so that a
        # cut through one ("是不是" -> "不是") leaves no negation cue behind
        before = _PSEUDO_ZH.sub(lambda m: _PSEUDO_BLANK * len(m.group()), before)
        return bool(_NEG_ZH.search(before[-NEGATION_WINDOW_ZH_CHARS:]))
    before = " ".join(before.split()[-NEGATION_WINDOW_EN_WORDS:])
    return bool(_NEG_EN.search(_PSEUDO_EN.sub("", before)))


@dataclass(frozen=True)
class TextMatch:
    """One match: which phrase item, where (segment and normalised character offsets)."""

    item: int  # index of the phrase item (0 for a regex)
    segment_index: int
    start: int  # offset in the segment's normalised text
    end: int


def _within(positions: list[int] | None, lo: int, last: int) -> list[int]:
    """The ascending ``positions`` from ``lo`` to ``last`` inclusive."""
    if not positions:
        return []
    if positions[0] >= lo and positions[-1] <= last:
        return positions
    return positions[bisect_left(positions, lo) : bisect_right(positions, last)]


_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


class PhraseMatcher:
    """Finds the items of a phrase list in a call (exact, fuzzy or pinyin)."""

    def __init__(
        self,
        items: tuple[tuple[str, ...], ...],
        mode: str,
        threshold: float,
        negation: bool,
        scanners: ScannerSet | None = None,
    ) -> None:
        """``scanners``: the key scanners shared with the matchers compiled together (a
        rulebook's); a matcher on its own gets its own."""
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
        # (alternative, needs a word boundary before, after), longest first
        self._plain = tuple(
            (a, bool(_ASCII_ALNUM.match(a[0])), bool(_ASCII_ALNUM.match(a[-1])))
            for a in sorted(self._owner, key=len, reverse=True)
        )
        # Latin alternatives that begin and end with a letter or digit: matched with spaces
        # ignored (see ``_find_spaced``), keyed to their spaceless form
        self._latin = {
            a: a.replace(" ", "")
            for a in self._owner
            if a.isascii() and _ASCII_ALNUM.match(a[0]) and _ASCII_ALNUM.match(a[-1])
        }
        self._rank = {alt: rank for rank, alt in enumerate(self._owner)}
        self._fuzzy_keys = {
            a: tuple([w for w in a.split() if len(w) >= 3] or [a[:3], a[-3:]]) for a in self._owner
        }
        if mode == "pinyin":
            # each character becomes the code of its pinyin token, so the alternation runs over
            # one code per character of ``norm``, at the same offsets; the alternatives keep the
            # order of the longest syllable string first (which one wins at a position)
            keys = {pinyin_codes(a): (pinyin_key(a), i) for a, i in self._owner.items()}
            self._py_owner = {code: i for code, (_, i) in keys.items()}
            self._py_ordered = sorted(keys, key=lambda code: len(keys[code][0]), reverse=True)
        self._spaced_keys = frozenset(self._latin.values())
        # every key is located by the shared scanners, one pass per call for all matchers
        self._scanners = scanners or ScannerSet()
        self._scanners.norm.add(a for a in self._owner if a not in self._latin)
        self._scanners.despaced.add(self._latin.values())
        if mode == "pinyin":
            self._scanners.pinyin.add(self._py_owner)

    def find(self, index: TextIndex, segments: AbstractSet[int] | None = None) -> list[TextMatch]:
        """All matches in the call (restricted to ``segments`` when given), negations dropped."""
        found: dict[tuple[int, int, int], int] = {}  # (segment, offset, length) -> item
        norm = index.norm
        lo, hi = index.char_range(segments)
        offsets, size = index.offsets, len(norm)
        latin = self._latin
        spaced_found: dict[str, list[int]] = {}
        if latin:
            _, where = index.despaced
            # the stretch of the despaced text inside [lo, hi), found once for all alternatives
            spaced_range = (bisect_left(where, lo), bisect_left(where, hi))
            spaced_found = index.occurrences(self._scanners.despaced)
        plain_found = index.occurrences(self._scanners.norm)
        # the keys of this matcher that occur at all (usually few): the others cost nothing
        present = (spaced_found.keys() & self._spaced_keys) | (plain_found.keys() & self._owner)
        for alt, bound_before, bound_after in self._plain if present else ():
            if alt in latin:
                if latin[alt] in present:
                    self._find_spaced(index, found, alt, spaced_found, spaced_range, segments)
                continue
            if alt not in present:
                continue
            length, item = len(alt), self._owner[alt]
            for position in _within(plain_found.get(alt), lo, hi - length):
                end = position + length
                if not (
                    (bound_before and position and norm[position - 1] in _WORD_CHARS)
                    or (bound_after and end < size and norm[end] in _WORD_CHARS)
                ):
                    seg = bisect_right(offsets, position) - 1
                    if segments is None or seg in segments:
                        found.setdefault((seg, position - offsets[seg], length), item)
        if self.mode == "pinyin" and hi > lo:
            self._find_pinyin(index, found, lo, hi)
        elif self.mode == "fuzzy":
            self._find_fuzzy(index, found, segments)
        matches = [
            TextMatch(item, seg, start, start + length)
            for (seg, start, length), item in found.items()
            if (segments is None or seg in segments)
            and not (self.negation and index.negated(offsets[seg] + start))
        ]
        matches.sort(key=lambda m: (m.segment_index, m.start))
        return matches

    def _find_spaced(
        self,
        index: TextIndex,
        found: dict,
        alt: str,
        spaced_found: dict[str, list[int]],
        spaced_range: tuple[int, int],
        segments: AbstractSet[int] | None,
    ) -> None:
        """A Latin alternative with its spaces ignored (``TextIndex.despaced``): "passcode"
        finds "pass code", "pin" finds "p i n"; each end must still be a word boundary.
        ``spaced_found``: where the scanner found each key in the despaced text;
        ``spaced_range``: the despaced stretch to search."""
        key = self._latin[alt]
        positions = spaced_found.get(key)
        if not positions:
            return  # the usual case: no need to look further
        begin, stop = spaced_range
        where = index.despaced[1]
        norm, offsets, item, last = index.norm, index.offsets, self._owner[alt], len(key) - 1
        size = len(norm)
        for position in _within(positions, begin, stop - len(key)):
            start, end = where[position], where[position + last] + 1
            if not (
                (start and norm[start - 1] in _WORD_CHARS)
                or (end < size and norm[end] in _WORD_CHARS)
            ):
                seg = bisect_right(offsets, start) - 1
                if segments is None or seg in segments:
                    found.setdefault((seg, start - offsets[seg], end - start), item)

    def _find_pinyin(self, index: TextIndex, found: dict, lo: int, hi: int) -> None:
        """Homophones: the alternation of the alternatives' codes over the call's codes, read
        like a regular expression would (leftmost match first, the earlier alternative winning
        at a position, then on from the end of the match), but the alternatives are located
        by the shared scanner, far faster than the regex engine on these strings."""
        occurrences = index.occurrences(self._scanners.pinyin)
        first_at: dict[int, str] = {}  # match start -> the alternative that wins there
        pauses = index.pauses
        for key in self._py_ordered:
            for position in _within(occurrences.get(key), lo, hi - len(key)):
                if position not in first_at and not (
                    pauses and index.straddles_pause(position, position + len(key))
                ):
                    first_at[position] = key
        resume = lo
        for position in sorted(first_at):
            if position < resume:
                continue
            key = first_at[position]
            chars = len(key)
            resume = position + chars
            seg, local = index.locate(position)
            found.setdefault((seg, local, chars), self._py_owner[key])

    def _find_fuzzy(self, index: TextIndex, found: dict, segments: AbstractSet[int] | None) -> None:
        """Alternatives found approximately: a long enough segment that holds one of the
        alternative's key words (the cheap prefilter, from the call's substring index) must
        align with it at ``threshold`` or better.

        A candidate must first pass a cheaper exact bound (``min_common_chars``): the longest
        common subsequence of every alternative with every candidate segment comes from one
        ``process.cdist`` call (C++); only the survivors are scored with ``partial_ratio``,
        then aligned, in segment order then alternative order."""
        from rapidfuzz import fuzz, process
        from rapidfuzz.distance import Indel

        cutoff = self.threshold * 100.0
        texts, lengths = index.segment_texts, index.lengths
        wanted: list[tuple[str, int, AbstractSet[int]]] = []  # (alternative, rank, segments)
        for alt, rank in self._rank.items():
            holding: AbstractSet[int] = index.segments_with_any(
                self._fuzzy_keys[alt], len(alt) * self.threshold
            )
            if segments is not None:
                holding = holding & segments
            if holding:
                wanted.append((alt, rank, holding))
        if not wanted:
            return
        columns = sorted(set().union(*(holding for _, _, holding in wanted)))
        column_of = {seg: j for j, seg in enumerate(columns)}
        # Indel similarity is twice the longest common subsequence
        common = process.cdist(
            [alt for alt, _, _ in wanted],
            [texts[seg] for seg in columns],
            scorer=Indel.similarity,
            workers=1,
        ).tolist()
        passed: list[tuple[int, int, str]] = []  # (segment, rank, alternative) that align
        for (alt, rank, holding), row in zip(wanted, common, strict=True):
            size = len(alt)
            floor = 2 * min_common_chars(self.threshold, size)
            for seg in holding:
                if lengths[seg] >= size and row[column_of[seg]] < floor:
                    continue  # cannot reach the threshold
                if fuzz.partial_ratio(alt, texts[seg], score_cutoff=cutoff):
                    passed.append((seg, rank, alt))
        for seg, _, alt in sorted(passed):
            text = texts[seg]
            aligned = fuzz.partial_ratio_alignment(alt, text, score_cutoff=cutoff)
            if aligned is None:
                continue
            start, end = aligned.dest_start, aligned.dest_end
            if not is_chinese(alt):  # snap to whole words
                while start > 0 and text[start - 1].isalnum():
                    start -= 1
                while end < len(text) and text[end].isalnum():
                    end += 1
            found.setdefault((seg, start, end - start), self._owner[alt])


def min_common_chars(threshold: float, length: int) -> int:
    """The fewest characters an alternative of ``length`` characters must share, in order,
    with a text at least as long for ``fuzz.partial_ratio`` to reach ``threshold`` (0-1).

    ``partial_ratio`` is the best ``ratio`` of the alternative against a window of the text
    no longer than it: ``2 * LCS / (length + window)``, and the window holds at least LCS
    characters, so reaching the threshold needs ``LCS >= threshold * length / (2 -
    threshold)``; a window's LCS is at most the whole text's. A text sharing fewer
    characters cannot match, and the whole-text LCS (``Indel``) is far cheaper to get."""
    return max(0, math.ceil(threshold * length / (2.0 - threshold) - 1e-9))


_UPPER = range(ord("A"), ord("Z") + 1)


def _case_free(pattern: str) -> bool:
    """Whether ignoring case cannot change what ``pattern`` matches in lower-case ASCII text:
    no literal or range reaches an upper-case or a non-ASCII letter (Kelvin sign, long s, ...)
    and no group switches case folding off. Unsure (an unknown construct): False."""
    try:
        from re import _constants as c  # type: ignore[attr-defined]
        from re import _parser  # type: ignore[attr-defined]

        return _case_free_items(_parser.parse(pattern, 0), c)
    except Exception:
        return False


def _case_free_items(items: Any, c: Any) -> bool:
    for op, av in items:
        if op in (c.LITERAL, c.NOT_LITERAL):
            if av in _UPPER or av > 0x7F:
                return False
        elif op is c.RANGE:
            low, high = av
            if high > 0x7F or (low <= _UPPER[-1] and high >= _UPPER[0]):
                return False
        elif op is c.IN:
            if not _case_free_items(av, c):
                return False
        elif op is c.SUBPATTERN:
            if av[2] & re.IGNORECASE or not _case_free_items(av[3], c):
                return False
        elif op is c.BRANCH:
            if not all(_case_free_items(branch, c) for branch in av[1]):
                return False
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            if not _case_free_items(av[2], c):
                return False
        elif op in (c.ASSERT, c.ASSERT_NOT, c.ATOMIC_GROUP):
            if not _case_free_items(av[1] if op is not c.ATOMIC_GROUP else av, c):
                return False
        elif op not in (c.ANY, c.AT, c.CATEGORY, c.NEGATE, c.GROUPREF):
            return False  # conditional groups and anything else: not sure
    return True


class RegexMatcher:
    """A regular expression over the normalised text, one segment at a time: a match never
    runs from one segment into the next.

    Only segments holding a string of each of the pattern's required factors (``literals``)
    are scanned: the same matches as scanning every segment, found in a fraction of the
    time."""

    def __init__(self, pattern: str, ignore_case: bool, negation: bool) -> None:
        self.pattern = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
        self.negation = negation
        # on lower-case ASCII text, case folding changes nothing for a pattern without
        # upper-case letters, and the case-sensitive scan is about twice as fast
        self._ascii_pattern = (
            re.compile(pattern) if ignore_case and _case_free(pattern) else self.pattern
        )
        self._factors = tuple(
            tuple(sorted(factor))
            for factor in required_factors(pattern, self.pattern.flags)
            if not any(SEGMENT_SEPARATOR in literal for literal in factor)
        )
        self._factors_ok: dict[bool, bool] = {}  # text is ASCII -> the literals filter safely

    def candidate_segments(
        self, index: TextIndex, segments: AbstractSet[int] | None
    ) -> list[int] | range:
        """The segments that can hold a match, in order: those in ``segments`` (all when
        None) that hold a string of each of the pattern's required factors, when it has
        factors that are safe to look for in this text."""
        factors = self._factors
        if factors:
            ascii_text = index.is_ascii
            safe = self._factors_ok.get(ascii_text)
            if safe is None:
                safe = self._factors_ok[ascii_text] = all(
                    safe_for_text(frozenset(factor), ascii_text) for factor in factors
                )
            if safe:
                holding: set[int] | None = None if segments is None else set(segments)
                for factor in factors:
                    with_factor = {
                        seg for literal in factor for seg in index.segments_with(literal)
                    }
                    holding = with_factor if holding is None else holding & with_factor
                    if not holding:
                        return []
                return sorted(holding) if holding is not None else []
        if segments is None:
            return range(len(index.offsets))
        return sorted(segments)

    def find(self, index: TextIndex, segments: AbstractSet[int] | None = None) -> list[TextMatch]:
        """All non-empty matches, negations dropped."""
        matches = []
        norm, offsets, lengths = index.norm, index.offsets, index.lengths
        pattern = self._ascii_pattern if index.is_ascii else self.pattern
        for seg in self.candidate_segments(index, segments):
            begin = offsets[seg]
            for m in pattern.finditer(norm, begin, begin + lengths[seg]):
                start = m.start()
                if m.end() == start:
                    continue
                if self.negation and index.negated(start):
                    continue
                matches.append(TextMatch(0, seg, start - begin, m.end() - begin))
        return matches
