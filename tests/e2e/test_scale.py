"""Two Dask workers on real sample calls, one of them killed (SIGKILL) in the middle of a call:
nothing is lost, nothing stored or mailed twice, the rerun finishes the work, the claims are
released, the audit chain holds and Dask spilled nothing to disk. Real Whisper (tiny.en), a real
Prefect server, a real SMTP server on loopback, and the database twice: a real SQLite file and a
real PostgreSQL server (``database_url``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
import sqlalchemy as sa

from pipeline.summary import FAILED, PROCESSED, SKIPPED
from tests.e2e.conftest import copy_samples

pytestmark = pytest.mark.slow

CALLS = ["en_card_declined_pin_request.mp3", "en_card_lost_compliant.flac"]
CLAIM_WAIT_S = 300.0  # a loaded 2-core machine needs minutes to start workers and load Whisper
RUN_TIMEOUT_S = 1200.0  # the run after the kill: Dask retries the call, a second model load


def _rows(engine: sa.Engine, statement: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(statement)).all())


def _claim_pids(engine: sa.Engine) -> list[int]:
    try:
        return [pid for (pid,) in _rows(engine, "select pid from claims")]
    except sa.exc.DBAPIError:  # not created or migrated yet, or locked for a moment
        return []


def _immediate(mailbox) -> list[str]:
    return [str(m["Subject"]) for m in mailbox.messages if m["X-Callsentry-Kind"] != "digest"]


def test_worker_killed_mid_call_loses_and_duplicates_nothing(
    prefect_server, smtp_server, database_url, tmp_path, monkeypatch
) -> None:
    from flows.batch import compliance_batch

    controller, mailbox = smtp_server
    recordings = copy_samples(CALLS, tmp_path / "recordings")
    out = tmp_path / "out"
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    for key, value in {
        "CALLSENTRY_OUT_DIR": str(out),
        "CALLSENTRY_DATABASE_URL": database_url,
        "CALLSENTRY_SMTP_HOST": "127.0.0.1",
        "CALLSENTRY_SMTP_PORT": str(controller.port),
        "CALLSENTRY_MAIL_TO": "compliance@bank.example",
        "CALLSENTRY_PSEUDONYM_KEY": "test-key-not-secret",
        "CALLSENTRY_MODEL": "tiny.en",  # tiny.en needs beam search (greedy skips speech)
        "CALLSENTRY_BEAM_SIZE": "5",
        "CALLSENTRY_LANGUAGE": "en",
    }.items():
        monkeypatch.setenv(key, value)

    # 1. Two workers; the first one seen holding a claim is killed while it checks its call.
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "run", str(recordings), "--workers", "2"],
        env={**os.environ, "PREFECT_API_URL": prefect_server},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a failed test stops the run and its workers together
    )
    try:
        deadline = time.monotonic() + CLAIM_WAIT_S
        while not (pids := _claim_pids(engine)):
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "no worker claimed a call in time"
            time.sleep(0.2)
        victim = pids[0]
        assert victim != proc.pid  # a worker process, not the flow
        os.kill(victim, signal.SIGKILL)
        output, _ = proc.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode in (0, 3), output
    # The terminal shows one line per call, not Prefect's per-task state lines.
    assert "Finished in state" not in output
    assert sum(line.startswith("[") and "/2] " in line for line in output.splitlines()) == 2

    # 2. The rerun finishes whatever the killed worker left (its claim is taken over).
    rerun = compliance_batch(sources=[str(recordings)], workers=2)
    assert {o.status for o in rerun.outcomes} <= {PROCESSED, SKIPPED}
    assert FAILED not in {o.status for o in rerun.outcomes}
    rows = _rows(engine, "select recording_id, count(*) from calls group by 1")
    keys = [k for (k,) in _rows(engine, "select alert_key from alerts")]
    ((unsent,),) = _rows(engine, "select count(*) from alerts where state != 'sent'")
    ((claims_left,),) = _rows(engine, "select count(*) from claims")
    deliveries = _rows(
        engine, "select alert_key, sink, count(*) from alert_deliveries group by 1, 2"
    )
    assert len(rows) == len(CALLS) and all(n == 1 for _, n in rows)  # every call, once
    assert keys and len(keys) == len(set(keys)) and unsent == 0
    assert all(n == 1 for _, _, n in deliveries)
    assert claims_left == 0
    immediate = _immediate(mailbox)
    assert immediate and len(immediate) == len(set(immediate))  # each alert mailed once

    # 3. Another run (in this process) mails no alert again.
    again = compliance_batch(sources=[str(recordings)])
    assert {o.status for o in again.outcomes} == {SKIPPED}
    assert _immediate(mailbox) == immediate

    # Dask spilled nothing: no worker's storage folder holds a file.
    scratch = out / "logs" / "dask-scratch"
    assert scratch.is_dir()
    spilled = [p for p in scratch.rglob("*") if p.is_file() and "storage" in p.parts]
    assert spilled == []

    verify = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "audit", "verify"],
        env={**os.environ, "CALLSENTRY_OUT_DIR": str(out)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.stdout.startswith("OK"), verify.stdout + verify.stderr
