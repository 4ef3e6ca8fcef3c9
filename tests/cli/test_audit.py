"""``callsentry audit verify``: OK, tampered, no database; concurrent writer processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from pipeline.cli import main
from pipeline.cli.audit import EXIT_NO_DATABASE, EXIT_OK, EXIT_TAMPERED
from pipeline.store import Store

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WRITER_PROCESSES = 3
ENTRIES_PER_WRITER = 20
WRITER_TIMEOUT_S = 120
# One writer process: opens the store, says it is ready, waits for the go file, then appends.
WRITER = """
import sys, time
from pathlib import Path
from pipeline.store import Store
url, name, count, folder = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
store = Store(url)
(folder / f"{name}.ready").touch()
while not (folder / "go").exists():
    time.sleep(0.01)
for i in range(count):
    store.audit.record(name, "review", f"call:{name}-{i}", {"i": i})
    if i % 5 == 0:
        store.runs.start(f"{name}-run-{i}")
store.close()
"""


def _verify(url: str, head: Path) -> int:
    return main(["audit", "verify", "--db", url, "--head", str(head)])


def test_verify_ok_and_tampered(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    store = Store(database_url)
    for i in range(3):
        store.audit.record("alice", "review", f"call:c{i}", {})
    store.close()
    head = tmp_path / "audit-head.json"
    assert _verify(database_url, head) == EXIT_OK
    assert capsys.readouterr().out.startswith("OK: audit log intact (5 entries)")
    engine = create_engine(database_url)
    with engine.begin() as raw:
        raw.exec_driver_sql("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
    engine.dispose()
    assert _verify(database_url, head) == EXIT_TAMPERED
    assert "TAMPERED: audit entry seq=3" in capsys.readouterr().out


def test_no_sqlite_database_is_named_and_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    missing = tmp_path / "none.db"
    assert _verify(f"sqlite:///{missing}", tmp_path / "head.json") == EXIT_NO_DATABASE
    assert f"no database at {missing}" in capsys.readouterr().out
    assert not missing.exists()


def test_concurrent_writer_processes_leave_a_chain_that_verifies(
    migrated_database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    names = [f"writer-{n}" for n in range(WRITER_PROCESSES)]
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                migrated_database_url,
                name,
                str(ENTRIES_PER_WRITER),
                str(tmp_path),
            ],
            env=env,
        )
        for name in names
    ]
    try:
        deadline = time.monotonic() + WRITER_TIMEOUT_S
        while not all((tmp_path / f"{n}.ready").exists() for n in names):
            assert all(w.poll() is None for w in writers), "a writer ended before it was ready"
            assert time.monotonic() < deadline, "the writers did not open the store in time"
            time.sleep(0.05)
        (tmp_path / "go").touch()  # all at once
        assert [w.wait(timeout=WRITER_TIMEOUT_S) for w in writers] == [0] * WRITER_PROCESSES
    finally:
        for w in writers:
            if w.poll() is None:
                w.kill()
                w.wait()
    assert _verify(migrated_database_url, tmp_path / "audit-head.json") == EXIT_OK
    # the migration's entry, the keyed marker, then every writer's entries and runs
    expected = 2 + WRITER_PROCESSES * (ENTRIES_PER_WRITER + ENTRIES_PER_WRITER // 5)
    assert f"OK: audit log intact ({expected} entries)" in capsys.readouterr().out
