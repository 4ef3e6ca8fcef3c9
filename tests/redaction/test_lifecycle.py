"""The redacted copy end to end without ASR, the originals' lifecycle and retention, on a real
SQLite file: what is stored, what is audited, and what is refused."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from pipeline.anomaly import call_stats
from pipeline.audio import SAMPLE_RATE, DecodedCall, decode_samples, ingest
from pipeline.config import Settings
from pipeline.models import CallReport, PiiFinding, Segment, Transcript, Word
from pipeline.outputs import write_call_outputs
from pipeline.redaction.lifecycle import apply_retention, check_retention
from pipeline.redaction.modes import OriginalAction
from pipeline.redaction.render import RedactionError, encode_flac
from pipeline.redaction.stage import finish_call, redact_call
from pipeline.store import ResultKey, Store

KEY = ResultKey("openai-whisper", "base", "rules-1", "pii-1")
PIN_TEXT = "my pin is 1984"


@pytest.fixture
def store(tmp_path: Path):
    s = Store(f"sqlite:///{tmp_path / 'out' / 'callsentry.db'}", audit_key=b"k" * 32)
    yield s
    s.close()


def _recording_file(folder: Path) -> Path:
    """A 4 s stereo call: agent 220 Hz on the left, customer 440 Hz on the right."""
    t = np.arange(4 * SAMPLE_RATE) / SAMPLE_RATE
    audio = np.stack([0.3 * np.sin(2 * np.pi * 220 * t), 0.3 * np.sin(2 * np.pi * 440 * t)])
    path = folder / "call.flac"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode_flac(audio.astype(np.float32)))
    (folder / "call.flac.json").write_text(json.dumps({"agent_id": "A1"}), encoding="utf-8")
    return path


def _checked(path: Path, settings: Settings) -> tuple[DecodedCall, Transcript, CallReport]:
    decoded = ingest(path, settings)
    assert isinstance(decoded, DecodedCall)
    words = tuple(Word(1.0 + 0.6 * i, 1.6 + 0.6 * i, w) for i, w in enumerate(PIN_TEXT.split()))
    segment = Segment("customer", 1.0, 3.4, PIN_TEXT, words)
    transcript = Transcript(decoded.recording.call_id, "en", 4.0, (segment,))
    finding = PiiFinding("PIN", 0, 10, 14, 0.9, "customer", 2.8, 3.4)
    masked = Transcript(transcript.call_id, "en", 4.0, (Segment("customer", 1.0, 3.4, "[X]"),))
    report = CallReport(transcript.call_id, "en", 4.0, 100.0, (), (finding,), masked)
    return decoded, transcript, report


def _store_call(store: Store, report: CallReport, decoded: DecodedCall, out: Path) -> None:
    outputs = write_call_outputs(report, out)
    store.calls.save(
        report,
        decoded.recording,
        key=KEY,
        stats=call_stats(report),
        transcript_path=outputs.transcript_json,
        run_id="r1",
    )


def _settings(tmp_path: Path, **kwargs) -> Settings:
    return Settings(out_dir=tmp_path / "out", **kwargs)


def test_copy_is_written_stored_and_audited_and_the_original_kept(tmp_path, store) -> None:
    settings = _settings(tmp_path)
    path = _recording_file(tmp_path / "rec")
    decoded, transcript, report = _checked(path, settings)
    copy = redact_call(transcript, report, decoded.recording, settings)
    assert copy.path == tmp_path / "out" / "calls" / report.call_id / "redacted.flac"
    before, after = decode_samples(path, 60), decode_samples(copy.path, 60)
    assert after.shape == before.shape
    pin = slice(int(2.8 * SAMPLE_RATE), int(3.4 * SAMPLE_RATE))
    assert np.allclose(after[0], before[0], atol=2 / 32767)  # the agent untouched
    assert not np.allclose(after[1, pin], before[1, pin], atol=0.01)  # customer beeped
    _store_call(store, report, decoded, tmp_path / "out")
    outcome = finish_call(copy, decoded.recording, settings, store)
    assert outcome.action is OriginalAction.KEEP and path.exists()
    stored = store.redactions.get(report.call_id)
    assert stored is not None and stored.sha256 == copy.sha256
    assert [(s.channel, s.entity_types, s.basis) for s in stored.spans] == [
        (1, ("DIGITS", "PIN"), "words")  # the PIN finding and the digit-run safety net
    ]
    (entry,) = store.audit.entries(action="audio.redacted")
    assert entry.details["sha256"] == copy.sha256 and entry.subject == f"call:{report.call_id}"
    assert "1984" not in json.dumps(entry.details)
    assert store.check_integrity().ok


def test_a_changed_original_is_not_redacted(tmp_path) -> None:
    settings = _settings(tmp_path)
    path = _recording_file(tmp_path / "rec")
    decoded, transcript, report = _checked(path, settings)
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(RedactionError, match="changed after it was checked"):
        redact_call(transcript, report, decoded.recording, settings)


@pytest.mark.parametrize("action", [OriginalAction.DELETE, OriginalAction.MOVE])
def test_original_deleted_or_moved_only_with_a_verified_copy(tmp_path, store, action) -> None:
    settings = _settings(tmp_path, original_after_check=action)
    path = _recording_file(tmp_path / "rec")
    decoded, transcript, report = _checked(path, settings)
    copy = redact_call(transcript, report, decoded.recording, settings)
    _store_call(store, report, decoded, tmp_path / "out")
    copy.path.write_bytes(b"tampered")  # the copy on disk is no longer the verified one
    if action is OriginalAction.DELETE:
        refused = finish_call(copy, decoded.recording, settings, store)
        assert refused.action is OriginalAction.KEEP and "redacted copy" in refused.reason
        assert path.exists() and not store.audit.entries(action="original.deleted")
    copy = redact_call(transcript, report, decoded.recording, settings)
    outcome = finish_call(copy, decoded.recording, settings, store)
    assert outcome.action is action and not path.exists()
    if action is OriginalAction.MOVE:
        assert outcome.destination == tmp_path / "out" / "originals" / "call.flac"
        assert outcome.destination.exists()
        assert outcome.destination.with_name("call.flac.json").exists()
    (entry,) = store.audit.entries(action=f"original.{action.value}d")
    assert entry.details["redacted_sha256"] == copy.sha256


def test_nothing_is_deleted_by_default_and_expired_data_is_deleted_audited(tmp_path, store) -> None:
    settings = _settings(tmp_path)
    path = _recording_file(tmp_path / "rec")
    decoded, transcript, report = _checked(path, settings)
    copy = redact_call(transcript, report, decoded.recording, settings)
    _store_call(store, report, decoded, tmp_path / "out")
    finish_call(copy, decoded.recording, settings, store)
    later = datetime.now(UTC) + timedelta(days=31)
    assert apply_retention(store, settings, now=later) == ()

    expiring = _settings(
        tmp_path,
        retention_redacted_audio_days=7,
        retention_transcripts_days=30,
        retention_findings_days=30,
    )
    soon = datetime.now(UTC) + timedelta(days=8)
    dry = apply_retention(store, expiring, now=soon, dry_run=True)
    assert [d.kind.value for d in dry] == ["redacted_audio"] and copy.path.exists()
    (audio,) = apply_retention(store, expiring, now=soon)
    assert audio.files == (str(copy.path),)
    assert not copy.path.exists() and copy.path.with_name("transcript.json").exists()
    assert apply_retention(store, expiring, now=soon) == ()  # nothing twice
    kinds = [d.kind.value for d in apply_retention(store, expiring, now=later)]
    assert kinds == ["transcripts", "findings"]
    assert not copy.path.with_name("transcript.json").exists()
    assert store.calls.by_call_id(report.call_id) is None
    assert store.redactions.get(report.call_id) is None
    actions = [e.action for e in store.audit.entries() if e.subject == f"call:{report.call_id}"]
    assert actions[-3:] == ["redacted_audio.deleted", "transcripts.deleted", "call.deleted"]
    assert store.check_integrity().ok and path.exists()  # the original is not retention's


def test_deleted_transcripts_leave_no_path_to_them_in_the_kept_call(tmp_path, store) -> None:
    settings = _settings(tmp_path, retention_transcripts_days=30)
    path = _recording_file(tmp_path / "rec")
    decoded, _, report = _checked(path, settings)
    _store_call(store, report, decoded, tmp_path / "out")
    detail = store.calls.by_call_id(report.call_id)
    assert detail is not None and detail.call.transcript_path is not None
    transcript = Path(detail.call.transcript_path)
    later = datetime.now(UTC) + timedelta(days=31)
    (deletion,) = apply_retention(store, settings, now=later)
    assert str(transcript) in deletion.files and not transcript.exists()
    detail = store.calls.by_call_id(report.call_id)
    assert detail is not None and detail.call.transcript_path is None  # the findings are kept
    (entry,) = store.audit.entries(action="transcripts.deleted")
    assert entry.details["transcript_path"] == str(transcript)
    assert store.retention.transcripts_deleted_at(report.call_id) == entry.at
    assert apply_retention(store, settings, now=later) == ()  # nothing twice
    assert store.check_integrity().ok


def test_findings_may_not_outlive_the_files_found_through_them(tmp_path) -> None:
    with pytest.raises(ValueError, match="RETENTION_REDACTED_AUDIO_DAYS=unset"):
        check_retention(_settings(tmp_path, retention_findings_days=30))
    with pytest.raises(ValueError, match="TRANSCRIPTS_DAYS to at most 30"):
        check_retention(
            _settings(
                tmp_path,
                retention_findings_days=30,
                retention_transcripts_days=60,
                retention_redacted_audio_days=10,
            )
        )


def test_no_secret_reaches_the_copy_the_database_the_files_or_the_logs(
    tmp_path, store, caplog
) -> None:
    secrets = {"pseudonym_key": "pk-never-shown-4242", "smtp_password": "smtp-never-shown-4242"}
    settings = _settings(tmp_path, smtp_username="u", original_after_check="move", **secrets)
    path = _recording_file(tmp_path / "rec")
    decoded, transcript, report = _checked(path, settings)
    with caplog.at_level("DEBUG"):
        copy = redact_call(transcript, report, decoded.recording, settings)
        _store_call(store, report, decoded, tmp_path / "out")
        finish_call(copy, decoded.recording, settings, store)
    with sqlite3.connect(tmp_path / "out" / "callsentry.db") as conn:
        dumped = "\n".join(conn.iterdump())
    files = b"".join(p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file())
    for secret in secrets.values():
        assert secret not in dumped and secret not in caplog.text
        assert secret.encode() not in files
        assert secret not in repr(settings) and secret not in settings.model_dump_json()
