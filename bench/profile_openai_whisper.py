"""Where the openai-whisper backend's time goes on one call, against the plain whisper CLI path.

CPU seconds (user + system, all threads) per stage of one process: import, model load, VAD,
language probe, each decode of a 30 s window (with its temperature, compression ratio, mean
log-probability, no-speech probability and token count) and the word-alignment passes. With
``--cli`` the file goes through ``whisper.transcribe`` as the whisper command line runs it (mono
downmix, no word timestamps, whisper's own language detection). Nothing of the text is printed
beyond the window scores.

    PYTHONPATH=. .venv/bin/python bench/profile_openai_whisper.py FILE [--cli]
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

STARTED = time.process_time()


def main() -> int:
    """Profile one file and print the stages as JSON, then one line per window decode."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--cli", action="store_true", help="the plain whisper CLI path")
    args = parser.parse_args()

    import whisper
    import whisper.decoding

    cpu: dict[str, float] = collections.defaultdict(float)
    windows: list[dict[str, float]] = []
    transcribe_module = sys.modules["whisper.transcribe"]
    decode, align = whisper.decoding.decode, transcribe_module.add_word_timestamps

    def timed_decode(model, mel, options, **kwargs):
        began = time.process_time()
        result = decode(model, mel, options, **kwargs)
        spent = time.process_time() - began
        cpu["decode"] += spent
        windows.append(
            {
                "temperature": options.temperature,
                "cpu_s": round(spent, 2),
                "compression_ratio": round(result.compression_ratio, 2),
                "avg_logprob": round(result.avg_logprob, 2),
                "no_speech_prob": round(result.no_speech_prob, 2),
                "tokens": len(result.tokens),
            }
        )
        return result

    def timed_align(*a, **k):
        began = time.process_time()
        align(*a, **k)
        cpu["word alignment"] += time.process_time() - began

    whisper.decoding.decode = timed_decode
    whisper.Whisper.decode = timed_decode
    transcribe_module.add_word_timestamps = timed_align

    from pipeline.config import get_settings

    settings = get_settings().model_copy(update={"asr_backend": "openai-whisper"})
    cpu["import"] = time.process_time() - STARTED
    began = time.process_time()
    if args.cli:
        from pipeline.asr.loader import configure_threads, load_model

        configure_threads(settings.threads)
        model = load_model(settings.model, settings)
        cpu["load"] = time.process_time() - began
        audio = whisper.load_audio(str(args.file))  # needs ffmpeg on PATH, as the CLI does
        whisper.transcribe(model, audio, beam_size=settings.beam_size, fp16=False, verbose=None)
    else:
        from pipeline.asr.backends import load_backend
        from pipeline.asr.transcribe import transcribe_call
        from pipeline.asr.vad import load_detector
        from pipeline.audio import DecodedCall, ingest

        backend = load_backend(settings)
        vad = load_detector(settings.vad)
        cpu["load"] = time.process_time() - began
        call = ingest(args.file, settings)
        assert isinstance(call, DecodedCall), call
        probe = type(backend).detect_language

        def timed_probe(self, audio):
            began = time.process_time()
            found = probe(self, audio)
            cpu["language probe"] += time.process_time() - began
            return found

        type(backend).detect_language = timed_probe  # type: ignore[method-assign]
        transcribe_call(call, backend, beam_size=settings.beam_size, vad=vad)
    cpu["total"] = time.process_time()
    print(json.dumps({k: round(v, 2) for k, v in cpu.items()}))
    for window in windows:
        print(" ", json.dumps(window))
    return 0


if __name__ == "__main__":
    sys.exit(main())
