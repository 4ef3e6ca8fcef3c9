"""Benchmark: the batch on 1 and on 2 worker processes, and on a work pool, over the same calls.

For each plan (``--workers 1`` and ``--workers 2``, one Whisper thread per worker), a fresh
output folder and database, ``callsentry run`` as a child process against a Prefect server
started here for the case (its start and CPU are not counted). Each server has a Prefect home of
its own (a temporary folder: its own SQLite database, never ``~/.prefect``'s, which another
server may hold), analytics off; each case has its own callsentry database file, and the
summary reads it read-only. Prints per plan: wall time, calls per hour, CPU-seconds per
audio-second (every process of the run: flow and workers) and the peak RSS of the largest
process (a worker: model, Presidio and rules), then the speed-up of 2 workers over 1 (target
>= 1.7 on an idle 2-core machine), and what 1,000 call-hours a night (8 hours) needs in cores
and workers at the measured CPU cost.

The pool case: ``callsentry serve --pool`` on its server, two ``prefect worker start --pool``
processes (one flow run at a time each), one run of the nightly deployment over the same calls
in two shard runs; wall time from the trigger to the last shard's end, CPU of the workers and
their flow runs, and the peak RSS of each worker with its flow runs (sampled).

A case that fails prints its command, return code and the end of its stderr; the other cases
still run, and the exit status is 1.

    .venv/bin/python bench/bench_scale.py [--model tiny.en] [--asr-backend openai-whisper]
        [--calls N] [--cases 1 2 pool]

The calls are the readable samples (9 files, Mandarin ones read as English by tiny.en: the CPU
they cost is what matters here), the first ``--calls`` of them; more calls than samples are
further copies of the samples, remuxed with a comment so that their bytes differ (a file
already stored is skipped by its hash) while their sound is the same.
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
from collections.abc import Iterator, Sequence
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
POOL_CASE = "pool"
CASES = ("1", "2", POOL_CASE)  # --workers 1, --workers 2, the work pool
POLL_S = 1.0  # how often the pool case looks at the runs and samples the workers' memory
MIB = 1024 * 1024
STDERR_TAIL_LINES = 20  # of a failed command, printed


class CaseFailed(Exception):
    """A command of a case failed: what ran, its return code and the end of its stderr."""

    def __init__(self, cmd: Sequence[str], returncode: int | None, stderr_tail: str,
                 why: str = "") -> None:  # fmt: skip
        self.cmd = list(cmd)
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        self.why = why
        super().__init__(f"{' '.join(self.cmd)}: return code {returncode}")

    def report(self) -> str:
        """What to print for the failed case."""
        lines = [f"  command: {' '.join(self.cmd)}", f"  return code: {self.returncode}"]
        if self.why:
            lines.append(f"  {self.why}")
        lines.append(f"  stderr (last {STDERR_TAIL_LINES} lines):")
        lines += [f"    {line}" for line in (self.stderr_tail or "(empty)").splitlines()]
        return "\n".join(lines)


def _tail(log: Path, lines: int = STDERR_TAIL_LINES) -> str:
    """The last ``lines`` lines of a log file ("" when it is missing)."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _check(cmd: list[str], env: dict[str, str], log: Path) -> None:
    """Run ``cmd`` (stderr to ``log``); CaseFailed unless it exits 0."""
    with log.open("ab") as sink:
        code = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=sink).returncode
    if code != 0:
        raise CaseFailed(cmd, code, _tail(log))


def _samples() -> list[Path]:
    """The readable samples, by name."""
    return [
        path
        for path in sorted((ROOT / "audio_samples").iterdir())
        if path.suffix in AUDIO_SUFFIXES and path.name not in UNREADABLE
    ]


def _distinct_copy(source: Path, dest: Path, copy: int) -> None:
    """``source``'s audio packets remuxed into ``dest`` with a comment naming the copy: other
    bytes, the same sound (and the same decoding cost)."""
    import av

    with av.open(str(source)) as src, av.open(str(dest), "w") as out:
        stream = src.streams.audio[0]
        target = out.add_stream_from_template(stream)
        out.metadata["comment"] = f"bench copy {copy}"
        for packet in src.demux(stream):
            if packet.dts is None:  # the demuxer's flush packet
                continue
            packet.stream = target
            out.mux(packet)


def _lay_out(dest: Path, calls: int) -> int:
    """``calls`` distinct recordings in ``dest``: the samples, then copies of them."""
    dest.mkdir(parents=True)
    samples = _samples()
    for i in range(calls):
        source = samples[i % len(samples)]
        copy = i // len(samples)
        if copy == 0:
            shutil.copy2(source, dest / source.name)
        else:
            _distinct_copy(source, dest / f"{source.stem}-copy{copy}{source.suffix}", copy)
    return calls


def _case_env(env: dict[str, str], out: Path) -> dict[str, str]:
    """The environment of one case: its own output folder and database file."""
    return {
        **env,
        "CALLSENTRY_OUT_DIR": str(out),
        "CALLSENTRY_DATABASE_URL": f"sqlite:///{(out / 'callsentry.db').resolve()}",
    }


def _stored(out: Path) -> tuple[float, float]:
    """Calls and audio seconds stored by a case, read from its database opened read-only."""
    uri = f"{(out / 'callsentry.db').resolve().as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
        calls, audio = conn.execute("select count(*), sum(duration) from calls").fetchone()
    return float(calls), float(audio or 0.0)


@contextlib.contextmanager
def _server(home: Path, env: dict[str, str]) -> Iterator[dict[str, str]]:
    """A Prefect server with its own Prefect home under ``home``; yields ``env`` pointed at
    it (the case's clients use the same home)."""
    from flows.server import start_server, stop_server

    prefect_home = home / "prefect-home"
    prefect_home.mkdir(parents=True)
    env = {**env, "PREFECT_HOME": str(prefect_home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    log = home / "prefect-server.log"
    try:
        server, url = start_server(log, env)
    except RuntimeError as exc:  # it exited or did not answer in time
        raise CaseFailed(["prefect server (uvicorn)"], None, _tail(log), str(exc)) from None
    try:
        yield {**env, "PREFECT_API_URL": url}
    finally:
        stop_server(server)


def _run(recordings: Path, out: Path, workers: int, env: dict[str, str]) -> dict[str, float]:
    out.mkdir(parents=True)
    env = _case_env(env, out)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "pipeline.cli", "run", str(recordings), "--out", str(out),
           "--workers", str(workers)]  # fmt: skip
    _check(cmd, env, out / "stderr.log")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    calls, audio = _stored(out)
    return {
        "wall_s": wall,
        "calls": calls,
        "audio_s": audio,
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


def _shard_states(client: Any) -> list[str] | None:
    """The final states of the (one) nightly run's shard runs once all have ended, else None."""
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    from flows.pool import SHARD_DEPLOYMENT

    deployment = client.read_deployment_by_name(SHARD_DEPLOYMENT)
    runs = client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id]))
    )
    if len(runs) == POOL_WORKERS and all(r.state is not None and r.state.is_final() for r in runs):
        return [r.state.type.value for r in runs]
    return None


def _run_pool(recordings: Path, out: Path, env: dict[str, str]) -> dict[str, float]:
    """The calls on a work pool: ``serve --pool``, two process workers, one nightly run."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.pool import FAN_OUT_FLOW_NAME

    out.mkdir(parents=True)
    env = {**_case_env(env, out), "CALLSENTRY_RECORDINGS_DIR": str(recordings),
           "PREFECT_WORKER_QUERY_SECONDS": "2"}  # fmt: skip
    serve = [sys.executable, "-m", "pipeline.cli", "serve", "--pool", POOL, "--shards",
             str(POOL_WORKERS)]  # fmt: skip
    _check(serve, env, out / "serve.stderr.log")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker = [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL, "--limit", "1"]
    logs = [out / f"worker-{i}.stderr.log" for i in range(POOL_WORKERS)]
    workers = []
    for log in logs:
        with log.open("ab") as sink:
            workers.append(subprocess.Popen(worker, env=env, start_new_session=True,
                                            stdout=subprocess.DEVNULL, stderr=sink))  # fmt: skip
    peaks = [0] * POOL_WORKERS
    try:
        with temporary_settings({PREFECT_API_URL: env["PREFECT_API_URL"]}):
            start = time.perf_counter()
            run_deployment(f"{FAN_OUT_FLOW_NAME}/nightly", timeout=0)
            with get_client(sync_client=True) as client:
                while (states := _shard_states(client)) is None:
                    for i, process in enumerate(workers):
                        if process.poll() is not None:
                            why = "the worker exited before the shard runs ended"
                            raise CaseFailed(worker, process.returncode, _tail(logs[i]), why)
                        peaks[i] = max(peaks[i], _tree_rss(psutil.Process(process.pid)))
                    time.sleep(POLL_S)
            wall = time.perf_counter() - start
    finally:
        for process in workers:  # each worker and the flow runs it started
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in workers:
            process.wait()
    if any(state != "COMPLETED" for state in states):
        tails = "\n".join(f"worker {i}:\n{_tail(log)}" for i, log in enumerate(logs))
        raise CaseFailed(worker, None, tails, f"shard runs ended {', '.join(states)}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    calls, audio = _stored(out)
    return {
        "wall_s": wall,
        "calls": calls,
        "audio_s": audio,
        "cpu_s": cpu,
        "peak_rss_mib": max(peaks) / MIB,
        **{f"peak_rss_mib_{i}": peak / MIB for i, peak in enumerate(peaks)},
    }


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text}: at least 1")
    return value


def _print_summary(results: dict[str, dict[str, float]], args: argparse.Namespace) -> None:
    """The table and, where their cases ran, the speed-ups and the nightly sizing."""
    print(f"{args.calls} calls laid out, model {args.model}, {args.asr_backend}, beam "
          f"{args.beam_size}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} "
          "at the end")  # fmt: skip
    print(f"{'workers':>7} {'calls':>6} {'wall s':>8} {'calls/h':>8} {'CPU-s/audio-s':>14} "
          f"{'peak RSS MiB':>13}")  # fmt: skip
    for case, r in results.items():
        label = f"pool {POOL_WORKERS}" if case == POOL_CASE else case
        cost = r["cpu_s"] / r["audio_s"] if r["audio_s"] else float("nan")
        print(
            f"{label:>7} {r['calls']:>6.0f} {r['wall_s']:>8.1f} "
            f"{r['calls'] / r['wall_s'] * SECONDS_PER_HOUR:>8.0f} {cost:>14.3f} "
            f"{r['peak_rss_mib']:>13.0f}"
        )
    if "1" in results and "2" in results:
        speedup = results["1"]["wall_s"] / results["2"]["wall_s"]
        print(f"speed-up of 2 workers over 1: {speedup:.2f} (target >= 1.7 on an idle 2-core "
              "machine)")  # fmt: skip
    if POOL_CASE in results:
        pool = results[POOL_CASE]
        per_worker = ", ".join(f"{pool[f'peak_rss_mib_{i}']:.0f}" for i in range(POOL_WORKERS))
        if "1" in results:
            print(f"speed-up of {POOL_WORKERS} pool workers over 1 worker: "
                  f"{results['1']['wall_s'] / pool['wall_s']:.2f}")  # fmt: skip
        print(f"peak RSS per pool worker (with its flow run) MiB: {per_worker}")
    costs = [r["cpu_s"] / r["audio_s"] for r in results.values() if r["audio_s"]]
    if costs:
        cpu_per_audio = min(costs)
        cores = NIGHT_AUDIO_S * cpu_per_audio / NIGHT_S
        print(f"1,000 call-hours in an 8-hour night at {cpu_per_audio:.3f} CPU-s per audio-s: "
              f"{cores:.0f} cores (single-threaded workers), e.g. {cores / 16:.1f} 32-core "
              "hosts at 16 workers x 2 threads")  # fmt: skip


def main() -> int:
    """Run the benchmark and print the figures; 1 when a case failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--asr-backend", default="openai-whisper")
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument(
        "--calls",
        type=_positive,
        default=len(_samples()),
        help="calls laid out for the run (default: one per readable sample)",
    )
    parser.add_argument(
        "--cases",
        nargs="+",
        choices=CASES,
        default=list(CASES),
        help="1 and 2: callsentry run --workers N; pool: serve --pool",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="callsentry-bench-scale-"))
    recordings = work / "recordings"
    _lay_out(recordings, args.calls)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CALLSENTRY_MODEL": args.model,
        "CALLSENTRY_ASR_BACKEND": args.asr_backend,
        "CALLSENTRY_BEAM_SIZE": str(args.beam_size),
        "CALLSENTRY_LANGUAGE": "en" if args.model.endswith(".en") else "auto",
        "CALLSENTRY_THREADS": "1",
        "CALLSENTRY_PSEUDONYM_KEY": "bench-key",
        "CALLSENTRY_AUDIT_KEY": "bench-audit-key",  # the user's audit key file is not touched
    }
    for name in ("CALLSENTRY_SMTP_HOST", "CALLSENTRY_WEBHOOK_URL", "PREFECT_API_URL"):
        env.pop(name, None)
    results: dict[str, dict[str, float]] = {}
    failed: dict[str, CaseFailed] = {}
    for case in (c for c in CASES if c in args.cases):
        home = work / f"case-{case}"
        try:
            with _server(home, env) as case_env:
                if case == POOL_CASE:
                    results[case] = _run_pool(recordings, home / "out", case_env)
                else:
                    results[case] = _run(recordings, home / "out", int(case), case_env)
        except CaseFailed as exc:
            failed[case] = exc
            print(f"case {case} failed:\n{exc.report()}", file=sys.stderr)
    if results:
        _print_summary(results, args)
    if failed:
        print(f"failed cases: {', '.join(failed)} (their files: {work})", file=sys.stderr)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
