"""``callsentry transcribe AUDIO... --out DIR``: transcripts only, one JSON file per call.

Each input (file or folder) is ingested, transcribed with one ASR backend loaded once
(``--asr-backend`` or ``CALLSENTRY_ASR_BACKEND``), masked, and
written as ``DIR/<file stem>.json`` (the transcript JSON of DESIGN.md). A bad file is
quarantined with a message naming it and the reason, and the others go on.

Transcripts are masked by the PII stage and masking policy (:func:`mask_for_output`) before
they are written. ``--unmasked`` writes raw text instead, for ASR evaluation on test audio, and
warns on stderr.

Exit status: 0 when every input was transcribed; 1 when any input was quarantined or failed
(the others are still written); 2 when nothing could start (the model cannot be loaded, bad
arguments).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.config import AsrBackendName
from pipeline.models import Transcript

if TYPE_CHECKING:
    from pipeline.asr.backends.base import AsrBackend

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
UNMASKED_WARNING = (
    "WARNING: --unmasked given: transcripts in {out} hold RAW, UNMASKED text (names, card "
    "numbers, ...). Use it only on test audio; protect or delete them."
)


def mask_for_output(transcript: Transcript) -> Transcript:
    """The transcript with PII masked by the configured policy, ready to be written."""
    from pipeline.config import get_settings
    from pipeline.pii.stage import build_pii_stage

    return build_pii_stage(get_settings()).analyze(transcript)[1]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``transcribe`` subcommand."""
    parser = subparsers.add_parser(
        "transcribe",
        help="transcribe recordings to transcript JSON (offline Whisper)",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("audio", nargs="+", type=Path, help="audio files or folders")
    parser.add_argument("--out", type=Path, required=True, help="folder for <stem>.json files")
    parser.add_argument(
        "--model",
        default=None,
        help="base (default), tiny.en, an official name, a .pt file or a CTranslate2 folder",
    )
    parser.add_argument(
        "--asr-backend",
        choices=[b.value for b in AsrBackendName],
        default=None,
        help="ASR engine (default: CALLSENTRY_ASR_BACKEND, else openai-whisper)",
    )
    parser.add_argument("--language", choices=("auto", "zh", "en"), default=None)
    parser.add_argument("--beam-size", type=int, default=None, help="1 = greedy (faster)")
    parser.add_argument(
        "--unmasked",
        action="store_true",
        help="write raw, unmasked transcripts (ASR evaluation on test audio only)",
    )
    parser.set_defaults(func=run_transcribe)


def _write_json_atomic(path: Path, data: dict) -> None:
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1)
            handle.write("\n")
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def output_path(
    out_dir: Path, source: Path, recording_id: str, taken: set[Path], protected: set[Path]
) -> Path:
    """Where the transcript of ``source`` goes: ``<stem>.json``, or ``<stem>-<hash>.json`` when
    another input has the same stem, or ``<stem>.transcript.json`` when ``<stem>.json`` is one of
    the ``protected`` files (an input's sidecar: ``--out`` pointed at the input folder must
    never overwrite call metadata)."""
    suffix = ".json"
    if (out_dir / f"{source.stem}.json").resolve() in protected:
        suffix = ".transcript.json"
    path = out_dir / f"{source.stem}{suffix}"
    if path in taken:  # two inputs with one stem (different folders)
        path = out_dir / f"{source.stem}-{recording_id[:8]}{suffix}"
    taken.add(path)
    return path


def run_transcribe(args: argparse.Namespace) -> int:
    """Transcribe every input; see the module docstring for files and exit status.

    The model loads in a background thread while the first input is read and gated (most of a
    load is native code reading and converting weights, which leaves the other core to the
    VAD), so a one-file run does not wait for the load first; a model that cannot load still
    stops the run with EXIT_USAGE before any transcript is written.
    """
    from pipeline.asr.backends import ModelUnavailableError, load_backend
    from pipeline.asr.transcribe import call_speech, transcribe_gated
    from pipeline.asr.vad import load_detector
    from pipeline.audio import DecodedCall, discover, ingest, sidecar_path
    from pipeline.config import get_settings

    settings = get_settings()
    if args.asr_backend:
        settings = settings.model_copy(update={"asr_backend": AsrBackendName(args.asr_backend)})
    language = args.language or settings.language
    beam_size = args.beam_size or settings.beam_size
    load_errors = (ModelUnavailableError, ValueError, OSError)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="model-load") as loader:
        loading = loader.submit(load_backend, settings, args.model)
        try:
            vad = load_detector(settings.vad)
        except load_errors as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        backend: AsrBackend | None = None

        def loaded() -> AsrBackend | None:
            nonlocal backend
            if backend is None:
                try:
                    backend = loading.result()
                except load_errors as exc:
                    print(f"error: {exc}", file=sys.stderr)
            return backend

        out_dir: Path = args.out
        out_dir.mkdir(parents=True, exist_ok=True)
        if args.unmasked:
            print(UNMASKED_WARNING.format(out=out_dir), file=sys.stderr)

        failures = 0
        taken: set[Path] = set()
        inputs = discover(args.audio)
        protected = {side.resolve() for p in inputs if (side := sidecar_path(p)) is not None}
        for path in inputs:
            result = ingest(path, settings)
            if not isinstance(result, DecodedCall):
                print(f"quarantined: {result.reason}", file=sys.stderr)
                failures += 1
                continue
            started = time.perf_counter()
            try:
                speech = call_speech(result.channels, vad)
            except Exception as exc:  # one bad call must not stop the batch
                log.exception("voice gate failed for %s", path)
                print(f"failed: {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
                failures += 1
                continue
            gated = time.perf_counter()
            engine = loaded()
            if engine is None:
                return EXIT_USAGE
            started += time.perf_counter() - gated  # the wait for the model is not the call's
            try:
                transcript = transcribe_gated(
                    result,
                    speech,
                    engine,
                    language=language,
                    beam_size=beam_size,
                    call_id=result.recording.call_id,
                )
                if not args.unmasked:
                    transcript = mask_for_output(transcript)
            except Exception as exc:  # one bad call must not stop the batch
                log.exception("transcription failed for %s", path)
                print(f"failed: {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
                failures += 1
                continue
            elapsed = time.perf_counter() - started
            target = output_path(out_dir, path, result.recording.recording_id, taken, protected)
            _write_json_atomic(target, transcript.to_dict())
            suspects = sum(seg.suspect for seg in transcript.segments)
            rtf = elapsed / transcript.duration if transcript.duration else 0.0
            print(
                f"{path.name:40s} {transcript.language}  {transcript.duration:7.1f} s  "
                f"{len(transcript.segments):3d} segments  {suspects:2d} suspect  "
                f"RTF {rtf:.2f}  -> {target}"
            )
        if loaded() is None:  # no input reached the model: its failure is still the answer
            return EXIT_USAGE
    return EXIT_SOME_FAILED if failures else EXIT_OK
