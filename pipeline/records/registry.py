"""The centre's registered numbers (码号管理): which lines may call, for what, and when.

A CSV with a header and the columns ``number``, ``purposes`` (``;``-separated: service,
marketing, collection), ``valid_from`` and ``valid_to`` (ISO dates, both days included; empty =
open-ended). A number may have several rows (e.g. re-registered with other purposes). A bad row
makes the whole file fail, naming file and line: a registry read in part would report numbers
as unregistered that are not.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.records.cdr import MIN_NUMBER_DIGITS, CdrError, Purpose, normalize_number

REGISTRY_COLUMNS: tuple[str, ...] = ("number", "purposes", "valid_from", "valid_to")


class RegistryError(CdrError):
    """The number registry cannot be read, or one of its rows is bad."""


@dataclass(frozen=True)
class RegisteredLine:
    """One registration of one number."""

    number: str  # digits (normalize_number)
    purposes: frozenset[Purpose]
    valid_from: date | None  # first day it may be used (None: always)
    valid_to: date | None  # last day it may be used (None: no end)

    def valid_on(self, day: date) -> bool:
        """Whether the registration covers ``day`` (both ends included)."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True)
class NumberRegistry:
    """All registrations, by number."""

    lines: dict[str, tuple[RegisteredLine, ...]]
    source: str = ""  # the file it came from

    def registrations(self, number: str) -> tuple[RegisteredLine, ...]:
        """Every registration of ``number`` (any spelling), valid or not."""
        return self.lines.get(normalize_number(number), ())

    def valid(self, number: str, day: date) -> tuple[RegisteredLine, ...]:
        """The registrations of ``number`` that cover ``day``."""
        return tuple(r for r in self.registrations(number) if r.valid_on(day))


def _date(text: str, column: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{column} {text!r} is not a date (YYYY-MM-DD)") from None


def _line(row: dict[str, str | None]) -> RegisteredLine:
    if row.get(None) is not None:  # type: ignore[call-overload]
        raise ValueError("more fields than the header has columns")
    raw = (row.get("number") or "").strip()
    number = normalize_number(raw)
    if len(number) < MIN_NUMBER_DIGITS:
        raise ValueError(f"number {raw!r} is not a phone number")
    purposes: set[Purpose] = set()
    for part in (row.get("purposes") or "").split(";"):
        if part.strip():
            try:
                purposes.add(Purpose(part.strip().lower()))
            except ValueError:
                raise ValueError(
                    f"purpose {part.strip()!r} is not one of {', '.join(p.value for p in Purpose)}"
                ) from None
    if not purposes:
        raise ValueError("no purposes (e.g. service;marketing)")
    valid_from = _date(row.get("valid_from") or "", "valid_from")
    valid_to = _date(row.get("valid_to") or "", "valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        raise ValueError(f"valid_to {valid_to} is before valid_from {valid_from}")
    return RegisteredLine(number, frozenset(purposes), valid_from, valid_to)


def load_registry(path: Path) -> NumberRegistry:
    """Read the registry CSV (RegistryError naming the file and line of any problem)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(f"number registry {path}: cannot read it ({exc})") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REGISTRY_COLUMNS if c not in header]
    if missing:
        raise RegistryError(
            f"number registry {path}: line 1: the header lacks the column(s) "
            f"{', '.join(missing)} (required: {', '.join(REGISTRY_COLUMNS)})"
        )
    reader.fieldnames = header
    lines: dict[str, list[RegisteredLine]] = {}
    try:
        for row in reader:
            try:
                line = _line(row)
            except ValueError as exc:
                raise RegistryError(
                    f"number registry {path}: line {reader.line_num}: {exc}"
                ) from None
            lines.setdefault(line.number, []).append(line)
    except csv.Error as exc:
        raise RegistryError(
            f"number registry {path}: line {reader.line_num}: not CSV ({exc})"
        ) from None
    return NumberRegistry({n: tuple(r) for n, r in lines.items()}, str(path))
