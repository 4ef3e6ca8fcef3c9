"""Contact rules per purpose: calling hours by kind of day, contact caps per day and week.

Settings (``pipeline.config``, block "call records (CDR)")::

    CALLSENTRY_CALLING_HOURS='{"collection": {"workday": "08:00-20:00", "restday": "09:00-18:00"},
                               "marketing": {"workday": "09:00-20:00", "restday": "none"}}'
    CALLSENTRY_CONTACT_CAPS='{"collection": {"day": 3, "week": 10}}'
    CALLSENTRY_TIMEZONE=Asia/Shanghai

A window ``HH:MM-HH:MM`` includes its start and excludes its end (a call at 20:00:00 is outside
08:00-20:00); ``none`` allows no call on that kind of day; a kind or purpose not named is not
restricted. Caps count a customer's outbound contacts for the purpose on the centre's calendar
day (and ISO week, Monday to Sunday), the call itself included.

A marketing refusal counts for ``CALLSENTRY_REFUSAL_EXPIRY_DAYS`` days of 24 hours (default
730; 0: for ever): a call that starts that long after the refusal, or later, is no longer a
call after a refusal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.records.calendar import DayKind
from pipeline.records.cdr import Purpose

NO_CALLS = "none"  # a calling-hours value that allows no call on that kind of day
CAP_PERIODS: tuple[str, ...] = ("day", "week")
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class HoursWindow:
    """Allowed calling hours on one kind of day: ``start <= t < end`` (local clock)."""

    start: time | None  # None with end None: no call allowed at all
    end: time | None  # None with a start: to midnight

    @property
    def closed(self) -> bool:
        """No call is allowed on this kind of day."""
        return self.start is None

    def allows(self, moment: time) -> bool:
        """Whether a call starting at ``moment`` is inside the window."""
        if self.start is None:
            return False
        return self.start <= moment and (self.end is None or moment < self.end)

    def __str__(self) -> str:
        if self.start is None:
            return "no calls"
        end = "24:00" if self.end is None else self.end.strftime("%H:%M")
        return f"{self.start.strftime('%H:%M')}-{end}"


def parse_window(text: str) -> HoursWindow:
    """``HH:MM-HH:MM`` (end up to 24:00) or ``none`` (ValueError otherwise)."""
    if text.strip().lower() == NO_CALLS:
        return HoursWindow(None, None)
    match = _WINDOW.match(text)
    if not match:
        raise ValueError(f"calling hours {text!r}: expected HH:MM-HH:MM or {NO_CALLS}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"calling hours {text!r}: not a time of day")
    start, end = time(h1, m1), None if h2 == 24 else time(h2, m2)
    if end is not None and end <= start:
        raise ValueError(f"calling hours {text!r}: the end must come after the start")
    return HoursWindow(start, end)


@dataclass(frozen=True)
class ContactCaps:
    """Most outbound contacts of one customer for one purpose (None: no cap)."""

    day: int | None = None
    week: int | None = None


@dataclass(frozen=True)
class ContactPolicy:
    """The contact rules of the centre."""

    zone: ZoneInfo
    hours: Mapping[Purpose, Mapping[DayKind, HoursWindow]] = field(default_factory=dict)
    caps: Mapping[Purpose, ContactCaps] = field(default_factory=dict)
    refusal_expiry: timedelta | None = None  # how long a refusal counts; None: for ever

    def window(self, purpose: Purpose, kind: DayKind) -> HoursWindow | None:
        """The calling hours for ``purpose`` on ``kind`` of day (None: unrestricted)."""
        return self.hours.get(purpose, {}).get(kind)

    def cap(self, purpose: Purpose) -> ContactCaps:
        """The contact caps for ``purpose``."""
        return self.caps.get(purpose, ContactCaps())

    def refusals_since(self, start: datetime) -> datetime | None:
        """For a call starting at ``start``: the moment after which a refusal still counts
        (refusals at or before it have expired); None when refusals never expire."""
        return None if self.refusal_expiry is None else start - self.refusal_expiry

    @classmethod
    def from_settings(cls, settings: Any) -> ContactPolicy:
        """The policy that ``settings`` give (ValueError naming the setting that is bad)."""
        return cls(
            zone=ZoneInfo(settings.timezone),
            hours=parse_hours(settings.calling_hours),
            caps=parse_caps(settings.contact_caps),
            refusal_expiry=refusal_expiry(settings.refusal_expiry_days),
        )


def refusal_expiry(days: int) -> timedelta | None:
    """``CALLSENTRY_REFUSAL_EXPIRY_DAYS`` as a period (0: None, a refusal never expires;
    ValueError when negative)."""
    if days < 0:
        raise ValueError(
            f"CALLSENTRY_REFUSAL_EXPIRY_DAYS: {days} is negative (0: a refusal never expires)"
        )
    return None if days == 0 else timedelta(days=days)


def _purpose(name: str, setting: str) -> Purpose:
    try:
        return Purpose(str(name).strip().lower())
    except ValueError:
        raise ValueError(
            f"{setting}: {name!r} is not a purpose ({', '.join(p.value for p in Purpose)})"
        ) from None


def parse_hours(raw: Mapping[str, Mapping[str, str]]) -> dict[Purpose, dict[DayKind, HoursWindow]]:
    """``CALLSENTRY_CALLING_HOURS`` as windows by purpose and kind of day."""
    hours: dict[Purpose, dict[DayKind, HoursWindow]] = {}
    for name, kinds in raw.items():
        purpose = _purpose(name, "CALLSENTRY_CALLING_HOURS")
        if not isinstance(kinds, Mapping):
            raise ValueError(f"CALLSENTRY_CALLING_HOURS: {name}: expected {{workday, restday}}")
        hours[purpose] = {}
        for kind, text in kinds.items():
            try:
                day_kind = DayKind(str(kind).strip().lower().replace("_", "").replace("-", ""))
                hours[purpose][day_kind] = parse_window(str(text))
            except ValueError as exc:
                raise ValueError(f"CALLSENTRY_CALLING_HOURS: {name}.{kind}: {exc}") from None
    return hours


def parse_caps(raw: Mapping[str, Mapping[str, int]]) -> dict[Purpose, ContactCaps]:
    """``CALLSENTRY_CONTACT_CAPS`` as caps by purpose."""
    caps: dict[Purpose, ContactCaps] = {}
    for name, periods in raw.items():
        purpose = _purpose(name, "CALLSENTRY_CONTACT_CAPS")
        if not isinstance(periods, Mapping):
            raise ValueError(f"CALLSENTRY_CONTACT_CAPS: {name}: expected {{day, week}}")
        unknown = sorted(set(periods) - set(CAP_PERIODS))
        if unknown:
            raise ValueError(f"CALLSENTRY_CONTACT_CAPS: {name}: unknown period(s) {unknown}")
        values = {}
        for period, count in periods.items():
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ValueError(
                    f"CALLSENTRY_CONTACT_CAPS: {name}.{period}: {count!r} is not a count >= 1"
                )
            values[period] = count
        caps[purpose] = ContactCaps(**values)
    return caps
