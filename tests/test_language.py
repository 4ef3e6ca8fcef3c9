"""Language codes normalised to the packs' codes, and language from text."""

from __future__ import annotations

import pytest

from pipeline.language import detect_text_language, normalize_language


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("en", "en"), ("EN", "en"), ("en-US", "en"), ("en_GB", "en"), ("English", "en"),
        ("eng", "en"), (" english ", "en"), ("英语", "en"),
        ("zh", "zh"), ("zh-CN", "zh"), ("zh-Hans-CN", "zh"), ("ZH_tw", "zh"), ("cmn", "zh"),
        ("zho", "zh"), ("chi", "zh"), ("Chinese", "zh"), ("Mandarin", "zh"), ("中文", "zh"),
        ("普通话", "zh"),
        ("fr-CA", "fr"), ("de", "de"),
        ("", None), ("   ", None), (None, None), (7, None),
    ],
)  # fmt: skip
def test_normalize_language(raw: object, expected: str | None) -> None:
    assert normalize_language(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("您好，这里是示例银行", "zh"),
        ("Hello, this is Example Bank", "en"),
        ("我的卡号 card 是", "zh"),
        ("", "en"),
    ],
)
def test_detect_text_language(text: str, expected: str) -> None:
    assert detect_text_language(text) == expected
