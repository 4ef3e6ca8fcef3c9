"""Dashboards (per agent, per team, per rule, over time), precision per rule with its CSV
export, and the audit log."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pipeline.console.charts import bar_chart, line_chart
from pipeline.console.context import AuditReader, Viewer, console, render
from pipeline.store.stats import AgentDay

router = APIRouter()

MAX_SERIES = 8  # lines per chart (the entities with the most calls)
PER_CALLS = 100  # rates are per 100 calls
MAX_AUDIT_ENTRIES = 500  # newest entries shown


def _merge(rows: Iterable[AgentDay], name: str, day: str) -> AgentDay:
    rows = list(rows)
    return AgentDay(
        name,
        day,
        sum(r.calls for r in rows),
        sum(r.score_sum for r in rows),
        sum(r.violations for r in rows),
        sum(r.pii_exposures for r in rows),
        sum(r.anomaly_flags for r in rows),
    )


def _charts(kind: str, rows: list[AgentDay]) -> list[object]:
    """Four charts over days for the busiest entities: score, violations and PII exposures
    per 100 calls, anomaly flags."""
    days = sorted({r.day for r in rows})
    calls_of: dict[str, int] = defaultdict(int)
    for r in rows:
        calls_of[r.agent_id] += r.calls
    names = sorted(calls_of, key=lambda a: (-calls_of[a], a))[:MAX_SERIES]
    by = {(r.agent_id, r.day): r for r in rows}

    def series(fn: object) -> dict[str, list[float | None]]:
        out: dict[str, list[float | None]] = {}
        for name in names:
            values: list[float | None] = []
            for day in days:
                r = by.get((name, day))
                values.append(None if r is None else fn(r))  # type: ignore[operator]
            out[name or "(no agent)"] = values
        return out

    def rate(value: int, calls: int) -> float | None:
        return None if calls == 0 else round(PER_CALLS * value / calls, 1)

    return [
        line_chart(
            f"Mean score per {kind}",
            days,
            series(lambda r: None if r.calls == 0 else round(r.score_sum / r.calls, 1)),
            y_max=100.0,
        ),
        line_chart(
            f"Violations per 100 calls, per {kind}",
            days,
            series(lambda r: rate(r.violations, r.calls)),
        ),
        line_chart(
            f"PII exposures per 100 calls, per {kind}",
            days,
            series(lambda r: rate(r.pii_exposures, r.calls)),
        ),
        line_chart(f"Anomaly flags per {kind}", days, series(lambda r: float(r.anomaly_flags))),
    ]


@router.get("/dashboards")
def dashboards(request: Request, _user: Viewer) -> Response:
    """Per agent, per team and per rule over time."""
    ctx = console(request)
    agent_rows = ctx.store.stats.agent_days()
    team_of = {a: team for team, agents in ctx.settings.console_teams.items() for a in agents}
    grouped: dict[tuple[str, str], list[AgentDay]] = defaultdict(list)
    for r in agent_rows:
        if r.agent_id in team_of:
            grouped[(team_of[r.agent_id], r.day)].append(r)
    team_rows = [_merge(rs, team, day) for (team, day), rs in sorted(grouped.items())]
    rule_rows = ctx.store.stats.rule_days()
    days = sorted({r.day for r in rule_rows})
    calls_per_day: dict[str, int] = defaultdict(int)
    for r in agent_rows:
        calls_per_day[r.day] += r.calls
    totals: dict[str, int] = defaultdict(int)
    for rr in rule_rows:
        totals[rr.rule_id] += rr.violations
    rules = sorted(totals, key=lambda k: (-totals[k], k))[:MAX_SERIES]
    by_rule = {(rr.rule_id, rr.day): rr.violations for rr in rule_rows}
    rule_series = {
        rule: [
            round(PER_CALLS * by_rule.get((rule, d), 0) / calls_per_day[d], 1)
            if calls_per_day[d]
            else None
            for d in days
        ]
        for rule in rules
    }
    precision = ctx.store.reviews.precision()
    totals_by_agent: dict[str, AgentDay] = {}
    for name in {r.agent_id for r in agent_rows}:
        totals_by_agent[name] = _merge((r for r in agent_rows if r.agent_id == name), name, "")
    return render(
        request,
        "dashboards.html",
        agent_charts=_charts("agent", agent_rows),
        team_charts=_charts("team", team_rows) if team_rows else [],
        rule_chart=line_chart("Violations per 100 calls, per rule", days, rule_series),
        precision_chart=bar_chart(
            "Precision per rule (confirmed share of reviewed findings)",
            [(p.rule_id, p.precision) for p in precision],
            unit="%",
        ),
        agents=sorted(totals_by_agent.values(), key=lambda a: -a.calls),
    )


@router.get("/rules/precision")
def precision_page(request: Request, _user: Viewer) -> Response:
    """Precision per rule from the final verdicts, so rule authors see which rules cry wolf."""
    rows = console(request).store.reviews.precision()
    return render(
        request,
        "precision.html",
        rows=rows,
        chart=bar_chart("Precision per rule", [(p.rule_id, p.precision) for p in rows], unit="%"),
    )


@router.get("/rules/precision.csv")
def precision_csv(request: Request, _user: Viewer) -> Response:
    """The precision table as CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["rule_id", "findings", "reviewed", "confirmed", "dismissed", "precision"])
    for p in console(request).store.reviews.precision():
        shown = "" if p.precision is None else f"{p.precision:.3f}"
        writer.writerow([p.rule_id, p.findings, p.reviewed, p.confirmed, p.dismissed, shown])
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="rule-precision.csv"'},
    )


@router.get("/audit")
def audit_log(request: Request, _user: AuditReader) -> Response:
    """The newest audit entries and whether the chain checks out."""
    store = console(request).store
    entries = store.audit.entries()
    return render(
        request,
        "audit.html",
        entries=list(reversed(entries[-MAX_AUDIT_ENTRIES:])),
        total=len(entries),
        check=store.audit.verify(),
    )
