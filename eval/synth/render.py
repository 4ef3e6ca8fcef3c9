"""Speak a script, lay it out, put it through its audio condition and write it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from eval.synth.codec import MIX_RATE_HZ, encode
from eval.synth.layout import Timeline, mix, place
from eval.synth.script import CallScript
from eval.synth.spoken import spoken_text
from eval.synth.telephone import band_limit, line_noise

TRUTH_SCHEMA = "callsentry-e2e-truth/1"
OFFICE_NOISE_DBFS = -36.0  # the 'noisy' condition: background noise of a busy office


@dataclass(frozen=True)
class Format:
    """How a call is stored."""

    codec: str  # PyAV encoder
    rate: int  # Hz of the file
    suffix: str  # file extension, dot included
    bit_rate: int | None = None  # bit/s for lossy codecs
    telephone: bool = False  # band-limit to 300-3400 Hz and add line noise first


# Corpus calls by condition: telephone calls as real G.711 WAV, the others as Ogg Opus.
OPUS = Format("libopus", 16_000, ".ogg", 32_000)
CONDITION_FORMATS = {
    "clean": OPUS,
    "hold": OPUS,
    "overlap": OPUS,
    "noisy": OPUS,
    "tel8k": Format("pcm_mulaw", 8_000, ".wav", telephone=True),
    "mono": Format("pcm_alaw", 8_000, ".wav", telephone=True),
}
ALAW_TEL8K = Format("pcm_alaw", 8_000, ".wav", telephone=True)  # every other tel8k call


def call_rng(call_id: str) -> np.random.Generator:
    """A generator seeded from the call id: the same call always gets the same noise."""
    return np.random.default_rng(int(hashlib.sha256(call_id.encode()).hexdigest()[:12], 16))


def apply_condition(channels: np.ndarray, fmt: Format, condition: str, rng: np.random.Generator):  # type: ignore[no-untyped-def]
    """The line: band-limit and hiss for telephone formats, office noise for 'noisy'."""
    out = channels.copy()
    for row in range(out.shape[0]):
        if fmt.telephone:
            out[row] = band_limit(out[row], MIX_RATE_HZ) + line_noise(
                out.shape[1], MIX_RATE_HZ, rng
            )
        if condition == "noisy":
            noise = np.cumsum(rng.standard_normal(out.shape[1])) * 0.02  # brown-ish
            noise = band_limit((noise - noise.mean()).astype(np.float32), MIX_RATE_HZ, (80, 6000))
            rms = float(np.sqrt(np.mean(noise**2))) or 1.0
            out[row] += noise * (10 ** (OFFICE_NOISE_DBFS / 20) / rms)
    return np.clip(out, -1.0, 1.0)


def speak_turns(script: CallScript, cast: dict[str, str]) -> list[np.ndarray]:
    """Every turn spoken by its speaker's voice (imports the synthesizers)."""
    from eval.synth.voices import speak

    return [speak(cast[t.speaker], t.text) for t in script.turns]


def render(
    script: CallScript, cast: dict[str, str], channels: int, fmt: Format, path: Path
) -> Timeline:
    """Speak, lay out, apply the condition and write ``path``; the timeline."""
    audio = speak_turns(script, cast)
    timeline = place(script, [len(a) for a in audio])
    mixed = apply_condition(
        mix(timeline, audio, channels), fmt, script.condition, call_rng(script.call_id)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    encode(path, mixed, fmt.codec, fmt.rate, fmt.bit_rate)
    return timeline


def truth(
    script: CallScript,
    timeline: Timeline,
    cast: dict[str, str],
    channels: int,
    fmt: Format,
    audio_name: str,
) -> dict[str, Any]:
    """The ground truth of a rendered call (``<id>.truth.json``; eval/e2e/README.md)."""
    pii = []
    for index, turn in enumerate(script.turns):
        for value in turn.pii:
            spoken = spoken_text(turn.text, value.value)
            if not spoken:
                raise ValueError(
                    f"{script.source}: turn {index} does not say its {value.entity_type} value"
                )
            pii.append(
                {
                    "type": value.entity_type,
                    "value": value.value,
                    "speaker": turn.speaker,
                    "turn": index,
                    "spoken": spoken,
                }
            )
    return {
        "schema": TRUTH_SCHEMA,
        "id": script.call_id,
        "language": script.language,
        "condition": script.condition,
        "violations": list(script.violations),
        "notes": script.notes,
        "audio": audio_name,
        "format": fmt.codec,
        "sample_rate": fmt.rate,
        "channels": channels,
        "channel_map": {"0": "agent", "1": "customer"} if channels == 2 else {"0": "mixed"},
        "duration": timeline.duration,
        "voices": cast,
        "holds": [list(h) for h in timeline.holds],
        "turns": [
            {
                "index": i,
                "speaker": t.speaker,
                "channel": 1 if channels == 2 and t.speaker == "customer" else 0,
                "start": t.start,
                "end": t.end,
                "text": t.text,
            }
            for i, t in enumerate(timeline.turns)
        ],
        "pii": pii,
    }


def write_json(path: Path, data: Any) -> None:
    """UTF-8 JSON, indented, newline at the end."""
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
