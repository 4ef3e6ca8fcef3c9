"""A real PostgreSQL server for the tests: Debian's server binaries, a temporary data directory,
a free loopback port.

``postgres_server`` (session scope) runs ``initdb`` in a temporary folder, starts ``postgres`` on
127.0.0.1 (as the ``postgres`` user when the tests run as root, which PostgreSQL requires; as the
current user otherwise), and stops it by its pid at the end. ``postgres_url`` (session scope) is
one database on it as a ``postgresql+psycopg://`` URL; ``server.create_database()`` makes more
(one per test, dropped after it, in ``tests/conftest.py``'s ``database_url``).
``postgres_migrated`` is one database at the newest schema revision that ``reset()`` empties
again (``migrated_database_url``: the store tests).

Without the server binaries the tests that need them are skipped, except under ``CI=true``,
where they fail with a message saying what to install (``make deps-debian``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import psycopg
import pytest
import sqlalchemy as sa

DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"  # where Debian's postgresql-NN package puts them
BIN_DIR_ENV = "CALLSENTRY_TEST_PG_BIN"  # the one folder to take initdb and postgres from
SERVER_USER = "postgres"  # the account the server runs as when the tests run as root
SUPERUSER = "postgres"  # the database superuser initdb creates
TEST_DATABASE = "callsentry"  # the database of ``postgres_url``
MIGRATED_DATABASE = "callsentry_migrated"  # the database of ``postgres_migrated``
EMPTY_TEMPLATE = "template0"  # what a new database copies by default (initdb: UTF8, locale C)
HOST = "127.0.0.1"
FALLBACK_TEMP_DIR = "/tmp"  # open to every account (sticky), unlike a TMPDIR under /root
START_TIMEOUT_S = 30.0  # from starting the process to accepting connections
STOP_TIMEOUT_S = 20.0  # fast shutdown (SIGINT), then SIGKILL
POLL_INTERVAL_S = 0.05
# Durability off: a test server's data is thrown away anyway, and fsync costs seconds per test.
SERVER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    "shared_buffers": "32MB",
    # not UTC, as a server in the call centre may be: what the store reads must not depend on it
    "timezone": "Asia/Shanghai",
}
INSTALL_HINT = "install Debian's `postgresql` package (`make deps-debian` does)"


class PostgresUnavailable(RuntimeError):
    """The server binaries are missing or the server did not start."""


def find_bin_dir() -> Path:
    """The folder with ``initdb`` and ``postgres``: $CALLSENTRY_TEST_PG_BIN if set, else Debian's
    newest version, else the one on PATH."""
    candidates: list[Path] = []
    if os.environ.get(BIN_DIR_ENV):  # only there
        candidates.append(Path(os.environ[BIN_DIR_ENV]))
    else:
        debian = sorted(
            Path("/").glob(DEBIAN_BIN_GLOB.lstrip("/")),
            key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
            reverse=True,
        )
        candidates.extend(debian)
        on_path = shutil.which("initdb")
        if on_path:
            candidates.append(Path(on_path).parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "postgres").is_file():
            return folder
    searched = ", ".join(str(c) for c in candidates) or DEBIAN_BIN_GLOB
    raise PostgresUnavailable(f"no PostgreSQL server binaries in {searched}: {INSTALL_HINT}")


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _as_server_user() -> tuple[list[str], pwd.struct_passwd | None]:
    """The command prefix that runs a program as the server's account, and that account."""
    if os.geteuid() != 0:
        return [], None  # PostgreSQL runs as whoever we are
    try:
        account = pwd.getpwnam(SERVER_USER)
    except KeyError as exc:
        raise PostgresUnavailable(f"running as root, but there is no {SERVER_USER!r} user") from exc
    setpriv = shutil.which("setpriv")
    if setpriv:  # execs the program itself: the pid we get is the server's
        prefix = [setpriv, f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}"]
        return [*prefix, "--init-groups", "--"], account
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", SERVER_USER, "--"], account
    raise PostgresUnavailable("running as root, but neither setpriv nor runuser is there")


@dataclass(frozen=True)
class PostgresServer:
    """A running server: where it listens and how to reach it."""

    port: int  # TCP port on HOST
    data_dir: Path  # the cluster (removed at the end)
    pid: int  # the postmaster's process id

    def url(self, database: str = TEST_DATABASE) -> str:
        """The SQLAlchemy URL of ``database`` on this server (psycopg 3)."""
        return f"postgresql+psycopg://{SUPERUSER}@{HOST}:{self.port}/{database}"

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host=HOST, port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        )

    def create_database(self, name: str, template: str = EMPTY_TEMPLATE) -> str:
        """Create database ``name`` as a copy of ``template`` (default: empty); returns its URL."""
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name``, ending the sessions still connected to it."""
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class MigratedDatabase:
    """A database at the newest schema revision, emptied back to that state for each test
    (cheaper than a new database per test: ``CREATE DATABASE`` copies the whole catalogue)."""

    server: PostgresServer
    name: str
    audit_rows: tuple[dict[str, Any], ...]  # what the migrations wrote to the audit log

    @property
    def url(self) -> str:
        """Its SQLAlchemy URL."""
        return self.server.url(self.name)

    @classmethod
    def create(cls, server: PostgresServer, name: str) -> MigratedDatabase:
        """Create ``name`` and bring it to the newest revision."""
        from pipeline.store.database import make_engine
        from pipeline.store.migrate import upgrade
        from pipeline.store.schema import audit_log

        engine = make_engine(server.create_database(name))
        try:
            upgrade(engine)
            with engine.connect() as conn:
                rows = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq)).mappings()
                audit_rows = tuple(dict(r) for r in rows)
        finally:
            engine.dispose()
        return cls(server, name, audit_rows)

    def reset(self) -> None:
        """End every other session on it, delete every row, restart the id sequences, and put
        back the migrations' audit entries."""
        from pipeline.store.schema import audit_log, metadata

        with self.server._admin() as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.name,),
            )
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        try:
            with engine.begin() as conn:
                for table in reversed(metadata.sorted_tables):
                    conn.execute(table.delete())
                    if "id" in table.c and table.c.id.autoincrement is True:
                        conn.execute(
                            sa.text("SELECT setval(pg_get_serial_sequence(:t, 'id'), 1, false)"),
                            {"t": table.name},
                        )
                conn.execute(sa.insert(audit_log), list(self.audit_rows))
        finally:
            engine.dispose()


def _run_checked(command: list[str], what: str, cwd: Path) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd)
    if done.returncode != 0:
        raise PostgresUnavailable(f"{what} failed ({done.returncode}): {done.stderr.strip()}")


def _wait_until_ready(process: subprocess.Popen[bytes], port: int, log_file: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            log = log_file.read_text(errors="replace").strip()
            raise PostgresUnavailable(f"postgres exited with {process.returncode}: {log}")
        try:
            psycopg.connect(host=HOST, port=port, user=SUPERUSER, dbname="postgres").close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise PostgresUnavailable(
                    f"postgres did not accept connections on port {port} in {START_TIMEOUT_S} s"
                ) from None
            time.sleep(POLL_INTERVAL_S)


def _postmaster_pid(data_dir: Path, fallback: int) -> int:
    """The server's pid from its ``postmaster.pid`` (under runuser, our child is runuser)."""
    try:
        return int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return fallback


def _stop(process: subprocess.Popen[bytes], pid: int) -> None:
    """Fast shutdown of ``pid`` (SIGINT: ends sessions, no checkpoint wait); SIGKILL if it hangs."""
    if process.poll() is not None:
        return
    os.kill(pid, signal.SIGINT)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.kill(pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_S)


def _temp_base(account: pwd.struct_passwd | None) -> str | None:
    """Where the server's folder goes: the usual temporary folder, unless the server's account
    could not reach it (e.g. a TMPDIR under /root), then FALLBACK_TEMP_DIR."""
    base = Path(tempfile.gettempdir()).resolve()
    if account is None or all(p.stat().st_mode & stat.S_IXOTH for p in (base, *base.parents)):
        return None
    return FALLBACK_TEMP_DIR


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """initdb in a temporary folder, a server on a free loopback port; stopped and removed after."""
    bin_dir = find_bin_dir()
    prefix, account = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="callsentry-pg-", dir=_temp_base(account)))
    process: subprocess.Popen[bytes] | None = None
    data_dir, socket_dir, log_file = root / "data", root / "socket", root / "server.log"
    try:
        socket_dir.mkdir()
        if account is not None:
            for path in (root, socket_dir):
                os.chown(path, account.pw_uid, account.pw_gid)
        initdb = [str(bin_dir / "initdb"), "-D", str(data_dir), "-U", SUPERUSER]
        options = ["--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]
        _run_checked([*prefix, *initdb, *options], "initdb", cwd=root)
        port = free_port()
        settings = [arg for k, v in SERVER_SETTINGS.items() for arg in ("-c", f"{k}={v}")]
        server = [str(bin_dir / "postgres"), "-D", str(data_dir), "-h", HOST, "-p", str(port)]
        with log_file.open("wb") as log:
            process = subprocess.Popen(  # in its own folder: ours may be closed to its user
                [*prefix, *server, "-k", str(socket_dir), *settings],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=root,
            )
        _wait_until_ready(process, port, log_file)
        yield PostgresServer(port, data_dir, _postmaster_pid(data_dir, process.pid))
    finally:
        if process is not None:
            _stop(process, _postmaster_pid(data_dir, process.pid))
        shutil.rmtree(root, ignore_errors=True)


def unavailable(reason: str) -> NoReturn:
    """Fail under CI=true (the suite must cover PostgreSQL there), skip otherwise."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {reason}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole test session."""
    with ExitStack() as stack:
        try:
            server = stack.enter_context(running_postgres())
        except PostgresUnavailable as exc:
            unavailable(str(exc))
        yield server


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of an empty database ``callsentry`` on the session's server."""
    return postgres_server.create_database(TEST_DATABASE)


@pytest.fixture(scope="session")
def postgres_migrated(postgres_server: PostgresServer) -> MigratedDatabase:
    """A database migrated once to the newest revision; ``reset()`` it before each use."""
    return MigratedDatabase.create(postgres_server, MIGRATED_DATABASE)
