"""Stored calls: one row per recording, replaced when the result key changes, typed reads."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.anomaly import CallStats, RunStats, call_stats
from pipeline.models import Alert, PiiFinding
from pipeline.store import (
    CallFilter,
    CallStatus,
    ResultKey,
    SaveAction,
    Store,
    ViolationFilter,
)
from pipeline.store.calls import parse_call_time
from tests.report_factory import make_recording, make_report, make_violation

from .conftest import KEY, save

SHANGHAI = "Asia/Shanghai"


def _alert(key: str) -> Alert:
    return Alert(alert_key=key, kind="violation", severity="high", message="m", call_id="c1")


def _count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() or 0)


def test_save_stores_everything_once_with_typed_reads(store: Store) -> None:
    pii = (PiiFinding("BANK_CARD", 1, 5, 21, 0.95, "customer", 5.2, 8.1, "BankCardRecognizer"),)
    recording = make_recording("c1")
    assert store.calls.current_key(recording.recording_id) is None
    first = save(store, "c1", violations=(make_violation(),), pii=pii)
    second = save(store, "c1", violations=(make_violation(),), pii=pii)
    assert (first.action, second.action) == (SaveAction.STORED, SaveAction.UNCHANGED)
    assert first.pk == second.pk
    assert store.calls.is_current(recording.recording_id, KEY)
    detail = store.calls.get(first.pk)
    assert detail is not None
    call = detail.call
    assert (call.status, call.agent_id, call.direction, call.key) == (
        CallStatus.DONE,
        "A01",
        "inbound",
        KEY,
    )
    assert call.violation_count == 1 and call.transcript_path == "/o/c1.json"
    # timezone-aware times: the sidecar's 09:30 +08:00 is 01:30 UTC
    assert call.call_time == datetime(2024, 5, 1, 1, 30, tzinfo=UTC)
    assert call.processed_at.tzinfo is not None
    assert abs(call.processed_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert [v.rule_id for v in detail.violations] == ["no-sensitive-auth-request"]
    assert detail.violations[0].evidence == "请告诉我您的密码 <PASSWORD>"
    assert [(p.entity_type, p.start_offset, p.end_offset) for p in detail.pii] == [
        ("BANK_CARD", 5, 21)
    ]
    assert [_count(store, t) for t in ("calls", "violations", "pii_findings")] == [1, 1, 1]
    assert [e.action for e in store.audit.entries()].count("call.stored") == 1


@pytest.mark.parametrize(
    "changed",
    [
        {"asr_backend": "faster-whisper"},
        {"model": "small"},
        {"rules_version": "rules-test-2"},
        {"pii_version": "pii-test-2"},
    ],
    ids=lambda d: next(iter(d)),
)
def test_another_result_key_replaces_the_row_and_is_audited(
    store: Store, changed: dict[str, str]
) -> None:
    new_key = replace(KEY, **changed)
    first = save(store, "c1", violations=(make_violation(), make_violation(start=30.0)))
    recording_id = make_recording("c1").recording_id
    assert not store.calls.is_current(recording_id, new_key)
    second = save(store, "c1", key=new_key, violations=(make_violation("closing", "low"),))
    assert second == replace(first, action=SaveAction.REPLACED)
    assert store.calls.is_current(recording_id, new_key)
    assert not store.calls.is_current(recording_id, KEY)
    assert _count(store, "calls") == 1  # one row per call, never two
    detail = store.calls.get(second.pk)
    assert detail is not None and [v.rule_id for v in detail.violations] == ["closing"]
    assert detail.call.key == new_key and detail.call.violation_count == 1
    replaced = store.audit.entries(action="call.replaced")
    assert len(replaced) == 1
    assert replaced[0].details["replaced"] == KEY.as_dict()
    assert replaced[0].details[next(iter(changed))] == next(iter(changed.values()))
    assert store.audit.verify().ok


def test_alerts_are_queued_with_the_call_once(store: Store) -> None:
    save(store, "c1", violations=(make_violation(),), alerts=[_alert("k1")], run_id="r")
    save(store, "c1", violations=(make_violation(),), alerts=[_alert("k1")], run_id="r")
    assert [a.alert_key for a in store.outbox.pending()] == ["k1"]
    record = store.outbox.get("k1")
    assert record is not None and record.run_id == "r"


def test_empty_call_status(store: Store) -> None:
    saved = save(store, "silent", segments=())
    detail = store.calls.get(saved.pk)
    assert detail is not None and detail.call.status is CallStatus.EMPTY


def test_concurrent_saves_of_the_same_call_store_one_row(migrated_database_url: str) -> None:
    stores = [Store(migrated_database_url) for _ in range(2)]  # two "processes"
    ids: list[int] = []

    def work(s: Store) -> None:
        ids.append(save(s, "c1").pk)

    threads = [threading.Thread(target=work, args=(s,)) for s in stores for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1
    assert stores[0].audit.verify().ok
    assert _count(stores[0], "calls") == 1
    for s in stores:
        s.close()


def _fill(store: Store) -> None:
    base = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    for i in range(12):
        vios = ()
        if i % 3 == 0:
            vios = (make_violation("no-sensitive-auth-request", "critical"),)
        elif i % 3 == 1:
            vios = (make_violation("recording-notice", "medium", 0.0, ""),)
        report = make_report(f"c{i:02d}", agent_id=f"A{i % 2}", violations=vios)
        recording = replace(
            make_recording(f"c{i:02d}"), call_time=(base + timedelta(hours=i)).isoformat()
        )
        store.calls.save(
            report,
            recording,
            key=KEY,
            stats=call_stats(report),
            transcript_path=None,
            run_id="r1" if i < 6 else "r2",
        )


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (CallFilter(), 12),
        (CallFilter(agent_id="A0"), 6),
        (CallFilter(rule_id="recording-notice"), 4),
        (CallFilter(min_severity="high"), 4),
        (CallFilter(min_severity="medium"), 8),
        (CallFilter(min_severity="medium", agent_id="A1"), 4),
        (CallFilter(run_id="r2"), 6),
        (CallFilter(status=CallStatus.DONE), 12),
        (CallFilter(status=CallStatus.EMPTY), 0),
        (CallFilter(language="en"), 0),
        (
            CallFilter(
                called_from=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
                called_until=datetime(2024, 5, 1, 15, 0, tzinfo=UTC),
            ),
            3,
        ),
    ],
)
def test_call_queries(store: Store, where: CallFilter, expected: int) -> None:
    _fill(store)
    assert store.calls.count(where) == expected
    found = store.calls.find(where, limit=100)
    assert len(found) == expected
    assert [c.processed_at for c in found] == sorted((c.processed_at for c in found), reverse=True)


def test_call_paging_and_lookup_by_id(store: Store) -> None:
    _fill(store)
    pages = [store.calls.find(limit=5, offset=o) for o in (0, 5, 10)]
    assert [len(p) for p in pages] == [5, 5, 2]
    assert len({c.pk for page in pages for c in page}) == 12
    detail = store.calls.by_call_id("c03")
    assert detail is not None and detail.call.call_id == "c03"
    assert store.calls.by_call_id("nope") is None


def test_violation_queries(store: Store) -> None:
    _fill(store)
    critical = store.calls.violations(ViolationFilter(min_severity="critical"), limit=100)
    assert len(critical) == 4 and {v.rule_id for v in critical} == {"no-sensitive-auth-request"}
    assert {v.call_id for v in critical} == {"c00", "c03", "c06", "c09"}
    by_agent = store.calls.violations(ViolationFilter(agent_id="A1"), limit=100)
    assert {v.call_id for v in by_agent} == {"c01", "c03", "c07", "c09"}


def test_runs_history_and_batch_stats(store: Store) -> None:
    for run, hits in (("r1", 1), ("r2", 0), ("r3", 2)):
        for i in range(4):
            vios = (make_violation(),) if i < hits else ()
            save(store, f"{run}-c{i}", run_id=run, violations=vios)
    history = store.calls.history(exclude_run_id="r3")
    assert sorted(history, key=lambda r: r.run_id) == [RunStats("r1", 4, 1), RunStats("r2", 4, 0)]
    stats = store.calls.batch_stats(run_id="r3")
    assert [s.violations for s in stats] == [1, 1, 0, 0]
    assert all(isinstance(s, CallStats) and s.agent_id == "A01" for s in stats)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T09:30:00+08:00", datetime(2024, 5, 1, 1, 30, tzinfo=UTC)),
        ("2024-05-01T09:30:00", datetime(2024, 5, 1, 1, 30, tzinfo=UTC)),  # read in Shanghai
        ("2024-05-01 01:30:00Z", datetime(2024, 5, 1, 1, 30, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_call_time(text: str | None, expected: datetime | None) -> None:
    from zoneinfo import ZoneInfo

    parsed = parse_call_time(text, ZoneInfo(SHANGHAI))
    assert parsed == expected
    assert parsed is None or parsed.tzinfo is not None


def test_result_key_is_the_whole_pipeline() -> None:
    assert set(KEY.as_dict()) == {"asr_backend", "model", "rules_version", "pii_version"}
    assert ResultKey("a", "b", "c", "d") != ResultKey("a", "b", "c", "e")
