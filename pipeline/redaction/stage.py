"""One call's redacted copy, end to end: what the batch flow calls after the check.

:func:`redact_call` re-reads the original (refusing one whose bytes changed since it was
checked), plans the spans from the raw transcript and the report's findings, writes
``redacted.flac`` into the call's output folder and reads it back. :func:`finish_call` stores
the copy and its spans (audited with the copy's sha256) and then applies the lifecycle setting
to the original. The raw transcript is only read here, in memory; nothing of it is written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from pipeline.audio import SAMPLE_RATE, decode_samples, file_sha256
from pipeline.config import Settings
from pipeline.models import CallReport, Recording, Transcript
from pipeline.outputs import call_dir
from pipeline.redaction.lifecycle import OriginalOutcome, apply_original_action
from pipeline.redaction.modes import RedactionMode
from pipeline.redaction.policy import load_audio_policy
from pipeline.redaction.render import REDACTED_NAME, RedactionError, redact_channels, write_copy
from pipeline.redaction.spans import RedactionSpan, plan_spans, removed_share
from pipeline.store import Store
from pipeline.store.redactions import SpanRow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RedactedCopy:
    """A written and verified redacted recording (no transcript text, no value)."""

    call_id: str
    recording_id: str  # sha256 of the original
    path: Path  # <out>/calls/<call_id>/redacted.flac
    sha256: str  # of the copy's bytes
    mode: RedactionMode
    channels: int
    duration: float  # seconds, the same as the original
    spans: tuple[RedactionSpan, ...]
    removed_share: float  # 0..1 of the call's time with a channel redacted


def redact_call(
    transcript: Transcript, report: CallReport, recording: Recording, settings: Settings
) -> RedactedCopy:
    """Write and verify the redacted copy of ``recording`` in the call's output folder.

    ``transcript`` is the raw transcript ``report`` was made from (its findings point into it).
    RedactionError naming the file when the original changed or cannot be read, or the copy
    does not check out; ValueError when the masking policy's ``audio:`` section is bad.
    """
    path = Path(recording.path)
    try:
        current = file_sha256(path)
        samples = decode_samples(path, settings.max_duration_s)
    except Exception as exc:
        raise RedactionError(f"{path}: cannot re-read the original to redact it ({exc})") from exc
    if current != recording.recording_id:
        raise RedactionError(f"{path}: the file changed after it was checked; not redacted")
    duration = samples.shape[1] / SAMPLE_RATE
    spans = plan_spans(
        transcript,
        report.pii,
        report.violations,
        load_audio_policy(settings.masking_policy),
        channels=samples.shape[0],
        agent_channel=settings.agent_channel,
        padding_s=settings.redaction_padding_s,
        merge_gap_s=settings.redaction_merge_gap_s,
        duration=duration,
    )
    redacted = redact_channels(samples, spans, settings.redaction_mode)
    target = call_dir(Path(settings.out_dir), report.call_id) / REDACTED_NAME
    sha256 = write_copy(target, redacted)
    share = removed_share(spans, duration)
    log.info(
        "%s: redacted copy written (%d span(s), %.1f%% of the call)",
        report.call_id,
        len(spans),
        100 * share,
    )
    return RedactedCopy(
        call_id=report.call_id,
        recording_id=recording.recording_id,
        path=target,
        sha256=sha256,
        mode=settings.redaction_mode,
        channels=int(samples.shape[0]),
        duration=duration,
        spans=spans,
        removed_share=share,
    )


def finish_call(
    copy: RedactedCopy, recording: Recording, settings: Settings, store: Store
) -> OriginalOutcome:
    """Store the copy and its spans (audited, with its sha256), then keep, move or delete the
    original as ``settings.original_after_check`` says; returns what became of it."""
    store.redactions.save(
        copy.call_id,
        path=str(copy.path),
        sha256=copy.sha256,
        mode=copy.mode.value,
        channels=copy.channels,
        duration=copy.duration,
        removed_share=copy.removed_share,
        spans=[
            SpanRow(s.channel, s.start, s.end, s.entity_types, s.basis.value) for s in copy.spans
        ],
    )
    return apply_original_action(copy.call_id, copy.sha256, recording, settings, store)
