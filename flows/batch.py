"""The compliance batch flow: recordings in, stored findings, alerts and a run summary out."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

from prefect import flow, get_run_logger, runtime
from prefect.artifacts import create_markdown_artifact

from flows import tasks
from pipeline.audio import DecodedCall
from pipeline.config import Settings
from pipeline.models import Quarantined
from pipeline.preflight import load_settings, preflight
from pipeline.records.batch import BatchRecords, in_call_order, no_row_warning
from pipeline.store import RunStatus
from pipeline.summary import FAILED, QUARANTINED, SKIPPED, CallOutcome, RunSummary

SUMMARY_ARTIFACT_KEY = "callsentry-run-summary"


def batch_settings(
    out_dir: str | None = None,
    model: str | None = None,
    language: str | None = None,
    rules_dir: str | None = None,
    asr_backend: str | None = None,
) -> Settings:
    """Settings from the environment with this run's overrides (PreflightError if bad)."""
    return load_settings(
        out_dir=out_dir,
        model=model,
        language=language,
        rules_dir=rules_dir,
        asr_backend=asr_backend,
    )


def _process(
    path: str, run_id: str, settings: Settings, records: BatchRecords | None = None
) -> CallOutcome:
    """One recording through every stage; returns what happened to it (no transcript text)."""
    record = None if records is None else records.for_recording(path)
    decoded = tasks.ingest_recording(path, settings)
    if isinstance(decoded, Quarantined):
        tasks.record_quarantine(decoded, run_id, settings)
        return CallOutcome(path, QUARANTINED, recording_id=decoded.recording_id,
                           reason=decoded.reason)  # fmt: skip
    assert isinstance(decoded, DecodedCall)
    recording = decoded.recording
    if tasks.already_processed(recording, settings):
        return CallOutcome(path, SKIPPED, recording_id=recording.recording_id,
                           agent_id=recording.agent_id)  # fmt: skip
    transcript = tasks.transcribe(decoded, settings)
    del decoded  # the audio is no longer needed; free it before the text stages
    report = tasks.check_call(transcript, recording, settings, record)
    redacted = tasks.redact_audio(transcript, report, recording, settings)
    del transcript  # the raw text goes out of scope as soon as the masked report exists
    if records is not None and record is not None:
        report = tasks.check_records(report, record, records.rules, run_id, settings)
    outputs = tasks.write_outputs(report, Path(settings.out_dir))
    alert_count, replaced = tasks.persist_call(report, recording, outputs, run_id, settings)
    tasks.finish_redaction(redacted, recording, settings)
    outcome = CallOutcome.from_report(path, recording.recording_id, report)
    warnings = recording.warnings + outcome.warnings
    if records is not None and record is None:
        warnings += (no_row_warning(records.cdr),)
    return replace(outcome, alerts=alert_count, replaced=replaced, warnings=warnings)


@flow(name="compliance-batch", persist_result=False, log_prints=False)
def compliance_batch(
    sources: list[str],
    out_dir: str | None = None,
    model: str | None = None,
    language: str | None = None,
    rules_dir: str | None = None,
    asr_backend: str | None = None,
    cdr: str | None = None,
) -> RunSummary:
    """Check every recording under ``sources``: transcribe, detect PII, mask, apply the rule
    packs and, with a ``cdr`` file, the call-record checks; store, alert. The settings and rule
    packs are checked first: a run that would check nothing fails before any audio is read. The
    CDR's rows are stored as contacts before the first call, and calls are checked in the order
    they started; a recording without a row is checked for its words only. A bad file is
    quarantined and the batch goes on; a file already stored with the same audio, ASR engine,
    model, rules and PII stage is skipped, one stored with other versions is checked again and
    its results replaced."""
    logger = get_run_logger()
    settings = batch_settings(out_dir, model, language, rules_dir, asr_backend)
    checked = preflight(settings)
    for warning in checked.warnings:
        logger.warning("%s", warning)
    run_id = str(runtime.flow_run.id or uuid.uuid4())
    db = tasks.resources.store(settings)
    for stale in db.runs.abandon_dead():
        logger.warning("run %s was left running by a process that is gone: marked abandoned", stale)
    db.runs.start(run_id)
    try:
        summary = _run(sources, run_id, settings, checked.warnings, cdr)
    except BaseException:
        db.runs.finish(run_id, {}, RunStatus.FAILED)
        raise
    db.runs.finish(run_id, summary.counts())
    db.anchor(settings.resolved_audit_head_file())  # a later cut of the log shows against it
    create_markdown_artifact(
        key=SUMMARY_ARTIFACT_KEY,
        markdown=summary.to_markdown(),
        description="Calls, violations by rule and severity, quarantined files, alerts sent",
    )
    return summary


def _run(
    sources: list[str],
    run_id: str,
    settings: Settings,
    warnings: tuple[str, ...],
    cdr: str | None = None,
) -> RunSummary:
    logger = get_run_logger()
    records = None if cdr is None else tasks.load_call_records(cdr, run_id, settings)
    if records is not None:
        for warning in records.warnings:
            logger.warning("%s", warning)
        warnings += records.warnings
    paths = tasks.discover_recordings(sources)
    paths = in_call_order(paths, None if records is None else records.cdr)
    logger.info("%d recording(s) to check", len(paths))
    outcomes: list[CallOutcome] = []
    for path in paths:
        try:
            outcome = _process(path, run_id, settings, records)
        except Exception as exc:  # one call's failure must not stop the batch
            reason = f"{Path(path).name}: {type(exc).__name__}: {exc}"
            logger.error("call failed, quarantined: %s", reason)
            tasks.record_quarantine(
                Quarantined(Path(path), reason, stage="process"), run_id, settings
            )
            outcome = CallOutcome(path, FAILED, reason=reason)
        logger.info("%s: %s", Path(path).name, outcome.status)
        outcomes.append(outcome)

    batch_rows = [] if records is None else list(records.cdr.records.values())
    anomalies = tasks.detect_anomalies(run_id, settings, batch_rows)
    summary = RunSummary(run_id=run_id, outcomes=tuple(outcomes), warnings=warnings)
    head = tasks.resources.store(settings).audit.head()
    anchor_row = [("audit chain head", f"entry {head[0]}, {head[1]}")] if head else []
    delivery = tasks.deliver_alerts(run_id, summary.digest_rows() + anchor_row, settings)
    return RunSummary(
        run_id=run_id,
        outcomes=tuple(outcomes),
        alerts_queued=sum(o.alerts for o in outcomes) + len(anomalies),
        alerts_sent=len(delivery.sent),
        alerts_failed=len(delivery.retrying) + len(delivery.blocked),
        delivery_errors=delivery.errors,
        anomalies=tuple(a.message for a in anomalies),
        out_dir=str(Path(settings.out_dir).resolve()),
        outbox_dir=None if settings.smtp_host else str(Path(settings.out_dir, "outbox").resolve()),
        warnings=warnings,
    )
