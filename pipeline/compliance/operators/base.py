"""What every operator module provides: its node (a ``Node``), its spec and an ``Operator``.

An operator module defines the pydantic spec of its YAML value (a :class:`Spec` model, or any
annotation pydantic reads), the :class:`Node` it compiles to, and a module-level ``OPERATOR =
Operator(...)`` tying its YAML key, spec, compile function and one-line doc together. The
package finds the modules itself; the schema builds ``ConditionSpec`` from them and the loader
compiles through them.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from pipeline.compliance.context import CallContext, Hit
from pipeline.compliance.scope import Scope

if TYPE_CHECKING:
    from pipeline.compliance.loader import MatcherPool
    from pipeline.compliance.matchers import TextMatch


class Spec(BaseModel):
    """Base of the YAML specs: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CompileError(ValueError):
    """A rule that validates but cannot be compiled (e.g. a bad regular expression)."""


@dataclass(frozen=True, eq=False)
class Node:
    """Base of all compiled conditions: returns the ``Hit``s where it holds in a call."""

    scope: Scope = field(default_factory=Scope)

    def hits(self, ctx: CallContext) -> tuple[Hit, ...]:
        """Scoped hits of this condition in the call (memoised)."""
        return ctx.memo(self, lambda: self.scope.apply(self.raw_hits(ctx), ctx))

    def raw_hits(self, ctx: CallContext) -> list[Hit]:
        """Hits before the scope's speaker / window / anchor filters."""
        raise NotImplementedError


def text_hits(ctx: CallContext, matches: list[TextMatch]) -> list[Hit]:
    """One hit per text match (the text operators)."""
    return [ctx.segment_hit(m.segment_index, m.start, m.end) for m in matches]


@dataclass(frozen=True)
class Build:
    """What a compile function gets besides its operator's value."""

    condition: Any  # the whole validated ConditionSpec (for the operator's options)
    scope: Scope  # speaker / window / anchor of the condition, already compiled
    pool: MatcherPool  # matchers shared within one load
    child: Callable[[Any], Node]  # compiles a nested ConditionSpec with the same pool


class Kind(Enum):
    """What an operator looks at; operators are listed by kind, then by key."""

    TEXT = 1  # the words said
    MEASURE = 2  # the timeline: PII findings, silence, talk time, overlap, speaking rate
    LOGIC = 3  # other conditions


@dataclass(frozen=True)
class Operator:
    """One condition operator: its YAML key, the type of its value, how it compiles."""

    key: str  # the YAML key, e.g. "phrase"
    kind: Kind
    spec: Any  # annotation of the value: a Spec model, a union, or a string naming ConditionSpec
    compile: Callable[[Any, Build], Node]  # (validated value, build) -> node
    doc: str  # one line, for ``callsentry rules operators``
    example: str  # a condition using it, in YAML flow style (docs and tests)
    # condition-level keys the operator reads beside its own (name -> (annotation, default))
    options: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def field_name(self) -> str:
        """The attribute of ``ConditionSpec`` holding the value (``not`` -> ``not_``)."""
        return f"{self.key}_" if keyword.iskeyword(self.key) else self.key


def non_empty(items: list) -> list:
    """Validator of a list that must not be empty (``all`` / ``any``)."""
    if not items:
        raise ValueError("empty list")
    return items
