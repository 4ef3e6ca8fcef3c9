"""What happened to each call of a batch, and the run summary built from it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from pipeline.models import SEVERITIES, CallReport

# Status of one input file after a batch.
PROCESSED = "processed"  # transcribed, checked and stored in this run
SKIPPED = "skipped"  # already stored with the same audio hash, model and rules version
EMPTY = "empty"  # decoded fine but no speech (silence / noise)
QUARANTINED = "quarantined"  # bad input, set aside with a reason
FAILED = "failed"  # an unexpected error while processing; the batch went on
STATUSES: tuple[str, ...] = (PROCESSED, SKIPPED, EMPTY, QUARANTINED, FAILED)


@dataclass(frozen=True)
class CallOutcome:
    """The fate of one input file. Holds no transcript text."""

    path: str
    status: str  # PROCESSED, SKIPPED, EMPTY, QUARANTINED or FAILED
    call_id: str | None = None
    recording_id: str | None = None
    agent_id: str | None = None
    score: float | None = None  # 0..100 for processed calls
    duration: float | None = None  # seconds of audio
    violations: tuple[tuple[str, str], ...] = ()  # (rule_id, severity) per violation
    pii_count: int = 0
    alerts: int = 0  # alerts queued for this call in this run
    reason: str = ""  # why it was quarantined / failed
    replaced: bool = False  # earlier results of this call (other versions) were replaced
    warnings: tuple[str, ...] = ()  # about this call, e.g. no rule pack for its language

    @classmethod
    def from_report(cls, path: str, recording_id: str, report: CallReport) -> CallOutcome:
        """Outcome of a call checked in this run."""
        return cls(
            path=path,
            status=PROCESSED if report.masked_transcript.segments else EMPTY,
            call_id=report.call_id,
            recording_id=recording_id,
            agent_id=report.agent_id,
            score=report.score,
            duration=report.duration,
            violations=tuple((v.rule_id, v.severity) for v in report.violations),
            pii_count=len(report.pii),
            warnings=report.warnings,
        )


@dataclass(frozen=True)
class RunSummary:
    """Counts for one batch run, as shown in the terminal, the Prefect artifact and the digest."""

    run_id: str
    outcomes: tuple[CallOutcome, ...]
    alerts_queued: int = 0
    alerts_sent: int = 0
    alerts_failed: int = 0  # retrying (stay queued for the next run) or blocked
    delivery_errors: tuple[str, ...] = ()  # one line per failed transmission (no PII)
    anomalies: tuple[str, ...] = ()  # masked anomaly messages
    out_dir: str = ""
    outbox_dir: str | None = None  # where .eml files went when no SMTP server is set
    warnings: tuple[str, ...] = ()  # e.g. rule packs or rules skipped while loading

    @property
    def all_warnings(self) -> tuple[str, ...]:
        """The run's warnings, then each call's (prefixed with its id)."""
        per_call = tuple(f"{o.call_id or o.path}: {w}" for o in self.outcomes for w in o.warnings)
        return self.warnings + per_call

    def count(self, status: str) -> int:
        """How many input files ended with ``status``."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def violations_by_rule(self) -> Counter[tuple[str, str]]:
        """(rule_id, severity) -> number of violations over the batch."""
        return Counter(v for o in self.outcomes for v in o.violations)

    def counts(self) -> dict[str, int]:
        """Files per status plus the violation and alert totals (stored with the run)."""
        result = {status: self.count(status) for status in STATUSES}
        result["files"] = len(self.outcomes)
        result["replaced"] = sum(1 for o in self.outcomes if o.replaced)
        result["warnings"] = len(self.all_warnings)
        result["violations"] = sum(self.violations_by_rule.values())
        result["alerts_queued"] = self.alerts_queued
        result["alerts_sent"] = self.alerts_sent
        result["alerts_failed"] = self.alerts_failed
        return result

    def digest_rows(self) -> list[tuple[str, str]]:
        """(label, value) rows that head the digest mail."""
        rows = [("files", str(len(self.outcomes)))]
        rows += [(f"calls {status}", str(self.count(status))) for status in STATUSES]
        rows.append(("violations", str(sum(self.violations_by_rule.values()))))
        rows += [
            (f"{rule_id} ({severity})", str(n))
            for (rule_id, severity), n in sorted(self.violations_by_rule.items())
        ]
        rows += [("warning", w) for w in self.all_warnings]
        return rows

    def to_markdown(self) -> str:
        """The summary as a markdown report (Prefect artifact)."""
        lines = [
            f"# callsentry run {self.run_id}",
            "",
            "| files | processed | skipped (done before) | empty | quarantined | failed |",
            "|---|---|---|---|---|---|",
            f"| {len(self.outcomes)} | {self.count(PROCESSED)} | {self.count(SKIPPED)} "
            f"| {self.count(EMPTY)} | {self.count(QUARANTINED)} | {self.count(FAILED)} |",
            "",
            "## Violations by rule and severity",
            "",
        ]
        by_rule = self.violations_by_rule
        if by_rule:
            lines += ["| rule | severity | count |", "|---|---|---|"]
            for (rule_id, severity), n in sorted(
                by_rule.items(), key=lambda kv: (-SEVERITIES.index(kv[0][1]), kv[0][0])
            ):
                lines.append(f"| {rule_id} | {severity} | {n} |")
        else:
            lines.append("None.")
        lines += ["", "## Calls", "", "| call | agent | score | violations | PII |"]
        lines.append("|---|---|---|---|---|")
        for o in self.outcomes:
            if o.status in (PROCESSED, EMPTY):
                rules = ", ".join(sorted({r for r, _ in o.violations})) or "-"
                lines.append(
                    f"| {o.call_id} | {o.agent_id or '-'} | {o.score:.0f} | {rules} "
                    f"| {o.pii_count} |"
                )
        bad = [o for o in self.outcomes if o.status in (QUARANTINED, FAILED)]
        if bad:
            lines += ["", "## Quarantined or failed files", "", "| file | reason |", "|---|---|"]
            lines += [f"| {o.path} | {o.reason.replace('|', '/')} |" for o in bad]
        if self.all_warnings:
            lines += ["", "## Warnings", ""]
            lines += [f"- {w}" for w in self.all_warnings]
        lines += [
            "",
            "## Alerts",
            "",
            f"queued {self.alerts_queued}, sent {self.alerts_sent}, "
            f"delivery failed {self.alerts_failed}",
            *(f"- delivery error: {e}" for e in self.delivery_errors),
        ]
        lines += [f"- {a}" for a in self.anomalies]
        return "\n".join(lines) + "\n"

    def to_text(self) -> str:
        """The summary as a fixed-width table for the terminal."""
        header = f"{'file':<34} {'status':<12} {'score':>5}  {'agent':<10} violations"
        rows = [header, "-" * len(header)]
        for o in self.outcomes:
            name = o.path if len(o.path) <= 34 else "..." + o.path[-31:]
            score = "" if o.score is None else f"{o.score:.0f}"
            detail = ", ".join(sorted({r for r, _ in o.violations})) or o.reason
            rows.append(f"{name:<34} {o.status:<12} {score:>5}  {o.agent_id or '-':<10} {detail}")
        rows.append("")
        rows.append(
            f"{len(self.outcomes)} files: {self.count(PROCESSED)} processed, "
            f"{self.count(SKIPPED)} skipped, {self.count(EMPTY)} empty, "
            f"{self.count(QUARANTINED)} quarantined, {self.count(FAILED)} failed; "
            f"{sum(self.violations_by_rule.values())} violations; alerts queued "
            f"{self.alerts_queued}, sent {self.alerts_sent}, failed {self.alerts_failed}"
        )
        replaced = sum(1 for o in self.outcomes if o.replaced)
        if replaced:
            rows.append(f"{replaced} call(s) checked again with newer versions; results replaced")
        rows += [f"anomaly: {a}" for a in self.anomalies]
        rows += [f"warning: {w}" for w in self.all_warnings]
        if self.out_dir:
            rows.append(f"output: {self.out_dir}")
        if self.outbox_dir:
            rows.append(f"alert mails (no SMTP configured): {self.outbox_dir}")
        if self.alerts_failed:
            rows.append(
                f"ALERTS NOT DELIVERED: {self.alerts_failed} alert(s) could not be delivered; "
                "they stay queued and are retried on the next run (exit status 3)"
            )
            rows += [f"  {e}" for e in self.delivery_errors]
        return "\n".join(rows)
