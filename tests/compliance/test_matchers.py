"""Normalisation, negation and the phrase / regex matchers."""

from __future__ import annotations

import pytest

from pipeline.compliance.matchers import (
    PhraseMatcher,
    RegexMatcher,
    TextIndex,
    is_negated,
    normalise,
)
from pipeline.models import Segment, Transcript


def index_of(language: str, *texts: str) -> TextIndex:
    segments = tuple(Segment("agent", i * 5.0, i * 5.0 + 4, t) for i, t in enumerate(texts))
    return TextIndex.build(Transcript("t", language, 5.0 * len(texts), segments))


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Risk-Free, you CAN'T lose!", "en", "risk free|you cant lose|"),
        ("卡号 6222 0212 3456", "zh", "卡号622202123456"),
        ("理财非存款，产品有风险。", "zh", "理财非存款|产品有风险|"),
        ("年化３．８５％", "zh", "年化3.85%"),
        ("my PIN", "zh", "my pin"),
    ],
)
def test_normalise(text: str, language: str, expected: str) -> None:
    assert normalise(text, language) == expected


@pytest.mark.parametrize(
    ("text", "phrase", "negated"),
    [
        ("we will never ask for your pin", "pin", True),
        ("this product is not guaranteed", "guaranteed", True),
        ("its not risk free", "risk free", True),
        ("the returns are guaranteed", "guaranteed", False),
        ("we never ask for that but can you read me your pin", "pin", False),
        ("no problem can you read me your pin", "pin", False),
        ("please dont share your pin", "pin", True),
        ("银行工作人员不会通过电话向您索取短信验证码", "验证码", True),
        ("请您不要把验证码告诉任何人", "验证码", True),
        ("不好意思请您告诉我一下验证码", "验证码", False),
        ("能不能告诉我验证码", "验证码", False),
        ("本产品为非保本浮动收益型", "保本", True),
        ("非常稳妥保本保息", "保本", False),
        ("我们不会索取密码|请您现在告诉我验证码", "验证码", False),
    ],
)
def test_negation(text: str, phrase: str, negated: bool) -> None:
    language = "en" if text.isascii() else "zh"
    norm = normalise(text, language)
    assert is_negated(norm, norm.index(phrase), language) is negated


@pytest.mark.parametrize(
    ("mode", "phrases", "text", "found"),
    [
        ("exact", ["理财"], "推荐一款理财产品", True),
        ("exact", ["理财"], "推荐一款理才产品", False),
        ("pinyin", ["理财"], "推荐一款理才产品", True),  # homophone
        ("pinyin", ["投资须谨慎"], "投资需紧慎", True),  # homophones 须/需, 谨/紧
        ("pinyin", ["验证码"], "把验证马告诉我", True),
        ("pinyin", ["保本"], "这个产品很好", False),
        ("exact", ["pin"], "your pin please", True),
        ("exact", ["pin"], "spinning wheel", False),  # word boundary
        ("exact", ["risk free"], "it's risk-free", True),
        ("fuzzy", ["recorded for quality"], "this call is reported for quality", True),
        ("fuzzy", ["recorded"], "reported", False),
        ("exact", [["cvv", "安全码"]], "卡背面安全码多少", True),
    ],
)
def test_phrase_modes(mode: str, phrases: list, text: str, found: bool) -> None:
    items = tuple((p,) if isinstance(p, str) else tuple(p) for p in phrases)
    language = "en" if text.isascii() else "zh"
    matcher = PhraseMatcher(items, mode, 0.86, negation=False)
    assert bool(matcher.find(index_of(language, text))) is found


def test_phrase_offsets_point_into_segment() -> None:
    index = index_of("zh", "您好", "推荐一款理才产品")
    [match] = PhraseMatcher((("理财",),), "pinyin", 0.86, False).find(index)
    assert (match.segment_index, match.start, match.end) == (1, 4, 6)
    assert index.segment_norm(1)[match.start : match.end] == "理才"


def test_phrase_restricted_to_segments() -> None:
    index = index_of("en", "your pin please", "your pin please")
    matcher = PhraseMatcher((("pin",),), "exact", 0.86, False)
    assert [m.segment_index for m in matcher.find(index, {1})] == [1]


def test_regex_on_normalised_text_with_negation() -> None:
    index = index_of("zh", "工号 3 5 6 2", "我们不会提供1234号")
    matches = RegexMatcher(r"\d{3,}", True, negation=True).find(index)
    assert [(m.segment_index, m.start) for m in matches] == [(0, 2)]
