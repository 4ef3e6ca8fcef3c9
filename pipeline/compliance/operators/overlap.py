"""``overlap``: one speaker cuts in while the other is talking."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from pipeline.compliance.context import CallContext, Hit
from pipeline.compliance.operators.base import Build, Kind, Node, Operator, Spec


class OverlapSpec(Spec):
    """The shortest overlap that counts."""

    min_s: float = Field(1.0, gt=0)  # overlap of the two speakers, seconds


@dataclass(frozen=True, eq=False)
class OverlapNode(Node):
    """One speaker starts while the other is talking, overlapping by ``min_s`` seconds or more;
    the hit's speaker is the one who cut in."""

    min_s: float = 1.0

    def raw_hits(self, ctx: CallContext) -> list[Hit]:
        segments = ctx.transcript.segments
        hits: list[Hit] = []
        active: list[int] = []
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


def compile_overlap(spec: OverlapSpec, build: Build) -> OverlapNode:
    """An overlap condition."""
    return OverlapNode(build.scope, spec.min_s)


OPERATOR = Operator(
    key="overlap",
    kind=Kind.MEASURE,
    spec=OverlapSpec,
    compile=compile_overlap,
    doc="one speaker starts while the other talks, overlapping min_s seconds (who cut in)",
    example="{overlap: {min_s: 1.5}, speaker: agent}",
)
