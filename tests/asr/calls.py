"""Two-channel test calls with known turn times, built from the committed samples.

Each turn is cut from its speaker's channel of a sample (times from ``manifest.json``) and laid
out again with long pauses between turns, so the VAD cuts them out and the way back to call time
is put to the test. The pauses can hold hold music, background chatter and line noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from pipeline.asr.vad import SAMPLE_RATE
from pipeline.audio import ChannelAudio, DecodedCall

TURN_MARGIN_S = 0.05  # audio kept either side of a turn's manifest times when it is cut
LEAD_IN_S = 1.0
TAIL_S = 1.0
SEED = 11


@dataclass(frozen=True)
class Turn:
    """Who spoke when, in the built call."""

    speaker: str
    start: float
    end: float
    text: str


def _cut(call: DecodedCall, turn: dict, margin_s: float = TURN_MARGIN_S) -> np.ndarray:
    channel = call.channel(turn["speaker"])
    assert channel is not None
    a = max(0, round((turn["start"] - margin_s) * SAMPLE_RATE))
    b = round((turn["end"] + margin_s) * SAMPLE_RATE)
    return np.asarray(channel.samples[a:b], np.float32)


def relaid_call(
    call: DecodedCall,
    turns: Sequence[dict],
    gaps_s: Sequence[float],
    *,
    lead_in_s: float = LEAD_IN_S,
    margin_s: float = TURN_MARGIN_S,
    tail_s: float = TAIL_S,
) -> tuple[DecodedCall, list[Turn]]:
    """``call``'s turns, each from its own channel (``margin_s`` seconds kept either side),
    with ``gaps_s`` (cycled) between them, ``lead_in_s`` before the first and ``tail_s`` after
    the last turn's gap."""
    pieces: list[tuple[str, int, np.ndarray]] = []
    placed: list[Turn] = []
    position = round(lead_in_s * SAMPLE_RATE)
    for i, turn in enumerate(turns):
        audio = _cut(call, turn, margin_s)
        pieces.append((turn["speaker"], position, audio))
        start = position / SAMPLE_RATE + margin_s
        end = (position + len(audio)) / SAMPLE_RATE - margin_s
        placed.append(Turn(turn["speaker"], start, end, turn["text"]))
        position += len(audio) + round(gaps_s[i % len(gaps_s)] * SAMPLE_RATE)
    total = position + round(tail_s * SAMPLE_RATE)
    channels = []
    for original in call.channels:
        samples = np.zeros(total, np.float32)
        for speaker, at, audio in pieces:
            if speaker == original.speaker:
                samples[at : at + len(audio)] = audio
        channels.append(ChannelAudio(original.speaker, samples))
    recording = replace(call.recording, duration=total / SAMPLE_RATE)
    return DecodedCall(recording, tuple(channels)), placed


def gaps(turns: Sequence[Turn], duration: float) -> list[tuple[float, float]]:
    """The stretches between turns (and before the first, after the last)."""
    edges = [0.0, *[t for turn in turns for t in (turn.start, turn.end)], duration]
    return [(a, b) for a, b in zip(edges[::2], edges[1::2], strict=True) if b > a]


def hold_music(seconds: float, level: float = 0.15) -> np.ndarray:
    """A tune of sustained notes with harmonics and a soft envelope (2 notes a second)."""
    rng = np.random.default_rng(SEED)
    note_s = 0.5
    n = round(seconds * SAMPLE_RATE)
    out = np.zeros(n, np.float32)
    t = np.arange(round(note_s * SAMPLE_RATE)) / SAMPLE_RATE
    envelope = np.minimum(1.0, t / 0.03) * np.exp(-1.5 * t)
    scale = 220.0 * 2 ** (np.array([0, 2, 4, 5, 7, 9, 11, 12]) / 12)
    for at in range(0, n, len(t)):
        f0 = scale[rng.integers(len(scale))]
        chord = sum(np.sin(2 * np.pi * f0 * h * t) / h for h in (1, 2, 3))
        chord += 0.5 * np.sin(2 * np.pi * f0 * 1.5 * t)  # a fifth above, as a pad would
        piece = (level * envelope * chord / 2.0).astype(np.float32)
        out[at : at + len(piece)] = piece[: n - at]
    return out


def chatter(call: DecodedCall, turns: Sequence[dict], seconds: float, gain: float) -> np.ndarray:
    """Background voices: three turns of another call overlapped, scaled by ``gain``."""
    n = round(seconds * SAMPLE_RATE)
    out = np.zeros(n, np.float32)
    for k, turn in enumerate(turns[:3]):
        voice = _cut(call, turn)
        offset = round(k * 0.7 * SAMPLE_RATE) % max(1, n)
        take = voice[: n - offset]
        out[offset : offset + len(take)] += take
    return (gain * out).astype(np.float32)


def line_noise(n: int, hiss: float = 0.003, hum: float = 0.01) -> np.ndarray:
    """Telephone line noise: white hiss plus 50 Hz mains hum and its harmonics."""
    rng = np.random.default_rng(SEED)
    t = np.arange(n) / SAMPLE_RATE
    tone = sum(np.sin(2 * np.pi * 50.0 * h * t) / h for h in (1, 3, 5))
    return (rng.normal(0.0, hiss, n) + hum * tone).astype(np.float32)


def with_fillers(
    call: DecodedCall,
    turns: Sequence[Turn],
    other: DecodedCall,
    other_turns: Sequence[dict],
    chatter_gain: float = 0.05,
) -> DecodedCall:
    """``call`` with hold music and background chatter taking turns in its long gaps on the
    agent's channel (where the recorder hears what the agent's line plays), and line noise over
    the whole customer channel."""
    duration = call.recording.duration
    agent = np.array(call.channel("agent").samples, np.float32)
    customer = np.array(call.channel("customer").samples, np.float32)
    for k, (a, b) in enumerate(gaps(turns, duration)):
        lo, hi = round((a + 0.4) * SAMPLE_RATE), round((b - 0.4) * SAMPLE_RATE)
        if hi - lo < SAMPLE_RATE:
            continue
        if k % 2:
            filler = chatter(other, other_turns, (hi - lo) / SAMPLE_RATE, chatter_gain)
            agent[lo:hi] += filler[: hi - lo]
        else:
            agent[lo:hi] += hold_music((hi - lo) / SAMPLE_RATE)
    customer += line_noise(len(customer))
    channels = (ChannelAudio("agent", agent), ChannelAudio("customer", customer))
    return DecodedCall(call.recording, channels)


TELEPHONE_RATE = 8_000  # Hz, G.711 telephony


def through_telephone(call: DecodedCall, folder: Path) -> DecodedCall:
    """``call`` as an 8 kHz recorder stores it: written as 16-bit 8 kHz stereo WAV in
    ``folder`` (PyAV's resampler, as bench/bench_transcribe.py does) and ingested again."""
    import av

    from pipeline.audio import ingest

    path = folder / "telephone_8k.wav"
    mix = np.stack([np.asarray(c.samples, np.float32) for c in call.channels])
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=TELEPHONE_RATE, layout="stereo")
        resampler = av.AudioResampler(format="s16", layout="stereo", rate=TELEPHONE_RATE)
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(mix), format="fltp", layout="stereo"
        )
        frame.sample_rate = SAMPLE_RATE
        frame.pts = 0
        for out in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(out):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    result = ingest(path)
    assert isinstance(result, DecodedCall), result
    speakers = {i: c.speaker for i, c in enumerate(call.channels)}
    channels = tuple(replace(c, speaker=speakers[i]) for i, c in enumerate(result.channels))
    return replace(result, channels=channels)
