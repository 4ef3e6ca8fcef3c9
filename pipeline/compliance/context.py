"""What a condition sees of a call (``CallContext``) and what it returns (``Hit``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pipeline.models import PiiFinding, Transcript

if TYPE_CHECKING:
    from pipeline.compliance.matchers import TextIndex


@dataclass(frozen=True)
class Hit:
    """A place in the call where a condition holds."""

    start: float  # seconds
    end: float  # seconds
    speaker: str  # "agent", "customer", "unknown" (or "any" for call-level hits)
    segment_index: int | None = None  # segment the hit lies in (None: not tied to one)
    suspect: bool = False  # rests only on suspect ASR segments: cannot trigger a violation
    synthetic: bool = False  # made by ``not`` or a call-level measure, not by evidence


@dataclass
class CallContext:
    """One call under evaluation, with lazily built indexes shared by all rules."""

    transcript: Transcript
    pii: tuple[PiiFinding, ...] = ()
    # memo of condition results by node id, so an anchor used by several rules runs once
    cache: dict[int, tuple[Hit, ...]] = field(default_factory=dict)

    @cached_property
    def text(self) -> TextIndex:
        """Normalised text of all segments (built on first use)."""
        from pipeline.compliance.matchers import TextIndex

        return TextIndex.build(self.transcript)

    @cached_property
    def speech_spans(self) -> tuple[tuple[float, float, str], ...]:
        """(start, end, speaker) of every segment, by start time."""
        return tuple((s.start, s.end, s.speaker) for s in self.transcript.segments)

    def segment_hit(self, index: int, char_start: int = 0, char_end: int | None = None) -> Hit:
        """A hit inside segment ``index``; times interpolated from character positions."""
        seg = self.transcript.segments[index]
        length = max(len(self.text.segment_norm(index)), 1)
        char_end = length if char_end is None else char_end
        span = max(seg.end - seg.start, 0.0)
        return Hit(
            start=seg.start + span * min(char_start, length) / length,
            end=seg.start + span * min(char_end, length) / length,
            speaker=seg.speaker,
            segment_index=index,
            suspect=seg.suspect,
        )

    def memo(self, node: Any, compute: Any) -> tuple[Hit, ...]:
        """``compute()`` once per node per call."""
        key = id(node)
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]
