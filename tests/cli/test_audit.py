"""``callsentry audit verify``: OK, tampered, no database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.cli.audit import EXIT_NO_DATABASE, EXIT_OK, EXIT_TAMPERED
from pipeline.store import Store


def test_verify_ok_tampered_and_missing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "callsentry.db"
    store = Store(f"sqlite:///{path}")
    for i in range(3):
        store.audit.record("alice", "review", f"call:c{i}", {})
    store.close()
    url = f"sqlite:///{path}"
    assert main(["audit", "verify", "--db", url]) == EXIT_OK
    assert capsys.readouterr().out.startswith("OK: audit log intact (5 entries)")
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
    assert main(["audit", "verify", "--db", url]) == EXIT_TAMPERED
    assert "TAMPERED: audit entry seq=3" in capsys.readouterr().out
    missing = tmp_path / "none.db"
    assert main(["audit", "verify", "--db", f"sqlite:///{missing}"]) == EXIT_NO_DATABASE
    assert not missing.exists()
