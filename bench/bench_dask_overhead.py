"""Benchmark: the CPU that a 2-worker local Dask cluster burns around its calls, with Dask's
default settings and with callsentry's (``flows.runners.local_cluster``: profiler off, slower
ticks and monitors).

Each worker runs one task that holds a 60-frame Python call stack for ``--seconds`` seconds
while doing almost nothing (a stand-in for a call's long, deep decoding loop); the CPU of the
flow's process (scheduler and nannies) and of each worker process over that time is what Dask
itself costs. Prints one line per setting.

    .venv/bin/python bench/bench_dask_overhead.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
STACK_DEPTH = 60  # frames under the task's loop, as in Whisper's decoder
NAP_S = 0.001  # the task sleeps this long between tiny bits of work
SETTLE_S = 3.0  # after the cluster starts, before measuring


def _nap(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        sum(range(1000))
        time.sleep(NAP_S)


def _deep(depth: int, seconds: float) -> None:
    if depth:
        _deep(depth - 1, seconds)
    else:
        _nap(seconds)


@contextmanager
def _dask_defaults(scratch: Path) -> Iterator[Any]:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, local_directory=str(scratch)) as cluster:  # fmt: skip
        yield cluster


def _measure(cluster: Any, seconds: float) -> tuple[float, list[float]]:
    import psutil
    from distributed import Client

    me = psutil.Process()
    with Client(cluster) as client:
        time.sleep(SETTLE_S)
        workers = me.children(recursive=True)
        flow_before = sum(me.cpu_times()[:2])
        before = [sum(w.cpu_times()[:2]) for w in workers]
        futures = [client.submit(_deep, STACK_DEPTH, seconds, pure=False) for _ in range(2)]
        client.gather(futures)
        flow = sum(me.cpu_times()[:2]) - flow_before
        used = [sum(w.cpu_times()[:2]) - b for w, b in zip(workers, before, strict=True)]
    return flow, [u for u in used if u > 0]


def main() -> int:
    """Run both settings and print their CPU."""
    from flows.runners import WorkerPlan, local_cluster

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    setups = {
        "Dask defaults": _dask_defaults,
        "callsentry (local_cluster)": lambda scratch: local_cluster(WorkerPlan(2, 1), scratch),
    }
    for name, setup in setups.items():
        with tempfile.TemporaryDirectory() as scratch, setup(Path(scratch)) as cluster:
            flow, workers = _measure(cluster, args.seconds)
        per_worker = ", ".join(f"{w:.2f}" for w in workers)
        print(f"{name:>27}: {args.seconds:.0f} s of calls, flow process {flow:.2f} CPU-s, "
              f"workers {per_worker} CPU-s, total {flow + sum(workers):.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
