"""The compliance batch flow: recordings in, stored findings, alerts and a run summary out."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

from prefect import flow, get_run_logger, runtime
from prefect.artifacts import create_markdown_artifact
from prefect.futures import as_completed

from flows import runners, tasks
from flows.call import check_one, check_recording
from flows.progress import Progress
from pipeline.config import Settings
from pipeline.models import Quarantined
from pipeline.preflight import load_settings, preflight
from pipeline.records.batch import BatchRecords, in_call_order
from pipeline.records.cdr import CallRecord
from pipeline.shards import WHOLE_BATCH, check_shard, in_shard
from pipeline.store import RunStatus
from pipeline.summary import FAILED, CallOutcome, RunSummary

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


@flow(name="compliance-batch", persist_result=False, log_prints=False)
def compliance_batch(
    sources: list[str],
    out_dir: str | None = None,
    model: str | None = None,
    language: str | None = None,
    rules_dir: str | None = None,
    asr_backend: str | None = None,
    cdr: str | None = None,
    workers: int = runners.SEQUENTIAL,
    dask_address: str | None = None,
    shard: int = 0,
    shards: int = WHOLE_BATCH,
) -> RunSummary:
    """Check every recording under ``sources``: transcribe, detect PII, mask, apply the rule
    packs and, with a ``cdr`` file, the call-record checks; redact the audio; store, alert. The
    settings and rule packs are checked first: a run that would check nothing fails before any
    audio is read. The CDR's rows are stored as contacts before the first call, and calls are
    started in the order they took place; a recording without a row is checked for its words
    only. A bad file is quarantined and the batch goes on; a file already stored with the same
    audio, ASR engine, model, rules and PII stage is skipped, one stored with other versions is
    checked again and its results replaced.

    ``workers`` > 1 checks the calls in that many local Dask worker processes (0: as many as
    suit this machine), ``dask_address`` on an existing Dask cluster; each recording is
    claimed in the database while it is checked, so concurrent runs share the work.

    ``shards`` > 1 checks only the recordings of shard ``shard`` (by a hash of the file name,
    :mod:`pipeline.shards`): the runs a work pool's workers take (:mod:`flows.pool`)."""
    logger = get_run_logger()
    settings = batch_settings(out_dir, model, language, rules_dir, asr_backend)
    plan = runners.plan_workers(workers, settings.threads, dask_address)
    check_shard(shard, shards)  # a bad shard fails before any audio is read
    overrides = {
        "out_dir": str(Path(settings.out_dir).resolve()),
        "model": model,
        "language": language,
        "rules_dir": None if rules_dir is None else str(Path(rules_dir).resolve()),
        "asr_backend": asr_backend,
        "threads": str(plan.threads),
    }
    checked = preflight(settings)
    for warning in checked.warnings:
        logger.warning("%s", warning)
    run_id = str(runtime.flow_run.id or uuid.uuid4())
    db = tasks.resources.store(settings)
    for stale in db.runs.abandon_dead():
        logger.warning("run %s was left running by a process that is gone: marked abandoned", stale)
    db.runs.start(run_id)
    try:
        summary = _run(
            sources, run_id, settings, checked.warnings, plan, overrides, cdr, (shard, shards)
        )
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


def _check_all(
    paths: list[str],
    run_id: str,
    settings: Settings,
    plan: runners.WorkerPlan,
    overrides: dict[str, str | None],
    records: BatchRecords | None,
    cdr: str | None,
) -> Iterator[CallOutcome]:
    """Each recording's outcome as it finishes: in this process, or on Dask workers (which
    read the CDR file themselves: only its path crosses)."""
    if plan.sequential:
        for path in paths:
            yield check_one(path, run_id, settings, records)
        return
    scratch = Path(settings.out_dir) / "logs" / "dask-scratch"
    with runners.task_runner(plan, scratch) as runner:
        futures = {
            runner.submit(
                check_recording,
                {"path": path, "run_id": run_id, "overrides": overrides, "cdr": cdr},
            ): path
            for path in paths
        }
        for future in as_completed(list(futures)):
            path = futures[future]
            try:
                yield future.result()
            except Exception as exc:  # its worker died twice, or the task crashed
                reason = f"{Path(path).name}: {type(exc).__name__}: {exc}"
                get_run_logger().error("call failed, quarantined: %s", reason)
                tasks.record_quarantine(
                    Quarantined(Path(path), reason, stage="process"), run_id, settings
                )
                yield CallOutcome(path, FAILED, reason=reason)


def volume_rows(records: BatchRecords | None, part: tuple[int, int]) -> list[CallRecord]:
    """The CDR rows whose outbound volume per line and agent the run compares: all of them in
    the first shard run (or the whole batch), none in the others (each shard run reads the
    whole CDR, and a night's volume is reported once)."""
    if records is None or part[0] != 0:
        return []
    return list(records.cdr.records.values())


def _run(
    sources: list[str],
    run_id: str,
    settings: Settings,
    warnings: tuple[str, ...],
    plan: runners.WorkerPlan,
    overrides: dict[str, str | None],
    cdr: str | None = None,
    part: tuple[int, int] = (0, WHOLE_BATCH),
) -> RunSummary:
    logger = get_run_logger()
    records = None if cdr is None else tasks.load_call_records(cdr, run_id, settings)
    if records is not None:
        for warning in records.warnings:
            logger.warning("%s", warning)
        warnings += records.warnings
    paths = in_shard(tasks.discover_recordings(sources), *part)
    if part[1] > WHOLE_BATCH:
        logger.info("shard %d of %d", part[0] + 1, part[1])
    paths = in_call_order(paths, None if records is None else records.cdr)
    if plan.sequential:
        logger.info("%d recording(s) to check", len(paths))
    else:
        where = plan.address or f"{plan.workers} local worker process(es)"
        logger.info("%d recording(s) to check on %s, %d thread(s) each", len(paths), where,
                    plan.threads)  # fmt: skip
    progress = Progress(len(paths))
    outcomes: list[CallOutcome] = []
    cdr_path = None if cdr is None else str(Path(cdr).resolve())  # as the workers see it
    for outcome in _check_all(paths, run_id, settings, plan, overrides, records, cdr_path):
        logger.info("%s: %s", Path(outcome.path).name, outcome.status)
        progress.done(outcome)
        outcomes.append(outcome)
    order = {path: i for i, path in enumerate(paths)}
    outcomes.sort(key=lambda o: order.get(o.path, len(order)))

    batch_rows = volume_rows(records, part)
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
