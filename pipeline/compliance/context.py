"""What a condition sees of a call (``CallContext``) and what it returns (``Hit``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pipeline.models import PiiFinding, Transcript

# a segment set at least 1/N of the call is served from the matcher's whole-call matches
SHARE_WHOLE_CALL_FRACTION = 3

if TYPE_CHECKING:
    from pipeline.compliance.matchers import PhraseMatcher, RegexMatcher, TextIndex, TextMatch
    from pipeline.compliance.scope import Window

    Matcher = PhraseMatcher | RegexMatcher


@dataclass(frozen=True)
class Hit:
    """A place in the call where a condition holds."""

    start: float  # seconds
    end: float  # seconds
    speaker: str  # "agent", "customer", "unknown" (or "any" for call-level hits)
    segment_index: int | None = None  # segment the hit lies in (None: not tied to one)
    suspect: bool = False  # rests only on suspect ASR segments: cannot trigger a violation
    synthetic: bool = False  # made by ``not`` or a call-level measure, not by evidence
    # the hit's own words: characters [char_start, char_end) of its segment's normalised text
    # (``TextIndex``); None for a hit with no words of its own (a silence, a call measure)
    char_start: int | None = None
    char_end: int | None = None


@dataclass
class CallContext:
    """One call under evaluation, with lazily built indexes shared by all rules."""

    transcript: Transcript
    pii: tuple[PiiFinding, ...] = ()
    # memo of condition results by node id, so an anchor used by several rules runs once
    cache: dict[int, tuple[Hit, ...]] = field(default_factory=dict)
    # matches by (matcher id, segment set) and segment sets by (speaker, window)
    match_cache: dict[tuple[int, frozenset[int] | None], list[TextMatch]] = field(
        default_factory=dict
    )
    segment_sets: dict[tuple[str, Window | None], frozenset[int]] = field(default_factory=dict)
    # per anchor (by id): its hits sorted by start, their starts, the longest hit's duration
    anchor_index: dict[int, Any] = field(default_factory=dict)

    @cached_property
    def text(self) -> TextIndex:
        """Normalised text of all segments (built on first use)."""
        from pipeline.compliance.matchers import TextIndex

        return TextIndex.build(self.transcript)

    @cached_property
    def _segment_geometry(self) -> tuple[tuple[float, float, int, str, bool], ...]:
        """(start, span, normalised length >= 1, speaker, suspect) of every segment."""
        lengths = self.text.lengths
        return tuple(
            (s.start, max(s.end - s.start, 0.0), max(lengths[i], 1), s.speaker, s.suspect)
            for i, s in enumerate(self.transcript.segments)
        )

    @cached_property
    def _segment_hits(self) -> dict[tuple[int, int, int | None], Hit]:
        return {}

    def segment_hit(self, index: int, char_start: int = 0, char_end: int | None = None) -> Hit:
        """A hit inside segment ``index``; times interpolated from character positions
        (memoised: the matchers of many rules land on the same words)."""
        key = (index, char_start, char_end)
        hit = self._segment_hits.get(key)
        if hit is None:
            start, span, length, speaker, suspect = self._segment_geometry[index]
            end = length if char_end is None else char_end
            hit = self._segment_hits[key] = Hit(
                start=start + span * min(char_start, length) / length,
                end=start + span * min(end, length) / length,
                speaker=speaker,
                segment_index=index,
                suspect=suspect,
                char_start=min(char_start, length),
                char_end=min(end, length),
            )
        return hit

    @cached_property
    def _hit_digits(self) -> dict[tuple[int, int, int], str]:
        return {}

    def digits(self, hit: Hit) -> str:
        """The digits said in the hit's own words (digit words and Chinese numerals read as
        digits, ``numbers.digits_of``); "" when it has none or no words of its own."""
        if hit.segment_index is None or hit.char_start is None or hit.char_end is None:
            return ""
        key = (hit.segment_index, hit.char_start, hit.char_end)
        found = self._hit_digits.get(key)
        if found is None:
            from pipeline.compliance.numbers import digits_of

            words = self.text.segment_norm(hit.segment_index)[hit.char_start : hit.char_end]
            found = self._hit_digits[key] = digits_of(words)
        return found

    def scope_segments(self, speaker: str, window: Window | None) -> frozenset[int] | None:
        """Segments of ``speaker`` ("any": all) overlapping ``window`` (None: all segments and
        the whole call); memoised, since many conditions share a scope."""
        if speaker == "any" and window is None:
            return None
        key = (speaker, window)
        if key not in self.segment_sets:
            duration = self.transcript.duration
            lo, hi = window.bounds(duration) if window else (0.0, math.inf)
            self.segment_sets[key] = frozenset(
                i
                for i, s in enumerate(self.transcript.segments)
                if (speaker == "any" or s.speaker == speaker) and s.end >= lo and s.start <= hi
            )
        return self.segment_sets[key]

    def text_matches(self, matcher: Matcher, segments: frozenset[int] | None) -> list[TextMatch]:
        """``matcher.find`` over ``segments``, once per call for each matcher and segment set
        (the loader shares one matcher between conditions with the same phrase list / regex).

        A matcher's matches in a set of segments are its matches in the whole call that lie
        in those segments (no match spans two segments), so a large set (a speaker's turns)
        is served from the whole-call result, found once for all the speakers that ask."""
        key = (id(matcher), segments)
        found = self.match_cache.get(key)
        if found is None:
            if segments is not None and len(segments) * SHARE_WHOLE_CALL_FRACTION >= len(
                self.transcript.segments
            ):
                whole = self.text_matches(matcher, None)
                found = [m for m in whole if m.segment_index in segments]
            else:
                found = matcher.find(self.text, segments)
            self.match_cache[key] = found
        return found

    def memo(self, node: Any, compute: Any) -> tuple[Hit, ...]:
        """``compute()`` once per node per call."""
        key = id(node)
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]
