"""The data lifecycle: the original recording after a check, and retention per kind of data.

Originals (``CALLSENTRY_ORIGINAL_AFTER_CHECK``): ``keep`` (default) leaves the file alone;
``move`` moves it and its sidecar into ``CALLSENTRY_ORIGINAL_MOVE_DIR`` (default
``<out>/originals``); ``delete`` deletes it. Both run only for a call that was checked and
stored with a written, verified redacted copy (a quarantined or failed call never gets here),
only while the file still has the bytes that were checked, and each is audited.

Retention (``CALLSENTRY_RETENTION_*_DAYS``, unset = kept for ever, the default): redacted
recordings, masked transcript files and stored findings older than their period (by the time
the call was checked) are deleted, each deletion with its audit entry.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from pipeline.audio import file_sha256, sidecar_path
from pipeline.config import Settings
from pipeline.models import Recording
from pipeline.outputs import REPORT_JSON, TRANSCRIPT_JSON, TRANSCRIPT_SRT, TRANSCRIPT_TXT
from pipeline.redaction.modes import OriginalAction, RetentionKind
from pipeline.store import Store
from pipeline.store.retention import AgedCall

log = logging.getLogger(__name__)

ORIGINALS_DIRNAME = "originals"  # default destination of `move`, under the output folder
TRANSCRIPT_FILES = (TRANSCRIPT_JSON, TRANSCRIPT_TXT, TRANSCRIPT_SRT, REPORT_JSON)
RETENTION_SETTINGS = {
    RetentionKind.REDACTED_AUDIO: "retention_redacted_audio_days",
    RetentionKind.TRANSCRIPTS: "retention_transcripts_days",
    RetentionKind.FINDINGS: "retention_findings_days",
}


@dataclass(frozen=True)
class OriginalOutcome:
    """What became of an original recording."""

    action: OriginalAction  # what was done (keep when a move or deletion was refused)
    path: Path  # where the original was
    destination: Path | None = None  # where it went (move)
    reason: str = ""  # why a move or deletion did not happen


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _move_target(folder: Path, path: Path, recording_id: str) -> Path:
    target = folder / path.name
    return target if not target.exists() else folder / f"{recording_id[:12]}-{path.name}"


def apply_original_action(
    call_id: str, redacted_sha256: str, recording: Recording, settings: Settings, store: Store
) -> OriginalOutcome:
    """Keep, move or delete the original of a stored call whose redacted copy is stored.

    A move or deletion is refused (the original kept, the reason returned and logged) when the
    file's bytes differ from those checked, or, for a deletion, when the redacted copy on disk
    is missing or differs from the verified one.
    """
    action = settings.original_after_check
    path = Path(recording.path)
    if action is OriginalAction.KEEP:
        return OriginalOutcome(OriginalAction.KEEP, path)
    refused = ""
    if not path.is_file() or file_sha256(path) != recording.recording_id:
        refused = "the file is gone or changed since it was checked"
    elif action is OriginalAction.DELETE:
        copy = store.redactions.get(call_id)
        if copy is None or _file_digest(Path(copy.path)) != redacted_sha256:
            refused = "the verified redacted copy is missing or differs from the one checked"
    if refused:
        log.warning("%s: original %s kept, not %sd: %s", call_id, path, action.value, refused)
        return OriginalOutcome(OriginalAction.KEEP, path, reason=refused)
    if action is OriginalAction.DELETE:
        store.redactions.record_original(
            call_id,
            "delete",
            {"path": str(path), "recording_id": recording.recording_id},
            path.unlink,
        )
        return OriginalOutcome(OriginalAction.DELETE, path)
    folder = Path(settings.original_move_dir or Path(settings.out_dir) / ORIGINALS_DIRNAME)
    target = _move_target(folder, path, recording.recording_id)
    sidecar = sidecar_path(path)

    def move() -> None:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(target))
        if sidecar is not None:
            shutil.move(str(sidecar), str(target.with_name(target.name + ".json")))

    store.redactions.record_original(
        call_id,
        "move",
        {"path": str(path), "to": str(target), "recording_id": recording.recording_id},
        move,
    )
    return OriginalOutcome(OriginalAction.MOVE, path, destination=target)


# --------------------------------------------------------------------------- retention


@dataclass(frozen=True)
class Deletion:
    """One deletion that retention made (or, in a dry run, would make)."""

    kind: RetentionKind
    call_id: str
    processed_at: datetime  # UTC
    files: tuple[str, ...]  # file paths removed (none for findings)


def retention_days(settings: Settings) -> dict[RetentionKind, int | None]:
    """The retention period in days of each kind (None: kept for ever)."""
    return {kind: getattr(settings, name) for kind, name in RETENTION_SETTINGS.items()}


def check_retention(settings: Settings) -> None:
    """ValueError when findings would expire before the files found through them: a call's row
    is how its transcript and redacted recording are found, so those must expire no later."""
    days = retention_days(settings)
    findings = days[RetentionKind.FINDINGS]
    if findings is None:
        return
    for kind in (RetentionKind.REDACTED_AUDIO, RetentionKind.TRANSCRIPTS):
        kept = days[kind]
        if kept is None or kept > findings:
            name = f"CALLSENTRY_{RETENTION_SETTINGS[kind].upper()}"
            raise ValueError(
                f"CALLSENTRY_RETENTION_FINDINGS_DAYS={findings} would delete calls whose "
                f"{kind.value.replace('_', ' ')} are kept longer ({name}="
                f"{'unset, for ever' if kept is None else kept}): set {name} to at most {findings}"
            )


def _transcript_files(call: AgedCall) -> list[Path]:
    if not call.transcript_path:
        return []
    folder = Path(call.transcript_path).parent
    return [folder / name for name in TRANSCRIPT_FILES if (folder / name).is_file()]


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def apply_retention(
    store: Store, settings: Settings, *, now: datetime | None = None, dry_run: bool = False
) -> tuple[Deletion, ...]:
    """Delete every redacted recording, transcript and stored call older than its retention
    period, each with an audit entry; ``dry_run`` only lists them. ValueError (before anything
    is deleted) when the periods contradict each other (:func:`check_retention`)."""
    check_retention(settings)
    now = now or datetime.now(UTC)
    done: list[Deletion] = []
    for kind, days in retention_days(settings).items():
        if days is None:
            continue
        for call in store.retention.older_than(now - timedelta(days=days)):
            details = {
                "kind": kind.value,
                "older_than_days": days,
                "processed_at": call.processed_at.isoformat(timespec="seconds"),
            }
            if kind is RetentionKind.REDACTED_AUDIO:
                if call.redacted_path is None:
                    continue
                files = [Path(call.redacted_path)]
                if not dry_run:
                    exists = files[0].is_file()
                    store.retention.delete_redacted_audio(
                        call, {**details, "file_missing": not exists}, partial(_remove, files)
                    )
            elif kind is RetentionKind.TRANSCRIPTS:
                files = _transcript_files(call)
                if not files:
                    continue
                if not dry_run:
                    store.retention.delete_transcripts(
                        call,
                        {**details, "files": [str(f) for f in files]},
                        partial(_remove, files),
                    )
            else:
                files = []
                if not dry_run:
                    store.retention.delete_call(call, details)
            done.append(Deletion(kind, call.call_id, call.processed_at, tuple(map(str, files))))
    for deletion in done:
        verb = "would delete" if dry_run else "deleted"
        log.info("retention: %s %s of %s", verb, deletion.kind.value, deletion.call_id)
    return tuple(done)
