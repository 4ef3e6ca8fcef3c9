"""Masking operators and the masking policy (YAML), applied on the original text.

Findings from :mod:`pipeline.pii.engine` already point at the original text (spoken numbers
included), so masking replaces whole spans. Overlapping spans are merged and masked with the
strictest operator among them: remove > type/pseudonym > partial.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from pipeline.models import PiiFinding, Segment, Transcript, Word
from pipeline.pii.alignment import word_offsets
from pipeline.pii.entities import (
    REGISTRY,
    REMOVE_TOKEN,
    EntityType,
    MaskOperator,
    authentication_types,
    is_known,
    known_types,
)
from pipeline.pii.normalize import normalize

DEFAULT_POLICY_PATH = Path(__file__).with_name("default_policy.yaml")
STRICTNESS = {
    MaskOperator.REMOVE: 3,
    MaskOperator.TYPE: 2,
    MaskOperator.PSEUDONYM: 2,
    MaskOperator.PARTIAL: 1,
}
# sensitive authentication data: never kept, not even in part
MUST_REMOVE: frozenset[str] = authentication_types()
PCI_MAX_FIRST, PCI_MAX_LAST = 6, 4  # PCI DSS 3.4: at most the first 6 and last 4 digits shown
PSEUDONYM_HEX_CHARS = 8  # length of the token suffix


@dataclass(frozen=True)
class EntityRule:
    """How one entity type is masked."""

    operator: MaskOperator
    keep_first: int = 0  # partial: digits kept at the start
    keep_last: int = 0  # partial: digits kept at the end
    mask_char: str = "*"  # partial: replacement character


@dataclass(frozen=True)
class MaskingPolicy:
    """Masking rules per entity type, with a default for types outside the registry."""

    entities: dict[str, EntityRule] = field(default_factory=dict)
    default: EntityRule = EntityRule(MaskOperator.TYPE)
    remove_token: str = REMOVE_TOKEN

    def rule_for(self, entity_type: str) -> EntityRule:
        """The rule of ``entity_type`` (the default when it has none)."""
        return self.entities.get(entity_type, self.default)


def _registry_rule(entity_type: EntityType) -> EntityRule:
    """The masking of ``entity_type`` when no policy overrides it."""
    mask = entity_type.mask
    return EntityRule(mask.operator, mask.keep_first, mask.keep_last)


def _rule(entity_name: str, raw: dict[str, Any], source: Path) -> EntityRule:
    operator = str(raw.get("operator", MaskOperator.TYPE))
    if operator not in {op.value for op in MaskOperator}:
        raise ValueError(f"{source}: masking policy: {entity_name}: unknown operator {operator!r}")
    rule = EntityRule(
        operator=MaskOperator(operator),
        keep_first=int(raw.get("keep_first", 0)),
        keep_last=int(raw.get("keep_last", 0)),
        mask_char=str(raw.get("mask_char", "*")) or "*",
    )
    if entity_name in MUST_REMOVE and rule.operator != MaskOperator.REMOVE:
        raise ValueError(
            f"{source}: masking policy: {entity_name} is sensitive authentication data; use remove"
        )
    if (
        rule.keep_first > PCI_MAX_FIRST
        or rule.keep_last > PCI_MAX_LAST
        or min(rule.keep_first, rule.keep_last) < 0
    ):
        raise ValueError(
            f"{source}: masking policy: {entity_name}: keep at most the first 6 and last 4 "
            "(PCI DSS 3.4)"
        )
    return rule


def load_policy(path: Path | None = None) -> MaskingPolicy:
    """A masking policy: every registered entity with its registry default, overridden by the
    YAML's ``entities``; ``None`` reads the bundled policy. ValueError (naming the file) on an
    unknown entity or operator, a kept authentication value or a mask beyond PCI DSS."""
    source = Path(path or DEFAULT_POLICY_PATH)
    data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{source}: masking policy must be a mapping")
    entities = {e.name: _registry_rule(e) for e in REGISTRY}
    for name, raw in (data.get("entities") or {}).items():
        if not is_known(str(name)):
            raise ValueError(
                f"{source}: masking policy: unknown entity {name!r}; known types: {known_types()}"
            )
        entities[str(name)] = _rule(str(name), raw or {}, source)
    default = _rule("default", data.get("default") or {"operator": "type"}, source)
    return MaskingPolicy(entities, default, str(data.get("remove_token", REMOVE_TOKEN)))


def pseudonym(entity_type: str, value: str, key: bytes, scope: str) -> str:
    """``<TYPE_xxxxxxxx>``: HMAC of (scope, type, canonical value); ``<TYPE>`` without a key."""
    if not key:
        return f"<{entity_type}>"
    canonical = normalize(value).text
    canonical = "".join(ch for ch in canonical.lower() if ch.isalnum() or ch in "@.")
    message = f"{scope}\x1f{entity_type}\x1f{canonical}".encode()
    digest = hmac.new(key, message, hashlib.sha256).hexdigest()[:PSEUDONYM_HEX_CHARS]
    return f"<{entity_type}_{digest}>"


def _partial(value: str, rule: EntityRule, entity_type: str) -> str:
    digits = [ch for ch in normalize(value).text if ch.isdigit()]
    if len(digits) < rule.keep_first + rule.keep_last + 4:
        return f"<{entity_type}>"
    hidden = len(digits) - rule.keep_first - rule.keep_last
    tail = "".join(digits[len(digits) - rule.keep_last :]) if rule.keep_last else ""
    return "".join(digits[: rule.keep_first]) + rule.mask_char * hidden + tail


def _merge(spans: Sequence[Any]) -> list[tuple[int, int, list[str]]]:
    merged: list[tuple[int, int, list[str]]] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if span.end <= span.start:
            continue
        if merged and span.start < merged[-1][1]:
            start, end, types = merged[-1]
            merged[-1] = (start, max(end, span.end), [*types, span.entity_type])
        else:
            merged.append((span.start, span.end, [span.entity_type]))
    return merged


def _replacement(
    value: str, types: list[str], policy: MaskingPolicy, key: bytes, scope: str
) -> str:
    rules = [(policy.rule_for(t), t) for t in types]
    rule, entity_type = max(rules, key=lambda rt: STRICTNESS[rt[0].operator])
    if rule.operator == MaskOperator.REMOVE:
        return policy.remove_token
    if rule.operator == MaskOperator.PARTIAL and len(set(types)) == 1:
        return _partial(value, rule, entity_type)
    if rule.operator == MaskOperator.PSEUDONYM:
        return pseudonym(entity_type, value, key, scope)
    return f"<{entity_type}>"


def mask_spans(
    text: str, spans: Sequence[Any], policy: MaskingPolicy, key: bytes, scope: str = ""
) -> tuple[str, list[tuple[int, int, str]]]:
    """Masked text and the merged original spans with their replacements."""
    pieces: list[str] = []
    replaced: list[tuple[int, int, str]] = []
    cursor = 0
    for start, end, types in _merge(spans):
        token = _replacement(text[start:end], types, policy, key, scope)
        pieces.append(text[cursor:start])
        pieces.append(token)
        replaced.append((start, end, token))
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), replaced


def mask_text(
    text: str, spans: Sequence[Any], policy: MaskingPolicy, key: bytes, scope: str = ""
) -> str:
    """``text`` with every span (TextSpan or anything with entity_type/start/end) masked."""
    return mask_spans(text, spans, policy, key, scope)[0]


def _mask_words(segment: Segment, replaced: list[tuple[int, int, str]]) -> tuple[Word, ...]:
    if not segment.words or not replaced:
        return segment.words
    words = []
    for word, span in zip(segment.words, word_offsets(segment), strict=True):
        if span is None:
            # cannot place it: mask it when it could hold any of the masked text
            hit = next(
                (
                    tok
                    for s, e, tok in replaced
                    if word.text.strip() and word.text.strip() in segment.text[s:e]
                ),
                None,
            )
            hit = hit or (
                replaced[0][2] if any(ch.isdigit() for ch in normalize(word.text).text) else None
            )
        else:
            hit = next((tok for s, e, tok in replaced if s < span[1] and e > span[0]), None)
        words.append(replace(word, text=hit) if hit is not None else word)
    return tuple(words)


def mask_transcript(
    transcript: Transcript, findings: Sequence[PiiFinding], policy: MaskingPolicy, key: bytes
) -> Transcript:
    """The same segments (indices, times, speakers) with masked text and masked words."""
    by_segment: dict[int, list[PiiFinding]] = {}
    for finding in findings:
        by_segment.setdefault(finding.segment_index, []).append(finding)
    segments = []
    for index, segment in enumerate(transcript.segments):
        masked, replaced = mask_spans(
            segment.text, by_segment.get(index, ()), policy, key, transcript.call_id
        )
        segments.append(replace(segment, text=masked, words=_mask_words(segment, replaced)))
    return replace(transcript, segments=tuple(segments))


def pseudonym_key(settings: Any | None = None) -> bytes:
    """The pseudonym key from settings (``CALLSENTRY_PSEUDONYM_KEY``); b"" when unset."""
    if settings is None:
        from pipeline.config import get_settings

        settings = get_settings()
    return settings.pseudonym_key.get_secret_value().encode()
