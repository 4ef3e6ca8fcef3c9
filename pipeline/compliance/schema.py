"""The YAML shape of a rule pack, as pydantic models (validation only; see ``rule.py``).

A pack::

    pack: remote-banking          # name, for messages
    language: zh                  # zh | en | any: which transcripts the pack applies to
    lexicons:                     # optional: named word lists, used in rules as "@name"
      secret: [密码, 验证码]
    rules:
      - id: recording-notice
        title: 录音提示
        severity: medium          # info | low | medium | high | critical
        weight: 5                 # points off the call score
        message: 坐席未在开场30秒内告知录音
        metadata: {direction: outbound, purpose: collection}   # optional, see metadata.py
        require: CONDITION        # exactly one of require / forbid / trigger / order
        examples: {pass: [TURNS...], fail: [TURNS...]}

Rule kinds:
    forbid: C                         every (non-suspect) hit of C is a violation
    require: C                        a violation when C has no hit at all
    trigger: {when: C1, then: C2, within_s: N, each: false}
                                      after a hit of C1, a hit of C2 must follow (within N s)
    order: {first: C1, then: C2}      no hit of C2 may come before the first hit of C1

A CONDITION is a mapping with exactly one operator key and optional scope keys:
    operators:  one module each in ``pipeline/compliance/operators/``;
                ``callsentry rules operators`` lists them with their fields
    scope:      speaker (agent | customer | unknown | any),
                window ({first_s} | {last_s} | {from_s, to_s}),
                anchor ({of: C, relation: after | before | within, seconds: N, absent: false,
                         whole_turn: false: measure from the anchor's whole segment,
                         same_digits: false: see below})

An anchor with ``same_digits: true`` counts only when the digits said in the hit's own words
(digits, or digit words such as "eight eight three six" / 八八三六 / 幺, read by
``pipeline/pii/normalize.py``) are the last digits of the anchor hit's, or all of them: the
agent's "card ending in 8836" is vouched for by the customer's "5531 4750 0095 8836", not by
"... 1234". A hit that says no digits has no such anchor (with ``absent: true``: it is kept).
The hit's words are what its operator matched (a ``regex`` must take in the digits); a ``pii``
hit's are the finding's span; with ``whole_turn`` the anchor's are its whole turn.

``pii`` also sees the mask placeholders of a transcript masked upstream (``<TYPE>``; a
``[REDACTED]`` counts for PIN / PASSWORD / CVV / VERIFICATION_CODE): see ``placeholders.py``.

An example is a list of turns, each ``{agent: "text"}`` or ``{customer: "text"}`` with optional
``at`` (start, seconds), ``dur`` (seconds), ``suspect: true`` and ``pii: [ENTITY_TYPE, ...]``.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from pipeline.compliance.metadata import MetadataSpec
from pipeline.compliance.operators import OPERATORS, Operator, Spec
from pipeline.compliance.operators.pii import EntityTypeName

RULE_KINDS: tuple[str, ...] = ("forbid", "require", "trigger", "order")
_LEXICON_NAME = re.compile(r"[A-Za-z0-9_-]+")
SpeakerScope = Literal["agent", "customer", "unknown", "any"]


class WindowSpec(Spec):
    first_s: float | None = Field(None, gt=0)
    last_s: float | None = Field(None, gt=0)
    from_s: float | None = Field(None, ge=0)
    to_s: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one_form(self) -> WindowSpec:
        forms = [
            self.first_s is not None,
            self.last_s is not None,
            self.from_s is not None or self.to_s is not None,
        ]
        if sum(forms) != 1:
            raise ValueError("window needs exactly one of first_s / last_s / from_s+to_s")
        return self


class AnchorSpec(Spec):
    of: ConditionSpec
    relation: Literal["after", "before", "within"] = "after"
    seconds: float | None = Field(None, gt=0)  # None: any distance
    absent: bool = False  # keep hits that have NO such anchor
    whole_turn: bool = False  # measure from the whole turn the anchor was said in
    same_digits: bool = False  # only an anchor whose digits end with the hit's own digits


class _ConditionBase(Spec):
    """Scope keys of a condition; ``ConditionSpec`` adds one field per registered operator."""

    speaker: SpeakerScope = "any"
    window: WindowSpec | None = None
    anchor: AnchorSpec | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _exactly_one_operator(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("condition must be a mapping")
        present = [key for key in OPERATORS if data.get(key) is not None]
        if len(present) != 1:
            unknown = sorted(set(data) - set(OPERATORS) - set(cls.model_fields))
            hint = f" (unknown keys: {', '.join(unknown)})" if unknown else ""
            raise ValueError(
                f"condition needs exactly one operator of {', '.join(OPERATORS)}; "
                f"got {present or 'none'}{hint}"
            )
        return data

    def operator(self) -> tuple[Operator, Any]:
        """The condition's operator and its validated value."""
        for op in OPERATORS.values():
            value = getattr(self, op.field_name)
            if value is not None:
                return op, value
        raise AssertionError("validated condition without an operator")


def _operator_fields() -> dict[str, Any]:
    """``ConditionSpec``'s fields from the registry: each operator's value (``None`` when
    absent, under its YAML key as alias) and the condition-level options it reads."""
    fields: dict[str, Any] = {}
    for op in OPERATORS.values():
        annotation = f"{op.spec} | None" if isinstance(op.spec, str) else op.spec | None
        alias = op.key if op.field_name != op.key else None
        fields[op.field_name] = (annotation, Field(None, alias=alias))
        fields.update(op.options)
    return fields


ConditionSpec = create_model(
    "ConditionSpec",
    __base__=_ConditionBase,
    __module__=__name__,
    __doc__="A condition: exactly one operator key, and optional scope keys.",
    **_operator_fields(),
)


class TriggerSpec(Spec):
    when: ConditionSpec
    then: ConditionSpec
    within_s: float | None = Field(None, gt=0)  # deadline after the trigger; None: end of call
    each: bool = False  # every trigger hit needs its own follow-up (default: the first one)


class OrderSpec(Spec):
    first: ConditionSpec
    then: ConditionSpec


class TurnSpec(BaseModel):
    """One turn of an inline example: ``{agent: text}`` or ``{customer: text}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agent: str | None = None
    customer: str | None = None
    unknown: str | None = None
    at: float | None = Field(None, ge=0)
    dur: float | None = Field(None, gt=0)
    suspect: bool = False
    pii: list[EntityTypeName] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_speaker(self) -> TurnSpec:
        if sum(x is not None for x in (self.agent, self.customer, self.unknown)) != 1:
            raise ValueError("a turn needs exactly one of agent / customer / unknown")
        return self


class ExamplesSpec(Spec):
    pass_: list[list[TurnSpec]] = Field(default_factory=list, alias="pass")
    fail: list[list[TurnSpec]] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RuleSpec(Spec):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    severity: Literal["info", "low", "medium", "high", "critical"]
    weight: float = Field(ge=0, le=100)
    message: str = Field(min_length=1)
    description: str = ""
    responsible: SpeakerScope = "agent"
    enabled: bool = True
    max_violations: int = Field(5, ge=1)  # instances reported per call
    metadata: MetadataSpec | None = None  # applies only to calls with this metadata
    forbid: ConditionSpec | None = None
    require: ConditionSpec | None = None
    trigger: TriggerSpec | None = None
    order: OrderSpec | None = None
    examples: ExamplesSpec = Field(default_factory=ExamplesSpec)

    @model_validator(mode="after")
    def _one_kind(self) -> RuleSpec:
        kinds = [k for k in RULE_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"rule needs exactly one of {', '.join(RULE_KINDS)}; got {kinds}")
        return self


class PackHeader(Spec):
    """The pack's own fields; rules are validated one by one so one bad rule skips alone."""

    pack: str = Field(min_length=1)
    language: Literal["zh", "en", "any"]
    description: str = ""
    # named word lists the pack's rules refer to as "@name" (see ``lexicons.py``)
    lexicons: dict[str, list[str | list[str]]] = Field(default_factory=dict)
    rules: list[dict[str, Any]]

    @field_validator("lexicons")
    @classmethod
    def _lexicon_names(cls, value: dict[str, list]) -> dict[str, list]:
        for name, entries in value.items():
            if not _LEXICON_NAME.fullmatch(name):
                raise ValueError(f"lexicon name {name!r}: letters, digits, _ and - only")
            if not entries:
                raise ValueError(f"lexicon {name}: empty list")
        return value

    @field_validator("rules", mode="before")
    @classmethod
    def _rules_list(cls, value: Any) -> Any:
        if not isinstance(value, list):
            raise ValueError("rules must be a list of mappings")
        return value


AnchorSpec.model_rebuild()
for _op in OPERATORS.values():  # operator specs that nest conditions (``at_least``)
    if isinstance(_op.spec, type) and issubclass(_op.spec, BaseModel):
        _op.spec.model_rebuild(_types_namespace={"ConditionSpec": ConditionSpec})
ConditionSpec.model_rebuild()
