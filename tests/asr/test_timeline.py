"""The way back from the speech-only audio to call time (pure logic, no Whisper)."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from pipeline.asr.guards import AsrSegment
from pipeline.asr.timeline import SpeechMap, compact_channels, map_segment
from pipeline.asr.vad import SAMPLE_RATE, SpeechRegion
from pipeline.models import Word

# Two kept regions: original [10, 12) and [20, 23); in the compact audio [0, 2) and [2, 5).
TWO = SpeechMap(compact_starts=(0.0, 2.0), original_starts=(10.0, 20.0), lengths=(2.0, 3.0))


def _segment(*words: tuple[float, float, str]) -> AsrSegment:
    ws = tuple(Word(a, b, text) for a, b, text in words)
    return AsrSegment(ws[0].start, ws[-1].end, "".join(w.text for w in ws), ws)


def test_regions_at_seams() -> None:
    assert TWO.in_region(TWO.region_at(0.5), 0.5) == pytest.approx(10.5)
    assert TWO.region_at(2.0) == 1  # a start on the seam: the later region
    assert TWO.region_at(2.0, is_end=True) == 0  # an end: the earlier
    assert TWO.in_region(1, 99.0) == pytest.approx(23.0)  # clamped into the region


def test_no_map_leaves_times_alone() -> None:
    segment = _segment((1.0, 2.0, " a"))
    assert map_segment(segment, SpeechMap((), (), ())) == [(0, segment)]


def test_removed_pause_lengths() -> None:
    assert TWO.removed_after(0) == pytest.approx(8.0)
    assert TWO.removed_after(1) == 0.0


def test_first_word_stamped_from_previous_segment_does_not_absorb_the_pause() -> None:
    # The decoder stamps the first word from the end of the previous segment (compact 1.6),
    # across the seam at 2.0; the word was said in the second region.
    segment = _segment((1.6, 2.3, " This"), (2.3, 2.6, " one"), (2.6, 3.0, " now"))
    ((_, mapped),) = map_segment(segment, TWO)
    assert mapped.start == pytest.approx(20.0)
    assert mapped.words[0].start == pytest.approx(20.0)
    assert mapped.words[0].end == pytest.approx(20.3)
    assert mapped.end == pytest.approx(21.0)
    assert mapped.text == segment.text


def test_last_word_stretched_over_a_seam_stays_with_its_segment() -> None:
    segment = _segment((1.0, 1.4, " Good"), (1.4, 2.5, "bye"))
    ((_, mapped),) = map_segment(segment, TWO)
    assert (mapped.start, mapped.end) == pytest.approx((11.0, 12.0))


def test_segment_straddling_a_removed_pause_is_split_there() -> None:
    segment = _segment((0.5, 0.9, " Hello"), (0.9, 1.5, " there."), (2.2, 2.6, " Yes"))
    (_, first), (_, second) = map_segment(segment, TWO)
    assert (first.start, first.end) == pytest.approx((10.5, 11.5))
    assert first.text == "Hello there."
    assert (second.start, second.end) == pytest.approx((20.2, 20.6))
    assert second.text == "Yes" and second.compression_ratio is None


def test_short_removed_pause_does_not_split() -> None:
    near = SpeechMap((0.0, 2.0), (10.0, 12.2), (2.0, 3.0))  # 0.2 s cut out
    segment = _segment((1.5, 1.9, " a"), (2.1, 2.5, " b"))
    ((_, mapped),) = map_segment(segment, near)
    assert (mapped.start, mapped.end) == pytest.approx((11.5, 12.7))


def test_segment_without_words_is_clamped_to_its_main_region() -> None:
    segment = AsrSegment(1.7, 4.0, " text without words")
    ((_, mapped),) = map_segment(segment, TWO)
    assert (mapped.start, mapped.end) == pytest.approx((20.0, 22.0))


@pytest.mark.parametrize("seed", range(20))
def test_no_word_ever_straddles_a_removed_pause(seed: int) -> None:
    rng = np.random.default_rng(seed)
    lengths = rng.uniform(0.5, 4.0, 6)
    compact = np.concatenate(([0.0], np.cumsum(lengths)[:-1]))
    originals = compact + np.cumsum(rng.uniform(1.0, 8.0, 6))  # a pause of 1..8 s before each
    speech_map = SpeechMap(tuple(compact), tuple(originals), tuple(lengths))
    bounds = np.sort(rng.uniform(0.0, float(lengths.sum()), 12))
    words = [(float(a), float(b), f" w{i}") for i, (a, b) in enumerate(pairwise(bounds))]
    kept = [(o, o + n) for o, n in zip(originals, lengths, strict=True)]
    for _, part in map_segment(_segment(*words), speech_map):
        assert part.start == part.words[0].start and part.end >= part.start
        spans = {next(i for i, (a, b) in enumerate(kept) if a <= w.start <= b) for w in part.words}
        assert len(spans) == 1  # one part never spans a removed pause
        for w in part.words:
            assert any(a - 1e-9 <= w.start <= w.end <= b + 1e-9 for a, b in kept)


def test_words_never_pass_to_the_other_channel() -> None:
    # Agent region [10, 12) then the customer's [12.2, 14) (0.2 s apart, less than a split).
    both = SpeechMap((0.0, 2.0), (10.0, 12.2), (2.0, 1.8), sources=(0, 1))
    segment = _segment((1.0, 1.7, " Yes."), (1.7, 2.4, " Hello"), (2.4, 2.9, " there"))
    (agent, first), (customer, second) = map_segment(segment, both)
    assert (agent, customer) == (0, 1)
    assert first.text == "Yes." and second.text == "Hello there"
    assert second.start == pytest.approx(12.2)


def test_channels_join_in_order_of_speech() -> None:
    agent = np.full(10 * SAMPLE_RATE, 0.1, np.float32)
    customer = np.full(10 * SAMPLE_RATE, 0.2, np.float32)
    audio, speech_map = compact_channels(
        [
            (agent, [SpeechRegion(1.0, 2.0), SpeechRegion(6.0, 7.0)]),
            (customer, [SpeechRegion(3.0, 4.0)]),
        ]
    )
    assert speech_map.sources == (0, 1, 0)
    assert speech_map.original_starts == pytest.approx((1.0, 3.0, 6.0))
    assert audio[SAMPLE_RATE + 10] == pytest.approx(0.2)  # the customer's second comes second
    assert len(audio) == 3 * SAMPLE_RATE


def test_compact_speech_round_trip() -> None:
    samples = np.arange(10 * SAMPLE_RATE, dtype=np.float32)
    regions = [SpeechRegion(1.0, 2.0), SpeechRegion(5.0, 6.5)]
    audio, speech_map = compact_channels([(samples, regions)])
    assert len(audio) == round(2.5 * SAMPLE_RATE)
    assert audio[SAMPLE_RATE] == samples[5 * SAMPLE_RATE]
    assert speech_map.in_region(speech_map.region_at(1.25), 1.25) == pytest.approx(5.25)
