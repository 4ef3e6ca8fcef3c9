"""Per-call alerts and batch anomalies, on synthetic reports and statistics."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.anomaly import (
    CallStats,
    RunStats,
    batch_anomalies,
    binomial_sf,
    call_alerts,
    call_stats,
    outbound_volume_anomalies,
    robust_z,
    silence_ratio,
)
from pipeline.models import PiiFinding, Segment
from pipeline.records.cdr import CallRecord, Direction, Purpose
from tests.report_factory import make_report, make_violation

# --- per call --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severities", "min_severity", "expected"),
    [
        (("critical",), "high", ["critical"]),
        (("critical",), "critical", ["critical"]),
        (("medium", "high", "low"), "high", ["high"]),
        (("medium", "high", "low"), "medium", ["medium", "high"]),
        (("info",), "high", []),
        (("critical", "low"), "critical", ["critical"]),
    ],
)
def test_violation_alerts_follow_threshold(severities, min_severity, expected) -> None:
    vios = tuple(
        make_violation(f"rule-{i}", sev, start=10.0 * i) for i, sev in enumerate(severities)
    )
    alerts = call_alerts(make_report("c1", violations=vios), min_severity)
    assert [a.severity for a in alerts] == expected
    assert all(a.kind == "violation" and a.call_id == "c1" and a.agent_id == "A01" for a in alerts)


def test_violation_alert_fields_and_stable_key() -> None:
    report = make_report("c1", violations=(make_violation(start=75.0),))
    (alert,) = call_alerts(report)
    assert alert.time_in_call == 75.0
    assert alert.evidence == "请告诉我您的密码 <PASSWORD>"
    assert alert.rule_id == "no-sensitive-auth-request"
    assert len(alert.alert_key) == 64
    assert call_alerts(report) == [alert]  # a rerun gives the same key
    other = make_report("c2", violations=(make_violation(start=75.0),))
    assert call_alerts(other)[0].alert_key != alert.alert_key


def _finding(entity: str, speaker: str, segment: int = 1, start: int = 5) -> PiiFinding:
    return PiiFinding(entity, segment, start, start + 6, 0.9, speaker, 6.0, 8.0)


@pytest.mark.parametrize(
    ("entity", "speaker", "alerts"),
    [
        ("BANK_CARD", "agent", 1),  # agent reads out a card number
        ("ID_CARD", "agent", 1),
        ("BANK_CARD", "customer", 0),  # a customer giving their own card is normal
        ("PASSWORD", "customer", 1),  # a customer volunteering a secret
        ("PIN", "customer", 1),
        ("CVV", "customer", 1),
        ("VERIFICATION_CODE", "customer", 1),
        ("PASSWORD", "agent", 0),  # that's a rules matter (asking), not an exposure
        ("PHONE", "agent", 0),
        ("PERSON", "customer", 0),
    ],
)
def test_pii_exposure_alerts(entity: str, speaker: str, alerts: int) -> None:
    report = make_report("c1", pii=(_finding(entity, speaker),))
    found = call_alerts(report, "critical")
    assert len(found) == alerts
    for a in found:
        assert a.kind == "pii_exposure" and entity in a.message
        assert a.evidence == report.masked_transcript.segments[1].text
        assert a.time_in_call == 6.0


def test_pii_exposure_one_alert_per_segment_and_type() -> None:
    pii = (_finding("PIN", "customer", 1, 0), _finding("PIN", "customer", 1, 10))
    assert len(call_alerts(make_report("c1", pii=pii))) == 1


# --- call statistics -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spans", "duration", "expected"),
    [
        ([(0, 10)], 10, 0.0),
        ([(0, 5)], 10, 0.5),
        ([(0, 6), (4, 8)], 10, 0.2),  # overlapping channels count once
        ([], 10, 1.0),
        ([(0, 5)], 0, 1.0),
    ],
)
def test_silence_ratio(spans, duration, expected) -> None:
    segments = tuple(Segment("agent", s, e, "x") for s, e in spans)
    report = make_report("c", segments=segments, duration=duration)
    assert silence_ratio(report) == pytest.approx(expected)


def test_call_stats() -> None:
    pii = (_finding("PIN", "customer"),)
    stats = call_stats(make_report("c", violations=(make_violation(),), pii=pii))
    assert (stats.violations, stats.pii_exposures, stats.agent_id) == (1, 1, "A01")


# --- statistics helpers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "p", "expected"),
    [
        (0, 10, 0.3, 1.0),
        (11, 10, 0.3, 0.0),
        (10, 10, 0.5, 0.5**10),
        (1, 1, 0.2, 0.2),
        (2, 3, 0.5, 0.5),
    ],
)
def test_binomial_sf(k, n, p, expected) -> None:
    assert binomial_sf(k, n, p) == pytest.approx(expected)


def test_binomial_sf_matches_direct_sum() -> None:
    n, p = 40, 0.13
    direct = sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(9, n + 1))
    assert binomial_sf(9, n, p) == pytest.approx(direct, rel=1e-9)


def test_robust_z() -> None:
    zs = robust_z([1, 2, 3, 4, 100])
    assert zs[-1] > 3.5 and abs(zs[2]) < 1e-9
    assert robust_z([5, 5, 5]) is None
    assert robust_z([5, 5, 5, 5, 9])[-1] > 3.5  # MAD 0: mean-absolute-deviation fallback


# --- batch anomalies -------------------------------------------------------------------------


def _stats(
    agent: str, n: int, with_violation: int = 0, exposures: int = 0, prefix: str = ""
) -> list[CallStats]:
    return [
        CallStats(
            call_id=f"{prefix or agent}-{i}",
            agent_id=agent,
            duration=300.0 + (i % 5) * 10,
            silence_ratio=0.2 + (i % 5) * 0.02,
            violations=1 if i < with_violation else 0,
            pii_exposures=1 if i < exposures else 0,
        )
        for i in range(n)
    ]


def _anomalies(alerts, rule_id):
    return sorted((a.call_id or a.agent_id) for a in alerts if a.rule_id == rule_id)


@pytest.mark.parametrize(
    ("batch", "flagged"),
    [
        # A04 violates in 8 of 10 calls, peers in 1 of 10: flagged
        (
            _stats("A01", 10, 1)
            + _stats("A02", 10, 1)
            + _stats("A03", 10, 1)
            + _stats("A04", 10, 8),
            ["A04"],
        ),
        # everyone at the same rate: nothing
        (_stats("A01", 10, 3) + _stats("A02", 10, 3) + _stats("A03", 10, 3), []),
        # the outlier has too few calls to judge (4 < MIN_CALLS_PER_AGENT)
        (_stats("A01", 10, 1) + _stats("A02", 10, 1) + _stats("A03", 4, 4), []),
        # a modest excess (3/10 vs 1/10) is not significant
        (_stats("A01", 10, 1) + _stats("A02", 10, 1) + _stats("A03", 10, 3), []),
        # a single agent has no peers
        (_stats("A01", 20, 20), []),
    ],
)
def test_agent_violation_rate_outliers(batch, flagged) -> None:
    assert _anomalies(batch_anomalies(batch), "violation-rate") == flagged


def test_agent_pii_exposure_rate_outlier_and_min_calls() -> None:
    batch = _stats("A01", 10) + _stats("A02", 10) + _stats("A03", 6, exposures=6)
    assert _anomalies(batch_anomalies(batch), "PII-exposure-rate") == ["A03"]
    assert _anomalies(batch_anomalies(batch, min_calls=7), "PII-exposure-rate") == []


def _with(stats: list[CallStats], index: int, **changes) -> list[CallStats]:
    from dataclasses import replace

    stats = list(stats)
    stats[index] = replace(stats[index], **changes)
    return stats


@pytest.mark.parametrize(
    ("batch", "rule_id", "flagged"),
    [
        (_with(_stats("A01", 12), 3, silence_ratio=0.9), "silence-ratio", ["A01-3"]),
        (_with(_stats("A01", 12), 3, silence_ratio=0.0), "silence-ratio", []),  # low is fine
        (_with(_stats("A01", 12), 5, duration=3000.0), "call-duration", ["A01-5"]),
        (_with(_stats("A01", 12), 5, duration=5.0), "call-duration", ["A01-5"]),
        (_with(_stats("A01", 12), 5, duration=340.0), "call-duration", []),
        # too few calls in the batch for outliers
        (_with(_stats("A01", 5), 3, silence_ratio=0.9), "silence-ratio", []),
    ],
)
def test_call_outliers(batch, rule_id, flagged) -> None:
    assert _anomalies(batch_anomalies(batch), rule_id) == flagged


HISTORY = [RunStats(f"r{i}", 20, 2) for i in range(5)]  # 10 % of calls with violations


@pytest.mark.parametrize(
    ("batch", "history", "spike"),
    [
        (_stats("A01", 20, 12), HISTORY, True),  # 60 % vs 10 %
        (_stats("A01", 20, 3), HISTORY, False),  # 15 % vs 10 %: normal variation
        (_stats("A01", 20, 12), HISTORY[:2], False),  # not enough history
        (_stats("A01", 20, 12), [RunStats("r", 2, 0)] * 5, False),  # runs too small
        (_stats("A01", 5, 5), HISTORY, False),  # 5 calls: too small a batch to judge
    ],
)
def test_violation_spike(batch, history, spike) -> None:
    alerts = [a for a in batch_anomalies(batch, history) if a.rule_id == "violation-spike"]
    assert bool(alerts) is spike


def test_anomaly_keys_are_stable_and_kind_is_anomaly() -> None:
    batch = _stats("A01", 10, 1) + _stats("A02", 10, 1) + _stats("A03", 10, 9)
    first, second = batch_anomalies(batch, HISTORY), batch_anomalies(list(reversed(batch)), HISTORY)
    assert first and {a.alert_key for a in first} == {a.alert_key for a in second}
    assert all(a.kind == "anomaly" for a in first)
    assert batch_anomalies([]) == []


# --- outbound volume per line and agent (call records) ---------------------------------------


def _outbound(line: str, agent: str, n: int, direction: str = "outbound") -> list[CallRecord]:
    t0 = datetime(2025, 3, 10, 1, 0, tzinfo=UTC)
    return [
        CallRecord(
            f"{line}-{agent}-{i}.wav",
            t0 + timedelta(minutes=i),
            Direction(direction),
            line,
            f"h{i}",
            agent,
            Purpose.MARKETING,
        )
        for i in range(n)
    ]


def test_a_line_and_an_agent_with_unusual_outbound_volume_stand_out() -> None:
    records = (
        _outbound("02155550101", "A1", 6)
        + _outbound("02155550102", "A2", 5)
        + _outbound("02155550103", "A3", 7)
        + _outbound("02155550104", "A4", 6)
        + _outbound("13900139000", "A5", 60)  # an agent's own mobile, dialling in bulk
        + _outbound("02155550105", "A6", 300, direction="inbound")  # inbound: not counted
    )
    alerts = outbound_volume_anomalies(records)
    assert sorted(a.message.split(":")[0] for a in alerts) == ["Agent A5", "Line 139****9000"]
    assert all(a.kind == "anomaly" and a.rule_id == "outbound-volume" for a in alerts)
    assert "13900139000" not in " ".join(a.message for a in alerts)
    assert [a.agent_id for a in alerts if a.message.startswith("Agent")] == ["A5"]
    assert [a.alert_key for a in outbound_volume_anomalies(records)] == [
        a.alert_key for a in alerts
    ]  # a rerun queues nothing new


def test_outbound_volume_needs_enough_lines_and_calls() -> None:
    few_lines = _outbound("02155550101", "A1", 3) + _outbound("02155550102", "A2", 50)
    assert outbound_volume_anomalies(few_lines) == []
    small = [r for i in range(5) for r in _outbound(f"0215555010{i}", f"A{i}", 1)]
    small += _outbound("02155550109", "A9", 9)
    assert outbound_volume_anomalies(small) == []  # 9 calls: below MIN_OUTBOUND_FOR_VOLUME
    assert outbound_volume_anomalies([]) == []
