"""``speaking_rate``: segments spoken too fast or too slow."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, model_validator

from pipeline.compliance.context import CallContext, Hit
from pipeline.compliance.operators.base import Build, Kind, Node, Operator, Spec

_WORD = re.compile(r"[a-z0-9]+")
_CHAR = re.compile(r"[\w]")


class SpeakingRateSpec(Spec):
    """Bounds on the rate (at least one), its unit, the shortest segment measured."""

    unit: Literal["cps", "wpm"] = "cps"  # characters per second (zh), words per minute (en)
    min: float | None = Field(None, ge=0)
    max: float | None = Field(None, ge=0)
    min_duration_s: float = Field(2.0, ge=0)  # shorter segments are not measured

    @model_validator(mode="after")
    def _bound(self) -> SpeakingRateSpec:
        if self.min is None and self.max is None:
            raise ValueError("speaking_rate needs min or max")
        return self


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


def compile_speaking_rate(spec: SpeakingRateSpec, build: Build) -> SpeakingRateNode:
    """A speaking-rate condition."""
    return SpeakingRateNode(build.scope, spec.unit, spec.min, spec.max, spec.min_duration_s)


OPERATOR = Operator(
    key="speaking_rate",
    kind=Kind.MEASURE,
    spec=SpeakingRateSpec,
    compile=compile_speaking_rate,
    doc="segments faster than max or slower than min (characters/s or words/min)",
    example="{speaking_rate: {unit: cps, max: 7}, speaker: agent}",
)
