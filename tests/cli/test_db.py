"""``callsentry db upgrade``: a new database, a 0.1.0 one, and one already at the newest; each on
SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from pipeline.cli import main
from pipeline.cli.db import EXIT_OK
from pipeline.store.migrate import head_revision
from tests.store.legacy import make_release_0_1_0


def test_upgrade_reports_what_it_did(database_url: str, capsys: pytest.CaptureFixture) -> None:
    make_release_0_1_0(database_url)
    assert main(["db", "upgrade", "--db", database_url]) == EXIT_OK
    out = capsys.readouterr().out
    assert f"from 0001 (a callsentry 0.1.0 database) to {head_revision()}" in out
    assert main(["db", "upgrade", "--db", database_url]) == EXIT_OK
    assert "nothing to do" in capsys.readouterr().out


def test_upgrade_of_a_new_database(database_url: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["db", "upgrade", "--db", database_url]) == EXIT_OK
    assert f"from empty to {head_revision()}" in capsys.readouterr().out
