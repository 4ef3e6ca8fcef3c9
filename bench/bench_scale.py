"""Benchmark: the batch on 1 and on 2 worker processes, over the same calls, in one run.

For each plan (``--workers 1`` and ``--workers 2``, one Whisper thread per worker), a fresh
output folder and database, ``callsentry run`` as a child process against one Prefect server
started here (so the server's start and CPU are not counted). Prints per plan: wall time,
calls per hour, CPU-seconds per audio-second (every process of the run: flow and workers) and
the peak RSS of the largest process (a worker: model, Presidio and rules), then the speed-up of
2 workers over 1 (target >= 1.7 on an idle 2-core machine), and what 1,000 call-hours a night
(8 hours) needs in cores and workers at the measured CPU cost.

The pool case: ``callsentry serve --pool`` on the same server, two ``prefect worker start
--pool`` processes (one flow run at a time each), one run of the nightly deployment over the
same calls in two shard runs; wall time from the trigger to the last shard's end, CPU of the
workers and their flow runs, and the peak RSS of each worker with its flow runs (sampled).

    .venv/bin/python bench/bench_scale.py [--model tiny.en] [--asr-backend openai-whisper]

The calls are every readable sample (9 files, Mandarin ones read as English by tiny.en: the CPU
they cost is what matters here). Distinct files, since a file already stored is skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
UNREADABLE = {"corrupt_garbled.m4a", "corrupt_truncated.flac"}
AUDIO_SUFFIXES = {".wav", ".mp3", ".flac", ".ogg", ".m4a"}
NIGHT_S = 8 * 3600.0  # the nightly window
NIGHT_AUDIO_S = 1000 * 3600.0  # 1,000 call-hours
SECONDS_PER_HOUR = 3600.0
POOL = "bench-pool"
POOL_WORKERS = 2
POLL_S = 1.0  # how often the pool case looks at the runs and samples the workers' memory
MIB = 1024 * 1024


def _samples(dest: Path) -> int:
    dest.mkdir(parents=True)
    count = 0
    for path in sorted((ROOT / "audio_samples").iterdir()):
        if path.suffix in AUDIO_SUFFIXES and path.name not in UNREADABLE:
            shutil.copy2(path, dest / path.name)
            count += 1
    return count


def _run(recordings: Path, out: Path, workers: int, env: dict[str, str]) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "pipeline.cli", "run", str(recordings), "--out", str(out),
           "--workers", str(workers)]  # fmt: skip
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with sqlite3.connect(out / "callsentry.db") as conn:
        calls, audio = conn.execute("select count(*), sum(duration) from calls").fetchone()
    return {
        "wall_s": wall,
        "calls": float(calls),
        "audio_s": float(audio or 0.0),
        "cpu_s": cpu,
        "peak_rss_mib": after.ru_maxrss / 1024,  # largest single process so far
    }


def _tree_rss(process: psutil.Process) -> int:
    """Resident memory of a process and its children (a pool worker and its flow runs)."""
    total = 0
    for member in (process, *process.children(recursive=True)):
        with contextlib.suppress(psutil.Error):  # it ended between the listing and the reading
            total += member.memory_info().rss
    return total


def _shard_runs_done(client: Any) -> bool:
    """Whether every shard run of the (one) nightly run has ended."""
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    from flows.pool import SHARD_DEPLOYMENT

    deployment = client.read_deployment_by_name(SHARD_DEPLOYMENT)
    runs = client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id]))
    )
    return len(runs) == POOL_WORKERS and all(r.state is not None and r.state.is_final()
                                             for r in runs)  # fmt: skip


def _run_pool(recordings: Path, out: Path, env: dict[str, str]) -> dict[str, float]:
    """The calls on a work pool: ``serve --pool``, two process workers, one nightly run."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.pool import FAN_OUT_FLOW_NAME

    env = {**env, "CALLSENTRY_OUT_DIR": str(out), "CALLSENTRY_RECORDINGS_DIR": str(recordings),
           "PREFECT_WORKER_QUERY_SECONDS": "2"}  # fmt: skip
    quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    serve = [sys.executable, "-m", "pipeline.cli", "serve", "--pool", POOL, "--shards",
             str(POOL_WORKERS)]  # fmt: skip
    subprocess.run(serve, env=env, check=True, **quiet)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker = [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL, "--limit", "1"]
    workers = [subprocess.Popen(worker, env=env, start_new_session=True, **quiet)
               for _ in range(POOL_WORKERS)]  # fmt: skip
    peaks = [0] * POOL_WORKERS
    try:
        with temporary_settings({PREFECT_API_URL: env["PREFECT_API_URL"]}):
            start = time.perf_counter()
            run_deployment(f"{FAN_OUT_FLOW_NAME}/nightly", timeout=0)
            with get_client(sync_client=True) as client:
                while not _shard_runs_done(client):
                    for i, process in enumerate(workers):
                        peaks[i] = max(peaks[i], _tree_rss(psutil.Process(process.pid)))
                    time.sleep(POLL_S)
            wall = time.perf_counter() - start
    finally:
        for process in workers:  # each worker and the flow runs it started
            os.killpg(process.pid, signal.SIGTERM)
        for process in workers:
            process.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with sqlite3.connect(out / "callsentry.db") as conn:
        calls, audio = conn.execute("select count(*), sum(duration) from calls").fetchone()
    return {
        "wall_s": wall,
        "calls": float(calls),
        "audio_s": float(audio or 0.0),
        "cpu_s": cpu,
        "peak_rss_mib": max(peaks) / MIB,
        **{f"peak_rss_mib_{i}": peak / MIB for i, peak in enumerate(peaks)},
    }


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--asr-backend", default="openai-whisper")
    parser.add_argument("--beam-size", type=int, default=5)
    args = parser.parse_args()

    from flows.server import start_server, stop_server

    work = Path(tempfile.mkdtemp(prefix="callsentry-bench-scale-"))
    recordings = work / "recordings"
    files = _samples(recordings)
    server, url = start_server(work / "prefect-server.log")
    env = {
        **os.environ,
        "PREFECT_API_URL": url,
        "PYTHONPATH": str(ROOT),
        "CALLSENTRY_MODEL": args.model,
        "CALLSENTRY_ASR_BACKEND": args.asr_backend,
        "CALLSENTRY_BEAM_SIZE": str(args.beam_size),
        "CALLSENTRY_LANGUAGE": "en" if args.model.endswith(".en") else "auto",
        "CALLSENTRY_THREADS": "1",
        "CALLSENTRY_PSEUDONYM_KEY": "bench-key",
    }
    env.pop("CALLSENTRY_SMTP_HOST", None)
    results: dict[int | str, dict[str, float]] = {}
    try:
        for workers in (1, 2):
            results[workers] = _run(recordings, work / f"out-{workers}", workers, env)
        results["pool 2"] = _run_pool(recordings, work / "out-pool", env)
    finally:
        stop_server(server)

    print(f"{files} calls, model {args.model}, {args.asr_backend}, beam {args.beam_size}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")  # fmt: skip
    print(f"{'workers':>7} {'wall s':>8} {'calls/h':>8} {'CPU-s/audio-s':>14} {'peak RSS MiB':>13}")
    for workers, r in results.items():
        print(
            f"{workers:>7} {r['wall_s']:>8.1f} {r['calls'] / r['wall_s'] * SECONDS_PER_HOUR:>8.0f} "
            f"{r['cpu_s'] / r['audio_s']:>14.3f} {r['peak_rss_mib']:>13.0f}"
        )
    speedup = results[1]["wall_s"] / results[2]["wall_s"]
    print(f"speed-up of 2 workers over 1: {speedup:.2f} (target >= 1.7 on an idle 2-core machine)")
    pool = results["pool 2"]
    per_worker = ", ".join(f"{pool[f'peak_rss_mib_{i}']:.0f}" for i in range(POOL_WORKERS))
    print(f"speed-up of 2 pool workers over 1 worker: {results[1]['wall_s'] / pool['wall_s']:.2f}; "
          f"peak RSS per pool worker (with its flow run) MiB: {per_worker}")  # fmt: skip
    cpu_per_audio = min(r["cpu_s"] / r["audio_s"] for r in results.values())
    cores = NIGHT_AUDIO_S * cpu_per_audio / NIGHT_S
    print(f"1,000 call-hours in an 8-hour night at {cpu_per_audio:.3f} CPU-s per audio-s: "
          f"{cores:.0f} cores (single-threaded workers), e.g. {cores / 16:.1f} 32-core hosts "
          "at 16 workers x 2 threads")  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
