"""Shared test configuration. Stage-specific fixtures live in each folder's conftest.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from tests.postgres import PostgresServer, postgres_server, postgres_url  # noqa: F401 (fixtures)

# Every store opened by the tests (and by the processes they start) signs its audit chain with
# this key, so no test writes a key file into the home folder.
os.environ.setdefault("CALLSENTRY_AUDIT_KEY", "test-audit-key-not-secret")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = PROJECT_ROOT / "audio_samples"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The committed synthetic calls and their manifest."""
    return SAMPLES_DIR


DATABASES = ("sqlite", "postgresql")  # what ``database_url`` runs a test against


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database, once per kind: a SQLite file in ``tmp_path / "out"``, and a
    new database on the session's PostgreSQL server (dropped after the test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'out' / 'callsentry.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"test_{uuid4().hex[:16]}"
    yield server.create_database(name)
    server.drop_database(name)
