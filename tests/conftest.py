"""Shared test configuration. Stage-specific fixtures live in each folder's conftest.py."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest

import flows  # noqa: F401 (Prefect's defaults, no analytics, set before any test imports prefect)
from tests.postgres import (  # noqa: F401 (fixtures)
    MigratedDatabase,
    PostgresServer,
    postgres_migrated,
    postgres_server,
    postgres_url,
)

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
SQLITE_NAME = "callsentry.db"


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database, once per kind: a SQLite file in ``tmp_path / "out"``, and a
    new database on the session's PostgreSQL server (dropped after the test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'out' / SQLITE_NAME}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"test_{uuid4().hex[:16]}"
    yield server.create_database(name)
    server.drop_database(name)


@pytest.fixture(scope="session")
def sqlite_migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once to the newest revision (copied by ``migrated_database_url``)."""
    from pipeline.store.database import make_engine
    from pipeline.store.migrate import upgrade

    path = tmp_path_factory.mktemp("migrated") / SQLITE_NAME
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(params=DATABASES)
def migrated_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Like ``database_url``, but already at the newest schema revision: on SQLite a copy of a
    file migrated once, on PostgreSQL one database migrated once and emptied before each test
    (migrating or copying a database per test costs a second or more there)."""
    if request.param == "sqlite":
        path = tmp_path / "out" / SQLITE_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(request.getfixturevalue("sqlite_migrated"), path)
        yield f"sqlite:///{path}"
        return
    migrated: MigratedDatabase = request.getfixturevalue("postgres_migrated")
    migrated.reset()
    yield migrated.url
