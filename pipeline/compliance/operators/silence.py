"""``silence``: a gap with nobody speaking."""

from __future__ import annotations

import math
from dataclasses import dataclass

from pydantic import Field

from pipeline.compliance.context import CallContext, Hit
from pipeline.compliance.operators.base import Build, Kind, Node, Operator, Spec


class SilenceSpec(Spec):
    """The shortest gap that counts."""

    min_s: float = Field(gt=0)  # gap with nobody speaking, seconds (scope speaker: who spoke last)


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


def compile_silence(spec: SilenceSpec, build: Build) -> SilenceNode:
    """A silence condition."""
    return SilenceNode(build.scope, spec.min_s)


OPERATOR = Operator(
    key="silence",
    kind=Kind.MEASURE,
    spec=SilenceSpec,
    compile=compile_silence,
    doc="a gap of at least min_s seconds with nobody speaking (speaker: who spoke last)",
    example="{silence: {min_s: 20}, speaker: agent}",
)
