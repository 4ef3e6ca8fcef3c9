"""Benchmark: every way to run Whisper here, on the same files and the same model.

Each engine runs as a fresh process per file (start-up and model loading included), with the
same weights (the offline ``base`` export, or ``--model``) and beam size:

* ``whisper CLI``: the plain openai-whisper command line on the converted checkpoint (mono
  downmix, no word timestamps), with an ``ffmpeg`` from the ``imageio-ffmpeg`` wheel on PATH;
* ``bare faster-whisper``: faster-whisper's own API on the CTranslate2 folder, int8, word
  timestamps, mono downmix (this script run with ``--bare``);
* ``callsentry <backend>``: ``callsentry transcribe --unmasked --asr-backend B`` (VAD gate, each
  channel separately, word timestamps, guards) for each backend;
* ``callsentry fw-batched``: the faster-whisper backend with its windows decoded as a batch
  (``CALLSENTRY_ASR_BATCH_SIZE=4``).

Files: English and Mandarin, stereo, 16 kHz and 8 kHz: the committed English call and its
8 kHz G.711 counterpart, and the committed Mandarin call's turns (neural voices) laid out one
after another, at 16 kHz and resampled to 8 kHz. WER (English) / CER (Mandarin) of the whole call
text against the manifest. Throughput is hours of calls per core-hour: audio seconds over the
process's CPU seconds (user + system, all threads), which a shared machine disturbs far less
than wall time; ratios to the whisper CLI are given on both. A GPU section runs only where
CUDA is seen, printing calls per hour (``--gpu-model``: a CTranslate2 folder of larger weights,
e.g. large-v3, used by every engine there).

    .venv/bin/python bench/bench_transcribe.py [--model base] [--beam-size 5] [--rounds 1]
        [--engines "whisper CLI,callsentry openai-whisper"] [--files "en 8k,zh 8k"]

``--engines`` and ``--files`` keep a subset (names as printed in the tables), for a quick
comparison on a busy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
SAMPLES = ROOT / "audio_samples"
EN_16K = "en_card_lost_compliant.flac"
EN_8K = "en_mulaw_8k_readout.wav"
ZH_SOURCE = "zh_limit_auth_request.flac"
ZH_TURNS = tuple(range(9))  # every turn of the call, laid out again without its overlap
ZH_GAP_S = 0.5  # pause between the Mandarin turns
TELEPHONE_RATE = 8_000  # Hz
MIX_RATE = 16_000  # Hz
BACKENDS = ("openai-whisper", "faster-whisper")
FW_BATCH_SIZE = 4  # windows at once for "callsentry fw-batched" (CALLSENTRY_ASR_BATCH_SIZE)


@dataclass(frozen=True)
class BenchFile:
    """One benchmark input and what was said in it."""

    label: str  # e.g. "en 16k"
    path: Path
    language: str
    duration: float  # seconds
    reference: str  # all turns' text in time order


@dataclass(frozen=True)
class Measured:
    """One engine on one file: a fresh process."""

    wall: float  # seconds
    cpu: float  # CPU seconds (user + system) of the process, all threads
    rss_mib: float  # peak resident memory of the process
    error: float | None  # WER / CER of the whole call text (None when no output)


def _write_wav(path: Path, channels: np.ndarray, rate: int) -> None:
    """Write (2, n) float32 audio at MIX_RATE as 16-bit PCM WAV at ``rate`` with PyAV."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=rate, layout="stereo")
        resampler = av.AudioResampler(format="s16", layout="stereo", rate=rate)
        for pos in range(0, channels.shape[1], 1024):
            chunk = np.ascontiguousarray(channels[:, pos : pos + 1024], np.float32)
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate = MIX_RATE
            frame.pts = pos
            for out in resampler.resample(frame):
                for packet in stream.encode(out):
                    container.mux(packet)
        for out in resampler.resample(None):
            for packet in stream.encode(out):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def prepare_files(work: Path) -> list[BenchFile]:
    """The four benchmark files (two committed, two laid out here) with their references."""
    from pipeline.audio import DecodedCall, ingest

    manifest = json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))
    entries = {e["file"]: e for e in manifest["files"]}
    files = []
    for name, label in ((EN_16K, "en 16k"), (EN_8K, "en 8k")):
        entry = entries[name]
        text = " ".join(t["text"] for t in entry["turns"])
        files.append(BenchFile(label, SAMPLES / name, "en", entry["duration"], text))

    source = ingest(SAMPLES / ZH_SOURCE)
    assert isinstance(source, DecodedCall), source
    turns = [entries[ZH_SOURCE]["turns"][i] for i in ZH_TURNS]
    pieces: list[tuple[int, np.ndarray]] = []
    for turn in turns:
        channel = source.channel(turn["speaker"])
        assert channel is not None
        a, b = round(turn["start"] * MIX_RATE), round(turn["end"] * MIX_RATE)
        pieces.append((0 if turn["speaker"] == "agent" else 1, channel.samples[a:b]))
    gap = round(ZH_GAP_S * MIX_RATE)
    total = gap + sum(len(p) + gap for _, p in pieces)
    mix = np.zeros((2, total), np.float32)
    position = gap
    for channel_index, audio in pieces:
        mix[channel_index, position : position + len(audio)] = audio
        position += len(audio) + gap
    text = "".join(t["text"] for t in turns)
    for rate, label in ((MIX_RATE, "zh 16k"), (TELEPHONE_RATE, "zh 8k")):
        path = work / f"zh_call_{rate // 1000}k.wav"
        _write_wav(path, mix, rate)
        files.append(BenchFile(label, path, "zh", total / MIX_RATE, text))
    return files


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, int]:
    """Run ``cmd``; returns (wall seconds, CPU seconds, peak RSS in MiB, exit code)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    stderr = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        print(f"command failed ({code}): {' '.join(cmd)}\n{stderr[-2000:]}", file=sys.stderr)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code


def _text_of(out_json: Path) -> str | None:
    """Whole-call text from a whisper CLI, bare or callsentry JSON output."""
    if not out_json.is_file():
        return None
    data = json.loads(out_json.read_text(encoding="utf-8"))
    segments = sorted(data.get("segments") or [], key=lambda s: s["start"])
    return " ".join(s["text"] for s in segments)


def bare_faster_whisper(argv: list[str]) -> int:
    """``--bare FOLDER OUT_DIR BEAM DEVICE COMPUTE THREADS FILE...``: faster-whisper's own API,
    the model loaded once for all files; ``OUT_DIR/<stem>.json`` per file."""
    folder, out, beam, device, compute, threads, *audio_files = argv
    from faster_whisper import WhisperModel

    model = WhisperModel(
        folder, device=device, compute_type=compute, cpu_threads=int(threads), local_files_only=True
    )
    for audio in audio_files:
        segments, _ = model.transcribe(audio, beam_size=int(beam), word_timestamps=True)
        result = [{"start": s.start, "end": s.end, "text": s.text} for s in segments]
        target = Path(out) / f"{Path(audio).stem}.json"
        target.write_text(json.dumps({"segments": result}, ensure_ascii=False), encoding="utf-8")
    return 0


Command = Callable[[list[BenchFile]], tuple[list[str], list[Path]]]


def engines(model: str, beam: int, threads: int, work: Path, device: str) -> dict[str, Command]:
    """Per engine: a function of the files one process handles giving (command, the JSON output
    path of each file).

    ``model`` is an offline name (base, tiny.en) or a CTranslate2 folder; the whisper CLI gets
    the same weights as a converted checkpoint.
    """
    from pipeline.asr.backends import ct2_model_folder
    from pipeline.asr.weights import (
        OFFLINE_SOURCES,
        ensure_folder_checkpoint,
        ensure_offline_checkpoint,
    )
    from pipeline.config import Settings

    settings = Settings(model=model)
    folder = ct2_model_folder(model, settings)
    if model in OFFLINE_SOURCES:
        checkpoint = ensure_offline_checkpoint(model, settings.model_dir)
    else:
        checkpoint = ensure_folder_checkpoint(folder, settings.model_dir)
    compute = "float16" if device == "cuda" else "int8"

    def out_dir(engine: str, files: list[BenchFile]) -> Path:
        label = "all" if len(files) > 1 else files[0].label.replace(" ", "_")
        path = work / engine / label
        path.mkdir(parents=True, exist_ok=True)
        return path

    def outputs(out: Path, files: list[BenchFile]) -> list[Path]:
        return [out / f"{f.path.stem}.json" for f in files]

    def cli(files: list[BenchFile]) -> tuple[list[str], list[Path]]:
        out = out_dir("cli", files)
        cmd = [str(BIN / "whisper"), *(str(f.path) for f in files), "--model", str(checkpoint)]
        cmd += ["--device", device, "--fp16", str(device == "cuda"), "--beam_size", str(beam)]
        cmd += ["--threads", str(threads), "--output_dir", str(out)]
        cmd += ["--output_format", "json", "--verbose", "False"]
        return cmd, outputs(out, files)

    def bare(files: list[BenchFile]) -> tuple[list[str], list[Path]]:
        out = out_dir("bare", files)
        cmd = [sys.executable, __file__, "--bare", str(folder), str(out), str(beam), device]
        return [*cmd, compute, str(threads), *(str(f.path) for f in files)], outputs(out, files)

    def ours(backend: str) -> Command:
        def command(files: list[BenchFile]) -> tuple[list[str], list[Path]]:
            out = out_dir(backend, files)
            cmd = [str(BIN / "callsentry"), "transcribe", *(str(f.path) for f in files)]
            cmd += ["--out", str(out), "--unmasked", "--model", model, "--beam-size", str(beam)]
            return [*cmd, "--asr-backend", backend], outputs(out, files)

        return command

    def fw_batched(files: list[BenchFile]) -> tuple[list[str], list[Path]]:
        cmd, outs = ours("faster-whisper")(files)
        batched = [out.parent.parent / "fw-batched" / out.parent.name / out.name for out in outs]
        batched[0].parent.mkdir(parents=True, exist_ok=True)
        cmd[cmd.index("--out") + 1] = str(batched[0].parent)
        return ["env", f"CALLSENTRY_ASR_BATCH_SIZE={FW_BATCH_SIZE}", *cmd], batched

    table: dict[str, Command] = {"whisper CLI": cli, "bare faster-whisper": bare}
    table.update({f"callsentry {b}": ours(b) for b in BACKENDS})
    table["callsentry fw-batched"] = fw_batched
    return table


def measure(
    table: dict[str, Command], files: list[BenchFile], env: dict[str, str], rounds: int
) -> dict[tuple[str, str], list[Measured]]:
    """Every engine on every file, a fresh process each, ``rounds`` times (interleaved, so
    drift hits all alike)."""
    from pipeline.asr.error_rate import error_rate

    results: dict[tuple[str, str], list[Measured]] = {}
    for _ in range(rounds):
        for f in files:
            for name, command in table.items():
                cmd, (out,) = command([f])
                wall, cpu, rss, _ = run_measured(cmd, env)
                text = _text_of(out)
                error = None if text is None else error_rate(f.reference, text, f.language)
                results.setdefault((name, f.label), []).append(Measured(wall, cpu, rss, error))
                print(
                    f"  {name:28s} {f.label:7s} {wall:6.1f} s  {cpu:6.1f} cpu-s",
                    file=sys.stderr,
                    flush=True,
                )
    return results


def measure_batch(
    table: dict[str, Command], files: list[BenchFile], env: dict[str, str], rounds: int
) -> dict[str, list[Measured]]:
    """Every engine over all files in ONE process (the model loaded once, as a batch worker
    does), ``rounds`` times; the error is the mean over the files."""
    from pipeline.asr.error_rate import error_rate

    results: dict[str, list[Measured]] = {}
    for _ in range(rounds):
        for name, command in table.items():
            cmd, outs = command(files)
            wall, cpu, rss, _ = run_measured(cmd, env)
            errors = [
                error_rate(f.reference, text, f.language)
                for f, text in zip(files, map(_text_of, outs), strict=True)
                if text is not None
            ]
            error = sum(errors) / len(errors) if len(errors) == len(files) else None
            results.setdefault(name, []).append(Measured(wall, cpu, rss, error))
            print(f"  {name:28s} batch   {wall:6.1f} s  {cpu:6.1f} cpu-s", file=sys.stderr)
    return results


def print_batch_table(results: dict[str, list[Measured]], files: list[BenchFile]) -> None:
    """One row per engine for the one-process batch: wall, CPU, RTF, peak RSS, mean error,
    ratios to the whisper CLI and to bare faster-whisper, hours of calls per core-hour."""
    audio = sum(f.duration for f in files)
    best = {
        name: (min(m.wall for m in runs), min(m.cpu for m in runs))
        for name, runs in results.items()
    }
    cli_wall, cli_cpu = best.get("whisper CLI", (0.0, 0.0))
    bare_cpu = best.get("bare faster-whisper", (0.0, 0.0))[1]
    print(
        f"Batch: all {len(files)} files in one process per engine (model loaded once), "
        f"{audio:.1f} s of calls"
    )
    print(
        f"{'engine':26s} {'wall s':>7s} {'CPU s':>7s} {'RTF':>5s} {'RSS MiB':>7s} {'mean err':>8s} "
        f"{'CLI/wall':>8s} {'CLI/CPU':>7s} {'vs bare CPU':>11s} {'h/core-h':>8s}"
    )
    for name, runs in results.items():
        wall, cpu = best[name]
        err = "-" if runs[0].error is None else f"{runs[0].error:.3f}"
        rss = max(m.rss_mib for m in runs)
        vs_cli_wall = f"{cli_wall / wall:.2f}x" if cli_wall else "-"
        vs_cli_cpu = f"{cli_cpu / cpu:.2f}x" if cli_cpu else "-"
        vs_bare = f"{cpu / bare_cpu:.2f}" if bare_cpu else "-"
        print(
            f"{name:26s} {wall:7.1f} {cpu:7.1f} {wall / audio:5.2f} {rss:7.0f} {err:>8s} "
            f"{vs_cli_wall:>8s} {vs_cli_cpu:>7s} {vs_bare:>11s} {audio / cpu:8.2f}"
        )


def print_table(results, files: list[BenchFile], title: str) -> None:
    """Per file and engine (best of the rounds): wall, CPU seconds, RTF, RSS, error, ratios to
    the whisper CLI (wall and CPU), and hours of calls per core-hour (from CPU seconds)."""
    names = list(dict.fromkeys(name for name, _ in results))
    print(title)
    print(
        f"{'file':7s} {'engine':26s} {'wall s':>7s} {'CPU s':>7s} {'RTF':>5s} {'RSS MiB':>7s} "
        f"{'WER/CER':>7s} {'CLI/wall':>8s} {'CLI/CPU':>7s} {'h/core-h':>8s}"
    )
    walls: dict[str, float] = dict.fromkeys(names, 0.0)
    cpus: dict[str, float] = dict.fromkeys(names, 0.0)

    def row(label: str, name: str, wall: float, cpu: float, audio: float, rss: str, err: str):
        cli_wall, cli_cpu = walls.get("whisper CLI", 0.0), cpus.get("whisper CLI", 0.0)
        if label != "all":
            cli = results.get(("whisper CLI", label))
            cli_wall = min(m.wall for m in cli) if cli else 0.0
            cli_cpu = min(m.cpu for m in cli) if cli else 0.0
        ratio_wall = f"{cli_wall / wall:.2f}x" if cli_wall else "-"
        ratio_cpu = f"{cli_cpu / cpu:.2f}x" if cli_cpu else "-"
        print(
            f"{label:7s} {name:26s} {wall:7.1f} {cpu:7.1f} {wall / audio:5.2f} {rss:>7s} "
            f"{err:>7s} {ratio_wall:>8s} {ratio_cpu:>7s} {audio / cpu:8.2f}"
        )

    for f in files:
        for name in names:
            runs = results[(name, f.label)]
            wall, cpu = min(m.wall for m in runs), min(m.cpu for m in runs)
            walls[name] += wall
            cpus[name] += cpu
            err = "-" if runs[0].error is None else f"{runs[0].error:.3f}"
            rss = f"{max(m.rss_mib for m in runs):.0f}"
            row(f.label, name, wall, cpu, f.duration, rss, err)
    audio = sum(f.duration for f in files)
    for name in names:
        row("all", name, walls[name], cpus[name], audio, "", "")
    if "bare faster-whisper" in walls and "callsentry faster-whisper" in walls:
        bare_wall, bare_cpu = walls["bare faster-whisper"], cpus["bare faster-whisper"]
        ours_wall, ours_cpu = walls["callsentry faster-whisper"], cpus["callsentry faster-whisper"]
        print(
            f"callsentry faster-whisper / bare faster-whisper: wall {ours_wall / bare_wall:.2f}, "
            f"CPU {ours_cpu / bare_cpu:.2f}"
        )
    print(f"{audio:.1f} s of calls; h/core-h = hours of calls per core-hour of CPU time")


def _names(wanted: str) -> list[str]:
    """The non-empty names of a comma-separated list."""
    return [name.strip() for name in wanted.split(",") if name.strip()]


def _chosen_files(files: list[BenchFile], wanted: str) -> list[BenchFile]:
    """The files whose label is in the comma-separated ``wanted`` (all when it is empty)."""
    names = _names(wanted)
    unknown = set(names) - {f.label for f in files}
    if unknown:
        raise SystemExit(f"unknown file label(s): {', '.join(sorted(unknown))}")
    return [f for f in files if not names or f.label in names]


def _chosen_engines(table: dict[str, Command], wanted: str) -> dict[str, Command]:
    """The engines named in the comma-separated ``wanted`` (all when it is empty)."""
    names = _names(wanted)
    unknown = set(names) - set(table)
    if unknown:
        raise SystemExit(
            f"unknown engine(s): {', '.join(sorted(unknown))}; known: {', '.join(table)}"
        )
    return {name: cmd for name, cmd in table.items() if not names or name in names}


def _cuda_seen() -> bool:
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count() > 0
    except ImportError:
        return False


def main() -> int:
    """Run the benchmark and print the tables."""
    if len(sys.argv) > 1 and sys.argv[1] == "--bare":
        return bare_faster_whisper(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="base", help="base, tiny.en or a CTranslate2 folder")
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--no-batch", action="store_true", help="skip the one-process-per-engine batch table"
    )
    parser.add_argument("--gpu-model", type=Path, default=None, help="CTranslate2 folder (GPU)")
    parser.add_argument("--engines", default="", help="comma-separated engine names; '' = all")
    parser.add_argument("--files", default="", help="comma-separated file labels; '' = all")
    args = parser.parse_args()

    import imageio_ffmpeg

    threads = int(os.environ.get("CALLSENTRY_THREADS") or 0) or os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        files = _chosen_files(prepare_files(work), args.files)
        ffmpeg_dir = work / "bin"
        ffmpeg_dir.mkdir()
        (ffmpeg_dir / "ffmpeg").symlink_to(imageio_ffmpeg.get_ffmpeg_exe())
        env = {**os.environ, "PATH": f"{ffmpeg_dir}:{os.environ.get('PATH', '')}"}
        env.update({"CALLSENTRY_THREADS": str(threads), "CALLSENTRY_DEVICE": "cpu"})
        table = _chosen_engines(
            engines(args.model, args.beam_size, threads, work / "cpu", "cpu"), args.engines
        )
        results = measure(table, files, env, args.rounds)
        print_table(
            results,
            files,
            f"CPU: model {args.model}, beam {args.beam_size}, {threads} threads, "
            f"best of {args.rounds} round(s), one fresh process per engine and file",
        )
        if not args.no_batch:
            print_batch_table(measure_batch(table, files, env, args.rounds), files)
        if not _cuda_seen():
            print("GPU: no CUDA device seen here; GPU figures unmeasured")
            return 0
        env["CALLSENTRY_DEVICE"] = "cuda"
        model = str(args.gpu_model) if args.gpu_model else args.model
        gpu_table = _chosen_engines(
            engines(model, args.beam_size, threads, work / "gpu", "cuda"), args.engines
        )
        gpu = measure(gpu_table, files, env, args.rounds)
        print_table(gpu, files, f"GPU: model {model}, beam {args.beam_size}")
        for name in gpu_table:
            wall = sum(min(m.wall for m in gpu[(name, f.label)]) for f in files)
            print(f"  {name:28s} {len(files) / wall * 3600:8.0f} calls per hour")
    return 0


if __name__ == "__main__":
    sys.exit(main())
