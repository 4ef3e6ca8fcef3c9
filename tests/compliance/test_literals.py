"""Required literals of a regex: the exact prefilter of regex conditions."""

from __future__ import annotations

import random
import re

import pytest

from pipeline.compliance.literals import required_factors, required_literals, safe_for_text
from pipeline.compliance.matchers import RegexMatcher, TextIndex
from pipeline.models import Segment, Transcript


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\bfoo\b bar", [{"foo bar"}]),  # \b takes no room: the run goes on
        (r"(?i)HELLO", [{"hello"}]),  # the text is lower case
        (r"a{0,3}b", [{"b"}]),  # an optional part is no factor
        (r"(?:x|)y", [{"y"}]),  # an empty branch spoils the alternation
        (r"(?:ab|cd)+ef", [{"ef"}, {"ab", "cd"}]),
        (r"(a|bc)d(e|)", [{"d"}, {"a", "bc"}]),
        (r"[0-9]{3}", [set("0123456789")]),
        (r"(?:余额|欠款)是?[0-9]", [{"余额", "欠款"}, set("0123456789")]),
        (r"(?m)^[^\n]", []),  # nothing required
        (r"\d+", []),  # a category is not a small known set
        (r"[a-z]+ing", [{"ing"}]),  # a large class is no factor
        (r"", []),
    ],
)
def test_required_factors(pattern: str, expected: list[set[str]]) -> None:
    assert [set(f) for f in required_factors(pattern)] == expected


def test_required_literals_is_the_most_selective_factor() -> None:
    assert required_literals(r"\b(?:your|the) (?:din|bin|pen)\b") == {"the", "your"}
    assert required_literals(r"(?m)^.") is None
    assert required_literals("(unbalanced") is None  # a pattern that does not parse


def test_safe_for_text() -> None:
    assert safe_for_text(frozenset({"pin", "code"}), text_is_ascii=True)
    assert not safe_for_text(frozenset({"pin"}), text_is_ascii=False)  # k, s: case folds
    assert safe_for_text(frozenset({"密码", "123"}), text_is_ascii=False)
    assert not safe_for_text(frozenset({"é"}), text_is_ascii=True)


def test_caseless_characters_match_only_themselves_when_ignoring_case() -> None:
    """``safe_for_text`` relies on this: under IGNORECASE a character without case matches no
    other character (checked over the BMP and the regex engine's extra case pairs)."""
    import re._casefix as casefix  # type: ignore[import-not-found]

    candidates = {chr(code) for code in casefix._EXTRA_CASES}
    for code in range(0x10000):
        ch = chr(code)
        candidates.update(c for c in (ch.lower(), ch.upper()) if len(c) == 1)
    caseless = {c for c in candidates if c.lower() == c.upper()}
    for code in range(0x10000):
        other = chr(code)
        for c in {other.lower(), other.upper()} & caseless:
            if c != other:
                assert not re.fullmatch(re.escape(c), other, re.IGNORECASE), (c, other)
    for code, folds in casefix._EXTRA_CASES.items():
        for fold in folds:
            assert not (chr(code) in caseless and chr(fold) != chr(code))


def _index(language: str, texts: list[str]) -> TextIndex:
    segments = tuple(Segment("agent", i * 5.0, i * 5.0 + 4, t) for i, t in enumerate(texts))
    return TextIndex.build(Transcript("t", language, 5.0 * len(texts), segments))


def _every_segment(matcher: RegexMatcher, index: TextIndex, segments: set[int] | None) -> list:
    """The reference: the pattern run over every (wanted) segment, no prefilter."""
    wanted = range(len(index.offsets)) if segments is None else sorted(segments)
    pattern = matcher._ascii_pattern if index.is_ascii else matcher.pattern
    out = []
    for seg in wanted:
        begin = index.offsets[seg]
        for m in pattern.finditer(index.norm, begin, begin + index.lengths[seg]):
            if m.end() > m.start() and not (matcher.negation and index.negated(m.start())):
                out.append((seg, m.start() - begin, m.end() - begin))
    return out


_EN_WORDS = [
    "the",
    "your",
    "pin",
    "pen",
    "din",
    "code",
    "card",
    "balance",
    "is",
    "4",
    "1",
    "0",
    "9",
    "dollars",
    "i",
    "am",
    "agent",
    "not",
    "one",
    "two",
]
_ZH_WORDS = ["余额", "是", "三", "千", "元", "欠款", "卡号", "6", "2", "2", "不", "密码", "号"]
_PATTERNS = [
    r"\b(?:your|the) (?:din|bin|pen)\b",
    r"\bagent\b[^0-9\n]{0,8}[0-9]{1,}",
    r"(?<![0-9])(?:[0-9][ ,]?){3,5}(?![0-9])",
    r"\b(?:balance|card)\b[^|\n]{0,25}?(?:[0-9]+ dollars|\bone\b)",
    r"(?:余额|欠款)(?:是)?[^|\n]{0,4}?[三千0-9]+元?",
    r"[零一二三四五六七八九]{2,}",
    r"(?:卡号|号)[0-9]{2,}",
    r"(?m)^[^\n]",
    r"(?i)PIN|Code",
]


@pytest.mark.parametrize("pattern", _PATTERNS)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_prefiltered_matches_equal_a_scan_of_every_segment(pattern: str, language: str) -> None:
    rng = random.Random(f"{pattern}|{language}")
    words = _EN_WORDS if language == "en" else _ZH_WORDS
    joiner = " " if language == "en" else ""
    for negation in (False, True):
        matcher = RegexMatcher(pattern, ignore_case=True, negation=negation)
        for _ in range(30):
            texts = [
                joiner.join(rng.choice(words) for _ in range(rng.randint(0, 12)))
                for _ in range(rng.randint(1, 8))
            ]
            index = _index(language, texts)
            wanted = {i for i in range(len(texts)) if rng.random() < 0.6}
            for segments in (None, wanted):
                got = [(m.segment_index, m.start, m.end) for m in matcher.find(index, segments)]
                assert got == _every_segment(matcher, index, segments), (texts, segments)


def test_a_match_never_spans_two_segments() -> None:
    index = _index("en", ["my card", "number is 4111"])
    matcher = RegexMatcher(r"card\W+number", ignore_case=True, negation=False)
    assert matcher.find(index) == []
