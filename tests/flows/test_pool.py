"""The deployments of `callsentry serve --pool NAME` (the real pool and workers:
tests/e2e/test_pool.py)."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pytest
from prefect.client.schemas.objects import FlowRun

import flows.pool
from flows.batch import volume_rows
from flows.pool import FAN_OUT_FLOW_NAME, SHARD_DEPLOYMENT_NAME, build_pool_deployments
from pipeline.config import Settings
from pipeline.records.batch import load_batch_records

SETTINGS = Settings(
    schedule_cron="30 1 * * *",
    schedule_timezone="Asia/Shanghai",
    retention_schedule_cron="15 4 * * *",
    recordings_dir=Path("/data/calls"),
    out_dir=Path("/data/out"),
)


def test_the_nightly_run_fans_out_into_shards_on_the_pool() -> None:
    nightly, shard, retention = build_pool_deployments(SETTINGS, "night-pool", shards=3)
    assert (nightly.flow_name, nightly.name) == (FAN_OUT_FLOW_NAME, "nightly")
    (schedule,) = nightly.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 1 * * *", "Asia/Shanghai")
    assert nightly.parameters == {"sources": ["/data/calls"], "out_dir": "/data/out", "shards": 3}
    # the shards run when the fan-out starts them, not on a schedule of their own
    assert (shard.flow_name, shard.name) == ("compliance-batch", SHARD_DEPLOYMENT_NAME)
    assert shard.schedules == []
    assert retention.flow_name == "retention" and len(retention.schedules) == 1
    for deployment in (nightly, shard, retention):
        assert deployment.work_pool_name == "night-pool"


def test_workers_import_the_flows_from_the_installed_package() -> None:
    entrypoints = {d.flow_name: d.entrypoint for d in build_pool_deployments(SETTINGS, "p", 2)}
    assert entrypoints == {
        FAN_OUT_FLOW_NAME: "flows.pool.fan_out",
        "compliance-batch": "flows.batch.compliance_batch",
        "retention": "flows.retention.retention",
    }


def test_relative_folders_are_made_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # a worker runs each flow in a temporary folder of its own
    settings = Settings(recordings_dir=Path("calls"), out_dir=Path("out"))
    nightly, shard, retention = build_pool_deployments(settings, "p", 2)
    assert nightly.parameters["sources"] == [str(tmp_path.resolve() / "calls")]
    assert shard.parameters["out_dir"] == str(tmp_path.resolve() / "out")
    assert retention.parameters == {"out_dir": str(tmp_path.resolve() / "out")}


def test_no_shards_is_refused() -> None:
    with pytest.raises(ValueError):
        build_pool_deployments(SETTINGS, "p", shards=0)


def test_every_shard_run_gets_the_scheduled_call_records(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cdr = tmp_path / "nightly.cdr.csv"
    settings = SETTINGS.model_copy(update={"schedule_cdr_file": cdr})
    nightly, _, _ = build_pool_deployments(settings, "p", 2)
    assert nightly.parameters["cdr"] == str(cdr.resolve())

    started: list[dict] = []

    def start(name: str, parameters: dict, **_options: object) -> FlowRun:
        started.append(parameters)
        return FlowRun(flow_id=uuid.uuid4())

    monkeypatch.setattr(flows.pool, "run_deployment", start)
    monkeypatch.setattr(flows.pool, "get_run_logger", lambda: logging.getLogger("test"))
    flows.pool.fan_out.fn(**nightly.parameters)
    assert [(p["shard"], p["shards"], p["cdr"]) for p in started] == [
        (0, 2, str(cdr.resolve())),
        (1, 2, str(cdr.resolve())),
    ]
    started.clear()
    flows.pool.fan_out.fn(sources=["/data/calls"], shards=2)
    assert all("cdr" not in p for p in started)


def test_the_outbound_volume_of_the_call_records_is_compared_by_one_shard_run(
    samples_dir: Path,
) -> None:
    records = load_batch_records(samples_dir / "calls.cdr.csv", Settings())
    rows = list(records.cdr.records.values())
    assert rows
    assert volume_rows(records, (0, 1)) == rows  # the whole batch
    assert volume_rows(records, (0, 3)) == rows
    assert volume_rows(records, (1, 3)) == volume_rows(records, (2, 3)) == []
    assert volume_rows(None, (0, 1)) == []
