"""The five record checks on CDR fixtures, with the contact history in a real SQLite store:
time-zone and calendar edges, frequency across two batches, a refusal in batch 1 and a
marketing call in batch 2."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline.compliance.evaluator import evaluate
from pipeline.compliance.loader import RuleBook, load_rulebook
from pipeline.compliance.scoring import score_call
from pipeline.config import CHECKOUT_RULES_DIR, Settings
from pipeline.models import CallReport, Segment, Transcript
from pipeline.records.batch import RecordRules, in_call_order
from pipeline.records.calendar import DayKind, WorkdayCalendar
from pipeline.records.cdr import CallRecord, CdrFile, read_cdr
from pipeline.records.checks import (
    RecordContext,
    call_metadata,
    check_record,
    record_violations,
)
from pipeline.records.policy import ContactPolicy
from pipeline.records.registry import load_registry
from pipeline.store import Store
from tests.report_factory import make_recording, make_report

KEY = b"test-pseudonym-key"
SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = "recording,start_time,direction,line_number,customer_number,agent_id,purpose"
REGISTRY = """number,purposes,valid_from,valid_to
021-5555-0100,service;marketing;collection,2024-01-01,
021-5555-0199,service,,
021-5555-0300,collection,2024-01-01,2024-12-31
"""
CUSTOMER = "13800138000"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'callsentry.db'}")
    yield s
    s.close()


@pytest.fixture
def rules(tmp_path: Path) -> RecordRules:
    registry = tmp_path / "numbers.csv"
    registry.write_text(REGISTRY, encoding="utf-8")
    settings = Settings(
        _env_file=None,
        calling_hours={
            "collection": {"workday": "08:00-20:00", "restday": "09:00-18:00"},
            "marketing": {"workday": "09:00-21:00", "restday": "none"},
        },
        contact_caps={"collection": {"day": 3, "week": 5}},
    )
    calendar = WorkdayCalendar({date(2024, 5, 11): DayKind.WORKDAY})  # a Saturday worked
    return RecordRules(ContactPolicy.from_settings(settings), calendar, load_registry(registry))


def _batch(tmp_path: Path, name: str, *rows: str) -> CdrFile:
    path = tmp_path / f"{name}.cdr.csv"
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    cdr = read_cdr(path, KEY, SHANGHAI)
    assert cdr.errors == ()
    return cdr


def _row(
    recording: str,
    start: str,
    purpose: str = "collection",
    line: str = "021-5555-0100",
    direction: str = "outbound",
    customer: str = CUSTOMER,
) -> str:
    return f"{recording},{start},{direction},{line},{customer},A1,{purpose}"


def _ids(record: CallRecord, rules: RecordRules, store: Store) -> list[str]:
    return [v.rule_id for v in record_violations(record, rules.context(store.contacts), 30.0)]


@pytest.mark.parametrize(
    ("start", "fired"),
    [
        ("2025-03-14T11:59:00Z", []),  # 19:59 in Shanghai, a Friday
        ("2025-03-14T12:01:00Z", ["calling-hours"]),  # 20:01
        ("2025-03-14T20:01:00+08:00", ["calling-hours"]),
        ("2025-03-13T23:59:00Z", ["calling-hours"]),  # 07:59 on the 14th
        ("2025-03-14T00:00:00Z", []),  # 08:00 sharp: the start is included
        ("2025-03-15T00:59:00Z", ["calling-hours"]),  # Saturday 08:59: rest-day window 09-18
        ("2025-03-15T09:59:00Z", []),  # Saturday 17:59
    ],
)
def test_calling_hours_on_the_centre_clock(
    tmp_path: Path, rules: RecordRules, store: Store, start: str, fired: list[str]
) -> None:
    (record,) = _batch(tmp_path, "b", _row("a.wav", start)).records.values()
    assert _ids(record, rules, store) == fired


def test_a_saturday_that_is_a_workday_takes_the_workday_hours(
    tmp_path: Path, rules: RecordRules, store: Store
) -> None:
    cdr = _batch(
        tmp_path,
        "b",
        _row("worked-saturday.wav", "2024-05-11T19:30:00+08:00"),  # workday by the calendar
        _row("plain-saturday.wav", "2024-05-18T19:30:00+08:00"),
        _row("marketing-saturday.wav", "2024-05-18T10:00:00+08:00", "marketing"),
    )
    assert _ids(cdr.records["worked-saturday.wav"], rules, store) == []
    assert _ids(cdr.records["plain-saturday.wav"], rules, store) == ["calling-hours"]
    (violation,) = record_violations(
        cdr.records["marketing-saturday.wav"], rules.context(store.contacts)
    )
    assert "rest day (2024-05-18); allowed: no calls" in violation.message


def test_registry_checks(tmp_path: Path, rules: RecordRules, store: Store) -> None:
    cdr = _batch(
        tmp_path,
        "b",
        _row("mobile.wav", "2025-03-14T10:00:00+08:00", "marketing", "+86 139 0013 9000"),
        _row("service-line.wav", "2025-03-14T10:00:00+08:00", "marketing", "021-5555-0199"),
        _row("expired.wav", "2025-03-14T10:00:00+08:00", "collection", "021-5555-0300"),
        _row("inbound.wav", "2025-03-14T23:00:00+08:00", "service", "139 0013 9000", "inbound"),
    )
    context = rules.context(store.contacts)
    (mobile,) = record_violations(cdr.records["mobile.wav"], context)
    assert mobile.rule_id == "registered-caller-number" and mobile.severity == "high"
    assert "139****9000" in mobile.message + mobile.evidence
    assert "13900139000" not in mobile.message + mobile.evidence
    assert _ids(cdr.records["service-line.wav"], rules, store) == ["number-purpose-mismatch"]
    (expired,) = record_violations(cdr.records["expired.wav"], context)
    assert "not registered for 2025-03-14" in expired.message
    assert _ids(cdr.records["inbound.wav"], rules, store) == []  # inbound calls are not checked


def test_without_a_registry_the_number_checks_do_not_run(
    tmp_path: Path, rules: RecordRules, store: Store
) -> None:
    bare = RecordRules(rules.policy, rules.calendar, None)
    cdr = _batch(tmp_path, "b", _row("m.wav", "2025-03-14T10:00:00+08:00", line="13900139000"))
    assert _ids(cdr.records["m.wav"], bare, store) == []
    assert "CALLSENTRY_NUMBER_REGISTRY" in bare.warnings()[0]


def test_contact_frequency_counts_across_two_batches(
    tmp_path: Path, rules: RecordRules, store: Store
) -> None:
    day1 = _batch(
        tmp_path,
        "batch1",
        _row("d1-1.wav", "2025-03-10T09:00:00+08:00"),  # Monday
        _row("d1-2.wav", "2025-03-10T11:00:00+08:00"),
        _row("other.wav", "2025-03-10T12:00:00+08:00", customer="13700137000"),
        _row("mkt.wav", "2025-03-10T12:30:00+08:00", "marketing"),  # another purpose
    )
    store.contacts.register(day1.records.values(), "run-1")
    assert store.contacts.register(day1.records.values(), "run-1") == 0  # a rerun adds nothing
    day2 = _batch(
        tmp_path,
        "batch2",
        _row("d1-3.wav", "2025-03-10T15:00:00+08:00"),
        _row("d1-4.wav", "2025-03-10T19:00:00+08:00"),
        _row("d2-1.wav", "2025-03-11T09:00:00+08:00"),  # Tuesday: a new day, same week
        _row("d3-1.wav", "2025-03-12T09:00:00+08:00"),  # 6th contact of the week
        _row("next-week.wav", "2025-03-17T09:00:00+08:00"),
    )
    store.contacts.register(day2.records.values(), "run-2")
    got = {name: _ids(r, rules, store) for name, r in day2.records.items()}
    assert got == {
        "d1-3.wav": [],
        "d1-4.wav": ["contact-frequency"],
        "d2-1.wav": [],
        "d3-1.wav": ["contact-frequency"],
        "next-week.wav": [],
    }
    (too_many,) = record_violations(day2.records["d1-4.wav"], rules.context(store.contacts))
    assert "Contact 4" in too_many.message and "at most 3" in too_many.message
    (week,) = record_violations(day2.records["d3-1.wav"], rules.context(store.contacts))
    assert "this week; at most 5" in week.message
    # the order a batch is checked in changes nothing: earlier calls never see later ones
    assert _ids(day1.records["d1-2.wav"], rules, store) == []


@lru_cache(maxsize=1)
def _bundled() -> RuleBook:
    return load_rulebook(CHECKOUT_RULES_DIR)


def _report(call_id: str, customer_says: str, meta_record: CallRecord) -> CallReport:
    """A zh call evaluated with the bundled packs (the refusal rule among them)."""
    book = _bundled()
    transcript = Transcript(
        call_id,
        "zh",
        20.0,
        (
            Segment("agent", 0.0, 5.0, "您好，这边是恒信银行信用卡中心，给您介绍一款分期产品。"),
            Segment("customer", 6.0, 9.0, customer_says),
        ),
    )
    meta = call_metadata(make_recording(call_id), meta_record, SHANGHAI)
    violations = evaluate(book.for_language("zh"), transcript, (), transcript, meta)
    base = make_report(call_id, segments=transcript.segments, duration=20.0)
    return CallReport(**{**base.__dict__, "violations": violations})


def test_a_refusal_in_batch_1_makes_a_marketing_call_in_batch_2_critical(
    tmp_path: Path, rules: RecordRules, store: Store
) -> None:
    batch1 = _batch(tmp_path, "batch1", _row("m1.wav", "2025-03-10T10:00:00+08:00", "marketing"))
    store.contacts.register(batch1.records.values(), "run-1")
    first = batch1.records["m1.wav"]
    words1 = _report("m1", "不需要，以后别再打了。", first)
    report1 = check_record(words1, first, rules.context(store.contacts), "run-1")
    assert "marketing-refusal" in {v.rule_id for v in words1.violations}
    assert report1 == words1  # no record finding, and the refusal itself costs nothing

    batch2 = _batch(
        tmp_path,
        "batch2",
        _row("m2.wav", "2025-03-12T10:00:00+08:00", "marketing"),
        _row("c2.wav", "2025-03-12T11:00:00+08:00", "collection"),  # not marketing
        _row("m3.wav", "2025-03-12T10:00:00+08:00", "marketing", customer="13700137000"),
    )
    store.contacts.register(batch2.records.values(), "run-2")
    context = rules.context(store.contacts)
    second = batch2.records["m2.wav"]
    words2 = _report("m2", "好的，你说。", second)
    report2 = check_record(words2, second, context, "run-2")
    (after,) = [v for v in report2.violations if v.rule_id == "contact-after-refusal"]
    assert after.severity == "critical" and "2025-03-10 10:00" in after.message
    assert report2.score == score_call(words2.violations) - 20.0
    assert _ids(batch2.records["c2.wav"], rules, store) == []
    assert _ids(batch2.records["m3.wav"], rules, store) == []  # another customer
    # the refusal is kept once, however often its call is checked again
    words3 = _report("m1", "请把我的号码移出名单。", first)
    assert "marketing-refusal" in {v.rule_id for v in words3.violations}
    assert check_record(words3, first, context) == words3
    assert store.contacts.refusal_before(first.customer_hash, first.start_time) is None


def test_metadata_comes_from_the_cdr_row_else_the_sidecar(tmp_path: Path) -> None:
    cdr = _batch(tmp_path, "b", _row("a.wav", "2025-03-14T12:01:00Z"))
    meta = call_metadata(make_recording("a"), cdr.records["a.wav"], SHANGHAI)
    assert (meta.direction, meta.purpose) == ("outbound", "collection")
    assert str(meta.local_time) == "20:01:00"
    sidecar = replace(
        make_recording("b"),
        direction="outbound",
        call_time="2025-03-14T09:30:00+08:00",
        extra={"purpose": "Marketing", "queue": "cards"},
    )
    meta = call_metadata(sidecar, None, SHANGHAI)
    assert (meta.direction, meta.purpose, meta.queue) == ("outbound", "marketing", "cards")
    assert str(meta.local_time) == "09:30:00"


def test_calls_are_checked_in_the_order_they_started(tmp_path: Path) -> None:
    cdr = _batch(
        tmp_path,
        "b",
        _row("late.wav", "2025-03-14T12:00:00+08:00"),
        _row("early.wav", "2025-03-14T02:00:00Z"),  # 10:00 in Shanghai
    )
    paths = ["/r/late.wav", "/r/norow.wav", "/r/early.wav"]
    assert in_call_order(paths, cdr) == ["/r/early.wav", "/r/late.wav", "/r/norow.wav"]
    assert in_call_order(paths, None) == paths
    assert RecordContext  # the checks' context type is public


def _expiring(rules: RecordRules, days: int) -> RecordRules:
    """``rules`` with refusals counting for ``days`` days (0: for ever), as the setting gives."""
    settings = Settings(_env_file=None, refusal_expiry_days=days)
    expiry = ContactPolicy.from_settings(settings).refusal_expiry
    return replace(rules, policy=replace(rules.policy, refusal_expiry=expiry))


@pytest.mark.parametrize(
    ("refused_at", "days", "fired"),
    [
        ("2022-03-12T10:00:00+08:00", 730, []),  # three years ago: expired by default
        ("2022-03-12T10:00:00+08:00", 0, ["contact-after-refusal"]),  # 0: never expires
        ("2023-03-13T10:02:00+08:00", 730, ["contact-after-refusal"]),  # 730 days less a minute
        ("2023-03-13T10:01:00+08:00", 730, []),  # 730 days to the minute: no longer counts
        ("2025-03-01T10:00:00+08:00", 7, []),  # 11 days ago, with a 7-day expiry
    ],
)
def test_a_marketing_refusal_stops_counting_after_the_expiry(
    tmp_path: Path,
    rules: RecordRules,
    store: Store,
    refused_at: str,
    days: int,
    fired: list[str],
) -> None:
    (call,) = _batch(
        tmp_path, "b", _row("m.wav", "2025-03-12T10:01:00+08:00", "marketing")
    ).records.values()
    (old,) = _batch(tmp_path, "old", _row("r.wav", refused_at, "marketing")).records.values()
    store.contacts.add_refusal(old.customer_hash, old.start_time, "r")
    assert _ids(call, _expiring(rules, days), store) == fired


def test_a_newer_refusal_counts_when_an_older_one_has_expired(
    tmp_path: Path, rules: RecordRules, store: Store
) -> None:
    (call,) = _batch(
        tmp_path, "b", _row("m.wav", "2025-03-12T10:00:00+08:00", "marketing")
    ).records.values()
    for name, at in (("r1", "2021-06-01T10:00:00+08:00"), ("r2", "2024-06-01T10:00:00+08:00")):
        (row,) = _batch(tmp_path, name, _row(f"{name}.wav", at, "marketing")).records.values()
        store.contacts.add_refusal(row.customer_hash, row.start_time, name)
    (after,) = record_violations(call, _expiring(rules, 730).context(store.contacts), 30.0)
    assert after.rule_id == "contact-after-refusal" and "2024-06-01 10:00" in after.message
