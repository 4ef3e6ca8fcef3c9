"""A telephone line in numpy: the 300-3400 Hz band, line noise, hold music.

G.711 itself (8 kHz, A-law or mu-law) is applied by writing the call with the ``pcm_alaw`` /
``pcm_mulaw`` encoder (:func:`eval.synth.codec.encode`), so the file holds real G.711 samples.
"""

from __future__ import annotations

import numpy as np

BAND_HZ = (300.0, 3400.0)  # ITU-T G.712 telephone band
BAND_EDGE_HZ = 100.0  # width of the raised-cosine roll-off at each edge
LINE_NOISE_DBFS = -48.0  # RMS of the line hiss (a quiet line)
HUM_HZ = 50.0  # mains hum under the hiss
HUM_DBFS = -54.0
HOLD_LEVEL = 0.18  # peak of the hold music (full scale = 1.0)
HOLD_NOTE_S = 0.42  # one note of the hold tune
HOLD_TUNE_HZ = (523.3, 659.3, 784.0, 659.3, 587.3, 698.5, 880.0, 698.5)  # C E G E D F A F


def _db(dbfs: float) -> float:
    return float(10.0 ** (dbfs / 20.0))


def band_limit(audio: np.ndarray, rate: int, band: tuple[float, float] = BAND_HZ) -> np.ndarray:
    """Zero-phase band-pass of mono ``audio`` (FFT, raised-cosine edges)."""
    n = len(audio)
    if n == 0:
        return audio
    spectrum = np.fft.rfft(audio.astype(np.float64))
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    low, high = band
    gain = np.ones_like(freqs)
    below = freqs < low
    gain[below] = 0.5 * (1 + np.cos(np.pi * np.clip((low - freqs[below]) / BAND_EDGE_HZ, 0, 1)))
    above = freqs > high
    gain[above] = 0.5 * (1 + np.cos(np.pi * np.clip((freqs[above] - high) / BAND_EDGE_HZ, 0, 1)))
    return np.fft.irfft(spectrum * gain, n).astype(np.float32)


def line_noise(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` samples of band-limited hiss and a little mains hum."""
    hiss = rng.standard_normal(n) * _db(LINE_NOISE_DBFS)
    hum = np.sin(2 * np.pi * HUM_HZ * np.arange(n) / rate) * _db(HUM_DBFS) * np.sqrt(2)
    return band_limit((hiss + hum).astype(np.float32), rate)


def hold_music(seconds: float, rate: int) -> np.ndarray:
    """A looping electronic hold tune (two harmonics per note, soft attack and decay)."""
    note = round(HOLD_NOTE_S * rate)
    t = np.arange(note) / rate
    envelope = np.minimum(1.0, t / 0.02) * np.exp(-3.0 * t)
    notes = []
    for freq in HOLD_TUNE_HZ:
        tone = np.sin(2 * np.pi * freq * t) + 0.35 * np.sin(2 * np.pi * 2 * freq * t)
        bass = 0.5 * np.sin(2 * np.pi * freq / 4 * t)
        notes.append((tone + bass) * envelope)
    tune = np.concatenate(notes)
    total = round(seconds * rate)
    music = np.resize(tune, total)
    fade = min(total // 4, round(0.3 * rate))
    if fade:
        music[:fade] *= np.linspace(0, 1, fade)
        music[-fade:] *= np.linspace(1, 0, fade)
    peak = np.abs(music).max() or 1.0
    return (music * (HOLD_LEVEL / peak)).astype(np.float32)
