"""What a gate's speech frames must also pass: no sustained tones (hold music), no background.

Both gates mark frames that sound like voice; two things in a call centre do too, and Whisper
turns either into text:

* hold music: notes hold one spectrum for a long time; speech changes its spectrum every few
  tens of milliseconds. A frame whose spectrum stays the same (median similarity to the frame
  STATIONARITY_LAG frames earlier, over STATIONARITY_WINDOW_S) above TONE_SIMILARITY_MIN is a
  sustained tone, not speech, and so are the frames within half that window of it. Measured
  on the committed samples: speech at most 0.93, the test hold music 0.999. Only runs of such
  frames lasting MIN_TONE_RUN_S count: a vowel held at the end of a phrase ("goodbyeee", more
  so from a synthetic or a tired voice) is as still as a note for up to about a second, hold
  music for as long as the hold.
* background chatter: other voices far from the headset microphone. A phrase of speech frames
  whose loud frames stay BACKGROUND_BELOW_DB under the channel's speech level is background.
"""

from __future__ import annotations

import numpy as np

from pipeline.asr.vad.base import FRAME_SAMPLES, phrases

STATIONARITY_LAG = 3  # frames (96 ms at 16 kHz) between the spectra compared
STATIONARITY_WINDOW_S = 0.5  # median taken over this long a stretch
TONE_SIMILARITY_MIN = 0.97  # spectra this alike, held that long, are a tone
MIN_TONE_RUN_S = 1.5  # a still spectrum for less than this is a held vowel, not music
SPECTRUM_BINS = (3, 128)  # FFT bins compared: about 94 Hz to 4 kHz at 16 kHz
BACKGROUND_BELOW_DB = 15.0  # a run whose loud frames are this far under the speech level
LOUD_PERCENTILE = 90.0  # a run's "loud frames" level
SPEECH_LEVEL_PERCENTILE = 95.0  # the channel's speech level, over all its speech frames
FLOOR_POWER = 1e-10  # added before taking logs of frame power


def frame_power_db(samples: np.ndarray) -> np.ndarray:
    """Mean power per FRAME_SAMPLES frame, in dB."""
    n = len(samples) // FRAME_SAMPLES
    frames = np.asarray(samples[: n * FRAME_SAMPLES], np.float64).reshape(n, FRAME_SAMPLES)
    return 10.0 * np.log10(np.mean(frames**2, axis=1) + FLOOR_POWER)


def _long_runs(mask: np.ndarray, sample_rate: int) -> np.ndarray:
    """``mask`` without its runs of True shorter than MIN_TONE_RUN_S."""
    shortest = MIN_TONE_RUN_S * sample_rate / FRAME_SAMPLES
    out = mask.copy()
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        if end - start < shortest:
            out[start:end] = False
    return out


def sustained_tones(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Per frame: True where the spectrum holds still as a musical note does."""
    n = len(samples) // FRAME_SAMPLES
    if n <= STATIONARITY_LAG:
        return np.zeros(n, bool)
    frames = np.asarray(samples[: n * FRAME_SAMPLES], np.float32).reshape(n, FRAME_SAMPLES)
    low, high = SPECTRUM_BINS
    spectra = np.abs(np.fft.rfft(frames * np.hanning(FRAME_SAMPLES), axis=1))[:, low:high]
    spectra = np.log1p(100.0 * spectra / (spectra.max(axis=1, keepdims=True) + 1e-9))
    spectra /= np.linalg.norm(spectra, axis=1, keepdims=True) + 1e-9
    similarity = np.zeros(n)
    similarity[STATIONARITY_LAG:] = np.sum(
        spectra[STATIONARITY_LAG:] * spectra[:-STATIONARITY_LAG], axis=1
    )
    half = max(1, round(STATIONARITY_WINDOW_S * sample_rate / FRAME_SAMPLES) // 2)
    padded = np.pad(similarity, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)[:n]
    tones = _long_runs(np.median(windows, axis=1) > TONE_SIMILARITY_MIN, sample_rate)
    # The median lags at a tune's first and last notes: widen by half a window each side.
    widened = np.lib.stride_tricks.sliding_window_view(np.pad(tones, half), 2 * half + 1)[:n]
    return np.asarray(widened.any(axis=1), dtype=bool)


def drop_background(mask: np.ndarray, power_db: np.ndarray, frame_s: float) -> np.ndarray:
    """``mask`` without its phrases (runs joined across JOIN_S, judged together) whose loud
    frames stay far under the channel's speech level."""
    if not mask.any():
        return mask
    level = float(np.percentile(power_db[mask], SPEECH_LEVEL_PERCENTILE))
    out = mask.copy()
    for a, b in phrases(mask, frame_s):
        loud = np.percentile(power_db[a:b][mask[a:b]], LOUD_PERCENTILE)
        if loud < level - BACKGROUND_BELOW_DB:
            out[a:b] = False
    return out


def foreground_speech(mask: np.ndarray, samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """A gate's per-frame speech decisions, less sustained tones and background runs."""
    mask = np.asarray(mask, bool) & ~sustained_tones(samples, sample_rate)[: len(mask)]
    power = frame_power_db(samples)[: len(mask)]
    return drop_background(mask, power, FRAME_SAMPLES / sample_rate)
