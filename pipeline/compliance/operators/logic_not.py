"""``not``: the child condition has no hit at all."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.compliance.context import CallContext, Hit
from pipeline.compliance.operators.base import Build, Kind, Node, Operator


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


def compile_not(child: object, build: Build) -> NotNode:
    """A ``not`` condition over its compiled child."""
    return NotNode(build.scope, build.child(child))


OPERATOR = Operator(
    key="not",
    kind=Kind.LOGIC,
    spec="ConditionSpec",
    compile=compile_not,
    doc="holds once (over its window or the call) when the child condition has no hit",
    example="{not: {phrase: {any: [录音]}}, window: {first_s: 30}}",
)
