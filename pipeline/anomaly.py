"""Alerts from one call and anomalies across a batch. Pure functions: no database, no I/O.

Per call, :func:`call_alerts` turns violations at or above a severity threshold (critical ones
always) and PII exposures into :class:`~pipeline.models.Alert` objects. Per batch,
:func:`batch_anomalies` compares agents with their peers, calls with the rest of the batch, and
the batch with previous runs. Every alert has a stable ``alert_key`` (a sha256 of what it is
about), so a rerun produces the same keys and the store never queues a finding twice.

Statistics (thresholds are the module constants below):

- Agent rates (violation rate, PII-exposure rate): one-sided exact binomial test of the agent's
  count against the pooled rate of the *other* agents (Laplace-smoothed so a spotless peer group
  does not give a rate of 0), Bonferroni-corrected over the agents tested, plus a minimum
  absolute excess so that a statistically clear but tiny difference does not page anyone.
  Agents with fewer than ``MIN_CALLS_PER_AGENT`` calls are not tested.
- Call silence ratio and duration: robust z-score ``0.6745 * (x - median) / MAD`` (Iglewicz and
  Hoaglin), flagged beyond ``ROBUST_Z_THRESHOLD``, only in batches of ``MIN_CALLS_FOR_OUTLIERS``.
- Batch spike: binomial test of this batch's calls-with-violations against the pooled rate of
  the previous runs (at least ``MIN_HISTORY_RUNS`` of them), with the same minimum excess, for
  batches of at least ``MIN_CALLS_FOR_SPIKE`` calls.
- Outbound volume (from the batch's call records): robust z-score of each line's and each
  agent's outbound calls, flagged beyond ``ROBUST_Z_THRESHOLD`` (:func:`outbound_volume_anomalies`).
"""

from __future__ import annotations

import hashlib
import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .models import Alert, CallReport, PiiFinding, severity_rank
from .pii.entities import agent_exposure_types, authentication_types
from .records.cdr import CallRecord, Direction, display_number

# --- per-call thresholds ---------------------------------------------------------------------
CRITICAL = "critical"
# The agent says these aloud: a full card or ID number read out is an exposure.
AGENT_EXPOSURE_ENTITIES: frozenset[str] = agent_exposure_types()
# The customer says these aloud: secrets a bank must never hear (sensitive authentication data).
CUSTOMER_EXPOSURE_ENTITIES: frozenset[str] = authentication_types()
PII_EXPOSURE_SEVERITY = "high"

# --- batch thresholds ------------------------------------------------------------------------
MIN_CALLS_PER_AGENT = 5  # agents with fewer calls in the batch are not compared
RATE_TEST_ALPHA = 0.01  # family-wise significance of the agent / spike binomial tests
MIN_RATE_EXCESS = 0.15  # and the rate must exceed the baseline by at least 15 points
ROBUST_Z_THRESHOLD = 3.5  # |modified z| beyond this is an outlier (Iglewicz and Hoaglin)
MIN_CALLS_FOR_OUTLIERS = 8  # smaller batches give no silence / duration outliers
MIN_HISTORY_RUNS = 3  # previous runs needed before a spike can be called
MIN_CALLS_PER_HISTORY_RUN = 3  # previous runs with fewer calls are ignored as a baseline
MIN_CALLS_FOR_SPIKE = 8  # smaller batches are never called a spike
MAD_TO_SIGMA = 0.6745  # the 0.75 quantile of the standard normal
MEAN_AD_TO_SIGMA = 0.7979  # sqrt(2/pi): fallback scale when more than half the values are equal
ANOMALY_SEVERITY = "medium"


@dataclass(frozen=True)
class CallStats:
    """What the batch statistics need from one processed call."""

    call_id: str
    agent_id: str | None
    duration: float  # seconds of audio
    silence_ratio: float  # 0..1, share of the call with no segment
    violations: int  # number of violations
    pii_exposures: int  # number of PII exposures (see pii_exposures())


@dataclass(frozen=True)
class RunStats:
    """A previous run, as the spike test sees it."""

    run_id: str
    calls: int  # calls stored by the run
    calls_with_violations: int  # of which at least one violation


# --- helpers ---------------------------------------------------------------------------------


def stable_key(*parts: object) -> str:
    """sha256 hex of the parts joined by ``|``: the same finding gives the same key."""
    return hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def pii_exposures(report: CallReport) -> list[PiiFinding]:
    """Findings that are exposures: an agent reading out a card or ID number, a customer saying
    a password, PIN, CVV or verification code."""
    return [
        f
        for f in report.pii
        if (f.speaker == "agent" and f.entity_type in AGENT_EXPOSURE_ENTITIES)
        or (f.speaker == "customer" and f.entity_type in CUSTOMER_EXPOSURE_ENTITIES)
    ]


def silence_ratio(report: CallReport) -> float:
    """Share of the call (0..1) covered by no segment; 1.0 for an empty or zero-length call."""
    duration = report.duration
    if duration <= 0:
        return 1.0
    spans = sorted(
        (max(0.0, s.start), min(duration, s.end)) for s in report.masked_transcript.segments
    )
    covered = 0.0
    current: tuple[float, float] | None = None  # the union of spans being built
    for start, end in spans:
        if end <= start:
            continue
        if current is None or start > current[1]:
            if current is not None:
                covered += current[1] - current[0]
            current = (start, end)
        else:
            current = (current[0], max(current[1], end))
    if current is not None:
        covered += current[1] - current[0]
    return max(0.0, min(1.0, 1.0 - covered / duration))


def call_stats(report: CallReport) -> CallStats:
    """The batch statistics of one call."""
    return CallStats(
        call_id=report.call_id,
        agent_id=report.agent_id,
        duration=report.duration,
        silence_ratio=silence_ratio(report),
        violations=len(report.violations),
        pii_exposures=len(pii_exposures(report)),
    )


# --- per call --------------------------------------------------------------------------------


def call_alerts(report: CallReport, min_severity: str = "high") -> list[Alert]:
    """Alerts for one call: critical violations always, others at or above ``min_severity``,
    and one ``pii_exposure`` alert per segment and entity type exposed."""
    threshold = severity_rank(min_severity)
    alerts: list[Alert] = []
    for v in report.violations:
        if v.severity != CRITICAL and severity_rank(v.severity) < threshold:
            continue
        alerts.append(
            Alert(
                alert_key=stable_key(
                    "violation", report.call_id, v.rule_id, f"{v.start:.3f}", f"{v.end:.3f}"
                ),
                kind="violation",
                severity=v.severity,
                message=f"{v.title or v.rule_id}: {v.message}",
                call_id=report.call_id,
                agent_id=report.agent_id,
                rule_id=v.rule_id,
                time_in_call=v.start,
                evidence=v.evidence,
            )
        )
    seen: set[tuple[int, str]] = set()
    segments = report.masked_transcript.segments
    for f in pii_exposures(report):
        if (f.segment_index, f.entity_type) in seen:
            continue
        seen.add((f.segment_index, f.entity_type))
        segment = segments[f.segment_index] if 0 <= f.segment_index < len(segments) else None
        who = "agent read out" if f.speaker == "agent" else "customer said"
        alerts.append(
            Alert(
                alert_key=stable_key(
                    "pii_exposure", report.call_id, f.entity_type, f.segment_index, f.start
                ),
                kind="pii_exposure",
                severity=PII_EXPOSURE_SEVERITY,
                message=f"PII exposure: {who} a {f.entity_type}",
                call_id=report.call_id,
                agent_id=report.agent_id,
                rule_id=None,
                time_in_call=f.time_start if f.time_start is not None else _start(segment),
                evidence=segment.text if segment else "",
            )
        )
    return alerts


def _start(segment: object) -> float | None:
    return getattr(segment, "start", None)


# --- statistics ------------------------------------------------------------------------------


def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), computed exactly in log space."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    terms = [
        math.lgamma(n + 1)
        - math.lgamma(i + 1)
        - math.lgamma(n - i + 1)
        + i * log_p
        + (n - i) * log_q
        for i in range(k, n + 1)
    ]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def robust_z(values: Sequence[float]) -> list[float] | None:
    """Modified z-scores ``0.6745 (x - median) / MAD``; None when the spread is zero."""
    median = statistics.median(values)
    deviations = [abs(v - median) for v in values]
    mad = statistics.median(deviations)
    if mad > 0:
        return [MAD_TO_SIGMA * (v - median) / mad for v in values]
    mean_ad = sum(deviations) / len(deviations)
    if mean_ad > 0:
        return [MEAN_AD_TO_SIGMA * (v - median) / mean_ad for v in values]
    return None


def _rate_outliers(
    counts: dict[str, tuple[int, int]], metric: str, batch_key: str, min_calls: int
) -> Iterable[Alert]:
    """Agents whose (hits, calls) stand out from the pooled rate of the other agents."""
    tested = {agent: c for agent, c in counts.items() if c[1] >= min_calls}
    if not tested or len(counts) < 2:
        return
    alpha = RATE_TEST_ALPHA / len(tested)
    total_hits = sum(h for h, _ in counts.values())
    total_calls = sum(n for _, n in counts.values())
    for agent, (hits, calls) in sorted(tested.items()):
        peer_hits, peer_calls = total_hits - hits, total_calls - calls
        baseline = (peer_hits + 1) / (peer_calls + 2)
        rate = hits / calls
        p_value = binomial_sf(hits, calls, baseline)
        if p_value < alpha and rate - baseline >= MIN_RATE_EXCESS:
            yield Alert(
                alert_key=stable_key("anomaly", metric, agent, batch_key),
                kind="anomaly",
                severity=ANOMALY_SEVERITY,
                message=(
                    f"Agent {agent}: {metric} {rate:.0%} ({hits}/{calls} calls) vs peers "
                    f"{baseline:.0%} (binomial p={p_value:.2g})"
                ),
                agent_id=agent,
                rule_id=metric.replace(" ", "-"),
            )


def _call_outliers(
    stats: Sequence[CallStats], metric: str, values: list[float], high_only: bool, unit: str
) -> Iterable[Alert]:
    if len(values) < MIN_CALLS_FOR_OUTLIERS:
        return
    zs = robust_z(values)
    if zs is None:
        return
    median = statistics.median(values)
    for s, value, z in zip(stats, values, zs, strict=True):
        if z > ROBUST_Z_THRESHOLD or (not high_only and z < -ROBUST_Z_THRESHOLD):
            yield Alert(
                alert_key=stable_key("anomaly", metric, s.call_id),
                kind="anomaly",
                severity=ANOMALY_SEVERITY,
                message=(
                    f"Unusual {metric}: {value:.2f}{unit} vs batch median {median:.2f}{unit} "
                    f"(robust z {z:+.1f})"
                ),
                call_id=s.call_id,
                agent_id=s.agent_id,
                rule_id=metric.replace(" ", "-"),
            )


def batch_anomalies(
    stats: Sequence[CallStats],
    history: Sequence[RunStats] = (),
    *,
    min_calls: int = MIN_CALLS_PER_AGENT,
) -> list[Alert]:
    """Batch-level anomalies (kind ``anomaly``): agent violation / PII-exposure rates against
    peers, call silence ratio and duration outliers, and a spike of the batch's violation rate
    against ``history`` (previous runs, not including this one). ``min_calls`` is the smallest
    number of calls an agent needs in the batch to be compared."""
    stats = list(stats)
    if not stats:
        return []
    batch_key = stable_key(*sorted(s.call_id for s in stats))
    alerts: list[Alert] = []

    for metric, hit in (
        ("violation rate", lambda s: s.violations > 0),
        ("PII exposure rate", lambda s: s.pii_exposures > 0),
    ):
        counts: dict[str, tuple[int, int]] = {}
        for s in stats:
            if s.agent_id is None:
                continue
            hits, calls = counts.get(s.agent_id, (0, 0))
            counts[s.agent_id] = (hits + int(hit(s)), calls + 1)
        alerts.extend(_rate_outliers(counts, metric, batch_key, min_calls))

    alerts.extend(
        _call_outliers(stats, "silence ratio", [s.silence_ratio for s in stats], True, "")
    )
    alerts.extend(_call_outliers(stats, "call duration", [s.duration for s in stats], False, " s"))
    spike = violation_spike(stats, history, batch_key)
    if spike:
        alerts.append(spike)
    return alerts


def violation_spike(
    stats: Sequence[CallStats], history: Sequence[RunStats], batch_key: str = ""
) -> Alert | None:
    """An alert when this batch's share of calls with violations is well above previous runs."""
    baseline_runs = [r for r in history if r.calls >= MIN_CALLS_PER_HISTORY_RUN]
    if len(baseline_runs) < MIN_HISTORY_RUNS or len(stats) < MIN_CALLS_FOR_SPIKE:
        return None
    base_hits = sum(r.calls_with_violations for r in baseline_runs)
    base_calls = sum(r.calls for r in baseline_runs)
    baseline = (base_hits + 1) / (base_calls + 2)
    hits = sum(1 for s in stats if s.violations > 0)
    rate = hits / len(stats)
    p_value = binomial_sf(hits, len(stats), baseline)
    if p_value >= RATE_TEST_ALPHA or rate - baseline < MIN_RATE_EXCESS:
        return None
    return Alert(
        alert_key=stable_key(
            "anomaly", "violation spike", batch_key or stable_key(*(s.call_id for s in stats))
        ),
        kind="anomaly",
        severity="high",
        message=(
            f"Violation spike: {rate:.0%} of calls ({hits}/{len(stats)}) have violations vs "
            f"{baseline:.0%} over the previous {len(baseline_runs)} runs "
            f"(binomial p={p_value:.2g})"
        ),
        rule_id="violation-spike",
    )


# --- outbound volume (call records) ----------------------------------------------------------

MIN_GROUPS_FOR_VOLUME = 4  # lines (or agents) needed in a batch before one can stand out
MIN_OUTBOUND_FOR_VOLUME = 10  # a line or agent with fewer outbound calls is never flagged


def outbound_volume_anomalies(records: Sequence[CallRecord]) -> list[Alert]:
    """Lines and agents whose number of outbound calls in the batch (CDR rows) stands out:
    robust z-score of the count above ``ROBUST_Z_THRESHOLD`` among at least
    ``MIN_GROUPS_FOR_VOLUME`` lines (agents), and at least ``MIN_OUTBOUND_FOR_VOLUME`` calls.
    A line or an agent dialling far more than its peers is how a number gets misused (bulk
    marketing from a service line, an auto-dialler on a personal phone)."""
    outbound = [r for r in records if r.direction is Direction.OUTBOUND]
    if not outbound:
        return []
    batch_key = stable_key(*sorted(f"{r.recording}|{r.start_time.isoformat()}" for r in outbound))
    alerts: list[Alert] = []
    for kind, key_of in (
        ("line", lambda r: r.line_number),
        ("agent", lambda r: r.agent_id),
    ):
        counts = Counter(key_of(r) for r in outbound)
        if len(counts) < MIN_GROUPS_FOR_VOLUME:
            continue
        keys = sorted(counts)
        values = [float(counts[k]) for k in keys]
        zs = robust_z(values)
        if zs is None:
            continue
        median = statistics.median(values)
        for key, value, z in zip(keys, values, zs, strict=True):
            if z <= ROBUST_Z_THRESHOLD or value < MIN_OUTBOUND_FOR_VOLUME:
                continue
            name = f"Line {display_number(key)}" if kind == "line" else f"Agent {key}"
            alerts.append(
                Alert(
                    alert_key=stable_key("anomaly", "outbound volume", kind, key, batch_key),
                    kind="anomaly",
                    severity=ANOMALY_SEVERITY,
                    message=(
                        f"{name}: {value:.0f} outbound calls in this batch vs a median of "
                        f"{median:.0f} over {len(keys)} {kind}s (robust z {z:+.1f})"
                    ),
                    agent_id=key if kind == "agent" else None,
                    rule_id="outbound-volume",
                )
            )
    return alerts
