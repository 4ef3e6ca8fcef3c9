"""Benchmark: what the pipeline costs on top of Whisper.

In one process, over the same files and with the model loaded once:

1. transcription alone: ingest + Whisper per call (the floor any batch pays);
2. the whole batch: the Prefect flow (``compliance_batch``) over the same files into a fresh
   output folder and database: PII, masking, rules, outputs, storage, anomalies and alert
   delivery (to the ``.eml`` outbox), every task reported to the Prefect server. The start of
   the temporary Prefect server (a production install has one running) is timed apart;
3. the per-call overhead of each stage after transcription (PII + masking + rules, output
   files, database), timed directly on the transcripts of step 1.

Prints the batch / transcription ratio (target <= 1.15), the per-stage milliseconds per call
and the peak RSS.

    .venv/bin/python bench/bench_pipeline.py [--model tiny.en] [--beam-size 5] [FILE...]

The default is ``tiny.en`` on the English samples: the fastest model makes the overhead's
share the largest, so the ratio is a pessimistic bound for ``base``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_FILES = (
    "en_card_lost_compliant.flac",
    "en_card_declined_pin_request.mp3",
    "en_wealth_guaranteed.ogg",
    "en_mulaw_8k_readout.wav",
)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--beam-size", type=int, default=5)
    args = parser.parse_args()
    files = args.files or [ROOT / "audio_samples" / name for name in DEFAULT_FILES]

    work = Path(tempfile.mkdtemp(prefix="callsentry-bench-"))
    os.environ.update(
        {
            "CALLSENTRY_MODEL": args.model,
            "CALLSENTRY_BEAM_SIZE": str(args.beam_size),
            "CALLSENTRY_OUT_DIR": str(work / "out"),
            "CALLSENTRY_SMTP_HOST": "",
        }
    )

    from pipeline.analysis import CallAnalyzer
    from pipeline.asr.backends import load_backend
    from pipeline.asr.transcribe import transcribe_call
    from pipeline.asr.vad import load_detector
    from pipeline.audio import DecodedCall, ingest
    from pipeline.config import Settings
    from pipeline.outputs import write_call_outputs
    from pipeline.store import Store

    settings = Settings()
    started = time.perf_counter()
    backend = load_backend(settings)
    vad = load_detector(settings.vad)
    load_s = time.perf_counter() - started
    analyzer = CallAnalyzer.from_settings(settings)
    analyzer.analyze(_warm_up_transcript())  # build the PII engine's lazy parts

    # 1. transcription alone
    transcripts, recordings, audio_s = [], [], 0.0
    started = time.perf_counter()
    for path in files:
        call = ingest(path, settings)
        if not isinstance(call, DecodedCall):
            print(f"skipped {path}: {call.reason}")
            continue
        audio_s += call.recording.duration
        recordings.append(call.recording)
        transcripts.append(
            transcribe_call(
                call,
                backend,
                language=settings.language,
                beam_size=settings.beam_size,
                call_id=call.recording.call_id,
                vad=vad,
            )
        )
    transcribe_s = time.perf_counter() - started

    # 3. per-stage overhead on those transcripts
    store = Store(f"sqlite:///{work / 'stages.db'}")
    check_ms, outputs_ms, store_ms = [], [], []
    for transcript, recording in zip(transcripts, recordings, strict=True):
        t0 = time.perf_counter()
        report = analyzer.analyze(transcript, model_name=settings.model)
        t1 = time.perf_counter()
        outputs = write_call_outputs(report, work / "stages")
        t2 = time.perf_counter()
        store.save_call(
            report,
            recording,
            model=settings.model,
            transcript_path=outputs.transcript_json,
            run_id="bench",
        )
        t3 = time.perf_counter()
        check_ms.append((t1 - t0) * 1000)
        outputs_ms.append((t2 - t1) * 1000)
        store_ms.append((t3 - t2) * 1000)
    del transcripts  # raw text: memory only, and not a moment longer

    # 2. the whole batch through Prefect (the model stays loaded in this process). The
    # temporary Prefect server starts once per process (a real deployment has a server already
    # running); its start is timed on its own with an empty flow, then the batch is timed.
    from prefect import flow

    from flows.batch import compliance_batch

    started = time.perf_counter()
    flow(name="bench-server-start")(lambda: None)()
    server_start_s = time.perf_counter() - started

    batch_dir = work / "recordings"
    batch_dir.mkdir()
    for path in files:
        (batch_dir / path.name).symlink_to(path.resolve())
    started = time.perf_counter()
    summary = compliance_batch(sources=[str(batch_dir)])
    batch_s = time.perf_counter() - started

    n = len(recordings)
    print()
    print(f"files: {n}, audio {audio_s:.1f} s, model {settings.model}, beam {settings.beam_size}")
    print(f"model load (once per process):        {load_s:7.2f} s")
    rtf = transcribe_s / audio_s
    print(f"transcription alone:                  {transcribe_s:7.2f} s  RTF {rtf:.3f}")
    print(f"temporary Prefect server start:       {server_start_s:7.2f} s  (once per process)")
    print(f"whole batch (Prefect flow):           {batch_s:7.2f} s  RTF {batch_s / audio_s:.3f}")
    print(f"batch / transcription ratio:          {batch_s / transcribe_s:7.3f}  (target <= 1.15)")
    with_start = (batch_s + server_start_s) / transcribe_s
    print(f"  including the server start:         {with_start:7.3f}")
    print("per-call overhead after transcription (median ms):")
    print(f"  PII + masking + rules + score:      {statistics.median(check_ms):7.1f}")
    print(f"  masked JSON/TXT/SRT + report files: {statistics.median(outputs_ms):7.1f}")
    print(f"  database (call, findings, audit):   {statistics.median(store_ms):7.1f}")
    print(f"peak RSS:                             {_peak_rss_mib():7.0f} MiB")
    print(f"batch outcome: {summary.counts()}")
    return 0


def _warm_up_transcript():
    from pipeline.models import Segment, Transcript

    return Transcript(
        "warm-up",
        "en",
        5.0,
        (Segment("customer", 0.0, 5.0, "my card number is 4111 1111 1111 1111, John Smith"),),
    )


if __name__ == "__main__":
    sys.exit(main())
