"""Where the per-call work runs: the flow's own process, N local Dask workers, or a cluster.

``--workers 1`` (the default) checks the calls one after another in the flow's process, as
callsentry always did. ``--workers N`` starts a local ``dask.distributed`` cluster of N worker
processes and hands Prefect a ``DaskTaskRunner`` on it; ``--dask-address tcp://HOST:PORT`` uses
an existing cluster instead (workers started with ``dask worker``, callsentry installed on each).

Each worker process runs one call at a time (one Dask thread) and builds its ASR model, PII
engine and database connection once (:mod:`flows.resources`); Whisper inside it uses
``CALLSENTRY_THREADS`` threads. Calls are independent, so N single-threaded processes scale
better than one process with N threads (Whisper's decoder loop is mostly sequential).

Between the flow and the workers travel only a path, a run id and the run's overrides (all
strings); back comes a :class:`~pipeline.summary.CallOutcome` (ids, counts, score). The raw
transcript lives in one worker's memory as a local variable, never as a Dask result, and the
local cluster is started with spilling to disk turned off (:data:`NO_SPILL`).

A local worker is started with every thread pool pinned to the plan's threads in the
environment it is spawned with (:func:`thread_pool_environment`): OpenMP, MKL, OpenBLAS and
numba read their variable once, at import, and Dask applies its ``env`` in the child only after
the child has imported its start-up modules (and keeps a variable the parent already has over
its own pre-spawn defaults). It starts without the allocator setting Dask gives its workers
(:data:`DEFAULT_ALLOCATOR`: it made every call cost a quarter to a half more CPU). Dask's own
periodic work is slowed to what calls of tens of seconds need (:data:`QUIET_DASK`): by default
each worker's event loop samples the task thread's stack every 10 ms for a profile nobody
reads; in a 2-worker run measured on a busy machine, each worker's event loop thread burnt
65-75% of the CPU of its task thread
(docs/scale-out.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEQUENTIAL = 1  # --workers 1: no Dask, the calls run in the flow's own process
AUTO = 0  # --workers auto: a plan from the number of cores (recommended_plan)
SMALL_MACHINE_CORES = 4  # up to this many cores: one single-threaded worker per core
THREADS_PER_WORKER_LARGE = 2  # above it: two threads per worker, half as many workers
WORKER_MEMORY_LIMIT = "4GiB"  # per local worker (base model + Presidio + jieba use ~1.5 GiB)
ALLOWED_FAILURES = 1  # a call whose worker died is tried once more, on another worker

# Dask's memory manager may write task data to disk ("spill"); a worker's data could then hold
# call results. Spilling is off: a worker over its limit pauses, then is restarted instead.
NO_SPILL: dict[str, Any] = {
    "distributed.worker.memory.target": False,
    "distributed.worker.memory.spill": False,
    "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
}

# Dask's periodic work, set for calls that take tens of seconds: no statistical profiler (it
# walks the task thread's stack every 10 ms, on the worker's event loop), the event loop's
# health tick once a second instead of every 20 ms, system and memory monitors every 5 s and
# 1 s instead of 0.5 s and 0.1 s (a worker's memory grows over seconds while a model loads).
QUIET_DASK: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}

# glibc's allocator as it is by default. Dask's nanny sets MALLOC_TRIM_THRESHOLD_ to 64 KiB in
# every worker it spawns (so that freed memory goes back to the system at once and its memory
# monitor sees less "unmanaged" memory); Whisper's decoder allocates and frees buffers larger
# than that at every step, which then cost page faults each time: measured here, transcribing
# the English sample with tiny.en took 14.7-14.9 CPU-s with that setting against 9.5-12.3
# without it (docs/scale-out.md). None = not set.
DEFAULT_ALLOCATOR: dict[str, Any] = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
}

# Thread-pool sizes read from the environment when a library is first imported.
THREAD_COUNT_VARIABLES = (
    "OMP_NUM_THREADS",  # OpenMP: torch's intra-op pool, CTranslate2
    "MKL_NUM_THREADS",  # MKL inside torch
    "OPENBLAS_NUM_THREADS",  # numpy's BLAS
    "NUMBA_NUM_THREADS",  # numba (librosa's kernels)
)


@dataclass(frozen=True)
class WorkerPlan:
    """How many worker processes check calls, with how many threads each, and where."""

    workers: int  # worker processes (1 and no address: the flow's own process)
    threads: int  # Whisper threads per worker (CALLSENTRY_THREADS)
    address: str | None = None  # an existing Dask scheduler, tcp://HOST:PORT

    @property
    def sequential(self) -> bool:
        """Whether the calls run in the flow's own process, one after another."""
        return self.address is None and self.workers == SEQUENTIAL


def recommended_plan(cores: int) -> WorkerPlan:
    """The plan that fits a machine with ``cores`` cores.

    Up to :data:`SMALL_MACHINE_CORES` cores (a 2-core machine: 2 workers x 1 thread), one
    single-threaded worker per core: calls are independent, so processes scale almost
    linearly. Above it (a 32-core machine: 16 workers x 2 threads), two threads per worker:
    half the models in memory (~1.5 GiB each with the base model), and Whisper's matrix
    products still use the second thread well."""
    cores = max(1, cores)
    if cores <= SMALL_MACHINE_CORES:
        return WorkerPlan(workers=cores, threads=1)
    return WorkerPlan(workers=cores // THREADS_PER_WORKER_LARGE, threads=THREADS_PER_WORKER_LARGE)


def parse_workers(text: str) -> int:
    """``--workers``: a count of 1 or more, or ``auto`` (:data:`AUTO`)."""
    if text.strip().lower() == "auto":
        return AUTO
    count = int(text)
    if count < 1:
        raise ValueError(f"--workers must be 1 or more, or auto (got {text})")
    return count


def plan_workers(
    workers: int, threads: int, address: str | None = None, cores: int | None = None
) -> WorkerPlan:
    """The plan for ``--workers`` (:data:`AUTO` = :func:`recommended_plan`), the configured
    ``threads`` (0 = the cores shared out among the workers) and ``--dask-address``."""
    cores = cores or os.cpu_count() or 1
    if workers < 0:
        raise ValueError(f"--workers must be 1 or more, or auto (got {workers})")
    if workers == AUTO:
        plan = recommended_plan(cores)
        workers, threads = plan.workers, threads or plan.threads
    if address is not None and not address.startswith(("tcp://", "tls://")):
        raise ValueError(f"--dask-address must look like tcp://HOST:PORT (got {address!r})")
    if address is not None:  # the cluster's machines have their own cores (0 = all of them)
        return WorkerPlan(workers, threads, address)
    return WorkerPlan(workers, threads or max(1, cores // workers), address)


def thread_pool_environment(threads: int) -> dict[str, str]:
    """Every library's thread pool pinned to ``threads``, and the Rust tokenizers' pool off (it
    would start one thread per core): set before a worker process is spawned."""
    count = str(max(1, threads))
    return {**{name: count for name in THREAD_COUNT_VARIABLES}, "TOKENIZERS_PARALLELISM": "false"}


@contextmanager
def local_cluster(plan: WorkerPlan, scratch_dir: Path) -> Iterator[Any]:
    """A started local Dask cluster of ``plan.workers`` processes, one call at a time each,
    spilling off, Dask's periodic work quiet, glibc's allocator left at its defaults
    (:data:`DEFAULT_ALLOCATOR`) and each worker's thread pools pinned to ``plan.threads``
    before its first import; closed at the end.

    The pool variables are set in this process's environment while the cluster runs, since a
    spawned worker inherits it (Dask's ``env`` is applied in the child only after it has
    unpickled, and imported, its start-up code; its own pre-spawn defaults yield to a variable
    already set); they are put back as they were when the cluster closes."""
    import dask
    from distributed import LocalCluster

    scratch_dir.mkdir(parents=True, exist_ok=True)
    pools = thread_pool_environment(plan.threads)
    saved = {name: os.environ.get(name) for name in pools}
    os.environ.update(pools)
    try:
        with dask.config.set({**NO_SPILL, **QUIET_DASK, **DEFAULT_ALLOCATOR}):
            cluster = LocalCluster(
                n_workers=plan.workers,
                threads_per_worker=1,  # one call at a time per worker process
                processes=True,
                memory_limit=WORKER_MEMORY_LIMIT,
                local_directory=str(scratch_dir),
                dashboard_address=None,
                env={"CALLSENTRY_THREADS": str(plan.threads), **pools},
            )
            try:
                yield cluster
            finally:
                cluster.close()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def task_runner(plan: WorkerPlan, scratch_dir: Path) -> Iterator[Any]:
    """A started ``DaskTaskRunner`` for ``plan``: on the cluster at ``plan.address``, or on a
    local cluster of ``plan.workers`` processes (:func:`local_cluster`, scratch files under
    ``scratch_dir``), closed at the end."""
    from prefect_dask import DaskTaskRunner

    if plan.address is not None:
        with DaskTaskRunner(address=plan.address) as runner:
            yield runner
        return
    with local_cluster(plan, scratch_dir) as cluster, DaskTaskRunner(cluster=cluster) as runner:
        yield runner
