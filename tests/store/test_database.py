"""The connection set-up: SQLite's first open waits for a writer, PostgreSQL's sessions and lock."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from pipeline.store.database import PG_WRITER_LOCK_ID, Database, make_engine
from tests.postgres import PostgresServer

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
