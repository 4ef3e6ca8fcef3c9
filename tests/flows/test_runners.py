"""Worker plans: --workers, auto for a 2-core and a 32-core machine, threads, cluster address."""

from __future__ import annotations

import pytest

from flows.runners import (
    AUTO,
    NO_SPILL,
    WorkerPlan,
    parse_workers,
    plan_workers,
    recommended_plan,
)


@pytest.mark.parametrize(
    ("cores", "plan"),
    [
        (1, WorkerPlan(1, 1)),
        (2, WorkerPlan(2, 1)),  # this project's machines: one single-threaded worker per core
        (4, WorkerPlan(4, 1)),
        (32, WorkerPlan(16, 2)),  # a big server: half the models in memory, two threads each
        (0, WorkerPlan(1, 1)),
    ],
)
def test_recommended_plan_per_machine_size(cores: int, plan: WorkerPlan) -> None:
    assert recommended_plan(cores) == plan


@pytest.mark.parametrize(
    ("workers", "threads", "address", "plan"),
    [
        (1, 0, None, WorkerPlan(1, 8)),  # today's behaviour: every core for one process
        (2, 0, None, WorkerPlan(2, 4)),  # the cores shared out
        (2, 1, None, WorkerPlan(2, 1)),  # CALLSENTRY_THREADS wins
        (AUTO, 0, None, WorkerPlan(4, 2)),  # 8 cores: 4 workers x 2 threads
        (1, 0, "tcp://10.0.0.5:8786", WorkerPlan(1, 0, "tcp://10.0.0.5:8786")),
    ],
)
def test_plan_workers(workers: int, threads: int, address: str | None, plan: WorkerPlan) -> None:
    assert plan_workers(workers, threads, address, cores=8) == plan


def test_sequential_only_without_dask() -> None:
    assert WorkerPlan(1, 2).sequential
    assert not WorkerPlan(2, 1).sequential
    assert not WorkerPlan(1, 1, "tcp://127.0.0.1:8786").sequential


def test_bad_values_name_the_flag() -> None:
    assert parse_workers("auto") == AUTO and parse_workers("3") == 3
    with pytest.raises(ValueError, match="--workers"):
        parse_workers("0")
    with pytest.raises(ValueError, match="--dask-address"):
        plan_workers(1, 0, "10.0.0.5:8786")


def test_spill_is_off() -> None:
    assert NO_SPILL["distributed.worker.memory.target"] is False
    assert NO_SPILL["distributed.worker.memory.spill"] is False


def test_run_command_flags(capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import build_parser

    args = build_parser().parse_args(
        ["run", "rec", "--workers", "auto", "--dask-address", "tcp://10.0.0.5:8786"]
    )
    assert args.workers == AUTO and args.dask_address == "tcp://10.0.0.5:8786"
    assert build_parser().parse_args(["run", "rec"]).workers == 1
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "rec", "--workers", "0"])
    assert "--workers must be 1 or more" in capsys.readouterr().err
