"""``callsentry run`` and ``serve`` refuse to start, before Prefect or any audio, when the run
would check nothing or a setting is bad."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import pipeline.audio
from flows.command import EXIT_CANNOT_START
from pipeline.cli import main


@pytest.fixture
def no_audio(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean environment in which opening any recording fails the test."""
    for name in list(os.environ):
        if name.startswith("CALLSENTRY_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a recording was opened")

    monkeypatch.setattr(pipeline.audio, "ingest", refuse)
    return tmp_path


def test_run_without_rules_fails_naming_the_folder(
    no_audio: Path, samples_dir: Path, capsys: pytest.CaptureFixture
) -> None:
    empty = no_audio / "no-rules"
    empty.mkdir()
    code = main(["run", str(samples_dir), "--rules", str(empty), "--out", str(no_audio / "o")])
    assert code == EXIT_CANNOT_START
    err = capsys.readouterr().err
    assert f"error: no compliance rules loaded from {empty}" in err
    assert not (no_audio / "o" / "callsentry.db").exists()


def test_run_with_a_bad_setting_fails_with_one_line(
    no_audio: Path, samples_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("CALLSENTRY_ALERT_MIN_SEVERITY", "urgent")
    assert main(["run", str(samples_dir), "--out", str(no_audio / "o")]) == EXIT_CANNOT_START
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: CALLSENTRY_ALERT_MIN_SEVERITY='urgent'")


def test_serve_refuses_a_schedule_that_would_check_nothing(
    no_audio: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("CALLSENTRY_RULES_DIR", str(no_audio / "missing"))
    assert main(["serve"]) == EXIT_CANNOT_START
    assert "no compliance rules loaded" in capsys.readouterr().err


@pytest.mark.parametrize("pool", [[], ["--pool", "night"]], ids=["serve", "pool"])
def test_serve_refuses_a_scheduled_call_record_file_that_is_missing(
    no_audio: Path, monkeypatch: pytest.MonkeyPatch, capsys, pool: list[str]
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # never reached
    monkeypatch.setenv("CALLSENTRY_SCHEDULE_CDR_FILE", str(no_audio / "nightly.csv"))
    assert main(["serve", *pool]) == EXIT_CANNOT_START
    err = capsys.readouterr().err
    assert f"error: CALLSENTRY_SCHEDULE_CDR_FILE='{no_audio / 'nightly.csv'}': no such file" in err


def test_serve_on_a_pool_needs_a_permanent_prefect_server(
    no_audio: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert main(["serve", "--pool", "night"]) == EXIT_CANNOT_START
    assert "serve --pool needs a permanent Prefect server" in capsys.readouterr().err


def test_serve_on_a_pool_refuses_no_shards(no_audio: Path, capsys) -> None:
    assert main(["serve", "--pool", "night", "--shards", "0"]) == EXIT_CANNOT_START
    assert "CALLSENTRY_POOL_SHARDS" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("alerts_failed", "expected"), [(0, 0), (2, 3)], ids=["delivered", "undelivered"]
)
def test_run_exit_status_says_when_alerts_were_not_delivered(
    no_audio: Path,
    samples_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
    alerts_failed: int,
    expected: int,
) -> None:
    import flows.batch
    from flows.command import EXIT_ALERTS_UNDELIVERED, EXIT_OK
    from pipeline.summary import RunSummary

    summary = RunSummary(
        "run-1", (), alerts_queued=2, alerts_failed=alerts_failed,
        delivery_errors=("smtp: ConnectionRefusedError: [Errno 111] Connection refused",),
    )  # fmt: skip
    monkeypatch.setattr(flows.batch, "compliance_batch", lambda **_: summary)
    code = main(["run", str(samples_dir), "--out", str(no_audio / "o")])
    assert code == expected and expected in (EXIT_OK, EXIT_ALERTS_UNDELIVERED)
    out = capsys.readouterr().out
    assert ("ALERTS NOT DELIVERED: 2 alert(s)" in out) == bool(alerts_failed)


def test_run_failure_is_exit_1_with_one_error_line(
    no_audio: Path, samples_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    import flows.batch
    from flows.command import EXIT_RUN_FAILED

    def boom(**_: object) -> None:
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(flows.batch, "compliance_batch", boom)
    assert main(["run", str(samples_dir), "--out", str(no_audio / "o")]) == EXIT_RUN_FAILED
    assert "error: the run failed: RuntimeError: database unreachable" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("setup", "problem"),
    [
        ("missing", "CDR file {cdr}: no such file"),
        ("no-columns", "CDR file {cdr}: line 1: the header lacks the column(s)"),
        ("bad-registry", "number registry {registry}: line 2: purpose 'sales'"),
    ],
)
def test_run_refuses_a_cdr_or_registry_it_cannot_read(
    no_audio: Path, samples_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys,
    setup: str, problem: str,
) -> None:  # fmt: skip
    cdr, registry = no_audio / "calls.cdr.csv", no_audio / "numbers.csv"
    if setup != "missing":
        cdr.write_text(
            "recording,start_time\na.wav,2025-03-14T10:00:00+08:00\n"
            if setup == "no-columns"
            else (samples_dir / "calls.cdr.csv").read_text(encoding="utf-8"),
            encoding="utf-8",
        )
    registry.write_text("number,purposes,valid_from,valid_to\n95588,sales,,\n", encoding="utf-8")
    if setup == "bad-registry":
        monkeypatch.setenv("CALLSENTRY_NUMBER_REGISTRY", str(registry))
    monkeypatch.setenv("CALLSENTRY_AUDIT_KEY", "test-audit-key-not-secret")
    code = main(["run", str(samples_dir), "--cdr", str(cdr), "--out", str(no_audio / "o")])
    assert code == EXIT_CANNOT_START
    err = capsys.readouterr().err
    assert f"error: {problem.format(cdr=cdr, registry=registry)}" in err
    assert not (no_audio / "o" / "callsentry.db").exists()
