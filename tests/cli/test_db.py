"""``callsentry db upgrade``: a new database, a 0.1.0 one, and one already at the newest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.cli.db import EXIT_OK
from pipeline.store.migrate import head_revision

RELEASE_0_1_0_DB = Path(__file__).parents[1] / "store" / "data" / "release-0.1.0.sqlite"


def test_upgrade_reports_what_it_did(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    old = tmp_path / "old.db"
    shutil.copy(RELEASE_0_1_0_DB, old)
    assert main(["db", "upgrade", "--db", f"sqlite:///{old}"]) == EXIT_OK
    out = capsys.readouterr().out
    assert f"from 0001 (a callsentry 0.1.0 database) to {head_revision()}" in out
    assert main(["db", "upgrade", "--db", f"sqlite:///{old}"]) == EXIT_OK
    assert "nothing to do" in capsys.readouterr().out
    new = tmp_path / "new.db"
    assert main(["db", "upgrade", "--db", f"sqlite:///{new}"]) == EXIT_OK
    assert f"from empty to {head_revision()}" in capsys.readouterr().out
