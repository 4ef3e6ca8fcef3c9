"""The scheduled deployment that `callsentry serve` registers."""

from __future__ import annotations

from pathlib import Path

from flows.deploy import (
    DEPLOYMENT_NAME,
    RETENTION_DEPLOYMENT_NAME,
    build_deployment,
    build_deployments,
)
from pipeline.config import Settings


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
