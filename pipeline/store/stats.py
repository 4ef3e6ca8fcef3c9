"""Figures for the dashboards: per agent and per rule, by day.

A call's day is its call time (else when it was processed), in UTC, as ``YYYY-MM-DD``. Only
``done`` calls count. Anomaly flags are the stored ``anomaly`` alerts that name an agent, by the
day they were raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func, select

from pipeline.store.database import Database
from pipeline.store.schema import CallStatus, alerts, calls, violations

DAY_CHARS = 10  # "YYYY-MM-DD" of an ISO timestamp's text
ANOMALY_KIND = "anomaly"


@dataclass(frozen=True)
class AgentDay:
    """One agent's calls on one day."""

    agent_id: str  # "" when the call record named no agent
    day: str  # YYYY-MM-DD (UTC)
    calls: int
    score_sum: float  # sum of the calls' scores (mean = score_sum / calls)
    violations: int
    pii_exposures: int
    anomaly_flags: int  # anomaly alerts about the agent raised that day


@dataclass(frozen=True)
class RuleDay:
    """One rule's violations on one day."""

    rule_id: str
    day: str
    violations: int


def _day(column: Any) -> Any:
    return func.substr(cast(column, String), 1, DAY_CHARS)


class StatsRepository:
    """Aggregates for the dashboards (read only)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def agent_days(self) -> list[AgentDay]:
        """Per agent and day: calls, score sum, violations, PII exposures, anomaly flags."""
        day = _day(func.coalesce(calls.c.call_time, calls.c.processed_at))
        agent = func.coalesce(calls.c.agent_id, "")
        query = (
            select(
                agent,
                day,
                func.count(calls.c.id),
                func.coalesce(func.sum(calls.c.score), 0.0),
                func.sum(calls.c.violation_count),
                func.sum(calls.c.pii_exposure_count),
            )
            .where(calls.c.status == CallStatus.DONE.value)
            .group_by(agent, day)
        )
        flag_day = _day(alerts.c.created_at)
        flags_query = (
            select(alerts.c.agent_id, flag_day, func.count(alerts.c.id))
            .where(alerts.c.kind == ANOMALY_KIND, alerts.c.agent_id.is_not(None))
            .group_by(alerts.c.agent_id, flag_day)
        )
        with self._db.read() as conn:
            rows = conn.execute(query).all()
            flags = {(r[0], r[1]): int(r[2]) for r in conn.execute(flags_query)}
        found = {
            (r[0], r[1]): AgentDay(
                r[0], r[1], int(r[2]), float(r[3]), int(r[4] or 0), int(r[5] or 0), 0
            )
            for r in rows
        }
        for (agent_id, flag_on), n in flags.items():
            base = found.get((agent_id, flag_on)) or AgentDay(agent_id, flag_on, 0, 0.0, 0, 0, 0)
            found[(agent_id, flag_on)] = AgentDay(
                base.agent_id,
                base.day,
                base.calls,
                base.score_sum,
                base.violations,
                base.pii_exposures,
                n,
            )
        return sorted(found.values(), key=lambda a: (a.day, a.agent_id))

    def rule_days(self) -> list[RuleDay]:
        """Per rule and day: violations of ``done`` calls."""
        day = _day(func.coalesce(calls.c.call_time, calls.c.processed_at))
        query = (
            select(violations.c.rule_id, day, func.count(violations.c.id))
            .join(calls, violations.c.call_pk == calls.c.id)
            .where(calls.c.status == CallStatus.DONE.value)
            .group_by(violations.c.rule_id, day)
            .order_by(day, violations.c.rule_id)
        )
        with self._db.read() as conn:
            return [RuleDay(r[0], r[1], int(r[2])) for r in conn.execute(query)]
