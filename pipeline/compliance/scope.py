"""Scope of a condition: whose speech (speaker), when (time window), near what (anchor)."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pipeline.compliance.context import CallContext, Hit

if TYPE_CHECKING:
    from pipeline.compliance.operators import Node


_BOUND_MARGIN_S = 1.0  # slack on the anchor search bounds, so rounding never drops a near one


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
    # an anchor counts only when the digits said in the hit's own words (digits or digit
    # words, ``CallContext.digits``) end the digits of the anchor's: the agent's "card ending
    # in 8836" echoes the customer's "5531 4750 0095 8836", not their "... 1234"; a hit that
    # says no digits has no anchor
    same_digits: bool = False

    def near(self, hit: Hit, anchor: Hit) -> bool:
        """Whether ``anchor`` anchors ``hit`` under this relation."""
        limit = math.inf if self.seconds is None else self.seconds
        if self.relation == "after":
            return hit.start >= anchor.start and hit.start - anchor.end <= limit
        if self.relation == "before":
            return hit.start <= anchor.start and anchor.start - hit.end <= limit
        overlap = hit.start <= anchor.end and anchor.start <= hit.end
        return overlap or min(abs(hit.start - anchor.end), abs(anchor.start - hit.end)) <= limit

    def vouches(self, hit: Hit, anchor: Hit, ctx: CallContext) -> bool:
        """Whether ``anchor``, near ``hit``, anchors it: always, or with ``same_digits`` when
        the hit says digits and they are the anchor's last ones (or all of them)."""
        if not self.same_digits:
            return True
        said = ctx.digits(hit)
        return bool(said) and ctx.digits(anchor).endswith(said)

    def filter(self, hits: list[Hit], ctx: CallContext) -> list[Hit]:
        """The hits this anchor keeps. A hit anchored only by suspect hits becomes suspect.

        Only the anchors that can be near a hit are looked at: sorted by start, a near anchor
        starts no later than ``hit.end + seconds`` and no earlier than ``hit.start - seconds -
        the longest anchor`` (every relation; see ``near``), so a binary search bounds them."""
        anchors, starts, longest = self._sorted_anchors(ctx)
        limit = math.inf if self.seconds is None else self.seconds
        finite = not math.isinf(limit)
        kept = []
        for hit in hits:
            first, stop = 0, len(anchors)
            if finite:
                early = min(hit.start, hit.end) - limit - longest - _BOUND_MARGIN_S
                late = max(hit.start, hit.end) + limit + _BOUND_MARGIN_S
                first, stop = bisect_left(starts, early), bisect_right(starts, late)
            near = solid = False
            for i in range(first, stop):
                anchor = anchors[i]
                if self.near(hit, anchor) and self.vouches(hit, anchor, ctx):
                    near = True
                    if not anchor.suspect:
                        solid = True
                        break
                    if self.absent:
                        break
            if self.absent:
                if not near:
                    kept.append(hit)
            elif near:
                kept.append(hit if solid or hit.suspect else replace(hit, suspect=True))
        return kept

    def _sorted_anchors(self, ctx: CallContext) -> tuple[tuple[Hit, ...], list[float], float]:
        """The anchor hits (whole turns with ``whole_turn``) sorted by start, their starts and
        the longest one's duration; once per call."""
        key = id(self)
        found = ctx.anchor_index.get(key)
        if found is None:
            anchors = self.of.hits(ctx)
            if self.whole_turn:
                anchors = tuple(
                    replace(ctx.segment_hit(a.segment_index), suspect=a.suspect)
                    if a.segment_index is not None
                    else a
                    for a in anchors
                )
            ordered = tuple(sorted(anchors, key=lambda a: a.start))
            longest = max((max(a.end - a.start, 0.0) for a in ordered), default=0.0)
            found = ctx.anchor_index[key] = (ordered, [a.start for a in ordered], longest)
        return found


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
