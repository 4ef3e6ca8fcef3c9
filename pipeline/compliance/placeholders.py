"""PII evidence in transcripts that were masked before the rules saw them.

``callsentry transcribe`` writes masked transcripts by default, and ``check-transcript`` is then
run on them: the values are gone, so the PII stage finds nothing, but the placeholders the
masking policy left (``pipeline/pii/default_policy.yaml``) still say what was there:

    <TYPE>, <TYPE_1a2b3c>   a value of TYPE, a registered entity type (the ``type`` and
                            ``pseudonym`` operators; ``pipeline/pii/entities.py``)
    [REDACTED]              a removed value: sensitive authentication data (PIN, PASSWORD, CVV,
                            VERIFICATION_CODE), the only entities the policy must remove

Each placeholder becomes a ``PiiFinding`` for the rules only (never for the report); a
``[REDACTED]`` is typed ``REDACTED`` and a ``pii`` condition on any sensitive-authentication
type also accepts it.
"""

from __future__ import annotations

import re

from pipeline.models import PiiFinding, Transcript
from pipeline.pii.entities import REGISTRY, REMOVE_TOKEN, authentication_types

REDACTED_TYPE = "REDACTED"  # entity type given to a ``[REDACTED]`` placeholder
SENSITIVE_AUTH_TYPES = authentication_types()
PLACEHOLDER_RECOGNIZER = "mask-placeholder"
PLACEHOLDER_SCORE = 0.9  # the masking stage was sure enough to mask it
_PLACEHOLDER = re.compile(
    "<(" + "|".join(e.name for e in REGISTRY) + r")(?:_[0-9a-f]{4,})?>|" + re.escape(REMOVE_TOKEN)
)


def accepted_types(types: frozenset[str]) -> frozenset[str]:
    """The entity types a ``pii`` condition on ``types`` matches: a condition on any
    sensitive-authentication type also matches a ``[REDACTED]`` placeholder."""
    return types | {REDACTED_TYPE} if types & SENSITIVE_AUTH_TYPES else types


def placeholder_findings(transcript: Transcript) -> tuple[PiiFinding, ...]:
    """One finding per mask placeholder in the transcript's text (none in raw text)."""
    findings = []
    for index, segment in enumerate(transcript.segments):
        if "<" not in segment.text and "[" not in segment.text:
            continue
        for match in _PLACEHOLDER.finditer(segment.text):
            findings.append(
                PiiFinding(
                    entity_type=match.group(1) or REDACTED_TYPE,
                    segment_index=index,
                    start=match.start(),
                    end=match.end(),
                    score=PLACEHOLDER_SCORE,
                    speaker=segment.speaker,
                    recognizer=PLACEHOLDER_RECOGNIZER,
                )
            )
    return tuple(findings)
