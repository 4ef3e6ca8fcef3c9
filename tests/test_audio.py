"""Tests for pipeline/audio.py (ingest, discovery, sidecars, redaction) and audio_samples/."""

from __future__ import annotations

import hashlib
import json
import wave
from functools import cache
from pathlib import Path

import numpy as np
import pytest

import pipeline.audio as audio
from pipeline.audio import (
    SAMPLE_RATE,
    DecodedCall,
    discover,
    file_sha256,
    ingest,
    read_sidecar,
    redact_spans,
)
from pipeline.compliance.loader import load_rulebook
from pipeline.config import DEFAULT_RULES_DIR, Settings
from pipeline.models import Quarantined
from pipeline.pii.checksums import is_card_number, is_resident_id

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "audio_samples"
MANIFEST = json.loads((SAMPLES_DIR / "manifest.json").read_text(encoding="utf-8"))
ENTRIES = {entry["file"]: entry for entry in MANIFEST["files"]}
DECODABLE = [name for name, e in ENTRIES.items() if e["expect"] in ("transcribe", "empty")]
STEREO_CALLS = [n for n in DECODABLE if ENTRIES[n]["channels"] == 2 and ENTRIES[n]["turns"]]
RULE_IDS = {rule.id for rule in load_rulebook(DEFAULT_RULES_DIR).rules}  # the bundled packs'
ENCODER_CODEC = {"libmp3lame": "mp3", "libopus": "opus"}  # manifest encoder -> decoder name
SETTINGS = Settings()


@cache
def decoded(name: str) -> DecodedCall | Quarantined:
    """Ingest a committed sample once per test session."""
    return ingest(SAMPLES_DIR / name, SETTINGS)


def write_wav(path: Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    """Write int16 PCM; ``samples`` is float (channels, n) in -1..1."""
    samples = np.atleast_2d(samples)
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").T.tobytes()
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(samples.shape[0])
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(pcm)
    return path


def tone(freq_hz: float, seconds: float, rate: int = SAMPLE_RATE, level: float = 0.5):
    """A sine tone as float32."""
    t = np.arange(int(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0


# --------------------------------------------------------------------------- committed samples


def test_samples_folder_is_small_and_listed_in_manifest():
    files = {p.name for p in SAMPLES_DIR.iterdir() if p.is_file()}
    assert sum((SAMPLES_DIR / f).stat().st_size for f in files) < 10 * 1024 * 1024
    audio_files = {p.name for p in discover([SAMPLES_DIR])}
    assert audio_files == set(ENTRIES)
    kinds = [e["expect"] for e in ENTRIES.values()]
    assert kinds.count("empty") >= 1 and kinds.count("quarantine") >= 1
    assert sum(1 for e in ENTRIES.values() if e["language"] == "en" and e["channels"] == 2) >= 3
    assert sum(1 for e in ENTRIES.values() if e["language"] == "zh" and e["channels"] == 2) >= 2


@pytest.mark.parametrize("name", [n for n, e in ENTRIES.items() if e["turns"]])
def test_manifest_ground_truth_is_consistent(name):
    entry = ENTRIES[name]
    assert set(entry["violations"]) <= RULE_IDS
    starts = [t["start"] for t in entry["turns"]]
    assert starts == sorted(starts)
    for turn in entry["turns"]:
        assert turn["speaker"] in ("agent", "customer")
        assert 0 <= turn["start"] < turn["end"] <= entry["duration"]
        assert turn["text"].strip()
    for pii in entry["pii"]:
        if pii["entity_type"] == "BANK_CARD":
            assert is_card_number(pii["value"]), pii
        if pii["entity_type"] == "ID_CARD":
            assert is_resident_id(pii["value"]), pii


@pytest.mark.parametrize("name", DECODABLE)
def test_sample_decodes_like_its_manifest(name):
    entry = ENTRIES[name]
    result = decoded(name)
    assert isinstance(result, DecodedCall), getattr(result, "reason", "")
    rec = result.recording
    assert rec.channels == entry["channels"]
    assert len(result.channels) == entry["channels"]
    expected_speakers = ["agent", "customer"] if entry["channels"] == 2 else ["unknown"]
    assert [c.speaker for c in result.channels] == expected_speakers
    assert rec.duration == pytest.approx(entry["duration"], abs=0.05)
    assert rec.codec == ENCODER_CODEC.get(entry["format"], entry["format"])
    source_rate = 48_000 if rec.codec == "opus" else entry["sample_rate"]  # Opus decodes at 48k
    assert rec.sample_rate == source_rate
    assert rec.recording_id == file_sha256(SAMPLES_DIR / name)
    assert rec.size_bytes == (SAMPLES_DIR / name).stat().st_size
    for channel in result.channels:
        assert channel.samples.dtype == np.float32
        assert channel.samples.ndim == 1
        assert len(channel.samples) == pytest.approx(rec.duration * SAMPLE_RATE, abs=1)
        assert np.abs(channel.samples).max() <= 1.0
    if entry["expect"] == "transcribe":
        assert max(np.abs(c.samples).max() for c in result.channels) > 0.3
    else:  # silence / noise only
        assert max(np.abs(c.samples).max() for c in result.channels) < 0.05


@pytest.mark.parametrize("name", [n for n, e in ENTRIES.items() if e["sidecar"]])
def test_sample_sidecar_fills_recording(name):
    sidecar = json.loads((SAMPLES_DIR / ENTRIES[name]["sidecar"]).read_text(encoding="utf-8"))
    rec = decoded(name).recording
    assert (rec.agent_id, rec.call_time, rec.direction) == (
        sidecar["agent_id"],
        sidecar["call_time"],
        sidecar["direction"],
    )


@pytest.mark.parametrize("name", STEREO_CALLS)
def test_each_turn_is_on_its_speakers_channel(name):
    result = decoded(name)
    by_speaker = {c.speaker: c.samples for c in result.channels}
    turns = ENTRIES[name]["turns"]
    for turn in turns:
        other = "customer" if turn["speaker"] == "agent" else "agent"
        # the part of the turn where the other speaker is quiet (a sample may have an overlap)
        start = max(
            [turn["start"]]
            + [
                t["end"]
                for t in turns
                if t["speaker"] == other and t["start"] < turn["start"] < t["end"]
            ]
        )
        end = min(
            [turn["end"]]
            + [
                t["start"]
                for t in turns
                if t["speaker"] == other and turn["start"] < t["start"] < turn["end"]
            ]
        )
        lo, hi = int(start * SAMPLE_RATE), int(end * SAMPLE_RATE)
        assert hi - lo > 0.5 * SAMPLE_RATE, turn["text"]
        assert rms(by_speaker[turn["speaker"]][lo:hi]) > 0.03, turn["text"]
        assert rms(by_speaker[other][lo:hi]) < 0.01, turn["text"]


def test_agent_channel_setting_swaps_speakers():
    name = STEREO_CALLS[0]
    normal = decoded(name)
    swapped = ingest(SAMPLES_DIR / name, Settings(agent_channel=1))
    assert np.array_equal(swapped.channel("agent").samples, normal.channel("customer").samples)
    assert np.array_equal(swapped.channel("customer").samples, normal.channel("agent").samples)


@pytest.mark.parametrize("name", [n for n, e in ENTRIES.items() if e["expect"] == "quarantine"])
def test_committed_corrupt_samples_are_quarantined(name):
    result = decoded(name)
    assert isinstance(result, Quarantined)
    assert ENTRIES[name]["reason"] in result.reason
    assert str(SAMPLES_DIR / name) in result.reason
    assert result.recording_id == file_sha256(SAMPLES_DIR / name)
    assert result.stage == "ingest"


# --------------------------------------------------------------------------- G.711 and resampling


@pytest.mark.parametrize("codec", ["pcm_mulaw", "pcm_alaw"])
@pytest.mark.parametrize("rate", [8_000, 16_000])
def test_g711_decodes_to_16k_with_pitch_kept(tmp_path, codec, rate):
    import av

    path = tmp_path / f"tone_{codec}_{rate}.wav"
    signal = tone(440.0, 1.0, rate)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(
            (signal * 32767).astype(np.int16)[None, :], format="s16", layout="mono"
        )
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    result = ingest(path, SETTINGS)
    assert isinstance(result, DecodedCall), getattr(result, "reason", "")
    assert (result.recording.codec, result.recording.sample_rate) == (codec, rate)
    samples = result.channels[0].samples
    assert len(samples) == pytest.approx(SAMPLE_RATE, abs=32)
    spectrum = np.abs(np.fft.rfft(samples))
    peak_hz = np.argmax(spectrum) * SAMPLE_RATE / len(samples)
    assert peak_hz == pytest.approx(440.0, abs=3)
    assert rms(samples) == pytest.approx(0.5 / np.sqrt(2), rel=0.05)


# --------------------------------------------------------------------------- bad input


def _missing(tmp: Path) -> Path:
    return tmp / "missing.wav"


def _directory(tmp: Path) -> Path:
    (tmp / "folder.wav").mkdir()
    return tmp / "folder.wav"


def _empty(tmp: Path) -> Path:
    (tmp / "empty.mp3").write_bytes(b"")
    return tmp / "empty.mp3"


def _text(tmp: Path) -> Path:
    (tmp / "notes.wav").write_text("agent said hello\ncustomer said hi\n")
    return tmp / "notes.wav"


def _random_bytes(tmp: Path) -> Path:
    data = np.random.default_rng(7).integers(0, 256, 8192, dtype=np.uint8).tobytes()
    (tmp / "noise.ogg").write_bytes(data)
    return tmp / "noise.ogg"


def _truncated_wav(tmp: Path) -> Path:
    full = write_wav(tmp / "full.wav", np.stack([tone(300, 2.0), tone(500, 2.0)]))
    data = full.read_bytes()
    (tmp / "cut.wav").write_bytes(data[: len(data) // 2])
    return tmp / "cut.wav"


def _garbled_flac(tmp: Path) -> Path:
    data = bytearray((SAMPLES_DIR / "en_card_lost_compliant.flac").read_bytes())
    middle = len(data) // 2
    data[middle : middle + 50_000] = (
        np.random.default_rng(3).integers(0, 256, 50_000, dtype=np.uint8).tobytes()
    )
    (tmp / "garbled.flac").write_bytes(bytes(data))
    return tmp / "garbled.flac"


def _three_channels(tmp: Path) -> Path:
    return write_wav(tmp / "three.wav", np.stack([tone(300, 0.5)] * 3))


def _zero_frames(tmp: Path) -> Path:
    return write_wav(tmp / "zero.wav", np.zeros((1, 0), dtype=np.float32))


BAD_INPUTS = [
    (_missing, "file not found"),
    (_directory, "not a regular file"),
    (_empty, "empty file"),
    (_text, "not audio"),
    (_random_bytes, "not audio"),
    (_truncated_wav, "truncated"),
    (_garbled_flac, "corrupt or truncated"),
    (_three_channels, "3 channels"),
    (_zero_frames, "zero duration"),
]


@pytest.mark.parametrize(("make", "reason"), BAD_INPUTS, ids=[m.__name__ for m, _ in BAD_INPUTS])
def test_bad_input_is_quarantined_with_reason(tmp_path, make, reason):
    path = make(tmp_path)
    result = ingest(path, SETTINGS)
    assert isinstance(result, Quarantined)
    assert reason in result.reason
    assert str(path) in result.reason
    assert result.path == path
    assert result.stage == "ingest"
    expected_id = file_sha256(path) if path.is_file() else None
    assert result.recording_id == expected_id


def test_over_length_is_quarantined_from_header(tmp_path):
    path = write_wav(tmp_path / "long.wav", tone(200, 3.0)[None, :])
    result = ingest(path, Settings(max_duration_s=2.0))
    assert isinstance(result, Quarantined)
    assert "too long: 3.0 s exceeds the limit of 2.0 s" in result.reason
    assert isinstance(ingest(path, Settings(max_duration_s=3.5)), DecodedCall)


def test_over_length_is_caught_while_decoding_without_header_duration(tmp_path, monkeypatch):
    path = write_wav(tmp_path / "long.wav", tone(200, 3.0)[None, :])
    monkeypatch.setattr(audio, "_declared_duration", lambda container, stream: None)
    result = ingest(path, Settings(max_duration_s=1.0))
    assert isinstance(result, Quarantined)
    assert "too long" in result.reason


def test_bad_file_does_not_stop_the_batch(tmp_path):
    write_wav(tmp_path / "a_good.wav", np.stack([tone(300, 1.0), tone(600, 1.0)]))
    (tmp_path / "b_bad.wav").write_bytes(b"RIFF garbage")
    write_wav(tmp_path / "c_good.wav", tone(300, 0.5)[None, :])
    results = [ingest(path, SETTINGS) for path in discover([tmp_path])]
    assert [type(r).__name__ for r in results] == ["DecodedCall", "Quarantined", "DecodedCall"]


def test_unexpected_decoder_error_is_quarantined(tmp_path, monkeypatch):
    path = write_wav(tmp_path / "ok.wav", tone(300, 0.5)[None, :])

    def boom(path, max_duration_s):
        raise RuntimeError("decoder exploded")

    monkeypatch.setattr(audio, "_decode", boom)
    result = ingest(path, SETTINGS)
    assert isinstance(result, Quarantined)
    assert "decoder exploded" in result.reason


# --------------------------------------------------------------------------- ids, sidecars


def test_sha256_is_stable_and_content_based(tmp_path):
    a = write_wav(tmp_path / "a.wav", tone(300, 0.5)[None, :])
    b = tmp_path / "b.wav"
    b.write_bytes(a.read_bytes())
    c = write_wav(tmp_path / "c.wav", tone(301, 0.5)[None, :])
    assert file_sha256(a) == file_sha256(a) == hashlib.sha256(a.read_bytes()).hexdigest()
    assert file_sha256(a) == file_sha256(b) != file_sha256(c)
    assert ingest(a, SETTINGS).recording.recording_id == ingest(b, SETTINGS).recording.recording_id


def test_discover_finds_audio_only_sorted_and_recursive(tmp_path):
    names = ["b.wav", "a.MP3", "sub/c.flac", "sub/deep/d.ogg", "e.m4a", "f.opus"]
    ignored = ["manifest.json", "b.json", "a.MP3.json", "notes.txt", ".hidden/x.wav", ".y.wav"]
    for name in names + ignored:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    found = discover([tmp_path])
    assert found == sorted((tmp_path / n for n in names), key=str)
    explicit = discover([tmp_path / "b.wav", tmp_path / "notes.txt", tmp_path / "b.json", tmp_path])
    assert tmp_path / "notes.txt" in explicit  # named explicitly: kept, then quarantined
    assert tmp_path / "b.json" not in explicit
    assert len(explicit) == len(set(explicit)) == len(names) + 1


@pytest.mark.parametrize("style", ["call.json", "call.flac.json"])
def test_read_sidecar_both_names(tmp_path, style):
    audio_path = tmp_path / "call.flac"
    (tmp_path / style).write_text(json.dumps({"agent_id": "7", "queue": "cards"}))
    assert read_sidecar(audio_path) == {"agent_id": "7", "queue": "cards"}


def test_sidecar_full_name_wins_and_missing_is_empty(tmp_path):
    (tmp_path / "call.json").write_text(json.dumps({"agent_id": "stem"}))
    (tmp_path / "call.flac.json").write_text(json.dumps({"agent_id": "full"}))
    assert read_sidecar(tmp_path / "call.flac") == {"agent_id": "full"}
    assert read_sidecar(tmp_path / "other.flac") == {}


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", "\xff\xfe"])
def test_bad_sidecar_raises_but_ingest_keeps_the_audio(tmp_path, content):
    path = write_wav(tmp_path / "call.wav", tone(300, 0.5)[None, :])
    (tmp_path / "call.json").write_bytes(content.encode("latin-1"))
    with pytest.raises(ValueError, match=r"call\.json"):
        read_sidecar(path)
    result = ingest(path, SETTINGS)
    assert isinstance(result, DecodedCall)
    assert result.recording.agent_id is None
    assert "call.json" in result.recording.extra["sidecar_error"]


def test_sidecar_fields_and_extra(tmp_path):
    path = write_wav(tmp_path / "call.wav", tone(300, 0.5)[None, :])
    meta = {"agent_id": 1234, "call_time": "2024-03-15T09:00:00+08:00", "queue": "vip"}
    (tmp_path / "call.json").write_text(json.dumps(meta))
    rec = ingest(path, SETTINGS).recording
    assert (rec.agent_id, rec.call_time, rec.direction) == ("1234", meta["call_time"], None)
    assert rec.extra == {"queue": "vip"} and rec.warnings == ()


@pytest.mark.parametrize(
    ("meta", "field", "kept"),
    [
        ({"agent_id": "A" * 1_000_000}, "agent_id", {}),
        ({"agent_id": ["x"]}, "agent_id", {}),
        ({"agent_id": True}, "agent_id", {}),
        ({"agent_id": "A01\nA02"}, "agent_id", {}),
        ({"direction": "inbound\n"}, None, {"direction": "inbound"}),  # trimmed: fine
        ({"direction": "in\nbound"}, "direction", {}),
        ({"direction": "sideways"}, "direction", {}),
        ({"direction": "OUTBOUND"}, None, {"direction": "outbound"}),
        ({"call_time": "yesterday"}, "call_time", {}),
        ({"call_time": 1714555800}, "call_time", {}),
        ({"queue": {"nested": [1, 2]}}, "'queue'", {}),
        ({"queue": "q" * 5000}, "'queue'", {}),
    ],
)
def test_sidecar_values_are_validated_per_field(tmp_path, meta, field, kept):
    path = write_wav(tmp_path / "call.wav", tone(300, 0.5)[None, :])
    (tmp_path / "call.json").write_text(json.dumps({**meta, "agent_id_ok": 1}))
    result = ingest(path, SETTINGS)
    assert isinstance(result, DecodedCall)  # the audio is kept
    rec = result.recording
    for key, value in kept.items():
        assert getattr(rec, key) == value
    if field is None:
        assert rec.warnings == ()
    else:
        assert len(rec.warnings) == 1
        assert "call.json" in rec.warnings[0] and field in rec.warnings[0]
        assert len(rec.warnings[0]) < 300  # a megabyte value is never echoed whole
        for key in ("agent_id", "direction", "call_time"):
            if key in meta and key not in kept:
                assert getattr(rec, key) is None
    assert rec.extra.get("agent_id_ok") == 1


def test_a_broken_symlink_is_quarantined_not_skipped(tmp_path):
    write_wav(tmp_path / "good.wav", tone(300, 0.5)[None, :])
    (tmp_path / "gone.wav").symlink_to(tmp_path / "deleted.wav")
    found = discover([tmp_path])
    assert [p.name for p in found] == ["gone.wav", "good.wav"]
    result = ingest(tmp_path / "gone.wav", SETTINGS)
    assert isinstance(result, Quarantined)
    assert "gone.wav" in result.reason and "broken symbolic link" in result.reason


# --------------------------------------------------------------------------- redaction


def test_redact_beep_replaces_only_the_span():
    signal = tone(300, 2.0)
    out = redact_spans(signal, [(0.5, 1.0)], mode="beep")
    lo, hi = int(0.5 * SAMPLE_RATE), int(1.0 * SAMPLE_RATE)
    assert np.array_equal(out[:lo], signal[:lo]) and np.array_equal(out[hi:], signal[hi:])
    beep = out[lo:hi]
    assert rms(beep) == pytest.approx(audio.BEEP_AMPLITUDE / np.sqrt(2), rel=0.02)
    peak_hz = np.argmax(np.abs(np.fft.rfft(beep))) * SAMPLE_RATE / len(beep)
    assert peak_hz == pytest.approx(audio.BEEP_FREQUENCY_HZ, abs=3)
    assert not np.allclose(signal[lo:hi], beep)
    assert rms(redact_spans(signal, [])) == rms(signal)


def test_redact_silence_clips_overlaps_and_ignores_bad_spans():
    signal = np.stack([tone(300, 1.0), tone(500, 1.0)])
    original = signal.copy()
    spans = [(-1.0, 0.1), (0.05, 0.2), (0.9, 5.0), (0.6, 0.4)]
    out = redact_spans(signal, spans, mode="silence")
    assert np.array_equal(signal, original)  # input untouched
    assert out.shape == signal.shape and out.dtype == np.float32
    cut = int(0.2 * SAMPLE_RATE)
    assert not out[:, :cut].any()
    assert not out[:, int(0.9 * SAMPLE_RATE) :].any()
    assert np.array_equal(
        out[:, cut : int(0.9 * SAMPLE_RATE)], signal[:, cut : int(0.9 * SAMPLE_RATE)]
    )


def test_redact_rejects_unknown_mode():
    with pytest.raises(ValueError, match="unknown redaction mode"):
        redact_spans(np.zeros(10, np.float32), [(0, 1)], mode="bleep")
