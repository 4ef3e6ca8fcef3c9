"""``all``: every child condition holds (anywhere, or in one segment with ``same_segment``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator

from pipeline.compliance.context import CallContext, Hit

if TYPE_CHECKING:  # the recursive spec type; pydantic resolves it in schema.py
    from pipeline.compliance.schema import ConditionSpec

from pipeline.compliance.operators.base import Build, Kind, Node, Operator, non_empty


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
            worded = all(h.char_start is not None and h.char_end is not None for h in parts)
            out.append(
                Hit(
                    first.start,
                    max(h.end for h in parts),
                    first.speaker,
                    seg,
                    any(h.suspect for h in parts),
                    char_start=min(h.char_start or 0 for h in parts) if worded else None,
                    char_end=max(h.char_end or 0 for h in parts) if worded else None,
                )
            )
        return out


def compile_all(children: list, build: Build) -> AllNode:
    """An ``all`` condition over its compiled children."""
    return AllNode(
        build.scope, tuple(build.child(c) for c in children), build.condition.same_segment
    )


OPERATOR = Operator(
    key="all",
    kind=Kind.LOGIC,
    spec=Annotated[list["ConditionSpec"], AfterValidator(non_empty)],
    compile=compile_all,
    doc="every child condition holds; with same_segment: true, all in one segment",
    example="{all: [{phrase: {any: [理财]}}, {phrase: {any: [保本]}}], same_segment: true}",
    options={"same_segment": (bool, False)},  # children must hit in one segment
)
