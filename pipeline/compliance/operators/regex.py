"""``regex``: a regular expression over the normalised text of each segment."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.compliance.context import CallContext, Hit
from pipeline.compliance.matchers import RegexMatcher, TextMatch
from pipeline.compliance.numbers import NumberKind, is_number
from pipeline.compliance.operators.base import (
    Build,
    CompileError,
    Kind,
    Node,
    Operator,
    Spec,
    text_hits,
)
from pipeline.compliance.regex_safety import backtracking_risk


class RegexSpec(Spec):
    """A pattern (Python ``re``), case-insensitive unless told, negated matches dropped; with
    ``number``, only matches whose digits are such a number (``numbers.py``: check digits)."""

    pattern: str
    ignore_case: bool = True
    negation: bool = True
    number: list[NumberKind] | None = None


@dataclass(frozen=True, eq=False)
class RegexNode(Node):
    """A regular expression over the normalised text of each segment."""

    matcher: RegexMatcher | None = None
    numbers: frozenset[NumberKind] = frozenset()  # empty: any match counts

    def raw_hits(self, ctx: CallContext) -> list[Hit]:
        assert self.matcher is not None
        matches = ctx.text_matches(self.matcher, self.scope.segments(ctx))
        if self.numbers:
            matches = [m for m in matches if is_number(_matched_text(ctx, m), self.numbers)]
        return text_hits(ctx, matches)


def _matched_text(ctx: CallContext, match: TextMatch) -> str:
    """The normalised text of a match."""
    base = ctx.text.offsets[match.segment_index]
    return ctx.text.norm[base + match.start : base + match.end]


def compile_regex(spec: RegexSpec | str, build: Build) -> RegexNode:
    """A regex condition (a plain string is the pattern); CompileError on a bad pattern."""
    r = RegexSpec(pattern=spec) if isinstance(spec, str) else spec
    try:
        risk = backtracking_risk(r.pattern, re.IGNORECASE if r.ignore_case else 0)
        if risk:
            raise CompileError(f"regex {r.pattern!r}: {risk}")
        matcher = build.pool.regex(r.pattern, r.ignore_case, r.negation)
    except re.error as exc:
        raise CompileError(f"regex {r.pattern!r}: {exc}") from exc
    return RegexNode(build.scope, matcher, frozenset(r.number or ()))


OPERATOR = Operator(
    key="regex",
    kind=Kind.TEXT,
    spec=RegexSpec | str,
    compile=compile_regex,
    doc="a regular expression over each segment's normalised text (a string is the pattern)",
    example=r"{regex: {pattern: '(?<![0-9])[0-9]{13,19}(?![0-9])', number: [card]}}",
)
