"""Dashboard figures by day: a call's day is its UTC date, whatever the database server's zone."""

from __future__ import annotations

from dataclasses import replace

from pipeline.anomaly import call_stats
from pipeline.models import Alert
from pipeline.store import Store
from tests.report_factory import make_recording, make_report, make_violation

from .conftest import KEY

# 23:30 UTC on 1 May is 07:30 on 2 May in Shanghai (the test server's time zone)
LATE_EVENING_UTC = "2024-05-01T23:30:00+00:00"
NEXT_MORNING_UTC = "2024-05-02T08:00:00+08:00"  # 00:00 UTC on 2 May


def _save(store: Store, call_id: str, call_time: str, *, critical: bool) -> None:
    violations = (make_violation("no-sensitive-auth-request", "critical"),) if critical else ()
    report = make_report(call_id, agent_id="A01", violations=violations)
    recording = replace(make_recording(call_id), call_time=call_time)
    store.calls.save(
        report, recording, key=KEY, stats=call_stats(report), transcript_path=None, run_id="r1"
    )


def test_days_are_utc_dates(store: Store) -> None:
    _save(store, "c1", LATE_EVENING_UTC, critical=True)
    _save(store, "c2", NEXT_MORNING_UTC, critical=False)
    anomaly = Alert("a1", "anomaly", "high", "many violations", None, "A01")
    store.outbox.enqueue([anomaly])
    agent_days = {(a.agent_id, a.day): a for a in store.stats.agent_days()}
    assert set(agent_days) >= {("A01", "2024-05-01"), ("A01", "2024-05-02")}
    assert agent_days[("A01", "2024-05-01")].violations == 1
    assert agent_days[("A01", "2024-05-02")].calls == 1
    assert sum(a.anomaly_flags for a in agent_days.values()) == 1
    rule_days = store.stats.rule_days()
    assert [(r.rule_id, r.day, r.violations) for r in rule_days] == [
        ("no-sensitive-auth-request", "2024-05-01", 1)
    ]
