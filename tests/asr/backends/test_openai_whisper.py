"""The openai-whisper backend's window decoding: the encoder run once per window, and the
temperature fallback keeping the likeliest decode that is not a loop."""

from __future__ import annotations

import pytest
import torch
from whisper.decoding import DecodingOptions, DecodingResult

from pipeline.asr.backends import openai_whisper
from pipeline.asr.backends.base import BEST_OF, TEMPERATURES
from pipeline.asr.backends.openai_whisper import EncodeOnce, decode_with_fallback


class _CountingEncoder(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return mel * 2


def test_encoder_runs_once_per_window() -> None:
    inner = _CountingEncoder()
    encoder = EncodeOnce(inner)
    window = torch.ones(80, 30)
    first = encoder(window.unsqueeze(0))
    assert encoder(window.unsqueeze(0)) is first  # a new view of the same window: no new pass
    assert inner.calls == 1
    window.add_(1.0)  # written since: encoded again
    assert torch.equal(encoder(window.unsqueeze(0)), (window * 2).unsqueeze(0))
    other = torch.ones(80, 30)
    encoder(other.unsqueeze(0))
    assert inner.calls == 3


def test_encoder_once_under_inference_mode() -> None:
    inner = _CountingEncoder()
    encoder = EncodeOnce(inner)
    with torch.inference_mode():  # as the backend decodes: tensors without a version counter
        window = torch.ones(80, 30)
        first = encoder(window.unsqueeze(0))
        assert encoder(window[:, :].unsqueeze(0)) is first
        assert torch.equal(encoder(torch.zeros(1, 80, 30)), torch.zeros(1, 80, 30))
    assert inner.calls == 2


def test_a_copy_of_the_last_window_is_not_encoded_again() -> None:
    """The language probe's mel is the first window's values in a tensor of its own: the
    window's decode reuses the probe's pass."""
    inner = _CountingEncoder()
    encoder = EncodeOnce(inner)
    with torch.inference_mode():
        probe = torch.arange(2400.0).reshape(1, 80, 30)
        first = encoder(probe)
        assert encoder(probe.clone()) is first
        assert encoder(probe.double()) is not first  # another dtype: encoded again
    assert inner.calls == 2


@pytest.mark.slow
@pytest.mark.parametrize("seconds, window_count", [(31, 2), (12, 1)])
def test_the_language_probe_is_the_first_windows_encoder_pass(
    asr_settings, monkeypatch, seconds, window_count
) -> None:
    """Detecting the language and decoding the first window cost one encoder pass together,
    on a call shorter than one window too."""
    import numpy as np

    from pipeline.asr.backends import load_backend
    from pipeline.config import AsrBackendName

    settings = asr_settings.model_copy(update={"asr_backend": AsrBackendName.OPENAI_WHISPER})
    backend = load_backend(settings, "base")
    inner = backend.model.encoder.encoder
    passes: list[int] = []
    windows: list[int] = []
    encode = type(inner).forward

    def counted_encode(mel):
        passes.append(1)
        return encode(inner, mel)

    def silent_decode(model, mel, options):  # the encoder's pass, then "no speech"
        windows.append(1)
        features = model.encoder(mel.unsqueeze(0) if mel.ndim == 2 else mel)
        return DecodingResult(
            audio_features=features[0],
            language="zh",
            avg_logprob=-2.0,
            no_speech_prob=1.0,
            temperature=options.temperature,
            compression_ratio=0.0,
        )

    monkeypatch.setattr(inner, "forward", counted_encode)
    monkeypatch.setattr("whisper.decoding.decode", silent_decode)
    audio = np.random.default_rng(0).normal(0, 0.01, seconds * 16_000).astype(np.float32)
    backend.detect_language(audio)
    assert len(passes) == 1
    backend._decode(audio, "zh", 1, "")
    assert len(windows) == window_count  # the first window's pass was the probe's:
    assert len(passes) == window_count


def _result(temperature: float, ratio: float, logprob: float, no_speech: float = 0.1):
    return DecodingResult(
        audio_features=torch.zeros(1),
        language="zh",
        text=f"t={temperature}",
        avg_logprob=logprob,
        no_speech_prob=no_speech,
        temperature=temperature,
        compression_ratio=ratio,
    )


@pytest.fixture
def decodes(monkeypatch):
    """Replace whisper's decode with one returning the scripted result per temperature; the
    options it was called with are recorded."""
    calls: list[DecodingOptions] = []
    script: dict[float, DecodingResult] = {}

    def fake_decode(model, mel, options):
        calls.append(options)
        return script[options.temperature]

    monkeypatch.setattr("whisper.decoding.decode", fake_decode)
    return script, calls


def _ladder(script, rows) -> None:
    for temperature, (ratio, logprob, no_speech) in zip(TEMPERATURES, rows, strict=True):
        script[temperature] = _result(temperature, ratio, logprob, no_speech)


BEAM = DecodingOptions(language="zh", beam_size=5, fp16=False)
WINDOW = torch.ones(80, 3000)  # a 30 s window of audio (no padding)


def test_a_good_first_decode_has_no_fallback(decodes) -> None:
    script, calls = decodes
    _ladder(script, [(1.5, -0.3, 0.1), (1.5, -0.3, 0.1), (1.5, -0.3, 0.1)])
    assert decode_with_fallback(None, WINDOW, BEAM).temperature == 0.0
    assert len(calls) == 1 and calls[0].beam_size == 5 and calls[0].best_of is None


def test_silence_ends_the_ladder(decodes) -> None:
    script, calls = decodes
    _ladder(script, [(3.0, -1.5, 0.9), (1.5, -0.3, 0.9), (1.5, -0.3, 0.9)])
    assert decode_with_fallback(None, WINDOW, BEAM).temperature == 0.0
    assert len(calls) == 1


def test_fallbacks_sample_and_stop_at_the_first_that_passes(decodes) -> None:
    script, calls = decodes
    _ladder(script, [(3.1, -0.2, 0.1), (1.6, -0.5, 0.1), (1.5, -0.1, 0.1)])
    assert decode_with_fallback(None, WINDOW, BEAM).temperature == TEMPERATURES[1]
    assert [(c.beam_size, c.best_of) for c in calls] == [(5, None), (None, BEST_OF)]


def test_when_none_passes_the_likeliest_decode_that_is_no_loop_is_kept(decodes) -> None:
    script, _ = decodes
    # the loop (first) is the likeliest; the last, as whisper would keep it, the least likely
    _ladder(script, [(3.5, -0.1, 0.1), (1.8, -1.2, 0.1), (2.0, -1.6, 0.1)])
    assert decode_with_fallback(None, WINDOW, BEAM).temperature == TEMPERATURES[1]


def test_when_every_decode_loops_the_likeliest_is_kept(decodes) -> None:
    script, _ = decodes
    _ladder(script, [(3.5, -0.4, 0.1), (2.9, -0.9, 0.1), (4.0, -1.6, 0.1)])
    assert decode_with_fallback(None, WINDOW, BEAM).temperature == 0.0


def test_a_window_of_a_few_frames_is_not_decoded(decodes) -> None:
    """whisper.transcribe decodes the last 0.1 s of the audio as a window of its own after a
    word ending near the end; such a window gives no text and costs no decode."""
    from pipeline.asr.backends.openai_whisper import WINDOW_MIN_S, content_frames

    script, calls = decodes
    _ladder(script, [(1.5, -0.3, 0.1), (1.5, -0.3, 0.1), (1.5, -0.3, 0.1)])
    window = torch.zeros(80, 3000)
    window[:, :10] = torch.randn(80, 10)  # 10 frames of audio, then whisper's zero padding
    assert content_frames(window) == 10 and content_frames(window.unsqueeze(0)) == 10
    result = decode_with_fallback(None, window, BEAM)
    assert calls == [] and result.text == "" and result.no_speech_prob == 1.0
    window[:, : round(WINDOW_MIN_S * 100)] = 1.0
    assert decode_with_fallback(None, window, BEAM).temperature == 0.0 and len(calls) == 1


def test_install_is_idempotent() -> None:
    from whisper.model import TextDecoder

    model = torch.nn.Module()
    model.encoder = _CountingEncoder()
    model.decoder = TextDecoder(n_vocab=50, n_ctx=16, n_state=64, n_head=4, n_layer=2)
    openai_whisper.install(model)  # type: ignore[arg-type]
    openai_whisper.install(model)  # type: ignore[arg-type]
    assert isinstance(model.encoder, EncodeOnce)
    assert isinstance(model.encoder.encoder, _CountingEncoder)
    for block in model.decoder.blocks:  # the beams attend to the audio as one batch, once
        attention = block.cross_attn.qkv_attention
        assert attention.beams_as_queries
        assert not getattr(attention.__closure__[0].cell_contents, "beams_as_queries", False)


def test_speech_left_without_text_is_found() -> None:
    from pipeline.asr.backends.openai_whisper import undecoded_stretches
    from pipeline.asr.guards import AsrSegment

    segments = [
        AsrSegment(0.2, 9.0, "a"),
        AsrSegment(9.5, 25.0, "b"),
        AsrSegment(12.0, 27.5, "c"),  # overlapping: covers up to 27.5
        AsrSegment(40.0, 44.0, "d"),  # 12.5 s skipped before it
    ]
    assert undecoded_stretches(segments, 51.0) == [(27.5, 40.0), (44.0, 51.0)]
    assert undecoded_stretches(segments, 48.0) == [(27.5, 40.0)]  # 4 s left: a pause
    assert undecoded_stretches([], 6.0) == [(0.0, 6.0)]


def _spoken(start: float, text: str, word_s: float = 0.25, last_s: float | None = None):
    """A segment of one word per character of ``text`` from ``start``, each ``word_s`` long,
    the last one ``last_s`` long when given (as the alignment stretches it)."""
    from pipeline.asr.guards import AsrSegment
    from pipeline.models import Word

    words = [Word(start + i * word_s, start + (i + 1) * word_s, ch) for i, ch in enumerate(text)]
    if last_s is not None:
        words[-1] = Word(words[-1].start, words[-1].start + last_s, words[-1].text)
    return AsrSegment(start, words[-1].end, text, tuple(words))


def test_speech_under_a_stretched_last_word_is_found() -> None:
    """Base ended a window's text early and its last word was aligned over the 20 s left in
    the window: the segment's end covered speech it has no text for."""
    from pipeline.asr.backends.openai_whisper import longest_word_s, undecoded_stretches

    segments = [
        _spoken(0.0, "您好" * 58),  # 0 to 29 s
        _spoken(29.0, "还有您的取款密码", last_s=20.0),
    ]
    assert longest_word_s(segments) == pytest.approx(0.5)  # twice the median word
    [(start, end)] = undecoded_stretches(segments, 51.0)
    assert start == pytest.approx(29.0 + 7 * 0.25 + 0.5) and end == 51.0
    # a last word stretched less than UNDECODED_MIN_S past its bound is a pause, not speech
    assert undecoded_stretches([_spoken(0.0, "好的再见", last_s=4.0)], 4.8) == []


def test_a_word_counts_for_whispers_bound_at_most() -> None:
    from pipeline.asr.backends.openai_whisper import (
        WORD_MAX_MEDIANS,
        WORD_MEDIAN_MAX_S,
        longest_word_s,
    )

    slow = [_spoken(0.0, "abc", word_s=3.0)]
    assert longest_word_s(slow) == pytest.approx(WORD_MAX_MEDIANS * WORD_MEDIAN_MAX_S)


def test_segments_without_words_cover_their_whole_span() -> None:
    from pipeline.asr.backends.openai_whisper import longest_word_s, undecoded_stretches
    from pipeline.asr.guards import AsrSegment

    wordless = [AsrSegment(0.0, 20.0, "a")]
    assert longest_word_s(wordless) is None
    assert undecoded_stretches(wordless, 24.0) == []


def test_the_first_pass_gives_up_the_speech_decoded_again() -> None:
    from pipeline.asr.backends.openai_whisper import trim_to_spoken, undecoded_stretches

    before = _spoken(0.0, "您好" * 58)
    stretched = _spoken(29.0, "还有您的取款密码", last_s=20.0)
    stretches = undecoded_stretches([before, stretched], 51.0)
    trimmed = trim_to_spoken([before, stretched], stretches)
    assert trimmed[0] == before
    cut = stretches[0][0]
    assert trimmed[1].end == cut and trimmed[1].words[-1].end == cut
    assert trimmed[1].words[:-1] == stretched.words[:-1] and trimmed[1].text == stretched.text


def test_clip_ends_never_pass_the_audios_last_mel_frame() -> None:
    """A clip ending at the audio's exact length (51.096 s) rounds to frame 5110 while the
    audio has 5109: whisper.transcribe then decodes empty audio forever (seen in a batch)."""
    from pipeline.asr.backends.openai_whisper import clip_timestamps

    samples = 817_536  # 51.096 s at 16 kHz: 5109 mel frames
    clips = clip_timestamps([(29.08, 51.096)], samples)
    assert clips == [29.08, 51.09]
    assert round(clips[-1] * 100) <= samples // 160
    assert clip_timestamps([(51.095, 51.096)], samples) == []  # nothing left once clamped
    assert clip_timestamps([(1.0, 7.0), (20.0, 30.0)], samples) == [1.0, 7.0, 20.0, 30.0]


@pytest.mark.slow
def test_a_stretch_to_the_end_of_the_audio_is_decoded_and_ends(asr_settings) -> None:
    """The second pass over a stretch reaching the audio's end finishes (it used to loop
    forever on the empty frame past the audio's end)."""
    import numpy as np

    from pipeline.asr.backends import load_backend
    from pipeline.asr.backends.openai_whisper import clip_timestamps
    from pipeline.config import AsrBackendName

    settings = asr_settings.model_copy(update={"asr_backend": AsrBackendName.OPENAI_WHISPER})
    backend = load_backend(settings, "tiny.en")
    audio = np.zeros(817_536, dtype=np.float32)  # 51.096 s
    clips = clip_timestamps([(45.0, 51.096)], len(audio))
    segments = backend._decode(audio, "en", 1, "", clips)
    assert all(segment.end <= 51.1 for segment in segments)


# The Mandarin call laid out as bench/bench_transcribe.py lays out its "zh 8k" file: every
# turn cut at its manifest times, 0.5 s before, between and after them, stored at 8 kHz. Base
# (beam 5) ends the second 30 s window's text after "还有您的取款密码" and the word alignment
# stretches that text's last word over the 20 s of speech left in the window, so the segment
# seemed to cover it: CER 0.478 with nothing decoded again (0.140 on the plain whisper CLI).
BENCH_ZH_CALL = "zh_limit_auth_request.flac"
BENCH_ZH_GAP_S = 0.5
BENCH_ZH_CER_MAX = 0.2


@pytest.mark.slow
def test_speech_after_a_stretched_last_word_is_decoded_again(
    decode, manifest, asr_settings, tmp_path, monkeypatch
) -> None:
    from pipeline.asr.backends import load_backend
    from pipeline.asr.error_rate import error_rate
    from pipeline.asr.transcribe import transcribe_call
    from pipeline.config import AsrBackendName

    from ..calls import relaid_call, through_telephone

    turns = manifest[BENCH_ZH_CALL]["turns"]
    laid_out, _ = relaid_call(
        decode(BENCH_ZH_CALL),
        turns,
        (BENCH_ZH_GAP_S,),
        lead_in_s=BENCH_ZH_GAP_S,
        margin_s=0.0,
        tail_s=0.0,
    )
    call = through_telephone(laid_out, tmp_path)
    settings = asr_settings.model_copy(update={"asr_backend": AsrBackendName.OPENAI_WHISPER})
    backend = load_backend(settings, "base")
    passes: list[list[float] | None] = []
    first_pass = type(backend)._decode

    def spied(self, audio, language, beam_size, prompt, clips=None):
        passes.append(clips)
        return first_pass(self, audio, language, beam_size, prompt, clips)

    monkeypatch.setattr(type(backend), "_decode", spied)
    transcript = transcribe_call(call, backend, language="zh", beam_size=5)
    assert len(passes) == 2 and passes[1], passes  # the skipped speech was decoded again
    reference = "".join(t["text"] for t in turns)
    hypothesis = "".join(s.text for s in sorted(transcript.segments, key=lambda s: s.start))
    assert error_rate(reference, hypothesis, "zh") <= BENCH_ZH_CER_MAX
