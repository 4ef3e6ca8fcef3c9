"""``talk_ratio``: the speaker's share of the talk time out of bounds."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field, model_validator

from pipeline.compliance.context import CallContext, Hit
from pipeline.compliance.operators.base import Build, Kind, Node, Operator, Spec


class TalkRatioSpec(Spec):
    """Bounds on the share of the talk time (at least one)."""

    min: float | None = Field(None, ge=0.0, le=1.0)  # share of total talk time, 0..1
    max: float | None = Field(None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _bound(self) -> TalkRatioSpec:
        if self.min is None and self.max is None:
            raise ValueError("talk_ratio needs min or max")
        return self


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


def compile_talk_ratio(spec: TalkRatioSpec, build: Build) -> TalkRatioNode:
    """A talk-ratio condition."""
    return TalkRatioNode(build.scope, spec.min, spec.max)


OPERATOR = Operator(
    key="talk_ratio",
    kind=Kind.MEASURE,
    spec=TalkRatioSpec,
    compile=compile_talk_ratio,
    doc="the speaker's share of the talk time (agent when any) below min or above max",
    example="{talk_ratio: {max: 0.8}, speaker: agent}",
)
