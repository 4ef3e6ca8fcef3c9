"""Chinese resident identity card number (GB 11643-1999, MOD 11-2), 18 and legacy 15 digits."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from pipeline.pii.checksums import is_resident_id
from pipeline.pii.recognizers._common import NO_DIGIT_AFTER, NO_DIGIT_BEFORE, digits_of
from pipeline.pii.recognizers._context_pattern import ContextPatternRecognizer
from pipeline.pii.recognizers._stdlib_pattern import StdlibPatternRecognizer

_DATE8 = r"(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_DATE6 = r"\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"


class IdCardRecognizer(StdlibPatternRecognizer):
    """18-character IDs with a valid check character score 1.0; 15-digit ones need context."""

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "id_card_18",
            NO_DIGIT_BEFORE + r"[1-8]\d{5}[ \-]?" + _DATE8 + r"[ \-]?\d{3}[0-9Xx](?![0-9A-Za-z])",
            0.3,
        ),
        Pattern(
            "id_card_15", NO_DIGIT_BEFORE + r"[1-8]\d{5}" + _DATE6 + r"\d{3}" + NO_DIGIT_AFTER, 0.1
        ),
    ]
    CONTEXT: ClassVar[list[str]] = [
        "身份证",
        "证件号",
        "身份证号",
        "证件",
        "id number",
        "id card",
        "identity",
        "resident id",
    ]

    def __init__(self, supported_language: str = "zh") -> None:
        super().__init__(
            supported_entity="ID_CARD",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
            name=f"IdCardRecognizer_{supported_language}",
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        """18 characters: the MOD 11-2 check decides; 15 digits: no checksum (None)."""
        number = digits_of(pattern_text)
        if len(number) == 18:
            return is_resident_id(number)
        return None


ID_SLIP_MIN_DIGITS = 15  # a legacy ID's length, the shortest an ID number heard with a slip has
ID_SLIP_MAX_DIGITS = 19  # an 18-digit ID with one digit heard twice
_GROUP_SEP = r"[ ,，、\-]?"


class SlippedIdCardRecognizer(ContextPatternRecognizer):
    """An ID number the ASR heard with a digit too many, too few or wrong (510107,196616209,7665:
    19 digits; a broken check character): 15 to 19 digits, in groups, right after 身份证 / 证件号.
    Without that context such a run is no ID; with it, it is the ID the caller read out."""

    ENTITY = "ID_CARD"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "id_card_slipped",
            NO_DIGIT_BEFORE
            + r"[1-8]\d{5}"
            + rf"(?:{_GROUP_SEP}\d){{{ID_SLIP_MIN_DIGITS - 7},{ID_SLIP_MAX_DIGITS - 7}}}"
            + rf"{_GROUP_SEP}[0-9Xx]"
            + rf"(?!{_GROUP_SEP}[0-9])(?![A-Za-z])",
            0.1,
        )
    ]
    CONTEXT = IdCardRecognizer.CONTEXT
    # another number announced after the ID's context word: the digits answer that one
    # ("证件号码……对公账号是15291392985371598")
    CONTEXT_BLOCKERS = ("账号", "账户", "卡号", "手机号", "电话", "尾号", "验证码", "account",
                        "card number", "phone")  # fmt: skip
