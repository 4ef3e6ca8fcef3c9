"""Compiled conditions: each node returns the ``Hit``s where it holds in a call.

Text operators (phrase, regex), measures over the timeline (PII present, silence, talk-time
ratio, overlap, speaking rate) and logic (all / any / not). Every node has a ``Scope`` applied
to its hits; results are memoised per call, so a condition shared as an anchor runs once.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from pipeline.compliance.context import CallContext, Hit
from pipeline.compliance.matchers import PhraseMatcher, RegexMatcher, TextMatch
from pipeline.compliance.scope import Scope

_WORD = re.compile(r"[a-z0-9]+")
_CHAR = re.compile(r"[\w]")


@dataclass(frozen=True, eq=False)
class Node:
    """Base of all conditions."""

    scope: Scope = field(default_factory=Scope)

    def hits(self, ctx: CallContext) -> tuple[Hit, ...]:
        """Scoped hits of this condition in the call (memoised)."""
        return ctx.memo(self, lambda: self.scope.apply(self.raw_hits(ctx), ctx))

    def raw_hits(self, ctx: CallContext) -> list[Hit]:
        """Hits before the scope's speaker / window / anchor filters."""
        raise NotImplementedError


def _text_hits(ctx: CallContext, matches: list[TextMatch]) -> list[Hit]:
    return [ctx.segment_hit(m.segment_index, m.start, m.end) for m in matches]


@dataclass(frozen=True, eq=False)
class PhraseNode(Node):
    """``any`` of the items, ``all`` of them, or ``at_least`` N (per segment or per call)."""

    matcher: PhraseMatcher | None = None
    required: int = 1  # distinct items needed (1 for ``any``)
    span: str = "segment"  # "segment" or "call"

    def raw_hits(self, ctx: CallContext) -> list[Hit]:
        assert self.matcher is not None
        matches = ctx.text_matches(self.matcher, self.scope.segments(ctx))
        if self.required <= 1:
            return _text_hits(ctx, matches)
        if self.span == "call":
            return self._call_level(ctx, matches)
        by_segment: dict[int, list[TextMatch]] = {}
        for m in matches:
            by_segment.setdefault(m.segment_index, []).append(m)
        hits = []
        for seg, group in by_segment.items():
            if len({m.item for m in group}) >= self.required:
                hits.append(
                    ctx.segment_hit(seg, min(m.start for m in group), max(m.end for m in group))
                )
        return hits

    def _call_level(self, ctx: CallContext, matches: list[TextMatch]) -> list[Hit]:
        """Hits from the moment ``required`` distinct items have been said in the call (the
        disclosure is complete when its second part is said, not at its first): hits before
        that are dropped, and hits that complete the set only with suspect speech are
        suspect."""
        hits = _text_hits(ctx, matches)
        ordered = sorted(zip(matches, hits, strict=True), key=lambda mh: (mh[1].start, mh[1].end))
        said: set[int] = set()  # items said so far
        said_solid: set[int] = set()  # ... in non-suspect speech
        out = []
        for match, hit in ordered:
            said.add(match.item)
            if not hit.suspect:
                said_solid.add(match.item)
            if len(said_solid) >= self.required:
                out.append(hit)
            elif len(said) >= self.required:
                out.append(Hit(hit.start, hit.end, hit.speaker, hit.segment_index, True))
        return out


@dataclass(frozen=True, eq=False)
class RegexNode(Node):
    """A regular expression over the normalised text of each segment."""

    matcher: RegexMatcher | None = None

    def raw_hits(self, ctx: CallContext) -> list[Hit]:
        assert self.matcher is not None
        return _text_hits(ctx, ctx.text_matches(self.matcher, self.scope.segments(ctx)))


@dataclass(frozen=True, eq=False)
class PiiNode(Node):
    """A PII finding of one of ``types`` (from the PII stage)."""

    types: frozenset[str] = frozenset()
    min_score: float = 0.0

    def raw_hits(self, ctx: CallContext) -> list[Hit]:
        segments = ctx.transcript.segments
        hits = []
        for f in ctx.pii:
            if f.entity_type not in self.types or f.score < self.min_score:
                continue
            if not 0 <= f.segment_index < len(segments):
                continue
            seg = segments[f.segment_index]
            length = max(len(seg.text), 1)
            span = seg.end - seg.start
            start = (
                f.time_start if f.time_start is not None else seg.start + span * f.start / length
            )
            end = f.time_end if f.time_end is not None else seg.start + span * f.end / length
            hits.append(Hit(start, end, seg.speaker, f.segment_index, seg.suspect))
        return hits


@dataclass(frozen=True, eq=False)
class SilenceNode(Node):
    """A gap of at least ``min_s`` seconds with nobody speaking; speaker = who spoke last."""

    min_s: float = 10.0

    def raw_hits(self, ctx: CallContext) -> list[Hit]:
        hits = []
        latest_end, latest_index = -math.inf, None
        for i, seg in enumerate(ctx.transcript.segments):
            if latest_index is not None and seg.start - latest_end >= self.min_s:
                last = ctx.transcript.segments[latest_index]
                hits.append(Hit(latest_end, seg.start, last.speaker, latest_index, last.suspect))
            if seg.end > latest_end:
                latest_end, latest_index = seg.end, i
        return hits


@dataclass(frozen=True, eq=False)
class TalkRatioNode(Node):
    """Share of the talk time held by the scope's speaker (agent when ``any``) out of bounds."""

    min: float | None = None
    max: float | None = None

    def raw_hits(self, ctx: CallContext) -> list[Hit]:
        speaker = "agent" if self.scope.speaker == "any" else self.scope.speaker
        talk: dict[str, float] = {}
        for seg in ctx.transcript.segments:
            talk[seg.speaker] = talk.get(seg.speaker, 0.0) + max(seg.end - seg.start, 0.0)
        total = sum(talk.values())
        if total <= 0:
            return []
        ratio = talk.get(speaker, 0.0) / total
        if (self.min is not None and ratio < self.min) or (
            self.max is not None and ratio > self.max
        ):
            return [Hit(0.0, ctx.transcript.duration, speaker, None, False, True)]
        return []


@dataclass(frozen=True, eq=False)
class OverlapNode(Node):
    """One speaker starts while the other is talking, overlapping by ``min_s`` seconds or more;
    the hit's speaker is the one who cut in."""

    min_s: float = 1.0

    def raw_hits(self, ctx: CallContext) -> list[Hit]:
        segments = ctx.transcript.segments
        hits, active = [], []
        for i, seg in enumerate(segments):
            active = [j for j in active if segments[j].end > seg.start]
            for j in active:
                other = segments[j]
                if other.speaker == seg.speaker or other.start >= seg.start:
                    continue
                overlap = min(other.end, seg.end) - seg.start
                if overlap >= self.min_s:
                    suspect = seg.suspect or other.suspect
                    hits.append(Hit(seg.start, seg.start + overlap, seg.speaker, i, suspect))
                    break
            active.append(i)
        return hits


@dataclass(frozen=True, eq=False)
class SpeakingRateNode(Node):
    """Segments spoken faster than ``max`` or slower than ``min`` (cps or wpm)."""

    unit: str = "cps"
    min: float | None = None
    max: float | None = None
    min_duration_s: float = 2.0

    def raw_hits(self, ctx: CallContext) -> list[Hit]:
        hits = []
        wanted = self.scope.segments(ctx)
        for i, seg in enumerate(ctx.transcript.segments):
            duration = seg.end - seg.start
            if duration < self.min_duration_s or (wanted is not None and i not in wanted):
                continue
            text = ctx.text.segment_norm(i)
            if self.unit == "wpm":
                rate = len(_WORD.findall(text)) / duration * 60.0
            else:
                rate = len(_CHAR.findall(text)) / duration
            if (self.min is not None and rate < self.min) or (
                self.max is not None and rate > self.max
            ):
                hits.append(ctx.segment_hit(i))
        return hits


@dataclass(frozen=True, eq=False)
class AnyNode(Node):
    """Hits of any child."""

    children: tuple[Node, ...] = ()

    def raw_hits(self, ctx: CallContext) -> list[Hit]:
        return [h for child in self.children for h in child.hits(ctx)]


@dataclass(frozen=True, eq=False)
class AllNode(Node):
    """Every child holds (anywhere in the call, or in one segment with ``same_segment``)."""

    children: tuple[Node, ...] = ()
    same_segment: bool = False

    def raw_hits(self, ctx: CallContext) -> list[Hit]:
        results = [child.hits(ctx) for child in self.children]
        if not all(results):
            return []
        if not self.same_segment:
            return [h for hits in results for h in hits]
        common = set.intersection(*({h.segment_index for h in hits} for hits in results))
        out = []
        for seg in sorted(i for i in common if i is not None):
            parts = [h for hits in results for h in hits if h.segment_index == seg]
            first = min(parts, key=lambda h: h.start)
            out.append(
                Hit(
                    first.start,
                    max(h.end for h in parts),
                    first.speaker,
                    seg,
                    any(h.suspect for h in parts),
                )
            )
        return out


@dataclass(frozen=True, eq=False)
class NotNode(Node):
    """Holds (once, over its window or the whole call) when the child has no hit at all."""

    child: Node | None = None

    def raw_hits(self, ctx: CallContext) -> list[Hit]:
        assert self.child is not None
        if self.child.hits(ctx):
            return []
        duration = ctx.transcript.duration
        lo, hi = self.scope.window.bounds(duration) if self.scope.window else (0.0, duration)
        speaker = "agent" if self.scope.speaker == "any" else self.scope.speaker
        return [Hit(lo, min(hi, duration), speaker, None, False, True)]
