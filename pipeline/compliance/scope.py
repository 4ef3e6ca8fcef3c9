"""Scope of a condition: whose speech (speaker), when (time window), near what (anchor)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pipeline.compliance.context import CallContext, Hit

if TYPE_CHECKING:
    from pipeline.compliance.operators import Node


@dataclass(frozen=True)
class Window:
    """A time window: the first N s, the last N s, or an absolute range (seconds)."""

    first_s: float | None = None
    last_s: float | None = None
    from_s: float | None = None
    to_s: float | None = None

    def bounds(self, duration: float) -> tuple[float, float]:
        """(start, end) of the window in a call of ``duration`` seconds."""
        if self.first_s is not None:
            return 0.0, self.first_s
        if self.last_s is not None:
            return max(duration - self.last_s, 0.0), math.inf
        return self.from_s or 0.0, self.to_s if self.to_s is not None else math.inf

    def contains(self, hit: Hit, duration: float) -> bool:
        """Whether the hit starts inside the window (or, for ``last_s``, ends inside it)."""
        lo, hi = self.bounds(duration)
        if self.last_s is not None:
            return hit.end >= lo
        return lo <= hit.start <= hi


@dataclass(frozen=True)
class Anchor:
    """Keep hits that lie after / before / within N s of a hit of another condition."""

    of: Node
    relation: str = "after"  # "after", "before" or "within"
    seconds: float | None = None  # None: any distance
    absent: bool = False  # invert: keep hits with no such anchor
    # measure from the whole segment (turn) the anchor lies in, not its words: "please hold
    # on while I set this up, it takes a minute" announces the silence after the turn
    whole_turn: bool = False

    def near(self, hit: Hit, anchor: Hit) -> bool:
        """Whether ``anchor`` anchors ``hit`` under this relation."""
        limit = math.inf if self.seconds is None else self.seconds
        if self.relation == "after":
            return hit.start >= anchor.start and hit.start - anchor.end <= limit
        if self.relation == "before":
            return hit.start <= anchor.start and anchor.start - hit.end <= limit
        overlap = hit.start <= anchor.end and anchor.start <= hit.end
        return overlap or min(abs(hit.start - anchor.end), abs(anchor.start - hit.end)) <= limit

    def filter(self, hits: list[Hit], ctx: CallContext) -> list[Hit]:
        """The hits this anchor keeps. A hit anchored only by suspect hits becomes suspect."""
        anchors = self.of.hits(ctx)
        if self.whole_turn:
            anchors = tuple(
                replace(ctx.segment_hit(a.segment_index), suspect=a.suspect)
                if a.segment_index is not None
                else a
                for a in anchors
            )
        kept = []
        for hit in hits:
            near = [a for a in anchors if self.near(hit, a)]
            if self.absent:
                if not near:
                    kept.append(hit)
            elif near:
                solid = any(not a.suspect for a in near)
                kept.append(hit if solid or hit.suspect else replace(hit, suspect=True))
        return kept


@dataclass(frozen=True)
class Scope:
    """Speaker, time window and anchor of one condition."""

    speaker: str = "any"  # "agent", "customer", "unknown" or "any"
    window: Window | None = None
    anchor: Anchor | None = None

    def segments(self, ctx: CallContext) -> frozenset[int] | None:
        """Segments a text operator needs to look at (None: all)."""
        return ctx.scope_segments(self.speaker, self.window)

    def apply(self, hits: list[Hit], ctx: CallContext) -> tuple[Hit, ...]:
        """The hits inside this scope."""
        duration = ctx.transcript.duration
        kept = [
            h
            for h in hits
            if (self.speaker == "any" or h.speaker in (self.speaker, "any"))
            and (self.window is None or self.window.contains(h, duration))
        ]
        if self.anchor is not None and kept:
            kept = self.anchor.filter(kept, ctx)
        return tuple(sorted(kept, key=lambda h: (h.start, h.end)))
