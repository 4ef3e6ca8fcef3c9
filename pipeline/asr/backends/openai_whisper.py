"""The openai-whisper engine (torch): the reference backend and the default.

fp32 on the CPU, fp16 on a CUDA GPU. Weights come from :mod:`pipeline.asr.loader` (offline
cache, a ``.pt`` file or a CTranslate2 folder converted once). Word timing uses the numpy DTW of
:mod:`pipeline.asr.backends.dtw` instead of whisper's, which numba compiles in every process.

Four changes to how ``whisper.transcribe`` decodes a 30 s window, all in :func:`install`:

* the audio encoder runs once per window (:class:`EncodeOnce`): whisper encodes the window's
  mel again for every fallback temperature and once more for the word-alignment pass, and the
  language probe encoded the first window once more;
* the beams of a beam search attend to the window's audio as one batch
  (:mod:`pipeline.asr.backends.beam_cross_attention`): whisper reads the cross-attention keys
  and values once per beam at every decoder step;
* the logits of each decoder step come from ``embedding @ x.T``
  (:mod:`pipeline.asr.backends.vocabulary_logits`), which the CPU BLAS computes three to four
  times faster than whisper's ``x @ embedding.T``;
* the temperature fallback is :func:`decode_with_fallback`: when no temperature gives a decode
  that passes the thresholds, whisper keeps the last one (sampled at the highest temperature,
  where Whisper loops most); here the likeliest one that is not repetitive is kept, as
  faster-whisper does.

And speech the first pass left without text (Whisper ends a window's text early and skips the
rest of the window; the word alignment stretches the last word over it) is decoded once more
on its own (:func:`undecoded_stretches`).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from pipeline.asr.backends import beam_cross_attention, dtw, vocabulary_logits
from pipeline.asr.backends.base import (
    BEST_OF,
    DECODE_SEED,
    LANGUAGE_PROBE_S,
    TEMPERATURES,
    AsrBackend,
    pick_language,
)
from pipeline.asr.guards import COMPRESSION_RATIO_MAX, LOGPROB_MIN, NO_SPEECH_PROB_MAX, AsrSegment
from pipeline.asr.vad.base import PAD_S, SAMPLE_RATE
from pipeline.config import AsrBackendName
from pipeline.models import Word

if TYPE_CHECKING:
    import whisper
    from whisper.decoding import DecodingOptions, DecodingResult


class EncodeOnce(torch.nn.Module):
    """A Whisper audio encoder that returns its last output again for an input of the same
    values.

    ``whisper.transcribe`` hands the same mel tensor of a 30 s window to every decode of the
    fallback ladder and to the word-alignment pass, each of which runs the encoder on it; the
    encoder is the costliest single pass of a window. The language probe encodes the first
    window's mel too (:func:`first_window`), as a tensor of its own. The last input (a copy, so
    no later write to it goes unseen) and its output are kept per thread; a hit needs the same
    shape, dtype, device and values.
    """

    def __init__(self, encoder: torch.nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self._last = threading.local()

    @staticmethod
    def _same(kept: torch.Tensor, mel: torch.Tensor) -> bool:
        return (
            kept.shape == mel.shape
            and kept.dtype == mel.dtype
            and kept.device == mel.device
            and torch.equal(kept, mel)
        )

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        """The encoder's output for ``mel`` (computed once per distinct input)."""
        last = getattr(self._last, "entry", None)  # (a copy of the input, its output)
        if last is not None and self._same(last[0], mel):
            return last[1]
        features = self.encoder(mel)
        self._last.entry = (mel.detach().clone(), features)
        return features


def _passes(result: DecodingResult) -> bool:
    """Whether a decode needs no fallback: not repetitive and confident enough."""
    return result.compression_ratio <= COMPRESSION_RATIO_MAX and result.avg_logprob >= LOGPROB_MIN


def _is_silence(result: DecodingResult) -> bool:
    """Whisper's "no speech" verdict: the window is skipped, whatever the text."""
    return result.no_speech_prob > NO_SPEECH_PROB_MAX and result.avg_logprob < LOGPROB_MIN


# whisper.transcribe decodes whatever is left after its last window, however short: a window
# of the last few frames (seen: 0.1 s after a word that ended near the end of the audio) costs
# an encoder pass and a decode, for text that is at most the gate's padding (PAD_S).
WINDOW_MIN_S = PAD_S


def content_frames(mel: torch.Tensor) -> int:
    """Mel frames of ``mel`` (one window, zero-padded to 30 s by ``whisper.transcribe``) before
    its padding: a log-mel frame of audio is never all zeros."""
    heard = torch.nonzero(mel.reshape(-1, mel.shape[-1]).abs().sum(dim=0))
    return int(heard[-1]) + 1 if len(heard) else 0


def _nothing_heard(options: DecodingOptions) -> DecodingResult:
    """The result of a window too short to decode: no text, skipped as silence."""
    from whisper.decoding import DecodingResult

    return DecodingResult(
        audio_features=torch.zeros(0),
        language=options.language or "",
        avg_logprob=-math.inf,
        no_speech_prob=1.0,
        temperature=0.0,
        compression_ratio=0.0,
    )


def decode_with_fallback(
    model: whisper.Whisper, mel: torch.Tensor, options: DecodingOptions
) -> DecodingResult:
    """Decode one 30 s window at TEMPERATURES in turn until a decode passes the thresholds.

    The first is ``options`` itself (beam search at temperature 0); each fallback samples
    BEST_OF candidates. A decode judged silence ends the ladder (no temperature changes
    Whisper's "no speech" probability, so a fallback would be skipped too). When none passes,
    the likeliest decode (highest mean log-probability) among those not repetitive is kept, or
    among all when every one is: never simply the last, sampled at the highest temperature.
    A window holding less than :data:`WINDOW_MIN_S` of audio is not decoded (no text, silence).
    """
    from whisper.decoding import decode

    if content_frames(mel) < WINDOW_MIN_S * MEL_FRAMES_PER_S:
        return _nothing_heard(options)
    tried: list[DecodingResult] = []
    for temperature in TEMPERATURES:
        if temperature > 0:
            step = replace(
                options, temperature=temperature, beam_size=None, patience=None, best_of=BEST_OF
            )
        else:
            step = replace(options, temperature=0.0, best_of=None)
        result = decode(model, mel, step)
        assert not isinstance(result, list)  # one window in, one result out
        if _passes(result) or _is_silence(result):
            return result
        tried.append(result)
    varied = [r for r in tried if r.compression_ratio <= COMPRESSION_RATIO_MAX]
    return max(varied or tried, key=lambda r: r.avg_logprob)


# Whisper may end a window's text early (an end-of-text after one sentence, with a single
# timestamp ending) and then skip the rest of that 30 s window: in speech-only audio, where
# the gate left no long pause, a stretch this long without text is speech that was skipped.
UNDECODED_MIN_S = 5.0
# The word alignment (a DTW path from the window's first frame to its last) then gives the rest
# of the window to the text's last word, so the segment seems to cover the skipped speech (seen:
# "码。" from 31.3 s to 51.0 s). A word counts for at most twice the median word duration of
# the pass, the median taken as 0.7 s at most: whisper's own bound for a word at a sentence end.
WORD_MEDIAN_MAX_S = 0.7
WORD_MAX_MEDIANS = 2.0


def longest_word_s(segments: Sequence[AsrSegment]) -> float | None:
    """The longest a word of ``segments`` may last (see :data:`WORD_MAX_MEDIANS`); None when
    they have no words."""
    durations = [w.end - w.start for s in segments for w in s.words]
    if not durations:
        return None
    return WORD_MAX_MEDIANS * min(float(np.median(durations)), WORD_MEDIAN_MAX_S)


def spoken_end(segment: AsrSegment, max_word_s: float | None) -> float:
    """Where ``segment``'s speech ends: its last word's end, each word counted for at most
    ``max_word_s`` seconds; the segment's end when it has no words or there is no bound."""
    if not segment.words or max_word_s is None:
        return segment.end
    return max(min(w.end, w.start + max_word_s) for w in segment.words)


def undecoded_stretches(
    segments: Sequence[AsrSegment], duration: float, min_s: float = UNDECODED_MIN_S
) -> list[tuple[float, float]]:
    """(start, end) of every stretch of the speech-only audio, ``min_s`` seconds or longer,
    that no segment's speech covers (each segment from its start to its :func:`spoken_end`);
    times in that audio, ``duration`` seconds long."""
    max_word_s = longest_word_s(segments)
    stretches: list[tuple[float, float]] = []
    cursor = 0.0
    for segment in sorted(segments, key=lambda s: s.start):
        if segment.start - cursor >= min_s:
            stretches.append((cursor, segment.start))
        cursor = max(cursor, spoken_end(segment, max_word_s))
    if duration - cursor >= min_s:
        stretches.append((cursor, duration))
    return stretches


def trim_to_spoken(
    segments: Sequence[AsrSegment], stretches: Sequence[tuple[float, float]]
) -> list[AsrSegment]:
    """``segments`` with every end, and every word's end, that runs into one of the
    ``stretches`` (speech to be decoded again) cut at the stretch's start: the second pass's
    words take that time."""
    trimmed: list[AsrSegment] = []
    for segment in segments:
        for start, _ in stretches:
            if segment.start < start < segment.end:  # every word of it starts by then
                words = tuple(replace(w, end=min(w.end, start)) for w in segment.words)
                segment = replace(segment, end=start, words=words)
        trimmed.append(segment)
    return trimmed


MEL_HOP_SAMPLES = 160  # whisper's log-mel hop: one frame per 10 ms at 16 kHz
MEL_FRAMES_PER_S = 100


def clip_timestamps(stretches: Sequence[tuple[float, float]], samples: int) -> list[float]:
    """``whisper.transcribe``'s ``clip_timestamps`` (start, end, ... in seconds) for the
    ``stretches`` of audio ``samples`` long, each end clamped to the audio's last mel frame.

    Whisper rounds a clip's end to a frame and decodes while the position is short of it; its
    position cannot pass the audio's ``samples // 160`` frames, so a clip ending even one frame
    later (an end at the audio's exact length rounds up) is decoded again and again with no
    audio, forever."""
    last_frame_s = (samples // MEL_HOP_SAMPLES) / MEL_FRAMES_PER_S
    clips: list[float] = []
    for start, end in stretches:
        end = min(end, last_frame_s)
        if end > start:
            clips += [start, end]
    return clips


def first_window(audio: np.ndarray, n_mels: int) -> torch.Tensor:
    """The log-mel of ``audio``'s first 30 s window (LANGUAGE_PROBE_S), value for value as
    ``whisper.transcribe`` (no clips) cuts and pads it: the mel of the whole audio with 30 s of
    silence after it, its first frames up to 30 s or the audio's end, zero-padded to 30 s."""
    import whisper

    mel = whisper.log_mel_spectrogram(audio, n_mels, padding=whisper.audio.N_SAMPLES)
    content_frames = mel.shape[-1] - whisper.audio.N_FRAMES
    window = min(int(LANGUAGE_PROBE_S * MEL_FRAMES_PER_S), content_frames)
    return whisper.pad_or_trim(mel[:, :window], whisper.audio.N_FRAMES)


def install(model: whisper.Whisper) -> whisper.Whisper:
    """Make ``model`` encode each window once, attend to a window's audio once for all beams
    (:mod:`pipeline.asr.backends.beam_cross_attention`), take its logits as
    :mod:`pipeline.asr.backends.vocabulary_logits` does, and decode with
    :func:`decode_with_fallback` (idempotent); ``whisper.transcribe`` is then called with
    temperature 0 only."""
    if not isinstance(model.encoder, EncodeOnce):
        model.encoder = EncodeOnce(model.encoder)
    beam_cross_attention.install(model)
    vocabulary_logits.install(model)
    model.decode = lambda mel, options: decode_with_fallback(model, mel, options)
    return model


class OpenAiWhisperBackend(AsrBackend):
    """openai-whisper's ``transcribe`` with word timestamps on speech-only audio."""

    name = AsrBackendName.OPENAI_WHISPER.value

    def __init__(self, model: whisper.Whisper, model_name: str, device: str = "cpu") -> None:
        dtw.install()  # no numba compilation in each process (see pipeline.asr.backends.dtw)
        self.model = install(model.to(device))
        self.model_name = model_name
        self.device = device
        self.is_multilingual = bool(model.is_multilingual)

    def detect_language(self, audio: np.ndarray) -> str:
        """See :meth:`AsrBackend.detect_language`. The probe is the first window's mel exactly
        as ``whisper.transcribe`` will encode it (:func:`first_window`), so that window's
        encoder pass is the probe's (:class:`EncodeOnce`)."""
        if not self.is_multilingual:
            return "en"
        dtype = torch.float16 if self.device == "cuda" else torch.float32
        mel = first_window(audio, self.model.dims.n_mels)
        with torch.inference_mode():
            _, probs = self.model.detect_language(mel.to(self.model.device).to(dtype))
        probs = probs[0] if isinstance(probs, list) else probs
        return pick_language(probs)

    def transcribe_speech(
        self, audio: np.ndarray, language: str, beam_size: int, prompt: str = ""
    ) -> list[AsrSegment]:
        """See :meth:`AsrBackend.transcribe_speech`; speech left without text by the first
        pass (:func:`undecoded_stretches`) is decoded once more on its own."""
        segments = self._decode(audio, language, beam_size, prompt)
        stretches = undecoded_stretches(segments, len(audio) / SAMPLE_RATE)
        clips = clip_timestamps(stretches, len(audio))
        if clips:
            segments = trim_to_spoken(segments, stretches)
            segments += self._decode(audio, language, beam_size, prompt, clips)
        return sorted(segments, key=lambda s: (s.start, s.end))

    def _decode(
        self,
        audio: np.ndarray,
        language: str,
        beam_size: int,
        prompt: str,
        clips: list[float] | None = None,
    ) -> list[AsrSegment]:
        """``whisper.transcribe`` on ``audio`` (only its ``clips``, start, end, ... in seconds,
        when given) as segments."""
        import whisper

        with torch.random.fork_rng(devices=[]), torch.inference_mode():
            torch.manual_seed(DECODE_SEED)
            result: dict[str, Any] = whisper.transcribe(
                self.model,
                audio,
                language=language if self.is_multilingual else "en",
                task="transcribe",
                temperature=0.0,  # the ladder is decode_with_fallback's (see install)
                beam_size=beam_size if beam_size > 1 else None,
                best_of=BEST_OF,
                word_timestamps=True,
                condition_on_previous_text=False,
                initial_prompt=prompt or None,
                carry_initial_prompt=bool(prompt),  # every window, not the first one only
                compression_ratio_threshold=COMPRESSION_RATIO_MAX,
                logprob_threshold=LOGPROB_MIN,
                no_speech_threshold=NO_SPEECH_PROB_MAX,
                fp16=self.device == "cuda",
                verbose=None,
                clip_timestamps=clips or "0",
            )
        return [
            AsrSegment(
                start=float(raw["start"]),
                end=float(raw["end"]),
                text=str(raw["text"]),
                words=tuple(
                    Word(
                        start=float(w["start"]),
                        end=float(w["end"]),
                        text=str(w["word"]),
                        probability=round(float(w.get("probability", 0.0)), 4),
                    )
                    for w in raw.get("words") or ()
                ),
                avg_logprob=float(raw.get("avg_logprob", 0.0)),
                no_speech_prob=float(raw.get("no_speech_prob", 0.0)),
                compression_ratio=None,  # Whisper's is per 30 s window; judge each segment
            )
            for raw in result["segments"]
        ]
