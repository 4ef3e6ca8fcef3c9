"""The rule language's ``metadata:`` clause: a rule that applies only to some calls.

::

    - id: collection-creditor-disclosure
      metadata: {direction: outbound, purpose: collection}   # every key given must match
      require: {phrase: {any: [债权人]}, speaker: agent}

Keys: ``direction`` (inbound / outbound), ``purpose`` (service / marketing / collection),
``queue`` (as the CDR or sidecar names it), each a value or a list of values, and
``time_of_day: {from: "HH:MM", to: "HH:MM"}`` (the call's start on the centre's clock, start
included, end excluded; ``from`` later than ``to`` spans midnight). A call whose metadata lacks
a key the clause names (no CDR row, no sidecar field) does not match: the rule is not applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from pydantic import Field, field_validator

from pipeline.compliance.operators.base import Spec


@dataclass(frozen=True)
class CallMetadata:
    """What the rules may know of a call besides its words (from the CDR or the sidecar)."""

    direction: str | None = None  # "inbound" / "outbound"
    purpose: str | None = None  # "service" / "marketing" / "collection"
    queue: str | None = None
    local_time: time | None = None  # the call's start on the centre's clock


def _values(value: Any) -> Any:
    if isinstance(value, str):
        return [value]
    return value


def _clock(text: str) -> time:
    try:
        hours, minutes = text.strip().split(":")
        if len(minutes) != 2:
            raise ValueError
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day HH:MM") from None


class TimeOfDaySpec(Spec):
    """``{from: "HH:MM", to: "HH:MM"}`` on the centre's clock."""

    from_: str = Field(alias="from")
    to: str

    @field_validator("from_", "to")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        _clock(value)
        return value


class MetadataSpec(Spec):
    """The YAML of a ``metadata:`` clause (at least one key)."""

    direction: list[str] | None = None
    purpose: list[str] | None = None
    queue: list[str] | None = None
    time_of_day: TimeOfDaySpec | None = None

    @field_validator("direction", "purpose", "queue", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        """A single value is a list of one."""
        return _values(value)

    @field_validator("direction")
    @classmethod
    def _direction(cls, value: list[str] | None) -> list[str] | None:
        bad = [v for v in value or [] if v not in ("inbound", "outbound")]
        if bad:
            raise ValueError(f"direction must be inbound or outbound, not {bad}")
        return value

    @field_validator("purpose")
    @classmethod
    def _purpose(cls, value: list[str] | None) -> list[str] | None:
        bad = [v for v in value or [] if v not in ("service", "marketing", "collection")]
        if bad:
            raise ValueError(f"purpose must be service, marketing or collection, not {bad}")
        return value


@dataclass(frozen=True)
class MetadataFilter:
    """A compiled ``metadata:`` clause."""

    direction: frozenset[str] | None = None
    purpose: frozenset[str] | None = None
    queue: frozenset[str] | None = None
    time_from: time | None = None
    time_to: time | None = None

    @classmethod
    def from_spec(cls, spec: MetadataSpec) -> MetadataFilter:
        """The filter a validated clause describes."""

        def values(items: list[str] | None) -> frozenset[str] | None:
            return None if items is None else frozenset(items)

        window = spec.time_of_day
        return cls(
            direction=values(spec.direction),
            purpose=values(spec.purpose),
            queue=values(spec.queue),
            time_from=None if window is None else _clock(window.from_),
            time_to=None if window is None else _clock(window.to),
        )

    def matches(self, meta: CallMetadata | None) -> bool:
        """Whether a call with ``meta`` is one the rule applies to."""
        if meta is None:
            return False
        for wanted, have in (
            (self.direction, meta.direction),
            (self.purpose, meta.purpose),
            (self.queue, meta.queue),
        ):
            if wanted is not None and have not in wanted:
                return False
        if self.time_from is not None and self.time_to is not None:
            moment = meta.local_time
            if moment is None:
                return False
            if self.time_from <= self.time_to:
                return self.time_from <= moment < self.time_to
            return moment >= self.time_from or moment < self.time_to
        return True


def applicable(rules: Any, meta: CallMetadata | None) -> tuple[Any, ...]:
    """The rules without a ``metadata:`` clause, and those whose clause ``meta`` matches."""
    return tuple(r for r in rules if r.metadata is None or r.metadata.matches(meta))
