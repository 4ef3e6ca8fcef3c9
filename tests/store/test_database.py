"""The connection set-up: SQLite's first open waits for a writer, PostgreSQL's sessions and lock;
a database that cannot be opened is one ``DatabaseUnavailable`` naming it, password hidden."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from pipeline.store import Store
from pipeline.store.database import (
    PG_WRITER_LOCK_ID,
    Database,
    DatabaseUnavailable,
    check_connection,
    display_url,
    make_engine,
)
from tests.postgres import HOST, SUPERUSER, PostgresServer

HOLD_S = 0.5  # how long another process keeps its write transaction open


def test_a_new_sqlite_file_waits_for_another_writer_before_switching_to_wal(
    tmp_path: Path,
) -> None:
    path = tmp_path / "new.db"
    holding = threading.Event()

    def other_process() -> None:
        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("CREATE TABLE t (x INTEGER)")
        holding.set()
        time.sleep(HOLD_S)
        raw.execute("COMMIT")
        raw.close()

    writer = threading.Thread(target=other_process)
    writer.start()
    holding.wait()
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:  # "database is locked" at once before the retry
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    writer.join()
    engine.dispose()


def test_postgres_sessions_run_in_utc_and_writers_hold_the_lock(
    postgres_server: PostgresServer,
) -> None:
    engine = make_engine(postgres_server.create_database("session_check"))
    try:
        with engine.connect() as conn:  # the server's own zone is Asia/Shanghai
            assert conn.exec_driver_sql("SHOW timezone").scalar() == "UTC"
        held = (
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            f" AND objid = {PG_WRITER_LOCK_ID} AND pid = pg_backend_pid()"
        )
        with Database(engine).write() as conn:
            assert conn.exec_driver_sql(held).scalar() == 1
        with engine.connect() as conn:  # released with the transaction
            assert conn.exec_driver_sql(held).scalar() == 0
    finally:
        engine.dispose()
        postgres_server.drop_database("session_check")


def test_a_missing_postgres_database_is_unavailable_with_the_password_hidden(
    postgres_server: PostgresServer,
) -> None:
    url = f"postgresql+psycopg://{SUPERUSER}:pw-secret@{HOST}:{postgres_server.port}/absent"
    assert display_url(url) == url.replace("pw-secret", "***")
    engine = make_engine(url)
    with pytest.raises(DatabaseUnavailable) as raised:
        check_connection(engine)
    engine.dispose()
    message = str(raised.value)
    assert message.startswith(f"cannot open the database {display_url(url)}: ")
    assert 'database "absent" does not exist' in message
    assert "pw-secret" not in message and "\n" not in message
    with pytest.raises(DatabaseUnavailable):
        Store(url, audit_key=b"k")


def test_a_sqlite_folder_that_cannot_be_made_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    with pytest.raises(DatabaseUnavailable, match="cannot create its folder"):
        make_engine(f"sqlite:///{tmp_path / 'a-file' / 'x' / 'callsentry.db'}")


def test_a_file_that_is_not_a_database_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "callsentry.db"
    path.write_bytes(b"this is not a SQLite file, but long enough to have a header" * 4)
    with pytest.raises(DatabaseUnavailable, match="file is not a database"):
        Store(f"sqlite:///{path}", audit_key=b"k")
