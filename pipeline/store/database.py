"""The connection to the database: engine set-up and the write transaction every change uses.

SQLite (the default, a file in the output folder) runs in WAL mode with foreign keys on, and
every transaction starts with ``BEGIN IMMEDIATE``: one writer at a time across processes, the
others wait up to :data:`SQLITE_BUSY_TIMEOUT_MS`. PostgreSQL is used through any SQLAlchemy URL
(``postgresql+psycopg://...``); there every write transaction starts by taking the transaction
advisory lock :data:`PG_WRITER_LOCK_ID` (``pg_advisory_xact_lock``, released at commit or
rollback): one writer at a time across processes and hosts, as on SQLite, so the audit chain is
appended in order and without gaps, and two writers never wait on each other's rows (no
deadlock). Its sessions run in UTC. Writers in one process are also serialised by a lock.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 30_000  # how long a writer waits for another one
SQLITE_WAL_RETRY_S = 0.05  # between tries to switch a new file to WAL
SESSION_TIME_ZONE = "UTC"  # of every PostgreSQL session (stored times are UTC)
# PostgreSQL advisory lock key ("call") held by every writer and by a schema upgrade.
PG_WRITER_LOCK_ID = 0x6361_6C6C


class DatabaseUnavailable(RuntimeError):
    """The database cannot be opened: no server there, no such database, the login refused, a
    SQLite file that is not a database or whose folder cannot be made. The message names the
    database (password hidden) and the problem, on one line."""


def display_url(url: str) -> str:
    """``url`` with its password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def _one_line(text: str) -> str:
    """A driver's message on one line (psycopg's span several, with hints)."""
    return "; ".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def check_connection(engine: Engine) -> None:
    """Open and close one connection; :class:`DatabaseUnavailable` when that fails."""
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        problem = _one_line(str(exc.orig)) or type(exc.orig).__name__
        raise DatabaseUnavailable(
            f"cannot open the database {display_url(str(engine.url))}: {problem}"
        ) from exc


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for another database or an in-memory one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def _enable_wal(cursor: sqlite3.Cursor) -> None:
    """``journal_mode=WAL``, retried for up to :data:`SQLITE_BUSY_TIMEOUT_MS`: on a new file it
    needs the file to itself, and SQLite does not wait on this pragma for another process's
    transaction (the first opens of several workers at once)."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(SQLITE_WAL_RETRY_S)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine; for SQLite: the folder created, WAL, foreign keys, and write-locking BEGIN."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return _postgres_engine(url, echo)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True)
    kwargs: dict[str, Any] = {"echo": echo, "connect_args": {"check_same_thread": False}}
    database = sqlite_file(url)
    if database is None:
        kwargs["poolclass"] = StaticPool
    else:
        try:
            database.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailable(
                f"cannot open the database {display_url(url)}: cannot create its folder "
                f"{database.parent} "
                f"({exc.strerror or exc})"
            ) from exc
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below drive transactions
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if database is not None:
            _enable_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Take the write lock at the start, so two processes never interleave the audit chain.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _postgres_engine(url: str, echo: bool) -> Engine:
    """An engine whose sessions run in UTC: what SQL computes from a time (the dashboards' day
    of a call) is then the same as on SQLite, whatever the server's ``timezone`` setting."""
    engine = create_engine(url, echo=echo, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET TIME ZONE '{SESSION_TIME_ZONE}'")
        cursor.close()
        dbapi_connection.commit()

    return engine


def lock_writers(conn: Connection) -> None:
    """PostgreSQL: wait for, then hold until the transaction ends, the writers' advisory lock
    (a no-op when already held; on SQLite ``BEGIN IMMEDIATE`` did it)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITER_LOCK_ID})")


class Database:
    """An engine and the process-wide writer lock; repositories share one instance."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write_lock = threading.Lock()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction (committed on success, rolled back on any error)."""
        with self._write_lock, self.engine.begin() as conn:
            lock_writers(conn)
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads."""
        with self.engine.connect() as conn:
            yield conn
