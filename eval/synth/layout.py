"""Lay the spoken turns of a call on a timeline and mix them into channels.

Pure numpy: the turns' audio comes in, the mix and the times of every turn and hold come out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eval.synth.codec import MIX_RATE_HZ
from eval.synth.script import CallScript
from eval.synth.telephone import hold_music

LEAD_IN_S = 0.5  # silence before the first turn
GAP_S = (0.35, 0.55, 0.4, 0.6)  # pauses between turns, cycled (deterministic)
HOLD_MARGIN_S = 0.6  # silence either side of the hold music
TAIL_S = 0.6  # silence after the last turn
PEAK = {"agent": 0.6, "customer": 0.5}  # peak amplitude per speaker, stereo (full scale = 1.0)
MONO_PEAK = {"agent": 0.55, "customer": 0.42}  # both voices on one channel


@dataclass(frozen=True)
class Placed:
    """One turn on the timeline."""

    speaker: str
    start: float  # seconds
    end: float  # seconds
    text: str


@dataclass(frozen=True)
class Timeline:
    """Where everything in a call is."""

    turns: tuple[Placed, ...]
    holds: tuple[tuple[float, float], ...]  # (start, end) of hold music, seconds
    duration: float  # seconds


def place(script: CallScript, lengths: list[int]) -> Timeline:
    """Times of every turn (``lengths`` in samples at MIX_RATE_HZ) and of the holds."""
    if len(lengths) != len(script.turns):
        raise ValueError(f"{script.source}: {len(lengths)} audio pieces for {len(script.turns)}")
    placed: list[Placed] = []
    holds: list[tuple[float, float]] = []
    t = LEAD_IN_S
    for i, (turn, n) in enumerate(zip(script.turns, lengths, strict=True)):
        if i:
            previous = placed[-1]
            if turn.overlap_s:
                t = max(previous.start + 0.2, previous.end - turn.overlap_s)
            elif turn.hold_s:
                hold_start = previous.end + HOLD_MARGIN_S
                holds.append((round(hold_start, 3), round(hold_start + turn.hold_s, 3)))
                t = hold_start + turn.hold_s + HOLD_MARGIN_S
            elif turn.pause_s:
                t = previous.end + turn.pause_s
            else:
                t = max(p.end for p in placed) + GAP_S[(i - 1) % len(GAP_S)]
        start = round(t, 3)
        placed.append(Placed(turn.speaker, start, round(start + n / MIX_RATE_HZ, 3), turn.text))
    duration = round(max(p.end for p in placed) + TAIL_S, 3)
    return Timeline(tuple(placed), tuple(holds), duration)


def mix(timeline: Timeline, audio: list[np.ndarray], channels: int) -> np.ndarray:
    """(channels, n) float32 at MIX_RATE_HZ: agent left and customer right, or both on one.

    Hold music is what the customer hears while the agent is away: it is recorded on the
    agent's channel (and on the single channel of a mono call)."""
    total = round(timeline.duration * MIX_RATE_HZ)
    out = np.zeros((channels, total), dtype=np.float32)
    peaks = PEAK if channels == 2 else MONO_PEAK
    for turn, piece in zip(timeline.turns, audio, strict=True):
        row = 1 if channels == 2 and turn.speaker == "customer" else 0
        at = round(turn.start * MIX_RATE_HZ)
        scaled = piece * (peaks[turn.speaker] / (np.abs(piece).max() or 1.0))
        out[row, at : at + len(scaled)] += scaled[: total - at]
    for start, end in timeline.holds:
        at = round(start * MIX_RATE_HZ)
        music = hold_music(end - start, MIX_RATE_HZ)
        out[0, at : at + len(music)] += music[: total - at]
    return np.clip(out, -1.0, 1.0)
