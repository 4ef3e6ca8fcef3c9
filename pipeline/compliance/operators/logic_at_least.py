"""``at_least``: N of M child conditions hold (anywhere, in one segment, or within N seconds).

A sale is told by several signs of which any two will do ("a product", "returns of 4%", "from
10,000", "I'll reserve it for you"): ``{at_least: {n: 2, of: [C1, C2, C3], within_s: 10}}``
holds where hits of at least ``n`` different children lie within ``within_s`` seconds of each
other (with ``same_segment: true``, in one segment; with neither, anywhere in the call).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, Field, model_validator

from pipeline.compliance.context import CallContext, Hit
from pipeline.compliance.operators.base import Build, Kind, Node, Operator, Spec, non_empty

if TYPE_CHECKING:  # the recursive spec type; pydantic resolves it in schema.py
    from pipeline.compliance.schema import ConditionSpec


class AtLeastSpec(Spec):
    """``n`` of the conditions ``of``; where their hits must meet."""

    n: int = Field(ge=1)
    of: Annotated[list[ConditionSpec], AfterValidator(non_empty)]
    within_s: float | None = Field(None, gt=0)  # hits of n children within this many seconds
    same_segment: bool = False  # hits of n children in one segment

    @model_validator(mode="after")
    def _fits(self) -> AtLeastSpec:
        if self.n > len(self.of):
            raise ValueError(f"at_least: n {self.n} > {len(self.of)} conditions")
        if self.within_s is not None and self.same_segment:
            raise ValueError("at_least: within_s or same_segment, not both")
        return self


@dataclass(frozen=True, eq=False)
class AtLeastNode(Node):
    """The hits of children that meet ``n`` distinct children's hits (see the module doc)."""

    children: tuple[Node, ...] = ()
    n: int = 1
    within_s: float | None = None
    same_segment: bool = False

    def raw_hits(self, ctx: CallContext) -> list[Hit]:
        results = [child.hits(ctx) for child in self.children]
        if sum(1 for hits in results if hits) < self.n:
            return []
        tagged = [(h, i) for i, hits in enumerate(results) for h in hits]
        if self.within_s is None and not self.same_segment:
            return [h for h, _ in tagged]
        out = []
        for hit, _ in tagged:
            if self.same_segment:
                if hit.segment_index is None:
                    continue
                met = {i for h, i in tagged if h.segment_index == hit.segment_index}
            else:
                limit = self.within_s or 0.0
                met = {
                    i
                    for h, i in tagged
                    if h.start - limit <= hit.end and hit.start - limit <= h.end
                }
            if len(met) >= self.n:
                out.append(hit)
        return out


def compile_at_least(spec: AtLeastSpec, build: Build) -> AtLeastNode:
    """An ``at_least`` condition over its compiled children."""
    children = tuple(build.child(c) for c in spec.of)
    return AtLeastNode(build.scope, children, spec.n, spec.within_s, spec.same_segment)


OPERATOR = Operator(
    key="at_least",
    kind=Kind.LOGIC,
    spec=AtLeastSpec,
    compile=compile_at_least,
    doc="at least n of the child conditions hold (anywhere, in one segment, or within_s)",
    example=(
        "{at_least: {n: 2, of: [{phrase: {any: [理财]}}, {phrase: {any: [收益]}},"
        " {phrase: {any: [起购]}}], within_s: 10}, speaker: agent}"
    ),
)
