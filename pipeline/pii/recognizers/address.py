"""Postal addresses: Chinese (province / city / district / road / number) and English streets."""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import Pattern

from pipeline.pii.recognizers._stdlib_pattern import StdlibPatternRecognizer

PROVINCES = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|"
    "海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门"
)
_CJK = r"[\u4e00-\u9fff]"
_CJK_FIRST = rf"(?={_CJK})"  # fails fast on Latin text (the optional parts make no prefix)
_NUM = r"[0-9零一二三四五六七八九十百千幺两]+"
_ZH_PROVINCE = (
    rf"(?:(?:{PROVINCES})(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)?)"
)
_ZH_CITY = rf"(?:{_CJK}{{1,4}}?(?:市|州|盟))"
_ZH_DISTRICT = rf"(?:{_CJK}{{1,4}}?(?:区|县|旗))"
_ZH_ROAD = rf"(?:{_CJK}{{1,6}}?(?:路|街|大街|大道|巷|胡同|弄|里|道)(?:{_NUM}(?:段|巷|弄))?)"
_ZH_HOUSE = (
    rf"(?:{_NUM}号(?:院)?)(?:{_CJK}{{0,6}}?(?:小区|花园|大厦|公寓|苑|园|府|城))?"
    rf"(?:{_NUM}(?:号楼|栋|幢|座|单元|楼|层|室|号|户)|[A-Za-z]座)*"
)
_ZH_ESTATE = (
    rf"(?:{_CJK}{{2,6}}?(?:小区|花园|大厦|公寓|新村|家园)"
    rf"(?:{_NUM}(?:号楼|栋|幢|座|单元|楼|层|室|号))*)"
)

# words that lead into an address but are not part of it
LEAD_IN_RE = re.compile(
    r"^(?:我|家|现|目前|现在|的|是|住|在|地址|住址|址|寄到|送到|寄|送|到|为|:|：)+"
)

_EN_SUFFIX = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|"
    r"terrace|circle|parkway|pkwy|highway|hwy)"
)


class AddressRecognizer(StdlibPatternRecognizer):
    """Chinese addresses need a road + number, or a province/city plus district/road;
    English ones a house number, street name and street suffix (unit, city, state, ZIP optional)."""

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "zh_full",
            rf"{_CJK_FIRST}{_ZH_PROVINCE}?{_ZH_CITY}?{_ZH_DISTRICT}?{_ZH_ROAD}{_ZH_HOUSE}",
            0.7,
        ),
        Pattern(
            "zh_region_road",
            rf"{_CJK_FIRST}(?:{_ZH_PROVINCE}|{_ZH_CITY}){_ZH_CITY}?{_ZH_DISTRICT}?"
            rf"(?:{_ZH_ROAD}|{_ZH_ESTATE})",
            0.6,
        ),
        Pattern("zh_district_estate", rf"{_ZH_DISTRICT}{_ZH_ESTATE}", 0.5),
        Pattern(
            "en_street",
            r"(?i)\b\d{1,6}\s+(?:[a-z]+\s){1,3}"
            + _EN_SUFFIX
            + r"\b\.?(?:,?\s(?:apt|apartment|suite|unit|#)\.?\s?\w{1,5})?"
            r"(?:,\s?[a-z]+(?:\s[a-z]+)?(?:,\s?[a-z]{2}(?:\s\d{5}(?:-\d{4})?)?)?)?",
            0.6,
        ),
    ]
    CONTEXT: ClassVar[list[str]] = [
        "地址",
        "住址",
        "住在",
        "寄到",
        "家住",
        "address",
        "live at",
        "mail to",
        "ship to",
    ]

    def __init__(self, supported_language: str = "zh") -> None:
        super().__init__(
            supported_entity="ADDRESS",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
            name=f"AddressRecognizer_{supported_language}",
        )

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
        """Pattern matches with lead-in words (住在, 地址是) trimmed off the front."""
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for result in results:
            lead = LEAD_IN_RE.match(text[result.start : result.end])
            if lead and result.start + lead.end() < result.end - 2:
                result.start += lead.end()
        return results
