"""Mail settings from the environment: recipients as JSON or comma-separated."""

from __future__ import annotations

import pytest

from pipeline.config import Settings


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ('["qa@bank.example", "lead@bank.example"]', ["qa@bank.example", "lead@bank.example"]),
        ("qa@bank.example, lead@bank.example", ["qa@bank.example", "lead@bank.example"]),
        ("qa@bank.example", ["qa@bank.example"]),
        ("", []),
    ],
)
def test_mail_to_from_env(monkeypatch: pytest.MonkeyPatch, env: str, expected: list[str]) -> None:
    monkeypatch.setenv("CALLSENTRY_MAIL_TO", env)
    assert Settings(_env_file=None).mail_to == expected
