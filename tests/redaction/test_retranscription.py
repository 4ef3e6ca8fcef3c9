"""The redacted copies of a real English and a real Mandarin sample, transcribed again by
Whisper base: no digits of any spoken card, code, password or phone come back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.eval_redaction import check_values
from pipeline.analysis import CallAnalyzer
from pipeline.asr.backends import load_backend
from pipeline.asr.transcribe import transcribe_call
from pipeline.asr.vad import load_detector
from pipeline.audio import DecodedCall, decode_samples, ingest
from pipeline.config import AsrBackendName, Settings
from pipeline.redaction.stage import redact_call
from tests.conftest import SAMPLES_DIR

pytestmark = pytest.mark.slow

SAMPLES = ["en_mulaw_8k_readout.wav", "zh_limit_auth_request.flac"]  # short; card, code, password


def test_redacted_copies_give_back_no_pii_digits(tmp_path: Path) -> None:
    settings = Settings(
        model="base", asr_backend=AsrBackendName.FASTER_WHISPER, out_dir=tmp_path / "out"
    )
    backend, vad = load_backend(settings), load_detector(settings.vad)
    analyzer = CallAnalyzer.from_settings(settings)
    manifest = {
        e["file"]: e
        for e in json.loads((SAMPLES_DIR / "manifest.json").read_text(encoding="utf-8"))["files"]
    }

    def transcribe(call: DecodedCall):
        return transcribe_call(call, backend, beam_size=settings.beam_size, vad=vad)

    for name in SAMPLES:
        decoded = ingest(SAMPLES_DIR / name, settings)
        assert isinstance(decoded, DecodedCall)
        transcript = transcribe(decoded)
        copy = redact_call(transcript, analyzer.analyze(transcript), decoded.recording, settings)
        assert (
            decode_samples(copy.path, 3600).shape
            == decode_samples(decoded.recording.path, 3600).shape
        )
        assert 0.0 < copy.removed_share < 0.6, name
        again = ingest(copy.path, settings)
        assert isinstance(again, DecodedCall)
        checks = check_values(manifest[name], (s.text for s in transcribe(again).segments))
        assert checks, name
        leaked = [(c.entity_type, c.recovered_run, c.digits) for c in checks if c.leaked]
        assert not leaked, f"{name}: digits read back from the redacted copy: {leaked}"
