"""Checks before a run touches any audio: the settings, the rule packs, the alert settings.

A compliance run must never pass calls by accident, so a run that would check nothing fails
before it starts: a bad setting (each named with its environment variable and what is wrong),
a rules folder with no loadable rule, a masking policy that does not load, an SMTP relay
without recipients, an unusable database URL or output folder. ``callsentry run`` and the batch
flow share :func:`load_settings` and :func:`preflight`; ``check-transcript`` uses the same
rule check. Rules that were skipped (a bad rule among good ones) are not fatal: they are listed
as warnings in the CLI summary, the Prefect artifact and the digest mail.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipeline.compliance.loader import RuleBook, load_rulebook
from pipeline.config import Language, Settings

ENV_PREFIX = "CALLSENTRY_"
MAX_VALUE_CHARS = 60  # of a bad setting's value quoted in an error


class PreflightError(Exception):
    """The run cannot start; ``problems`` holds one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))

    def __str__(self) -> str:
        return "cannot start: " + "; ".join(self.problems)


@dataclass(frozen=True)
class Preflight:
    """What a run can start with."""

    settings: Settings
    rulebook: RuleBook
    warnings: tuple[str, ...]  # rules skipped and other things the summary must show


def _quoted(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 3] + "..."


def settings_problems(exc: ValidationError) -> list[str]:
    """One line per bad setting: its environment variable, its value and what is wrong."""
    lines = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "settings"
        name = ENV_PREFIX + field.split(".")[0].upper()
        value = err.get("input")
        message = str(err["msg"]).removeprefix("Value error, ")
        lines.append(f"{name}={_quoted(value)}: {message}")
    return lines


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment (and ``.env``) with ``overrides`` (None values ignored);
    PreflightError with one line per bad setting."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise PreflightError(settings_problems(exc)) from None


def rule_problems(book: RuleBook, rules_dir: Path, languages: Sequence[str]) -> list[str]:
    """Fatal problems with the rule book: no rule at all, or none for a language the run
    checks (a fixed batch language)."""
    if not book.rules:
        reasons = "; ".join(str(p) for p in book.problems) or "no rule in any pack"
        return [f"no compliance rules loaded from {rules_dir}: {reasons}"]
    return [
        f"no compliance rules for language {language} in {rules_dir}"
        for language in languages
        if not book.for_language(language)
    ]


def skipped_rule_warnings(book: RuleBook) -> tuple[str, ...]:
    """One line per pack or rule that was skipped while loading."""
    return tuple(f"skipped {problem}" for problem in book.problems)


def _alert_problems(settings: Settings) -> list[str]:
    problems = []
    if settings.smtp_host and not settings.mail_to:
        problems.append(
            f"{ENV_PREFIX}SMTP_HOST is set but {ENV_PREFIX}MAIL_TO is empty: "
            "nobody would get the alerts"
        )
    if "@" not in settings.mail_from:
        problems.append(f"{ENV_PREFIX}MAIL_FROM={_quoted(settings.mail_from)}: not an address")
    if settings.smtp_password is not None and not settings.smtp_username:
        problems.append(f"{ENV_PREFIX}SMTP_PASSWORD is set without {ENV_PREFIX}SMTP_USERNAME")
    return problems


def _output_problems(settings: Settings) -> list[str]:
    out = Path(settings.out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return [f"{ENV_PREFIX}OUT_DIR={str(out)!r}: cannot create it ({exc.strerror})"]
    if not os.access(out, os.W_OK):
        return [f"{ENV_PREFIX}OUT_DIR={str(out)!r}: not writable"]
    return []


def _database_problems(settings: Settings) -> list[str]:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(settings.resolved_database_url())
    except ArgumentError as exc:
        return [f"{ENV_PREFIX}DATABASE_URL: {exc}"]
    return []


def _policy_problems(settings: Settings) -> list[str]:
    from pipeline.pii.masking import load_policy

    try:
        load_policy(settings.masking_policy)
    except (OSError, ValueError) as exc:
        return [f"{ENV_PREFIX}MASKING_POLICY: {exc}"]
    return []


def schedule_problems(settings: Settings) -> list[str]:
    """What stops ``callsentry serve`` from registering the nightly run: a
    ``CALLSENTRY_SCHEDULE_CDR_FILE`` that is no readable file (its rows are read by each run)."""
    path = settings.schedule_cdr_file
    if path is None:
        return []
    name = f"{ENV_PREFIX}SCHEDULE_CDR_FILE={str(path)!r}"
    if not path.exists():
        return [f"{name}: no such file"]
    if not path.is_file():
        return [f"{name}: not a file"]
    if not os.access(path, os.R_OK):
        return [f"{name}: not readable"]
    return []


def preflight(settings: Settings, *, rules_dir: Path | None = None) -> Preflight:
    """Everything a batch needs, checked before the first recording is opened; PreflightError
    listing every problem at once."""
    rules_dir = Path(rules_dir or settings.rules_dir)
    book = load_rulebook(rules_dir)
    languages = [] if settings.language is Language.AUTO else [str(settings.language)]
    problems = rule_problems(book, rules_dir, languages)
    problems += _policy_problems(settings)
    problems += _alert_problems(settings)
    problems += _output_problems(settings)
    problems += _database_problems(settings)
    if problems:
        raise PreflightError(problems)
    return Preflight(settings, book, skipped_rule_warnings(book))
