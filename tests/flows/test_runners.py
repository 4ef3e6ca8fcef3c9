"""Worker plans: --workers, auto for a 2-core and a 32-core machine, threads, cluster address."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from flows.runners import (
    AUTO,
    NO_SPILL,
    QUIET_DASK,
    THREAD_COUNT_VARIABLES,
    WorkerPlan,
    local_cluster,
    parse_workers,
    plan_workers,
    recommended_plan,
    thread_pool_environment,
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


def test_thread_pools_pinned_to_the_plan() -> None:
    pools = thread_pool_environment(2)
    assert {name: pools[name] for name in THREAD_COUNT_VARIABLES} == dict.fromkeys(
        THREAD_COUNT_VARIABLES, "2"
    )
    assert pools["TOKENIZERS_PARALLELISM"] == "false"
    assert thread_pool_environment(0)["OMP_NUM_THREADS"] == "1"


def _worker_threads() -> dict[str, Any]:
    """Runs in a local worker: its thread pools as the libraries see them."""
    import dask
    import torch

    torch_at_import = torch.get_num_threads()  # from OMP_NUM_THREADS, before any call of ours
    from pipeline.asr.loader import configure_threads
    from pipeline.asr.vad import load_detector
    from pipeline.asr.vad.silero import NO_SPINNING, SileroDetector
    from pipeline.preflight import load_settings

    configure_threads(load_settings().threads)  # what loading the ASR engine does
    detector = load_detector("silero")
    assert isinstance(detector, SileroDetector)
    options = detector.session_options
    return {
        "torch_at_import": torch_at_import,
        "torch_intra": torch.get_num_threads(),
        "torch_inter": torch.get_num_interop_threads(),
        "ort_intra": options.intra_op_num_threads,
        "ort_inter": options.inter_op_num_threads,
        "ort_spinning": {options.get_session_config_entry(entry) for entry in NO_SPINNING},
        "environment": {name: os.environ.get(name) for name in thread_pool_environment(1)},
        "profiler": dask.config.get("distributed.worker.profile.enabled"),
        "malloc_trim": os.environ.get("MALLOC_TRIM_THRESHOLD_"),
    }


@pytest.mark.slow
def test_local_worker_threads_equal_the_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real local worker: torch's pools and the variables that OpenMP, MKL, OpenBLAS and
    numba read at import follow the plan, not a variable the flow's process already had (Dask
    keeps one of those over its own defaults); Silero has one thread that does not spin; the
    profiler is off; glibc's trim threshold is not Dask's 64 KiB; the flow's own environment
    is left as it was."""
    from distributed import Client

    for name in THREAD_COUNT_VARIABLES:
        monkeypatch.setenv(name, "2")
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    before = {name: os.environ.get(name) for name in thread_pool_environment(1)}
    threads = 1  # on a machine of 2 or more cores, torch's own default would be more
    plan = WorkerPlan(workers=1, threads=threads)
    with local_cluster(plan, tmp_path) as cluster, Client(cluster) as client:
        (seen,) = client.run(_worker_threads).values()
    assert seen["torch_at_import"] == threads
    assert seen["torch_intra"] == seen["torch_inter"] == threads
    assert seen["ort_intra"] == seen["ort_inter"] == 1
    assert seen["ort_spinning"] == {"0"}
    assert seen["environment"] == thread_pool_environment(threads)
    assert seen["profiler"] is QUIET_DASK["distributed.worker.profile.enabled"] is False
    assert seen["malloc_trim"] is None  # Dask's default would be "65536"
    assert {name: os.environ.get(name) for name in thread_pool_environment(1)} == before
    assert "MALLOC_TRIM_THRESHOLD_" not in os.environ
