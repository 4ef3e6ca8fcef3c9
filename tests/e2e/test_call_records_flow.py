"""The batch flow with a CDR file, on a real Prefect server and a real SQLite file: the record
checks on calls without speech (fast: no transcript is decoded), a bad row and a recording
without a row reported, contact frequency across two batches, and no customer number or
agent mobile anywhere in the outputs."""

from __future__ import annotations

import json
import shutil
import sqlite3
import wave
from pathlib import Path

import pytest

from pipeline.summary import EMPTY
from tests.conftest import SAMPLES_DIR

pytestmark = pytest.mark.slow

HEADER = "recording,start_time,direction,line_number,customer_number,agent_id,purpose,queue"
CUSTOMER = "13800138000"
AGENT_MOBILE = "13900139000"
SAMPLE_RATE_HZ = 16000


def _quiet_call(path: Path, seconds: float) -> Path:
    """A stereo recording of digital silence (its length makes its hash differ)."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE_HZ)
        out.writeframes(b"\0\0\0\0" * int(seconds * SAMPLE_RATE_HZ))
    return path


def _cdr(path: Path, *rows: str) -> Path:
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return path


def test_record_checks_run_in_the_flow_across_two_batches(
    prefect_server, tmp_path, monkeypatch
) -> None:
    from flows.batch import compliance_batch

    out = tmp_path / "out"
    registry = tmp_path / "numbers.csv"
    registry.write_text(
        "number,purposes,valid_from,valid_to\n021-5555-0100,service;collection,2024-01-01,\n",
        encoding="utf-8",
    )
    for key, value in {
        "CALLSENTRY_OUT_DIR": str(out),
        "CALLSENTRY_PSEUDONYM_KEY": "test-key-not-secret",
        "CALLSENTRY_NUMBER_REGISTRY": str(registry),
        "CALLSENTRY_CONTACT_CAPS": json.dumps({"collection": {"day": 3}}),
        "CALLSENTRY_BEAM_SIZE": "1",
    }.items():
        monkeypatch.setenv(key, value)

    batch1 = tmp_path / "batch1"
    batch1.mkdir()
    _quiet_call(batch1 / "quiet-a.wav", 2.0)
    shutil.copy2(SAMPLES_DIR / "noise_only.flac", batch1 / "noise_only.flac")  # no CDR row
    cdr1 = _cdr(
        tmp_path / "batch1.cdr.csv",
        # 20:01 in Shanghai, from an agent's own mobile
        f"quiet-a.wav,2025-03-14T12:01:00Z,outbound,{AGENT_MOBILE},{CUSTOMER},A7,collection,debt",
        # two earlier attempts whose recordings are not in this batch: contacts all the same
        f"attempt-1.wav,2025-03-14T09:00:00+08:00,outbound,021-5555-0100,{CUSTOMER},A7,collection,",
        f"attempt-2.wav,2025-03-14T09:30:00+08:00,outbound,021-5555-0100,{CUSTOMER},A7,collection,",
        f"bad.wav,2025-03-14T10:00:00+08:00,sideways,021-5555-0100,{CUSTOMER},A7,collection,",
    )
    first = compliance_batch(sources=[str(batch1)], cdr=str(cdr1))
    by_file = {Path(o.path).name: o for o in first.outcomes}
    quiet = by_file["quiet-a.wav"]
    assert quiet.status == EMPTY
    assert {rule for rule, _ in quiet.violations} == {"registered-caller-number", "calling-hours"}
    assert by_file["noise_only.flac"].violations == ()
    assert any("no row in the CDR" in w for w in by_file["noise_only.flac"].warnings)
    assert any(f"{cdr1}: line 5: direction" in w for w in first.warnings), first.warnings
    assert "line 5" in first.to_text()

    batch2 = tmp_path / "batch2"
    batch2.mkdir()
    _quiet_call(batch2 / "quiet-b.wav", 3.0)
    cdr2 = _cdr(
        tmp_path / "batch2.cdr.csv",
        f"quiet-b.wav,2025-03-14T20:30:00+08:00,outbound,021-5555-0100,{CUSTOMER},A8,collection,",
    )
    second = compliance_batch(sources=[str(batch2)], cdr=str(cdr2))
    (outcome,) = second.outcomes
    # the 4th collection contact of the day (two attempts and quiet-a in batch 1), at 20:30
    assert {rule for rule, _ in outcome.violations} == {"contact-frequency", "calling-hours"}

    db_path = out / "callsentry.db"
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "select c.call_id, v.rule_id, v.severity, v.message from violations v "
            "join calls c on c.id = v.call_pk order by c.call_id, v.rule_id"
        ).fetchall()
        assert conn.execute("select count(*) from contacts").fetchone()[0] == 4
        alerts = conn.execute("select rule_id from alerts").fetchall()
        dump = "\n".join(conn.iterdump())
    assert [r[1] for r in rows] == [
        "calling-hours",
        "registered-caller-number",
        "calling-hours",
        "contact-frequency",
    ]
    assert "139****9000" in rows[1][3] and "Contact 4" in rows[3][3]
    assert {"registered-caller-number", "contact-frequency"} <= {a[0] for a in alerts}
    texts = [dump] + [
        p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*") if p.is_file()
        and p.suffix in {".json", ".txt", ".srt", ".eml"}
    ]  # fmt: skip
    for text in texts:
        assert CUSTOMER not in text and AGENT_MOBILE not in text
    assert any("Unregistered caller number" in t for t in texts[1:])  # the alert mail
