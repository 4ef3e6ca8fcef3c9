"""The number registry, the workday calendar and the contact policy files and settings."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.records.calendar import CalendarError, DayKind, WorkdayCalendar, load_calendar
from pipeline.records.cdr import Purpose
from pipeline.records.policy import ContactPolicy, parse_window
from pipeline.records.registry import RegistryError, load_registry

REGISTRY = """number,purposes,valid_from,valid_to
021-5555-0100,service;marketing,2024-01-01,
021-5555-0199,service,,
95588,service;collection,2024-01-01,2024-06-30
"""


def test_registry_lines_by_number_and_day(tmp_path: Path) -> None:
    path = tmp_path / "numbers.csv"
    path.write_text(REGISTRY, encoding="utf-8")
    registry = load_registry(path)
    (line,) = registry.valid("+86 21 5555 0100", date(2025, 3, 14))
    assert line.purposes == {Purpose.SERVICE, Purpose.MARKETING}
    assert registry.valid("95588", date(2024, 6, 30))
    assert not registry.valid("95588", date(2024, 7, 1))  # expired the day before
    assert registry.registrations("95588")  # but known
    assert registry.registrations("13800138000") == ()


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("021-5555-0100,service;sales,,", "purpose 'sales'"),
        ("021-5555-0100,,,", "no purposes"),
        ("ext,service,,", "not a phone number"),
        ("021-5555-0100,service,2024-13-01,", "valid_from"),
        ("021-5555-0100,service,2024-05-01,2024-04-01", "before valid_from"),
    ],
)
def test_a_bad_registry_row_fails_the_file_naming_the_line(
    tmp_path: Path, row: str, problem: str
) -> None:
    path = tmp_path / "numbers.csv"
    path.write_text(REGISTRY + row + "\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=problem) as caught:
        load_registry(path)
    assert f"{path}: line 5" in str(caught.value)


def test_registry_header_must_have_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "numbers.csv"
    path.write_text("number,purposes\n95588,service\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="valid_from, valid_to"):
        load_registry(path)


CALENDAR = """# 2024 overrides (State Council notice)
date,kind
2024-04-04,restday
2024-04-07,workday
2024-05-11,Workday
"""


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (date(2024, 4, 3), DayKind.WORKDAY),  # a Wednesday
        (date(2024, 4, 4), DayKind.REST_DAY),  # Qingming, a Thursday
        (date(2024, 4, 6), DayKind.REST_DAY),  # a Saturday
        (date(2024, 4, 7), DayKind.WORKDAY),  # a Sunday worked in exchange
        (date(2024, 5, 11), DayKind.WORKDAY),  # a Saturday that is a workday
        (date(2024, 5, 12), DayKind.REST_DAY),
    ],
)
def test_calendar_overrides_the_weekend_default(tmp_path: Path, day: date, kind: DayKind) -> None:
    path = tmp_path / "workdays.csv"
    path.write_text(CALENDAR, encoding="utf-8")
    assert load_calendar(path).kind(day) is kind


def test_default_calendar_is_monday_to_friday() -> None:
    assert WorkdayCalendar().kind(date(2024, 5, 11)) is DayKind.REST_DAY
    assert WorkdayCalendar().kind(date(2024, 5, 10)) is DayKind.WORKDAY


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("2024-04-31,restday", "is not YYYY-MM-DD"),
        ("2024-04-08,holiday", "not workday or restday"),
        ("2024-04-04,workday", "given twice"),
        ("2024-04-09", "expected 2 fields"),
    ],
)
def test_a_bad_calendar_line_names_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "workdays.csv"
    path.write_text(CALENDAR + line + "\n", encoding="utf-8")
    with pytest.raises(CalendarError, match=problem) as caught:
        load_calendar(path)
    assert f"{path}: line 6" in str(caught.value)


def test_policy_defaults_collection_hours_and_caps() -> None:
    policy = ContactPolicy.from_settings(Settings(_env_file=None))
    assert policy.zone.key == "Asia/Shanghai"
    workday = policy.window(Purpose.COLLECTION, DayKind.WORKDAY)
    rest_day = policy.window(Purpose.COLLECTION, DayKind.REST_DAY)
    assert str(workday) == "08:00-20:00" and str(rest_day) == "09:00-18:00"
    assert policy.window(Purpose.MARKETING, DayKind.WORKDAY) is None  # the centre sets these
    assert policy.cap(Purpose.COLLECTION).day == 3


def test_windows_include_the_start_and_exclude_the_end() -> None:
    window = parse_window("08:00-20:00")
    assert window.allows(time(8, 0)) and window.allows(time(19, 59, 59))
    assert not window.allows(time(20, 0)) and not window.allows(time(7, 59))
    assert parse_window("09:00-24:00").allows(time(23, 59))
    assert not parse_window("none").allows(time(12, 0))


@pytest.mark.parametrize(
    ("hours", "caps", "problem"),
    [
        ({"collection": {"workday": "8-20"}}, {}, "expected HH:MM-HH:MM"),
        ({"collection": {"workday": "20:00-08:00"}}, {}, "end must come after"),
        ({"collection": {"holiday": "08:00-20:00"}}, {}, "collection.holiday"),
        ({"sales": {"workday": "08:00-20:00"}}, {}, "'sales' is not a purpose"),
        ({}, {"collection": {"month": 3}}, "unknown period"),
        ({}, {"collection": {"day": 0}}, "not a count"),
    ],
)
def test_bad_policy_settings_name_the_setting(hours: dict, caps: dict, problem: str) -> None:
    settings = Settings(_env_file=None, calling_hours=hours, contact_caps=caps)
    with pytest.raises(ValueError, match=problem):
        ContactPolicy.from_settings(settings)
