"""``callsentry transcribe``: masked output, unmasked opt-in, quarantine of bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.cli.transcribe import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE
from tests.asr.conftest import BACKENDS


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_masked_by_default(tmp_path: Path, samples_dir: Path, capsys, backend: str) -> None:
    # The customer reads a Luhn-valid card number and the agent repeats it in full.
    out = tmp_path / "out"
    source = samples_dir / "en_mulaw_8k_readout.wav"
    argv = ["transcribe", str(source), "--out", str(out), "--model", "tiny.en"]
    code = main([*argv, "--asr-backend", backend])
    assert code == EXIT_OK
    assert "UNMASKED" not in capsys.readouterr().err
    text = (out / "en_mulaw_8k_readout.json").read_text(encoding="utf-8")
    digits = "".join(ch for ch in text if ch.isdigit())
    assert "4916037782152042" not in digits
    assert "91603778" not in digits  # not even the middle digits PCI DSS forbids showing


@pytest.mark.slow
def test_bad_file_quarantined_others_written(tmp_path: Path, samples_dir: Path, capsys) -> None:
    out = tmp_path / "out"
    bad = samples_dir / "corrupt_garbled.m4a"
    argv = ["transcribe", str(samples_dir / "silence.wav"), str(bad), "--out", str(out)]
    code = main([*argv, "--unmasked", "--model", "tiny.en"])
    captured = capsys.readouterr()
    assert code == EXIT_SOME_FAILED
    assert "UNMASKED" in captured.err
    assert f"quarantined: {bad}" in captured.err
    written = json.loads((out / "silence.json").read_text(encoding="utf-8"))
    assert written["segments"] == [] and written["call_id"].startswith("silence-")
    assert not (out / "corrupt_garbled.json").exists()


@pytest.mark.parametrize("inputs", [["silence.wav"], ["corrupt_garbled.m4a"]])
def test_a_model_that_cannot_load_stops_the_run(
    tmp_path: Path, samples_dir: Path, capsys, inputs: list[str]
) -> None:
    # The model loads while the first input is read and gated; its failure is still exit 2,
    # with nothing written, whether or not an input got as far as the model.
    out = tmp_path / "out"
    argv = ["transcribe", *(str(samples_dir / name) for name in inputs), "--out", str(out)]
    code = main(
        [*argv, "--model", str(tmp_path / "no-such-model"), "--asr-backend", "faster-whisper"]
    )
    assert code == EXIT_USAGE
    assert f"not '{tmp_path / 'no-such-model'}'" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_output_never_overwrites_an_input_sidecar(tmp_path: Path) -> None:
    from pipeline.cli.transcribe import output_path

    sidecar = tmp_path / "call.json"
    sidecar.write_text('{"agent_id": "A01"}', encoding="utf-8")
    taken: set[Path] = set()
    protected = {sidecar.resolve()}
    target = output_path(tmp_path, tmp_path / "call.wav", "ab" * 32, taken, protected)
    assert target == tmp_path / "call.transcript.json"
    other = output_path(tmp_path / "out", tmp_path / "call.wav", "ab" * 32, set(), protected)
    assert other == tmp_path / "out" / "call.json"
    twin = output_path(tmp_path, tmp_path / "x" / "call.mp3", "cd" * 32, taken, protected)
    assert twin == tmp_path / "call-cdcdcdcd.transcript.json"
