"""Both gates on real speech: no turn is cut, and hold music, chatter and line noise between
turns are not passed on as speech. Also Silero on its own and the fallback to energy."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from pipeline.asr.vad import SAMPLE_RATE, load_detector
from pipeline.asr.vad.base import PAD_S
from pipeline.asr.vad.energy import EnergyDetector
from pipeline.asr.vad.filters import MIN_TONE_RUN_S, sustained_tones
from pipeline.asr.vad.silero import SileroDetector, SileroUnavailableError, hysteresis

from ..calls import hold_music, line_noise, relaid_call, with_fillers

GATES = ("silero", "energy")
EN_CALL = "en_card_lost_compliant.flac"
CHATTER_FROM = "en_wealth_guaranteed.ogg"
EDGE_S = 0.15  # a region may reach this far past its turns and padding (0.3 s): Silero decides
# about 0.1 s late at a turn's end, plus one 32 ms frame of rounding
TRANSCRIBED = (
    "en_card_lost_compliant.flac",
    "en_card_declined_pin_request.mp3",
    "en_wealth_guaranteed.ogg",
    "en_mulaw_8k_readout.wav",
    "zh_wealth_compliant.m4a",
    "zh_limit_auth_request.flac",
    "zh_mono_alaw_8k.wav",
)


def _covered(turn_start: float, turn_end: float, regions) -> bool:
    return any(r.start <= turn_start and turn_end <= r.end for r in regions)


@pytest.mark.parametrize("gate", GATES)
@pytest.mark.parametrize("name", TRANSCRIBED)
def test_no_turn_is_cut(gate: str, name: str, decode, manifest) -> None:
    call = decode(name)
    for channel in call.channels:
        regions = load_detector(gate).detect(channel.samples)
        for turn in manifest[name]["turns"]:
            if channel.speaker in (turn["speaker"], "unknown"):
                assert _covered(turn["start"], turn["end"], regions), (channel.speaker, turn)


@pytest.fixture(scope="module")
def noisy_call(decode, manifest):
    """The English call relaid with 3-6 s between turns filled with hold music or chatter on
    the agent's channel, and line noise over the customer's channel."""
    call, turns = relaid_call(decode(EN_CALL), manifest[EN_CALL]["turns"], (4.0, 6.0, 3.0))
    filled = with_fillers(call, turns, decode(CHATTER_FROM), manifest[CHATTER_FROM]["turns"])
    return filled, turns


@pytest.mark.parametrize("gate", GATES)
def test_music_chatter_and_line_noise_are_not_speech(gate: str, noisy_call) -> None:
    call, turns = noisy_call
    for channel in call.channels:
        own = [t for t in turns if t.speaker == channel.speaker]
        regions = load_detector(gate).detect(channel.samples)
        for turn in own:
            assert _covered(turn.start, turn.end, regions), turn
        for region in regions:  # each region is turns of its speaker plus padding, no more
            inside = [t for t in own if t.start < region.end and region.start < t.end]
            assert inside, region
            assert region.start >= inside[0].start - PAD_S - EDGE_S
            assert region.end <= inside[-1].end + PAD_S + EDGE_S


@pytest.mark.parametrize("gate", GATES)
def test_hold_music_alone_is_no_speech(gate: str) -> None:
    music = hold_music(8.0) + line_noise(8 * SAMPLE_RATE)
    assert load_detector(gate).detect(music) == []


def test_sustained_tones_flag_music_not_speech(decode) -> None:
    assert sustained_tones(hold_music(5.0), SAMPLE_RATE)[16:-16].all()
    speech = decode(EN_CALL).channel("agent").samples[: 9 * SAMPLE_RATE]
    assert sustained_tones(speech, SAMPLE_RATE).mean() < 0.05


def test_a_held_vowel_is_not_music() -> None:
    """A still spectrum shorter than MIN_TONE_RUN_S (a drawn-out "goodbyeee") is not a tone;
    the same sound held for seconds is."""
    t = np.arange(round(0.9 * SAMPLE_RATE)) / SAMPLE_RATE
    vowel = sum(np.sin(2 * np.pi * 140.0 * h * t) / h for h in (1, 2, 3, 4)).astype(np.float32)
    held = np.concatenate([np.zeros(SAMPLE_RATE, np.float32), 0.3 * vowel])
    assert not sustained_tones(held, SAMPLE_RATE).any()
    long_note = np.tile(0.3 * vowel, 4)
    assert sustained_tones(long_note, SAMPLE_RATE)[16:-16].all()
    assert len(t) / SAMPLE_RATE < MIN_TONE_RUN_S


def test_silero_probabilities_follow_speech(decode, manifest) -> None:
    detector = SileroDetector()
    samples = decode(EN_CALL).channel("customer").samples
    probs = detector.probabilities(samples)
    frame_s = 512 / SAMPLE_RATE
    turn = next(t for t in manifest[EN_CALL]["turns"] if t["speaker"] == "customer")
    inside = probs[int(turn["start"] / frame_s) : int(turn["end"] / frame_s)]
    before = probs[: int((turn["start"] - 1.0) / frame_s)]
    assert inside.mean() > 0.7 and before.max() < 0.2


def test_hysteresis() -> None:
    probs = np.array([0.1, 0.6, 0.4, 0.4, 0.3, 0.6, 0.2])
    assert hysteresis(probs).tolist() == [False, True, True, True, False, True, False]


def test_silero_refuses_other_rates() -> None:
    with pytest.raises(ValueError, match="16000"):
        SileroDetector().detect(np.zeros(8000, np.float32), 8000)


def test_energy_fallback_when_silero_cannot_load(monkeypatch, caplog) -> None:
    import pipeline.asr.vad as vad
    import pipeline.asr.vad.silero as silero

    def broken(*_args, **_kwargs):
        raise SileroUnavailableError("model file missing")

    monkeypatch.setattr(vad, "_DETECTORS", {})
    monkeypatch.setattr(silero.SileroDetector, "__init__", broken)
    with caplog.at_level(logging.WARNING):
        detector = load_detector("silero")
    assert isinstance(detector, EnergyDetector)
    assert "Silero VAD unavailable" in caplog.text
