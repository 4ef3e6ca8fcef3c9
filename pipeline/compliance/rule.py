"""Compiled rules: frozen dataclasses built by the loader from validated packs."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.compliance.metadata import MetadataFilter
from pipeline.compliance.operators import Node


@dataclass(frozen=True)
class Turn:
    """One turn of an inline example transcript."""

    speaker: str  # "agent", "customer" or "unknown"
    text: str
    at: float | None = None  # start, seconds (None: right after the previous turn)
    dur: float | None = None  # seconds (None: estimated from the text length)
    suspect: bool = False
    pii: tuple[str, ...] = ()  # entity types declared present in the whole turn


@dataclass(frozen=True)
class Example:
    """An embedded example: the rule must (``fail``) or must not (``pass``) fire on it."""

    expect: str  # "pass" or "fail"
    turns: tuple[Turn, ...]


@dataclass(frozen=True, eq=False)
class Rule:
    """A compiled compliance rule.

    ``kind`` decides how ``primary`` / ``secondary`` are read:
      forbid   primary = the forbidden condition
      require  primary = the required condition
      trigger  primary = ``when``, secondary = ``then`` (must follow within ``within_s``)
      order    primary = ``then`` (e.g. account disclosure), secondary = ``first`` (verification)
    """

    id: str
    title: str
    severity: str  # one of pipeline.models.SEVERITIES
    weight: float  # points off the call score
    message: str
    language: str  # "zh", "en" or "any" (from the pack)
    pack: str  # pack name
    source: str  # file the rule came from
    kind: str  # "forbid", "require", "trigger" or "order"
    primary: Node
    secondary: Node | None = None
    within_s: float | None = None  # trigger deadline, seconds
    each: bool = False  # trigger: every hit needs a follow-up
    responsible: str = "agent"
    max_violations: int = 5  # instances reported per call
    examples: tuple[Example, ...] = ()
    metadata: MetadataFilter | None = None  # the calls it applies to (None: every call)
