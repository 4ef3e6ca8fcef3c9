"""Every command that opens the database ends with one error line naming it (password hidden)
and exit 2, not a traceback, when it cannot: a PostgreSQL database that does not exist, a server
that is not there, a SQLite file whose folder cannot be made."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.cli.database import EXIT_NO_DATABASE
from pipeline.config import get_settings
from tests.postgres import HOST, SUPERUSER, PostgresServer, free_port

PASSWORD = "hunter2-secret"  # in the URL; must never be printed
# every command that opens the store, with what it reads from stdin
COMMANDS: tuple[tuple[list[str], str], ...] = (
    (["audit", "verify"], ""),
    (["db", "upgrade"], ""),
    (["users", "add", "rita", "--role", "reviewer"], "s3cret-pass-word\n"),
    (["retention", "apply"], ""),
    (["console"], ""),
)


@pytest.fixture(autouse=True)
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings every command accepts: an output folder, an audit key, retention periods and
    the console's secret."""
    monkeypatch.setenv("CALLSENTRY_OUT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("CALLSENTRY_AUDIT_KEY", "audit-key-for-the-test")
    monkeypatch.setenv("CALLSENTRY_CONSOLE_SECRET", "console-secret-for-the-test")
    for kind in ("REDACTED_AUDIO", "TRANSCRIPTS", "FINDINGS"):
        monkeypatch.setenv(f"CALLSENTRY_RETENTION_{kind}_DAYS", "30")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _run(
    command: list[str], stdin: str, url: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> tuple[int, str, str]:
    monkeypatch.setenv("CALLSENTRY_DATABASE_URL", url)
    get_settings.cache_clear()
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(command)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(("command", "stdin"), COMMANDS, ids=[c[0][0] for c in COMMANDS])
def test_a_postgres_database_that_does_not_exist(
    command: list[str],
    stdin: str,
    postgres_server: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"postgresql+psycopg://{SUPERUSER}:{PASSWORD}@{HOST}:{postgres_server.port}/nosuchdb"
    code, out, err = _run(command, stdin, url, monkeypatch, capsys)
    assert code == EXIT_NO_DATABASE
    shown = f"postgresql+psycopg://{SUPERUSER}:***@{HOST}:{postgres_server.port}/nosuchdb"
    (line,) = err.splitlines()  # one line, nothing else on stderr
    assert line.startswith(f"error: cannot open the database {shown}: ")
    assert line.endswith('database "nosuchdb" does not exist')
    assert PASSWORD not in out + err and "Traceback" not in out + err


def test_a_postgres_server_that_is_not_there(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()  # nothing listens on it
    url = f"postgresql+psycopg://{SUPERUSER}:{PASSWORD}@{HOST}:{port}/callsentry"
    code, out, err = _run(["db", "upgrade"], "", url, monkeypatch, capsys)
    assert code == EXIT_NO_DATABASE
    assert err.startswith(f"error: cannot open the database postgresql+psycopg://{SUPERUSER}:***@")
    assert "Connection refused" in err and len(err.splitlines()) == 1
    assert PASSWORD not in out + err


@pytest.mark.parametrize(("command", "stdin"), COMMANDS[1:], ids=[c[0][0] for c in COMMANDS[1:]])
def test_a_sqlite_folder_that_cannot_be_made(
    command: list[str],
    stdin: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    database = blocker / "sub" / "callsentry.db"
    code, _, err = _run(command, stdin, f"sqlite:///{database}", monkeypatch, capsys)
    assert code == EXIT_NO_DATABASE
    assert err.startswith(f"error: cannot open the database sqlite:///{database}: cannot create")
    assert str(database.parent) in err and len(err.splitlines()) == 1


def test_audit_verify_names_a_sqlite_file_in_a_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "no-such-folder" / "callsentry.db"
    code, out, _ = _run(["audit", "verify"], "", f"sqlite:///{database}", monkeypatch, capsys)
    assert code == EXIT_NO_DATABASE
    assert out.strip() == f"no database at {database}"
    assert not database.parent.exists()
