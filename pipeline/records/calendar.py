"""The workday calendar the centre maintains: which dates are workdays and which rest days.

By default Monday to Friday are workdays and Saturday and Sunday rest days. The file overrides
single dates: a CSV with a header ``date,kind`` where kind is ``workday`` or ``restday`` (a
public holiday on a weekday is a ``restday``; a weekend day worked in exchange, 调休, a
``workday``). Lines starting with ``#`` are comments.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

from pipeline.records.cdr import CdrError

SATURDAY = 5  # date.weekday()


class DayKind(StrEnum):
    """What kind of day a date is, for the calling hours."""

    WORKDAY = "workday"
    REST_DAY = "restday"


class CalendarError(CdrError):
    """The workday calendar cannot be read, or one of its lines is bad."""


@dataclass(frozen=True)
class WorkdayCalendar:
    """Weekend default plus the file's overrides."""

    overrides: dict[date, DayKind] = field(default_factory=dict)
    source: str = ""  # the file it came from ("" = the weekend default only)

    def kind(self, day: date) -> DayKind:
        """Workday or rest day: the override for ``day``, else the weekend rule."""
        found = self.overrides.get(day)
        if found is not None:
            return found
        return DayKind.REST_DAY if day.weekday() >= SATURDAY else DayKind.WORKDAY


def _kind(text: str) -> DayKind:
    spelled = text.strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    try:
        return DayKind(spelled)
    except ValueError:
        raise ValueError(f"kind {text!r} is not workday or restday") from None


def load_calendar(path: Path) -> WorkdayCalendar:
    """Read the calendar file (CalendarError naming the file and line of any problem; a date
    given twice is an error too)."""
    path = Path(path)
    try:
        raw_lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CalendarError(f"workday calendar {path}: cannot read it ({exc})") from None
    numbered = [
        (n, line)
        for n, line in enumerate(raw_lines, 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not numbered:
        raise CalendarError(f"workday calendar {path}: empty (header date,kind expected)")
    header_no, header = numbered[0]
    if [h.strip().lower() for h in next(csv.reader([header]))] != ["date", "kind"]:
        raise CalendarError(f"workday calendar {path}: line {header_no}: header must be date,kind")
    overrides: dict[date, DayKind] = {}
    for number, line in numbered[1:]:
        fields = next(csv.reader([line]))
        try:
            if len(fields) != 2:
                raise ValueError(f"expected 2 fields (date,kind), got {len(fields)}")
            try:
                day = date.fromisoformat(fields[0].strip())
            except ValueError:
                raise ValueError(f"date {fields[0].strip()!r} is not YYYY-MM-DD") from None
            if day in overrides:
                raise ValueError(f"{day} is given twice")
            overrides[day] = _kind(fields[1])
        except ValueError as exc:
            raise CalendarError(f"workday calendar {path}: line {number}: {exc}") from None
    return WorkdayCalendar(overrides, str(path))
