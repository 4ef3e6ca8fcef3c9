"""``pii``: a PII finding of one of the given entity types (``pipeline/pii/entities.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, Field

from pipeline.compliance.context import CallContext, Hit
from pipeline.compliance.matchers import normalised_offset
from pipeline.compliance.operators.base import Build, Kind, Node, Operator, Spec
from pipeline.compliance.placeholders import accepted_types
from pipeline.pii.entities import is_known, known_types


def _registered(name: str) -> str:
    if not is_known(name):
        raise ValueError(f"unknown entity type {name!r}; known types: {known_types()}")
    return name


EntityTypeName = Annotated[str, AfterValidator(_registered)]  # a registered entity type


class PiiSpec(Spec):
    """Entity types (any of them) and the least score a finding needs."""

    types: list[EntityTypeName] = Field(min_length=1)
    min_score: float = Field(0.0, ge=0.0, le=1.0)


@dataclass(frozen=True, eq=False)
class PiiNode(Node):
    """A PII finding of one of ``types`` (from the PII stage)."""

    types: frozenset[str] = frozenset()
    min_score: float = 0.0

    def raw_hits(self, ctx: CallContext) -> list[Hit]:
        """One hit per finding; its words are the finding's span, carried into the normalised
        text the other operators' hits point into (an anchor's ``same_digits`` reads them)."""
        segments = ctx.transcript.segments
        language = ctx.transcript.language
        hits = []
        for f in ctx.pii:
            if f.entity_type not in self.types or f.score < self.min_score:
                continue
            if not 0 <= f.segment_index < len(segments):
                continue
            seg = segments[f.segment_index]
            length = max(len(seg.text), 1)
            span = seg.end - seg.start
            start = (
                f.time_start if f.time_start is not None else seg.start + span * f.start / length
            )
            end = f.time_end if f.time_end is not None else seg.start + span * f.end / length
            hits.append(
                Hit(
                    start,
                    end,
                    seg.speaker,
                    f.segment_index,
                    seg.suspect,
                    char_start=normalised_offset(seg.text, f.start, language),
                    char_end=normalised_offset(seg.text, f.end, language),
                )
            )
        return hits


def compile_pii(spec: PiiSpec, build: Build) -> PiiNode:
    """A pii condition; one on an authentication type also matches ``[REDACTED]``."""
    return PiiNode(build.scope, accepted_types(frozenset(spec.types)), spec.min_score)


OPERATOR = Operator(
    key="pii",
    kind=Kind.MEASURE,
    spec=PiiSpec,
    compile=compile_pii,
    doc="a PII finding (or mask placeholder) of one of the entity types, by speaker",
    example="{pii: {types: [BANK_CARD, ID_CARD], min_score: 0.5}, speaker: agent}",
)
