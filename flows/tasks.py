"""Prefect tasks: each one calls one stage of ``pipeline``, nothing more.

No task persists its result (``persist_result=False``) and none is cached: the objects that pass
between *transcribe* and *check* hold the raw transcript, which may live only in memory. Only
the tasks that talk to the database or a mail relay retry; decoding, Whisper and the rules are
deterministic, so a retry would fail the same way.
"""

from __future__ import annotations

import time
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import task
from prefect.cache_policies import NO_CACHE

from flows import resources
from pipeline.alerts.deliver import DeliveryReport, deliver_pending, sinks_from_settings
from pipeline.anomaly import (
    batch_anomalies,
    call_alerts,
    call_stats,
    outbound_volume_anomalies,
)
from pipeline.audio import DecodedCall, discover, ingest
from pipeline.config import Settings
from pipeline.models import Alert, CallReport, Quarantined, Recording, Transcript
from pipeline.outputs import CallOutputs, write_call_outputs
from pipeline.records.batch import BatchRecords, RecordRules, load_batch_records
from pipeline.records.cdr import CallRecord
from pipeline.records.checks import call_metadata, check_record
from pipeline.redaction.lifecycle import OriginalOutcome
from pipeline.redaction.stage import RedactedCopy, finish_call, redact_call
from pipeline.store import ClaimOwner, SaveAction

STORAGE_RETRIES = 3  # database / SMTP hiccups
STORAGE_RETRY_DELAY_S = 2.0
OUTBOX_CLAIM = "alert-outbox"  # the claim (on no recording) of the one run delivering alerts
DELIVERY_CLAIM_TTL_S = 300.0  # a delivering run that died on another host frees it after this
DELIVERY_WAIT_S = 600.0  # how long a run waits for another run's delivery before leaving its
DELIVERY_POLL_S = 1.0  # alerts queued for the next run


@task(name="discover-recordings", persist_result=False, cache_policy=NO_CACHE)
def discover_recordings(sources: list[str]) -> list[str]:
    """Audio files under the given files and folders, sorted."""
    return [str(p) for p in discover(Path(s) for s in sources)]


@task(name="ingest", task_run_name="ingest {path}", persist_result=False, cache_policy=NO_CACHE)
def ingest_recording(path: str, settings: Settings) -> DecodedCall | Quarantined:
    """Probe and decode one recording, or quarantine it with a reason."""
    return ingest(Path(path), settings)


@task(name="already-done", persist_result=False, cache_policy=NO_CACHE, retries=STORAGE_RETRIES,
      retry_delay_seconds=STORAGE_RETRY_DELAY_S)  # fmt: skip
def already_processed(recording: Recording, settings: Settings) -> bool:
    """Whether this audio is stored with the same ASR engine, model, rule packs and PII stage
    (anything else is checked again and its stored results replaced)."""
    return resources.store(settings).calls.is_current(
        recording.recording_id, resources.result_key(settings)
    )


@task(
    name="transcribe",
    task_run_name="transcribe {call.recording.path.name}",
    persist_result=False,
    cache_policy=NO_CACHE,
)
def transcribe(call: DecodedCall, settings: Settings) -> Transcript:
    """ASR per channel -> raw transcript (kept in memory, never persisted)."""
    from pipeline.asr.transcribe import transcribe_call

    return transcribe_call(
        call,
        resources.asr_backend(settings),
        language=settings.language,
        beam_size=settings.beam_size,
        call_id=call.recording.call_id,
        vad=resources.voice_detector(settings),
    )


@task(name="check", persist_result=False, cache_policy=NO_CACHE)
def check_call(
    transcript: Transcript,
    recording: Recording,
    settings: Settings,
    record: CallRecord | None = None,
) -> CallReport:
    """PII, masking, rules (those with a metadata clause on the CDR row or sidecar) and score
    -> a report holding masked text only."""
    return resources.analyzer(settings).analyze(
        transcript,
        model_name=settings.model,
        asr_backend=str(settings.asr_backend),
        agent_id=recording.agent_id,
        call_time=recording.call_time,
        metadata=call_metadata(recording, record, ZoneInfo(settings.timezone)),
    )


@task(name="redact-audio", persist_result=False, cache_policy=NO_CACHE)
def redact_audio(
    transcript: Transcript, report: CallReport, recording: Recording, settings: Settings
) -> RedactedCopy | None:
    """Beep / silence the PII spans in a verified copy of the recording (None when disabled)."""
    if not settings.redact_audio:
        return None
    return redact_call(transcript, report, recording, settings)


@task(name="finish-redaction", persist_result=False, cache_policy=NO_CACHE,
      retries=STORAGE_RETRIES, retry_delay_seconds=STORAGE_RETRY_DELAY_S)  # fmt: skip
def finish_redaction(
    copy: RedactedCopy | None, recording: Recording, settings: Settings
) -> OriginalOutcome | None:
    """Store the redacted copy and its spans (audited), then keep / move / delete the original."""
    if copy is None:
        return None
    return finish_call(copy, recording, settings, resources.store(settings))


@task(name="load-call-records", persist_result=False, cache_policy=NO_CACHE,
      retries=STORAGE_RETRIES, retry_delay_seconds=STORAGE_RETRY_DELAY_S)  # fmt: skip
def load_call_records(cdr: str, run_id: str, settings: Settings) -> BatchRecords:
    """Read the batch's CDR (customer numbers hashed) and the centre's files; store the
    outbound rows as contacts before any call is checked."""
    records = load_batch_records(Path(cdr), settings)
    resources.store(settings).contacts.register(records.cdr.records.values(), run_id)
    return records


@task(name="check-records", persist_result=False, cache_policy=NO_CACHE,
      retries=STORAGE_RETRIES, retry_delay_seconds=STORAGE_RETRY_DELAY_S)  # fmt: skip
def check_records(
    report: CallReport, record: CallRecord, rules: RecordRules, run_id: str, settings: Settings
) -> CallReport:
    """The call-record checks against the contact history; a refusal in the call is kept."""
    return check_record(report, record, rules.context(resources.store(settings).contacts), run_id)


@task(name="write-outputs", persist_result=False, cache_policy=NO_CACHE)
def write_outputs(report: CallReport, out_dir: Path) -> CallOutputs:
    """Masked transcript as JSON, TXT and SRT plus the report JSON."""
    return write_call_outputs(report, out_dir)


@task(name="persist-call", persist_result=False, cache_policy=NO_CACHE, retries=STORAGE_RETRIES,
      retry_delay_seconds=STORAGE_RETRY_DELAY_S)  # fmt: skip
def persist_call(
    report: CallReport,
    recording: Recording,
    outputs: CallOutputs,
    run_id: str,
    settings: Settings,
) -> tuple[int, bool]:
    """Store the call, its findings and its alerts in one transaction; returns the number of
    alerts and whether earlier results of this call (another result key) were replaced.

    One transaction means a crash can never leave a stored call whose alerts were not queued.
    """
    alerts = call_alerts(report, settings.alert_min_severity)
    saved = resources.store(settings).calls.save(
        report,
        recording,
        key=resources.result_key(settings),
        stats=call_stats(report),
        transcript_path=outputs.transcript_json,
        run_id=run_id,
        alerts=alerts,
    )
    return len(alerts), saved.action is SaveAction.REPLACED


@task(name="quarantine", persist_result=False, cache_policy=NO_CACHE, retries=STORAGE_RETRIES,
      retry_delay_seconds=STORAGE_RETRY_DELAY_S)  # fmt: skip
def record_quarantine(item: Quarantined, run_id: str, settings: Settings) -> None:
    """Keep a record of a file set aside, with its reason."""
    resources.store(settings).runs.quarantine(item, run_id)


@task(name="batch-anomalies", persist_result=False, cache_policy=NO_CACHE, retries=STORAGE_RETRIES,
      retry_delay_seconds=STORAGE_RETRY_DELAY_S)  # fmt: skip
def detect_anomalies(
    run_id: str, settings: Settings, records: list[CallRecord] | None = None
) -> list[Alert]:
    """Agents, calls and rates that stand out in this batch, and lines and agents with unusual
    outbound volume in its CDR; queued as alerts."""
    db = resources.store(settings)
    anomalies = batch_anomalies(
        db.calls.batch_stats(run_id=run_id), db.calls.history(exclude_run_id=run_id)
    ) + outbound_volume_anomalies(records or [])
    db.outbox.enqueue(anomalies, run_id)
    return anomalies


@task(name="deliver-alerts", persist_result=False, cache_policy=NO_CACHE)
def deliver_alerts(
    run_id: str, summary_rows: list[tuple[str, str]], settings: Settings
) -> DeliveryReport:
    """Send the pending alerts (this run's and earlier undelivered ones) to every sink.

    A sink that fails leaves its alerts pending for the next run, so this task does not retry
    by itself: the next run is the retry, and nothing is sent twice. Runs that finish at once
    (the shard runs of a work pool, two runs over one folder) deliver one after another: each
    holds the claim :data:`OUTBOX_CLAIM` while it reads and sends the pending alerts.
    """
    db = resources.store(settings)
    owner = ClaimOwner.this_process(run_id)
    deadline = time.monotonic() + DELIVERY_WAIT_S
    while db.claims.claim(OUTBOX_CLAIM, owner, ttl_s=DELIVERY_CLAIM_TTL_S) is None:
        if time.monotonic() > deadline:
            reason = f"another run held the alert outbox for {DELIVERY_WAIT_S:.0f} s"
            return DeliveryReport((), (), (), 0, (f"{reason}: alerts left queued",))
        time.sleep(DELIVERY_POLL_S)
    try:
        return deliver_pending(
            db.outbox, sinks_from_settings(settings), run_id=run_id, summary=summary_rows
        )
    finally:
        db.claims.release(OUTBOX_CLAIM, owner)


@task(name="claim", persist_result=False, cache_policy=NO_CACHE, retries=STORAGE_RETRIES,
      retry_delay_seconds=STORAGE_RETRY_DELAY_S)  # fmt: skip
def claim_recording(recording_id: str, owner: ClaimOwner, settings: Settings) -> bool:
    """Claim a recording for this worker (or renew its claim); False when a live worker
    already holds it."""
    claims = resources.store(settings).claims
    return claims.claim(recording_id, owner, ttl_s=settings.claim_ttl_s) is not None


@task(name="release", persist_result=False, cache_policy=NO_CACHE, retries=STORAGE_RETRIES,
      retry_delay_seconds=STORAGE_RETRY_DELAY_S)  # fmt: skip
def release_recording(recording_id: str, owner: ClaimOwner, settings: Settings) -> None:
    """Drop this worker's claim on a recording (done with it, or given up)."""
    resources.store(settings).claims.release(recording_id, owner)
