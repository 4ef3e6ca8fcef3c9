"""KeyScanner: every key's occurrences in one Aho-Corasick pass, as ``str.find`` finds them."""

from __future__ import annotations

import random

import pytest

from pipeline.compliance.matchers import min_common_chars, pinyin_codes
from pipeline.compliance.scanner import KeyScanner, ScannerSet


def _find_all(text: str, key: str) -> list[int]:
    """Overlapping occurrences by ``str.find`` (the reference)."""
    out, position = [], text.find(key)
    while position >= 0:
        out.append(position)
        position = text.find(key, position + 1)
    return out


@pytest.mark.parametrize("alphabet", ["ab ", "密码验证码 ", "\ue000\ue001\U000f0000 a"])
def test_occurrences_equal_str_find_overlaps_included(alphabet: str) -> None:
    rng = random.Random(alphabet)
    for _ in range(50):
        keys = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))) for _ in range(8)}
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        scanner = KeyScanner("norm")
        scanner.add(keys)
        found = scanner.occurrences(text)
        expected = {key: _find_all(text, key) for key in keys}
        assert found == {k: v for k, v in expected.items() if v}, (keys, text)


def test_keys_added_later_are_found_and_empty_keys_ignored() -> None:
    scanner = KeyScanner("despaced")
    assert scanner.occurrences("anything") == {}
    scanner.add(["pin", ""])
    assert scanner.occurrences("mypinpin") == {"pin": [2, 5]}
    scanner.add(["passcode"])
    assert len(scanner) == 2
    assert scanner.occurrences("passcodepin") == {"passcode": [0], "pin": [8]}


def test_unknown_channel_is_refused() -> None:
    with pytest.raises(ValueError, match="channel"):
        KeyScanner("words")


def test_pinyin_codes_scan_like_text() -> None:
    scanners = ScannerSet()
    scanners.pinyin.add([pinyin_codes("理财")])
    codes = pinyin_codes("我想买理才产品")  # 理才 sounds like 理财
    assert scanners.pinyin.occurrences(codes) == {pinyin_codes("理财"): [3]}


def test_min_common_chars_never_rejects_a_partial_ratio_match() -> None:
    """The bound is exact: a text sharing fewer characters (LCS) with the alternative than
    ``min_common_chars`` never reaches the threshold with ``partial_ratio``."""
    from rapidfuzz import fuzz
    from rapidfuzz.distance import Indel

    rng = random.Random(7)
    words = [
        "verify",
        "your",
        "identity",
        "one",
        "time",
        "pass",
        "code",
        "not",
        "a",
        "deposit",
        "risk",
        "fdic",
        "the",
        "for",
    ]
    for threshold in (0.7, 0.8, 0.85, 0.88, 0.95):
        for _ in range(400):
            alt = " ".join(rng.choice(words) for _ in range(rng.randint(1, 4)))
            text = " ".join(rng.choice(words) for _ in range(rng.randint(len(alt.split()), 12)))
            text = "".join(c for c in text if rng.random() > 0.08)  # ASR-like dropped letters
            if len(text) < len(alt):
                continue
            lcs = Indel.similarity(alt, text) // 2
            if lcs < min_common_chars(threshold, len(alt)):
                assert fuzz.partial_ratio(alt, text) < threshold * 100, (alt, text)
