"""``callsentry users add`` (password on stdin, argon2 hash) and ``callsentry console``
(refuses to start without the session secret)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import get_settings
from pipeline.store import Role, Store


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'out' / 'callsentry.db'}"
    monkeypatch.setenv("CALLSENTRY_DATABASE_URL", url)
    monkeypatch.delenv("CALLSENTRY_CONSOLE_SECRET", raising=False)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_users_add_reads_the_password_from_stdin(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-pass-word\n"))
    assert main(["users", "add", "rita", "--role", "reviewer"]) == 0
    out = capsys.readouterr().out
    assert "rita added with role reviewer" in out and "s3cret" not in out
    store = Store(db_url)
    try:
        user = store.users.authenticate("rita", "s3cret-pass-word")
        assert user is not None and user.role is Role.REVIEWER
    finally:
        store.close()
    monkeypatch.setattr("sys.stdin", io.StringIO("another-password\n"))
    assert main(["users", "add", "rita", "--role", "admin"]) == 1  # taken
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "sam", "--role", "supervisor"]) == 1


def test_console_refuses_to_start_without_a_secret(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["console", "--port", "0"]) == 2
    assert "CALLSENTRY_CONSOLE_SECRET" in capsys.readouterr().err


def test_the_cli_knows_every_role() -> None:
    from pipeline.cli.users import ROLE_NAMES

    assert tuple(r.value for r in Role) == ROLE_NAMES
