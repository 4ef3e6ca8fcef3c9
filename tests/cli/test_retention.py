"""``callsentry retention apply`` on a real SQLite file: nothing by default, audited deletions."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import get_settings
from pipeline.store import Store
from tests.store.conftest import save


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = tmp_path / "out"
    monkeypatch.setenv("CALLSENTRY_OUT_DIR", str(out))
    monkeypatch.setenv("CALLSENTRY_AUDIT_KEY", "audit-key-for-the-test")
    get_settings.cache_clear()
    yield out
    get_settings.cache_clear()


def _store(out: Path) -> Store:
    return Store(
        f"sqlite:///{(out / 'callsentry.db').resolve()}", audit_key=b"audit-key-for-the-test"
    )


def test_nothing_is_deleted_without_a_period(configured: Path, capsys) -> None:
    assert main(["retention", "apply"]) == 0
    assert "nothing is deleted" in capsys.readouterr().out


def test_expired_findings_are_deleted_and_audited(
    configured: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    store = _store(configured)
    save(store, "call-old")
    store.close()
    for kind in ("REDACTED_AUDIO", "TRANSCRIPTS", "FINDINGS"):
        monkeypatch.setenv(f"CALLSENTRY_RETENTION_{kind}_DAYS", "0")
    get_settings.cache_clear()
    assert main(["retention", "apply", "--dry-run"]) == 0
    assert "would delete findings of call-old" in capsys.readouterr().out
    assert main(["retention", "apply"]) == 0
    assert "deleted findings of call-old" in capsys.readouterr().out
    store = _store(configured)
    try:
        assert store.calls.by_call_id("call-old") is None
        assert [e.subject for e in store.audit.entries(action="call.deleted")] == ["call:call-old"]
        assert store.check_integrity().ok
    finally:
        store.close()


def test_contradicting_periods_are_refused(
    configured: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("CALLSENTRY_RETENTION_FINDINGS_DAYS", "30")
    get_settings.cache_clear()
    assert main(["retention", "apply"]) == 2
    assert "at most 30" in capsys.readouterr().out
