"""Alphanumeric passwords (登录密码, password), recognised by context only."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from pipeline.pii.recognizers._context_pattern import CONTEXT_ONLY_SCORE, SecretContextRecognizer


class PasswordRecognizer(SecretContextRecognizer):
    """6 to 32 characters mixing letters and digits, after 密码 / password."""

    ENTITY = "PASSWORD"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "password_mixed",
            r"(?<![A-Za-z0-9])(?=[A-Za-z0-9!@#$%^&*_.]*[A-Za-z])(?=[A-Za-z0-9!@#$%^&*_.]*\d)"
            r"[A-Za-z0-9!@#$%^&*_]{5,32}(?![A-Za-z0-9])",
            CONTEXT_ONLY_SCORE,
        )
    ]
    CONTEXT: ClassVar[list[str]] = [
        "密码",
        "登录密码",
        "网银密码",
        "password",
        "pass word",
    ]
