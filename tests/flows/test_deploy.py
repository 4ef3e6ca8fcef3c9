"""The scheduled deployment that `callsentry serve` registers."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.deploy import (
    DEPLOYMENT_NAME,
    RETENTION_DEPLOYMENT_NAME,
    build_deployment,
    build_deployments,
)
from pipeline.config import Settings
from pipeline.preflight import schedule_problems


def test_deployment_runs_nightly_on_the_configured_cron_and_folder() -> None:
    settings = Settings(
        schedule_cron="30 1 * * *",
        schedule_timezone="Asia/Shanghai",
        recordings_dir=Path("/data/calls"),
        out_dir=Path("/data/out"),
    )
    deployment = build_deployment(settings)
    assert deployment.name == DEPLOYMENT_NAME
    assert deployment.flow_name == "compliance-batch"
    (schedule,) = deployment.schedules
    assert schedule.schedule.cron == "30 1 * * *"
    assert schedule.schedule.timezone == "Asia/Shanghai"
    assert deployment.parameters == {"sources": ["/data/calls"], "out_dir": "/data/out"}


def test_retention_runs_daily_and_is_served_with_the_batch() -> None:
    settings = Settings(retention_schedule_cron="15 4 * * *", out_dir=Path("/data/out"))
    batch, retention = build_deployments(settings)
    assert (batch.name, batch.flow_name) == (DEPLOYMENT_NAME, "compliance-batch")
    assert retention.name == RETENTION_DEPLOYMENT_NAME and retention.flow_name == "retention"
    (schedule,) = retention.schedules
    assert schedule.schedule.cron == "15 4 * * *"
    assert retention.parameters == {"out_dir": "/data/out"}


def test_the_nightly_run_checks_the_scheduled_call_records(tmp_path: Path) -> None:
    cdr = tmp_path / "nightly.cdr.csv"
    cdr.write_text("recording,start_time\n")
    settings = Settings(
        recordings_dir=Path("/data/calls"), out_dir=Path("/data/out"), schedule_cdr_file=cdr
    )
    assert build_deployment(settings).parameters == {
        "sources": ["/data/calls"],
        "out_dir": "/data/out",
        "cdr": str(cdr.resolve()),
    }
    assert schedule_problems(settings) == []


def test_a_relative_call_record_file_is_made_absolute(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    deployment = build_deployment(Settings(schedule_cdr_file=Path("calls.csv")))
    assert deployment.parameters["cdr"] == str(tmp_path.resolve() / "calls.csv")


def test_without_the_setting_the_nightly_run_has_no_call_records() -> None:
    assert "cdr" not in build_deployment(Settings()).parameters
    assert schedule_problems(Settings()) == []


def test_a_missing_or_unreadable_call_record_file_is_named_with_its_setting(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "gone.csv"
    (problem,) = schedule_problems(Settings(schedule_cdr_file=missing))
    assert problem == f"CALLSENTRY_SCHEDULE_CDR_FILE={str(missing)!r}: no such file"
    (problem,) = schedule_problems(Settings(schedule_cdr_file=tmp_path))
    assert problem.endswith(": not a file") and str(tmp_path) in problem
