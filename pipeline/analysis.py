"""From a (raw) transcript to a masked :class:`CallReport`: PII, masking, rules, score.

This is the one place where the raw transcript meets the masking step. Everything that
leaves :meth:`CallAnalyzer.analyze` holds masked text only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.compliance.evaluator import evaluate
from pipeline.compliance.loader import RuleBook, load_rulebook
from pipeline.compliance.metadata import CallMetadata
from pipeline.compliance.scoring import score_call
from pipeline.config import Settings
from pipeline.models import CallReport, Transcript
from pipeline.pii.stage import PiiStage, build_pii_stage


@dataclass(frozen=True)
class CallAnalyzer:
    """The engines of the text stages, built once per process and reused for every call."""

    pii: PiiStage
    rulebook: RuleBook

    @classmethod
    def from_settings(cls, settings: Settings, rules_dir: Path | None = None) -> CallAnalyzer:
        """The PII stage and rule book that ``settings`` name (``rules_dir`` overrides)."""
        return cls(
            pii=build_pii_stage(settings),
            rulebook=load_rulebook(rules_dir or settings.rules_dir),
        )

    @property
    def rules_version(self) -> str:
        """Content hash of the rule packs in use (part of the result key)."""
        return self.rulebook.version

    @property
    def pii_version(self) -> str:
        """Version of the PII stage in use (part of the result key)."""
        return self.pii.version

    def mask(self, transcript: Transcript) -> Transcript:
        """The transcript with every PII finding masked by the policy."""
        return self.pii.analyze(transcript)[1]

    def analyze(
        self,
        transcript: Transcript,
        *,
        model_name: str = "",
        asr_backend: str = "",
        agent_id: str | None = None,
        call_time: str | None = None,
        metadata: CallMetadata | None = None,
    ) -> CallReport:
        """Detect PII, mask, evaluate the rules for the transcript's language (those with a
        ``metadata:`` clause only when ``metadata`` matches it), and score."""
        findings, masked = self.pii.analyze(transcript)
        rules = self.rulebook.for_language(transcript.language)
        warnings: tuple[str, ...] = ()
        if not rules:
            warnings = (
                f"no rule pack for language {transcript.language!r}: no compliance rule was "
                "applied to this call",
            )
        violations = evaluate(rules, transcript, findings, masked, metadata)
        return CallReport(
            call_id=transcript.call_id,
            language=transcript.language,
            duration=transcript.duration,
            score=score_call(violations),
            violations=violations,
            pii=findings,
            masked_transcript=masked,
            rules_version=self.rules_version,
            model_name=model_name,
            asr_backend=asr_backend,
            pii_version=self.pii_version,
            agent_id=agent_id,
            call_time=call_time,
            warnings=warnings,
        )
