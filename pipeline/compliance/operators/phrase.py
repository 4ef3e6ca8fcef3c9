"""``phrase``: any / all / at least N of a list of phrases (exact, fuzzy or pinyin)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from pydantic import Field, model_validator

from pipeline.compliance.context import CallContext, Hit
from pipeline.compliance.matchers import PhraseMatcher, TextMatch
from pipeline.compliance.operators.base import Build, Kind, Node, Operator, Spec, text_hits


class PhraseSpec(Spec):
    """Phrase matching: ``any`` / ``all`` / ``at_least`` N ``of`` a list.

    An item is a string or a list of synonymous strings (one item, several spellings).
    """

    any: list[str | list[str]] | None = None
    all: list[str | list[str]] | None = None
    at_least: int | None = Field(None, ge=1)
    of: list[str | list[str]] | None = None
    match: Literal["exact", "fuzzy", "pinyin"] = "exact"
    threshold: float = Field(0.85, gt=0.0, le=1.0)  # fuzzy similarity, 0..1
    negation: bool = True  # drop matches negated in their clause ("we never ask for your PIN")
    span: Literal["segment", "call"] = "segment"  # where all / at_least items must co-occur

    @model_validator(mode="after")
    def _one_form(self) -> PhraseSpec:
        forms = [self.any is not None, self.all is not None, self.of is not None]
        if sum(forms) != 1:
            raise ValueError("phrase needs exactly one of any / all / at_least+of")
        if (self.of is None) != (self.at_least is None):
            raise ValueError("phrase: at_least and of go together")
        items = self.any or self.all or self.of or []
        if not items:
            raise ValueError("phrase: empty list")
        if self.at_least is not None and self.at_least > len(items):
            raise ValueError(f"phrase: at_least {self.at_least} > {len(items)} items")
        for item in items:
            alternatives = [item] if isinstance(item, str) else item
            if not alternatives or any(not a.strip() for a in alternatives):
                raise ValueError("phrase: empty phrase in list")
        return self


@dataclass(frozen=True, eq=False)
class PhraseNode(Node):
    """``any`` of the items, ``all`` of them, or ``at_least`` N (per segment or per call)."""

    matcher: PhraseMatcher | None = None
    required: int = 1  # distinct items needed (1 for ``any``)
    span: str = "segment"  # "segment" or "call"

    def raw_hits(self, ctx: CallContext) -> list[Hit]:
        assert self.matcher is not None
        matches = ctx.text_matches(self.matcher, self.scope.segments(ctx))
        if self.required <= 1:
            return text_hits(ctx, matches)
        if self.span == "call":
            return self._call_level(ctx, matches)
        by_segment: dict[int, list[TextMatch]] = {}
        for m in matches:
            by_segment.setdefault(m.segment_index, []).append(m)
        hits = []
        for seg, group in by_segment.items():
            if len({m.item for m in group}) >= self.required:
                hits.append(
                    ctx.segment_hit(seg, min(m.start for m in group), max(m.end for m in group))
                )
        return hits

    def _call_level(self, ctx: CallContext, matches: list[TextMatch]) -> list[Hit]:
        """Hits from the moment ``required`` distinct items have been said in the call (the
        disclosure is complete when its second part is said, not at its first): hits before
        that are dropped, and hits that complete the set only with suspect speech are
        suspect."""
        hits = text_hits(ctx, matches)
        ordered = sorted(zip(matches, hits, strict=True), key=lambda mh: (mh[1].start, mh[1].end))
        said: set[int] = set()  # items said so far
        said_solid: set[int] = set()  # ... in non-suspect speech
        out = []
        for match, hit in ordered:
            said.add(match.item)
            if not hit.suspect:
                said_solid.add(match.item)
            if len(said_solid) >= self.required:
                out.append(hit)
            elif len(said) >= self.required:
                out.append(replace(hit, suspect=True))
        return out


def _items(raw: list[str | list[str]]) -> tuple[tuple[str, ...], ...]:
    return tuple((item,) if isinstance(item, str) else tuple(item) for item in raw)


def compile_phrase(spec: PhraseSpec, build: Build) -> PhraseNode:
    """A phrase condition, its matcher shared through the load's pool."""
    raw_items = spec.any or spec.all or spec.of or []
    matcher = build.pool.phrase(_items(raw_items), spec.match, spec.threshold, spec.negation)
    required = 1 if spec.any else len(raw_items) if spec.all else int(spec.at_least or 1)
    return PhraseNode(build.scope, matcher, required, spec.span)


OPERATOR = Operator(
    key="phrase",
    kind=Kind.TEXT,
    spec=PhraseSpec,
    compile=compile_phrase,
    doc="any / all / at_least N of a list of phrases, exact, fuzzy or pinyin (homophones)",
    example="{phrase: {any: [本次通话将被录音, this call is recorded]}, speaker: agent}",
)
