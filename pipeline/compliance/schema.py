"""The YAML shape of a rule pack, as pydantic models (validation only; see ``rule.py``).

A pack::

    pack: remote-banking          # name, for messages
    language: zh                  # zh | en | any: which transcripts the pack applies to
    rules:
      - id: recording-notice
        title: 录音提示
        severity: medium          # info | low | medium | high | critical
        weight: 5                 # points off the call score
        message: 坐席未在开场30秒内告知录音
        require: CONDITION        # exactly one of require / forbid / trigger / order
        examples: {pass: [TURNS...], fail: [TURNS...]}

Rule kinds:
    forbid: C                         every (non-suspect) hit of C is a violation
    require: C                        a violation when C has no hit at all
    trigger: {when: C1, then: C2, within_s: N, each: false}
                                      after a hit of C1, a hit of C2 must follow (within N s)
    order: {first: C1, then: C2}      no hit of C2 may come before the first hit of C1

A CONDITION is a mapping with exactly one operator key and optional scope keys:
    operators:  phrase, regex, pii, silence, talk_ratio, overlap, speaking_rate,
                all (list), any (list), not (condition)
    scope:      speaker (agent | customer | unknown | any),
                window ({first_s} | {last_s} | {from_s, to_s}),
                anchor ({of: C, relation: after | before | within, seconds: N, absent: false,
                         whole_turn: false: measure from the anchor's whole segment})

``pii`` also sees the mask placeholders of a transcript masked upstream (``<TYPE>``; a
``[REDACTED]`` counts for PIN / PASSWORD / CVV / VERIFICATION_CODE): see ``placeholders.py``.

An example is a list of turns, each ``{agent: "text"}`` or ``{customer: "text"}`` with optional
``at`` (start, seconds), ``dur`` (seconds), ``suspect: true`` and ``pii: [ENTITY_TYPE, ...]``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from pipeline.pii.entities import is_known, known_types

OPERATOR_KEYS: tuple[str, ...] = (
    "phrase",
    "regex",
    "pii",
    "silence",
    "talk_ratio",
    "overlap",
    "speaking_rate",
    "all",
    "any",
    "not",
)
RULE_KINDS: tuple[str, ...] = ("forbid", "require", "trigger", "order")
SpeakerScope = Literal["agent", "customer", "unknown", "any"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _registered(name: str) -> str:
    if not is_known(name):
        raise ValueError(f"unknown entity type {name!r}; known types: {known_types()}")
    return name


EntityTypeName = Annotated[str, AfterValidator(_registered)]  # in pipeline/pii/entities.py


class PhraseSpec(_Strict):
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


class RegexSpec(_Strict):
    pattern: str
    ignore_case: bool = True
    negation: bool = True


class PiiSpec(_Strict):
    types: list[EntityTypeName] = Field(min_length=1)
    min_score: float = Field(0.0, ge=0.0, le=1.0)


class SilenceSpec(_Strict):
    min_s: float = Field(gt=0)  # gap with nobody speaking, seconds (scope speaker: who spoke last)


class TalkRatioSpec(_Strict):
    min: float | None = Field(None, ge=0.0, le=1.0)  # share of total talk time, 0..1
    max: float | None = Field(None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _bound(self) -> TalkRatioSpec:
        if self.min is None and self.max is None:
            raise ValueError("talk_ratio needs min or max")
        return self


class OverlapSpec(_Strict):
    min_s: float = Field(1.0, gt=0)  # overlap of the two speakers, seconds


class SpeakingRateSpec(_Strict):
    unit: Literal["cps", "wpm"] = "cps"  # characters per second (zh), words per minute (en)
    min: float | None = Field(None, ge=0)
    max: float | None = Field(None, ge=0)
    min_duration_s: float = Field(2.0, ge=0)  # shorter segments are not measured

    @model_validator(mode="after")
    def _bound(self) -> SpeakingRateSpec:
        if self.min is None and self.max is None:
            raise ValueError("speaking_rate needs min or max")
        return self


class WindowSpec(_Strict):
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


class AnchorSpec(_Strict):
    of: ConditionSpec
    relation: Literal["after", "before", "within"] = "after"
    seconds: float | None = Field(None, gt=0)  # None: any distance
    absent: bool = False  # keep hits that have NO such anchor
    whole_turn: bool = False  # measure from the whole turn the anchor was said in


class ConditionSpec(_Strict):
    phrase: PhraseSpec | None = None
    regex: RegexSpec | str | None = None
    pii: PiiSpec | None = None
    silence: SilenceSpec | None = None
    talk_ratio: TalkRatioSpec | None = None
    overlap: OverlapSpec | None = None
    speaking_rate: SpeakingRateSpec | None = None
    all: list[ConditionSpec] | None = None
    any: list[ConditionSpec] | None = None
    not_: ConditionSpec | None = Field(None, alias="not")
    same_segment: bool = False  # for ``all``: children must hit in one segment
    speaker: SpeakerScope = "any"
    window: WindowSpec | None = None
    anchor: AnchorSpec | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _exactly_one_operator(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("condition must be a mapping")
        present = [key for key in OPERATOR_KEYS if data.get(key) is not None]
        if len(present) != 1:
            unknown = sorted(set(data) - set(OPERATOR_KEYS) - set(cls.model_fields) - {"not"})
            hint = f" (unknown keys: {', '.join(unknown)})" if unknown else ""
            raise ValueError(
                f"condition needs exactly one operator of {', '.join(OPERATOR_KEYS)}; "
                f"got {present or 'none'}{hint}"
            )
        for key in ("all", "any"):
            if data.get(key) is not None and not data[key]:
                raise ValueError(f"{key}: empty list")
        return data


class TriggerSpec(_Strict):
    when: ConditionSpec
    then: ConditionSpec
    within_s: float | None = Field(None, gt=0)  # deadline after the trigger; None: end of call
    each: bool = False  # every trigger hit needs its own follow-up (default: the first one)


class OrderSpec(_Strict):
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


class ExamplesSpec(_Strict):
    pass_: list[list[TurnSpec]] = Field(default_factory=list, alias="pass")
    fail: list[list[TurnSpec]] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RuleSpec(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    severity: Literal["info", "low", "medium", "high", "critical"]
    weight: float = Field(ge=0, le=100)
    message: str = Field(min_length=1)
    description: str = ""
    responsible: SpeakerScope = "agent"
    enabled: bool = True
    max_violations: int = Field(5, ge=1)  # instances reported per call
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


class PackHeader(_Strict):
    """The pack's own fields; rules are validated one by one so one bad rule skips alone."""

    pack: str = Field(min_length=1)
    language: Literal["zh", "en", "any"]
    description: str = ""
    rules: list[dict[str, Any]]

    @field_validator("rules", mode="before")
    @classmethod
    def _rules_list(cls, value: Any) -> Any:
        if not isinstance(value, list):
            raise ValueError("rules must be a list of mappings")
        return value


AnchorSpec.model_rebuild()
ConditionSpec.model_rebuild()
