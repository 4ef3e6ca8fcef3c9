"""Benchmark: our transcription vs. the plain openai-whisper command line, same files and model.

Both run as fresh processes over the same files with the same weights (the converted offline
checkpoint) and beam size, so each figure includes start-up and model loading:

* ours:  ``callsentry transcribe FILES --unmasked --model M`` (VAD gate, per-channel decoding,
         word timestamps, guards);
* plain: ``whisper FILES --model <checkpoint.pt>`` (mono downmix, no word timestamps), with an
         ``ffmpeg`` from the ``imageio-ffmpeg`` wheel put on PATH.

Prints RTF (wall seconds / audio seconds) of each, their ratio (ours / plain; below 1 means
ours is faster), and peak RSS of each process; then model load time in this process.

    .venv/bin/python bench/bench_transcribe.py [--model base] [--beam-size 5] [FILE...]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# English only: on the synthetic Mandarin voice the plain CLI loops for 10+ minutes per file.
DEFAULT_FILES = ("en_card_lost_compliant.flac", "en_wealth_guaranteed.ogg")


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Run ``cmd``; returns (wall seconds, peak RSS in MiB, exit code)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        print(f"command failed ({code}): {' '.join(cmd)}\n{stderr[-2000:]}", file=sys.stderr)
    return wall, usage.ru_maxrss / 1024, code


def main() -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--model", default="base", choices=("base", "tiny.en"))
    parser.add_argument("--beam-size", type=int, default=5)
    args = parser.parse_args()
    files = args.files or [ROOT / "audio_samples" / name for name in DEFAULT_FILES]

    import imageio_ffmpeg

    from pipeline.asr.loader import load_model
    from pipeline.asr.weights import ensure_offline_checkpoint
    from pipeline.audio import DecodedCall, ingest
    from pipeline.config import Settings

    settings = Settings()
    threads = settings.threads or os.cpu_count() or 1
    checkpoint = ensure_offline_checkpoint(args.model, settings.model_dir)
    audio_s = 0.0
    for path in files:
        call = ingest(path, settings)
        if not isinstance(call, DecodedCall):
            print(f"skipping {path}: {call.reason}", file=sys.stderr)
            continue
        audio_s += call.recording.duration

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        ffmpeg_dir = tmp_path / "bin"
        ffmpeg_dir.mkdir()
        (ffmpeg_dir / "ffmpeg").symlink_to(imageio_ffmpeg.get_ffmpeg_exe())
        env = {**os.environ, "PATH": f"{ffmpeg_dir}:{os.environ.get('PATH', '')}"}
        env["CALLSENTRY_THREADS"] = str(threads)
        ours = [str(BIN / "callsentry"), "transcribe", *map(str, files)]
        ours += ["--out", str(tmp_path / "ours"), "--unmasked", "--model", args.model]
        ours += ["--beam-size", str(args.beam_size)]
        plain = [str(BIN / "whisper"), *map(str, files), "--model", str(checkpoint)]
        plain += ["--device", "cpu", "--fp16", "False", "--beam_size", str(args.beam_size)]
        plain += ["--threads", str(threads), "--output_dir", str(tmp_path / "plain")]
        plain += ["--output_format", "json", "--verbose", "False"]
        plain_wall, plain_rss, _ = run_measured(plain, env)
        ours_wall, ours_rss, _ = run_measured(ours, env)

    started = time.perf_counter()
    load_model(args.model, settings)
    load_s = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"model {args.model}, beam {args.beam_size}, {threads} threads, {len(files)} files, "
        f"{audio_s:.1f} s of audio"
    )
    print(f"{'engine':24s} {'wall s':>8s} {'RTF':>6s} {'peak RSS MiB':>13s}")
    for name, wall, rss in (
        ("plain whisper CLI", plain_wall, plain_rss),
        ("callsentry transcribe", ours_wall, ours_rss),
    ):
        print(f"{name:24s} {wall:8.1f} {wall / audio_s:6.2f} {rss:13.0f}")
    print(f"RTF ratio ours / plain: {ours_wall / plain_wall:.2f} (below 1 = ours faster)")
    print(
        f"model load (cached checkpoint, in process): {load_s:.2f} s; peak RSS {peak_mib:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
