"""ASR accuracy on the committed samples: WER (English) / CER (Mandarin) per call and speaker.

Transcribes every sample the manifest expects to be transcribed, in memory, and compares each
speaker's text with the words that were synthesised (``manifest.json`` turns). Raw text is
never written anywhere; only the rates are printed.

    .venv/bin/python eval/eval_asr.py [--model base] [--beam-size 5] [--asr-backend NAME]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAMPLES = ROOT / "audio_samples"


def main() -> int:
    """Print the per-call table and the per-language means."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="base")
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--asr-backend", default="openai-whisper")
    args = parser.parse_args()

    from pipeline.asr.backends import load_backend
    from pipeline.asr.error_rate import error_rate
    from pipeline.asr.transcribe import transcribe_call
    from pipeline.asr.vad import load_detector
    from pipeline.audio import DecodedCall, ingest
    from pipeline.config import Settings

    settings = Settings(model=args.model, asr_backend=args.asr_backend)
    backend = load_backend(settings)
    vad = load_detector(settings.vad)
    manifest = json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))
    rows: list[tuple[str, str, str, float, float]] = []
    for entry in manifest["files"]:
        if entry["expect"] != "transcribe":
            continue
        language = entry["language"]
        if args.model.endswith(".en") and language != "en":
            continue
        call = ingest(SAMPLES / entry["file"], settings)
        assert isinstance(call, DecodedCall), call
        started = time.perf_counter()
        transcript = transcribe_call(
            call, backend, language="auto", beam_size=args.beam_size, vad=vad
        )
        rtf = (time.perf_counter() - started) / call.recording.duration
        speakers = sorted({t["speaker"] for t in entry["turns"]})
        for speaker in speakers:
            reference = " ".join(t["text"] for t in entry["turns"] if t["speaker"] == speaker)
            hypothesis = " ".join(s.text for s in transcript.segments if s.speaker == speaker)
            rate = error_rate(reference, hypothesis, language)
            rows.append((entry["file"], language, speaker, rate, rtf))
            print(f"  {entry['file']} {speaker}: {rate:.3f} (RTF {rtf:.2f})", flush=True)
        del transcript

    print(f"{backend.name}, model {args.model}, beam {args.beam_size}")
    print("WER for en, CER for zh (lower is better)")
    print(f"{'file':36} {'lang':4} {'speaker':9} {'error':>6} {'RTF':>5}")
    for file, language, speaker, rate, rtf in rows:
        print(f"{file:36} {language:4} {speaker:9} {rate:6.3f} {rtf:5.2f}")
    for language, metric in (("en", "WER"), ("zh", "CER")):
        rates = [r[3] for r in rows if r[1] == language]
        if rates:
            print(f"mean {metric} ({language}, {len(rates)} speaker tracks): "
                  f"{sum(rates) / len(rates):.3f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
