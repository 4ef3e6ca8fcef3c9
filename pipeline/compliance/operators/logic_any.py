"""``any``: at least one child condition holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator

from pipeline.compliance.context import CallContext, Hit

if TYPE_CHECKING:  # the recursive spec type; pydantic resolves it in schema.py
    from pipeline.compliance.schema import ConditionSpec

from pipeline.compliance.operators.base import Build, Kind, Node, Operator, non_empty


@dataclass(frozen=True, eq=False)
class AnyNode(Node):
    """Hits of any child."""

    children: tuple[Node, ...] = ()

    def raw_hits(self, ctx: CallContext) -> list[Hit]:
        return [h for child in self.children for h in child.hits(ctx)]


def compile_any(children: list, build: Build) -> AnyNode:
    """An ``any`` condition over its compiled children."""
    return AnyNode(build.scope, tuple(build.child(c) for c in children))


OPERATOR = Operator(
    key="any",
    kind=Kind.LOGIC,
    spec=Annotated[list["ConditionSpec"], AfterValidator(non_empty)],
    compile=compile_any,
    doc="the hits of every child condition (at least one must hold)",
    example="{any: [{phrase: {any: [密码]}}, {pii: {types: [PIN]}}], speaker: customer}",
)
