"""Where a run's CPU goes, thread by thread: ``callsentry run --workers N`` over the first
``--calls`` readable samples, with the CPU of every thread of the run's processes (flow and
Dask workers) read from ``/proc`` every half second. Prints per process its CPU and its threads
over one CPU-second (a process's main thread has the process id: in a Dask worker that is
the event loop, the calls run in another thread).

    .venv/bin/python bench/bench_threads.py [--workers 2] [--calls 3] [--model tiny.en]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAMPLE_S = 0.5  # between two reads of the threads' CPU
SHOWN_CPU_S = 1.0  # threads under this are left out of the listing
SAMPLES = (
    "en_card_declined_pin_request.mp3",
    "en_card_lost_compliant.flac",
    "en_mulaw_8k_readout.wav",
    "en_wealth_guaranteed.ogg",
    "zh_limit_auth_request.flac",
    "zh_mono_alaw_8k.wav",
    "zh_wealth_compliant.m4a",
    "noise_only.flac",
    "silence.wav",
)


def _read(root: Any, seen: dict[int, str], threads: dict[tuple[int, int], float]) -> None:
    """Note the command of every process under ``root`` and the CPU of each of its threads."""
    import psutil

    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for process in processes:
        try:
            seen.setdefault(process.pid, " ".join(process.cmdline())[:80])
            for thread in process.threads():
                threads[process.pid, thread.id] = thread.user_time + thread.system_time
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue


def main() -> int:
    """Run the batch under the probe and print the CPU per process and thread."""
    import psutil

    from flows.server import start_server, stop_server

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--model", default="tiny.en")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="callsentry-bench-threads-"))
    recordings = work / "recordings"
    recordings.mkdir()
    for name in SAMPLES[: args.calls]:
        shutil.copy2(ROOT / "audio_samples" / name, recordings / name)
    server, url = start_server(work / "prefect-server.log")
    env = {**os.environ, "PREFECT_API_URL": url, "PYTHONPATH": str(ROOT),
           "CALLSENTRY_MODEL": args.model, "CALLSENTRY_THREADS": "1",
           "CALLSENTRY_LANGUAGE": "en" if args.model.endswith(".en") else "auto",
           "CALLSENTRY_PSEUDONYM_KEY": "bench-key"}  # fmt: skip
    env.pop("CALLSENTRY_SMTP_HOST", None)
    cmd = [sys.executable, "-m", "pipeline.cli", "run", str(recordings), "--out",
           str(work / "out"), "--workers", str(args.workers)]  # fmt: skip
    seen: dict[int, str] = {}
    threads: dict[tuple[int, int], float] = {}
    started = time.perf_counter()
    try:
        run = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        root = psutil.Process(run.pid)
        while run.poll() is None:
            _read(root, seen, threads)
            time.sleep(SAMPLE_S)
    finally:
        stop_server(server)
    wall = time.perf_counter() - started
    with sqlite3.connect(work / "out" / "callsentry.db") as conn:
        calls, audio = conn.execute("select count(*), sum(duration) from calls").fetchone()
    print(f"{calls} calls, {audio or 0:.1f} s of audio, {wall:.0f} s wall, --workers "
          f"{args.workers}, load average {os.getloadavg()[0]:.1f} at the end")  # fmt: skip
    for pid, command in seen.items():
        own = {tid: cpu for (p, tid), cpu in threads.items() if p == pid}
        print(f"process {pid} ({command}): {sum(own.values()):.1f} CPU-s")
        for tid, cpu in sorted(own.items(), key=lambda item: -item[1]):
            if cpu >= SHOWN_CPU_S:
                role = "main thread" if tid == pid else "thread"
                print(f"    {role} {tid}: {cpu:.1f} CPU-s")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
