"""Preflight: a run that would check nothing, or with bad settings, fails before any audio."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import CHECKOUT_RULES_DIR, Settings
from pipeline.models import Severity
from pipeline.preflight import PreflightError, load_settings, preflight

BAD_RULE = """\
pack: local
language: en
rules:
  - id: bad-one
    title: t
    severity: high
    weight: 1
    message: m
    forbid: {phrase: {anyy: [x]}}
"""


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No CALLSENTRY_ variable from the caller's shell, and an empty working folder."""
    import os

    for name in list(os.environ):
        if name.startswith("CALLSENTRY_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env file
    return tmp_path


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("CALLSENTRY_ALERT_MIN_SEVERITY", "urgent", "CALLSENTRY_ALERT_MIN_SEVERITY='urgent'"),
        ("CALLSENTRY_LANGUAGE", "fr", "CALLSENTRY_LANGUAGE='fr'"),
        ("CALLSENTRY_SMTP_SECURITY", "tls", "CALLSENTRY_SMTP_SECURITY='tls'"),
        ("CALLSENTRY_ASR_BACKEND", "kaldi", "CALLSENTRY_ASR_BACKEND='kaldi'"),
        ("CALLSENTRY_DEVICE", "tpu", "CALLSENTRY_DEVICE='tpu'"),
        ("CALLSENTRY_BEAM_SIZE", "0", "CALLSENTRY_BEAM_SIZE='0'"),
        ("CALLSENTRY_TIMEZONE", "Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
        ("CALLSENTRY_REFUSAL_EXPIRY_DAYS", "-1", "CALLSENTRY_REFUSAL_EXPIRY_DAYS='-1'"),
        ("CALLSENTRY_REFUSAL_EXPIRY_DAYS", "1.5", "not a whole number of days, 0 or more"),
        ("CALLSENTRY_REFUSAL_EXPIRY_DAYS", "two years", "CALLSENTRY_REFUSAL_EXPIRY_DAYS='two"),
    ],
)
def test_each_bad_setting_is_one_clear_line(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(PreflightError) as caught:
        load_settings()
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(expected) or expected in caught.value.problems[0]


def test_every_bad_setting_is_reported_at_once(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLSENTRY_ALERT_MIN_SEVERITY", "urgent")
    monkeypatch.setenv("CALLSENTRY_SMTP_SECURITY", "tls")
    with pytest.raises(PreflightError) as caught:
        load_settings()
    assert [p.split("=")[0] for p in caught.value.problems] == [
        "CALLSENTRY_ALERT_MIN_SEVERITY",
        "CALLSENTRY_SMTP_SECURITY",
    ]


def test_enum_settings_are_read_case_insensitively(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLSENTRY_ALERT_MIN_SEVERITY", "High")
    monkeypatch.setenv("CALLSENTRY_SMTP_SECURITY", "STARTTLS")
    settings = load_settings()
    assert settings.alert_min_severity is Severity.HIGH
    assert settings.smtp_security == "starttls"


@pytest.mark.parametrize("layout", ["missing", "empty", "all-bad"])
def test_no_loadable_rule_fails_naming_the_folder(clean_env: Path, layout: str) -> None:
    rules = clean_env / "rules"
    if layout != "missing":
        rules.mkdir()
    if layout == "all-bad":
        (rules / "local.yaml").write_text(BAD_RULE, encoding="utf-8")
    settings = Settings(rules_dir=rules, out_dir=clean_env / "out")
    with pytest.raises(PreflightError) as caught:
        preflight(settings)
    assert f"no compliance rules loaded from {rules}" in caught.value.problems[0]


def test_a_skipped_rule_among_good_ones_is_a_warning(clean_env: Path) -> None:
    import shutil

    rules = clean_env / "rules"
    shutil.copytree(CHECKOUT_RULES_DIR, rules)
    (rules / "local.yaml").write_text(BAD_RULE, encoding="utf-8")
    checked = preflight(Settings(rules_dir=rules, out_dir=clean_env / "out"))
    assert checked.rulebook.rules
    assert len(checked.warnings) == 1 and "bad-one" in checked.warnings[0]


def test_a_fixed_language_without_rules_fails(clean_env: Path) -> None:
    rules = clean_env / "rules"
    (rules / "en").mkdir(parents=True)
    import shutil

    shutil.copy(CHECKOUT_RULES_DIR / "en" / "card_servicing.yaml", rules / "en")
    settings = Settings(rules_dir=rules, out_dir=clean_env / "out", language="zh")
    with pytest.raises(PreflightError, match="no compliance rules for language zh"):
        preflight(settings)
    assert preflight(settings.model_copy(update={"language": "en"})).rulebook.rules


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"smtp_host": "relay.bank.example"}, "CALLSENTRY_MAIL_TO is empty"),
        ({"mail_from": "nobody"}, "CALLSENTRY_MAIL_FROM='nobody'"),
        ({"smtp_password": "x"}, "without CALLSENTRY_SMTP_USERNAME"),
        ({"database_url": "not a url"}, "CALLSENTRY_DATABASE_URL"),
        ({"masking_policy": "/nonexistent/policy.yaml"}, "CALLSENTRY_MASKING_POLICY"),
    ],
)
def test_alert_database_and_policy_problems(
    clean_env: Path, overrides: dict[str, str], expected: str
) -> None:
    settings = Settings(out_dir=clean_env / "out", **overrides)
    with pytest.raises(PreflightError) as caught:
        preflight(settings)
    assert any(expected in p for p in caught.value.problems), caught.value.problems


def test_output_folder_that_cannot_be_made(clean_env: Path) -> None:
    blocker = clean_env / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(PreflightError, match="CALLSENTRY_OUT_DIR"):
        preflight(Settings(out_dir=blocker / "out"))


def test_good_settings_pass(clean_env: Path) -> None:
    checked = preflight(Settings(out_dir=clean_env / "out"))
    assert checked.warnings == () and len(checked.rulebook.rules) > 10


@pytest.mark.parametrize(("value", "days"), [(None, 730), ("0", 0), (" 365 ", 365)])
def test_a_refusal_expires_after_whole_days_or_never(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, value: str | None, days: int
) -> None:
    if value is not None:
        monkeypatch.setenv("CALLSENTRY_REFUSAL_EXPIRY_DAYS", value)
    assert load_settings().refusal_expiry_days == days
