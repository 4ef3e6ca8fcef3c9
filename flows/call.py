"""One recording through every stage, in whichever process checks it (flow or Dask worker).

:func:`check_one` wires the tasks of :mod:`flows.tasks` for one call and claims the recording
in the database while it works on it: two flows or workers never check one recording at once,
and the claim of a worker that died is taken over by the next one (:mod:`pipeline.store.claims`).
:func:`check_recording` is the same as a Prefect task for a Dask worker: it receives only a path,
a run id and the run's overrides, and returns a :class:`CallOutcome` (no transcript text).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import tasks
from pipeline.audio import DecodedCall
from pipeline.config import Settings
from pipeline.models import Quarantined
from pipeline.preflight import load_settings
from pipeline.records.batch import BatchRecords, no_row_warning
from pipeline.store import ClaimOwner
from pipeline.summary import FAILED, QUARANTINED, SKIPPED, CallOutcome

CLAIMED_ELSEWHERE = "being checked by another worker"


def check_one(
    path: str, run_id: str, settings: Settings, records: BatchRecords | None = None
) -> CallOutcome:
    """Check one recording (with its CDR row when ``records`` has one); an unexpected error
    quarantines it and is returned as FAILED (one call's failure never stops the batch)."""
    try:
        return _process(path, run_id, settings, records)
    except Exception as exc:
        reason = f"{Path(path).name}: {type(exc).__name__}: {exc}"
        get_run_logger().error("call failed, quarantined: %s", reason)
        tasks.record_quarantine(Quarantined(Path(path), reason, stage="process"), run_id, settings)
        return CallOutcome(path, FAILED, reason=reason)


def _process(
    path: str, run_id: str, settings: Settings, records: BatchRecords | None
) -> CallOutcome:
    record = None if records is None else records.for_recording(path)
    decoded = tasks.ingest_recording(path, settings)
    if isinstance(decoded, Quarantined):
        tasks.record_quarantine(decoded, run_id, settings)
        return CallOutcome(path, QUARANTINED, recording_id=decoded.recording_id,
                           reason=decoded.reason)  # fmt: skip
    assert isinstance(decoded, DecodedCall)
    recording = decoded.recording
    owner = ClaimOwner.this_process(run_id)
    if not tasks.claim_recording(recording.recording_id, owner, settings):
        return CallOutcome(path, SKIPPED, recording_id=recording.recording_id,
                           agent_id=recording.agent_id, reason=CLAIMED_ELSEWHERE)  # fmt: skip
    try:
        if tasks.already_processed(recording, settings):
            return CallOutcome(path, SKIPPED, recording_id=recording.recording_id,
                               agent_id=recording.agent_id)  # fmt: skip
        transcript = tasks.transcribe(decoded, settings)
        del decoded  # the audio is no longer needed; free it before the text stages
        tasks.claim_recording(recording.recording_id, owner, settings)  # renew after the ASR
        report = tasks.check_call(transcript, recording, settings, record)
        redacted = tasks.redact_audio(transcript, report, recording, settings)
        del transcript  # the raw text goes out of scope as soon as the masked report exists
        if records is not None and record is not None:
            report = tasks.check_records(report, record, records.rules, run_id, settings)
        outputs = tasks.write_outputs(report, Path(settings.out_dir))
        alert_count, replaced = tasks.persist_call(report, recording, outputs, run_id, settings)
        tasks.finish_redaction(redacted, recording, settings)
    finally:
        tasks.release_recording(recording.recording_id, owner, settings)
    outcome = CallOutcome.from_report(path, recording.recording_id, report)
    warnings = recording.warnings + outcome.warnings
    if records is not None and record is None:
        warnings += (no_row_warning(records.cdr),)
    return replace(outcome, alerts=alert_count, replaced=replaced, warnings=warnings)


@task(name="check-recording", task_run_name="check {path}", persist_result=False,
      cache_policy=NO_CACHE)  # fmt: skip
def check_recording(
    path: str, run_id: str, overrides: dict[str, str | None], cdr: str | None = None
) -> CallOutcome:
    """One recording on a Dask worker; the settings are read there from its environment and
    the run's ``overrides`` (the same strings the flow was given), the CDR from its path (the
    flow stored its contacts already)."""
    settings = load_settings(**overrides)
    records = None if cdr is None else tasks.resources.batch_records(cdr, settings)
    return check_one(path, run_id, settings, records)
