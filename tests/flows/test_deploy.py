"""The scheduled deployment that `callsentry serve` registers."""

from __future__ import annotations

from pathlib import Path

from flows.deploy import DEPLOYMENT_NAME, build_deployment
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
