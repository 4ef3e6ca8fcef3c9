"""One-time SMS verification codes (短信验证码, OTP), recognised by context only."""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import Pattern

from pipeline.pii.recognizers._common import (
    NO_DIGIT_BEFORE,
    NOT_CURRENCY_BEFORE,
    NOT_QUANTITY_AFTER,
)
from pipeline.pii.recognizers._context_pattern import CONTEXT_ONLY_SCORE, SecretContextRecognizer

SERVICE_NUMBER_RE = re.compile(r"9[56][0-9]{3}")  # 95555, 95588, 96xxx: bank hotlines, no code


class VerificationCodeRecognizer(SecretContextRecognizer):
    """4 to 8 digits after 验证码 / verification code / one-time passcode / "the code"."""

    ENTITY = "VERIFICATION_CODE"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "otp_digits",
            NOT_CURRENCY_BEFORE + NO_DIGIT_BEFORE + r"\d{4,8}" + NOT_QUANTITY_AFTER,
            CONTEXT_ONLY_SCORE,
        )
    ]
    CONTEXT: ClassVar[list[str]] = [
        "验证码",
        "校验码",
        "动态码",
        "动态密码",
        "短信码",
        "收到的",
        "六位数",
        "四位数",
        "verification",
        "one-time",
        "one time",
        "passcode",
        "otp",
        "sms code",
        "text code",
        "code",
        "texted",
        "got a text",
        "the text",
        "text message",
        "sent you",
        "sent to your phone",
        "sms",
        "短信",
        # the SMS described, not named ("手机上刚收到一条信息，里面有一串数字，您读给我听"; 短信
        # heard as 信息)
        "条信息",
        "收到一条",
        "一串数字",
        "口令",
        "随机码",
    ]
    # "code" alone announces a one-time code, except in these
    CONTEXT_EXCLUSIONS: ClassVar[list[str]] = [
        "zip code",
        "postal code",
        "post code",
        "postcode",
        "area code",
        "country code",
        "sort code",
        "swift code",
        "branch code",
        "bank code",
        "promo code",
        "promotion code",
        "discount code",
        "coupon code",
        "referral code",
        "error code",
        "product code",
        "reference code",
        "security code",
    ]

    def invalidate_result(self, pattern_text: str) -> bool:
        """A five-digit 95xxx / 96xxx number is a bank's service line, not a code."""
        return SERVICE_NUMBER_RE.fullmatch(pattern_text) is not None
