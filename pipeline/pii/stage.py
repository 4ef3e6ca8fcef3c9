"""The PII stage: detection and masking built once, the one way every entry point gets them.

``build_pii_stage(settings)`` gives the :class:`PiiStage` for the configured masking policy and
pseudonym key: the batch (``pipeline.analysis``), ``transcribe``, ``check-transcript``,
``redact-text`` and ``rules test`` all use it. Its :attr:`PiiStage.version` is part of every
stored result's key: it changes whenever the recognizers, the normalisation, the entity
registry or the masking policy change, so a rerun after a PII fix checks those calls again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.models import PiiFinding, Transcript
from pipeline.pii.engine import PiiEngine, TextSpan, get_engine
from pipeline.pii.masking import DEFAULT_POLICY_PATH, MaskingPolicy, load_policy, mask_spans
from pipeline.pii.masking import mask_transcript as _mask_transcript

PII_PACKAGE_DIR = Path(__file__).resolve().parent
VERSION_SOURCE_SUFFIXES = (".py", ".yaml")  # what of pipeline/pii/ makes up the stage's version
VERSION_HEX_CHARS = 16  # length of the version string


def pii_stage_version(policy_path: Path | None = None) -> str:
    """sha256 (shortened) of the PII code and data under ``pipeline/pii/`` and of the masking
    policy in use: any change to a recognizer, the normaliser, the entity registry or the
    policy gives a new version."""
    digest = hashlib.sha256()
    sources = sorted(
        p
        for p in PII_PACKAGE_DIR.rglob("*")
        if p.suffix in VERSION_SOURCE_SUFFIXES and "__pycache__" not in p.parts
    )
    for path in sources:
        digest.update(path.relative_to(PII_PACKAGE_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    policy = Path(policy_path or DEFAULT_POLICY_PATH)
    digest.update(b"policy\0" + policy.read_bytes())
    return digest.hexdigest()[:VERSION_HEX_CHARS]


@dataclass(frozen=True)
class PiiStage:
    """The PII engine, the masking policy and the pseudonym key, used together."""

    engine: PiiEngine
    policy: MaskingPolicy
    pseudonym_key: bytes = field(repr=False)  # HMAC key (never written anywhere)
    version: str

    def findings(self, transcript: Transcript) -> tuple[PiiFinding, ...]:
        """PII findings of a transcript (offsets and times, never values)."""
        return self.engine.analyze_transcript(transcript)

    def mask(self, transcript: Transcript, findings: tuple[PiiFinding, ...]) -> Transcript:
        """The transcript with ``findings`` masked by the policy."""
        return _mask_transcript(transcript, findings, self.policy, self.pseudonym_key)

    def analyze(self, transcript: Transcript) -> tuple[tuple[PiiFinding, ...], Transcript]:
        """Findings and the masked transcript."""
        found = self.findings(transcript)
        return found, self.mask(transcript, found)

    def redact_text(
        self, text: str, language: str = "auto", scope: str = ""
    ) -> tuple[str, list[TextSpan]]:
        """``text`` masked, and the spans found in it; ``scope`` keys the pseudonyms."""
        spans = self.engine.analyze_text(text, language)
        return mask_spans(text, spans, self.policy, self.pseudonym_key, scope)[0], spans


@lru_cache(maxsize=4)
def _build(policy_path: Path | None, key: bytes) -> PiiStage:
    return PiiStage(
        engine=get_engine(),
        policy=load_policy(policy_path),
        pseudonym_key=key,
        version=pii_stage_version(policy_path),
    )


def build_pii_stage(settings: Any) -> PiiStage:
    """The stage for ``settings.masking_policy`` and ``settings.pseudonym_key`` (built once per
    process for each policy and key; the Presidio engine is shared)."""
    key = settings.pseudonym_key.get_secret_value().encode("utf-8")
    policy = Path(settings.masking_policy) if settings.masking_policy else None
    return _build(policy, key)
