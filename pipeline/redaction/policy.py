"""Which entity types are redacted from audio: the ``audio:`` section of the masking policy.

The section lives in the same YAML file as the text masking (``CALLSENTRY_MASKING_POLICY``, or
the bundled ``pipeline/pii/default_policy.yaml``), so one file says what is masked in text and
what is removed from the recording. Without the section every type the entity registry marks
``redact_audio`` (every C3 and C2 type) is redacted, and so is the customer's answer to an
agent's request for a secret. As a safety net under the PII stage (an ASR slip can break a
card's checksum, a recognizer can miss a grouping), every spoken run of ``digit_run`` or more
digits is redacted too, and so is every customer turn the ASR guards flagged as suspect (a
repetition loop, a hallucination): what it really holds is unknown, and may be a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.pii.entities import REGISTRY, authentication_types, is_known, known_types
from pipeline.pii.masking import DEFAULT_POLICY_PATH

SECRET_ANSWER = "SECRET_ANSWER"  # entity type recorded for a redacted answer to a secret request
DEFAULT_SECRET_REQUEST_RULES = ("no-sensitive-auth-request",)
DIGITS = "DIGITS"  # entity type recorded for a run of digits no recognizer classified
UNTRUSTED = "UNTRUSTED"  # entity type recorded for a customer segment the ASR guards flagged
DEFAULT_DIGIT_RUN = 4  # digits in a run that is redacted whatever the PII stage found
DEFAULT_ANSWER_WINDOW_S = 15.0  # seconds after the agent's request in which the answer starts
MAX_ANSWER_WINDOW_S = 120.0


@dataclass(frozen=True)
class AudioPolicy:
    """What the redacted recording leaves out."""

    entity_types: frozenset[str]  # PII types beeped / silenced where they were spoken
    secret_request_rules: tuple[str, ...] = DEFAULT_SECRET_REQUEST_RULES  # agent asks a secret
    answer_window_s: float = DEFAULT_ANSWER_WINDOW_S  # the customer's answer starts within this
    digit_run: int = DEFAULT_DIGIT_RUN  # any run of this many digits is redacted; 0 = off
    suspect_customer_segments: bool = True  # redact customer turns the ASR guards distrust

    def redacts(self, entity_type: str) -> bool:
        """Whether ``entity_type`` is removed from the audio."""
        return entity_type in self.entity_types


def default_audio_types() -> frozenset[str]:
    """The types the registry redacts from audio by default (every C3 and C2 type)."""
    return frozenset(e.name for e in REGISTRY if e.redact_audio)


def _type_list(value: Any, what: str, source: Path) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{source}: masking policy: audio.{what} must be a list of entity types")
    unknown = [v for v in value if not is_known(v)]
    if unknown:
        raise ValueError(
            f"{source}: masking policy: audio.{what}: unknown entity {unknown[0]!r}; "
            f"known types: {known_types()}"
        )
    return frozenset(value)


def load_audio_policy(path: Path | None = None) -> AudioPolicy:
    """The ``audio:`` section of the masking policy at ``path`` (None: the bundled one).

    ValueError naming the file on an unknown entity type, a bad list or window, or a policy
    that would leave sensitive authentication data (CVV, PIN, PASSWORD, VERIFICATION_CODE)
    audible: PCI DSS 3.3.1 forbids keeping it in a recording after authorisation.
    """
    source = Path(path or DEFAULT_POLICY_PATH)
    data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    section = data.get("audio") if isinstance(data, dict) else None
    if section is None:
        return AudioPolicy(default_audio_types())
    if not isinstance(section, dict):
        raise ValueError(f"{source}: masking policy: audio must be a mapping")
    redact = section.get("redact", "default")
    types = default_audio_types() if redact == "default" else _type_list(redact, "redact", source)
    types -= _type_list(section.get("text_only") or [], "text_only", source)
    audible = sorted(authentication_types() - types)
    if audible:
        raise ValueError(
            f"{source}: masking policy: audio: {', '.join(audible)} is sensitive authentication "
            "data and must be redacted from the recording (PCI DSS 3.3.1)"
        )
    answers = section.get("secret_answers") or {}
    if not isinstance(answers, dict):
        raise ValueError(f"{source}: masking policy: audio.secret_answers must be a mapping")
    rules = answers.get("rules", list(DEFAULT_SECRET_REQUEST_RULES))
    if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
        raise ValueError(f"{source}: masking policy: audio.secret_answers.rules must be rule ids")
    window = answers.get("window_s", DEFAULT_ANSWER_WINDOW_S)
    if isinstance(window, bool) or not isinstance(window, int | float):
        raise ValueError(f"{source}: masking policy: audio.secret_answers.window_s: a number")
    if not 0 < float(window) <= MAX_ANSWER_WINDOW_S:
        raise ValueError(
            f"{source}: masking policy: audio.secret_answers.window_s must be in "
            f"(0, {MAX_ANSWER_WINDOW_S:g}] seconds, got {window}"
        )
    digit_run = section.get("digit_run", DEFAULT_DIGIT_RUN)
    if isinstance(digit_run, bool) or not isinstance(digit_run, int) or digit_run < 0:
        raise ValueError(
            f"{source}: masking policy: audio.digit_run must be a whole number >= 0 (0 = off)"
        )
    suspect = section.get("suspect_customer_segments", True)
    if not isinstance(suspect, bool):
        raise ValueError(
            f"{source}: masking policy: audio.suspect_customer_segments must be true or false"
        )
    return AudioPolicy(frozenset(types), tuple(rules), float(window), digit_run, suspect)
