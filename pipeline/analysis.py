"""From a (raw) transcript to a masked :class:`CallReport`: PII, masking, rules, score.

This is the one place where the raw transcript meets the masking step. Everything that
leaves :meth:`CallAnalyzer.analyze` holds masked text only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.compliance.evaluator import evaluate
from pipeline.compliance.loader import RuleBook, load_rulebook
from pipeline.compliance.scoring import score_call
from pipeline.config import Settings
from pipeline.models import CallReport, Transcript
from pipeline.pii.engine import PiiEngine, get_engine
from pipeline.pii.masking import MaskingPolicy, load_policy, mask_transcript


@dataclass(frozen=True)
class CallAnalyzer:
    """The engines of the text stages, built once per process and reused for every call."""

    pii_engine: PiiEngine
    policy: MaskingPolicy
    rulebook: RuleBook
    pseudonym_key: bytes  # HMAC key for consistent pseudonyms (never written anywhere)

    @classmethod
    def from_settings(cls, settings: Settings, rules_dir: Path | None = None) -> CallAnalyzer:
        """Build the PII engine, masking policy and rule book that ``settings`` name."""
        return cls(
            pii_engine=get_engine(),
            policy=load_policy(settings.masking_policy),
            rulebook=load_rulebook(rules_dir or settings.rules_dir),
            pseudonym_key=settings.pseudonym_key.get_secret_value().encode("utf-8"),
        )

    @property
    def rules_version(self) -> str:
        """Content hash of the rule packs in use (part of the idempotency key)."""
        return self.rulebook.version

    def mask(self, transcript: Transcript) -> Transcript:
        """The transcript with every PII finding masked by the policy."""
        findings = self.pii_engine.analyze_transcript(transcript)
        return mask_transcript(transcript, findings, self.policy, self.pseudonym_key)

    def analyze(
        self,
        transcript: Transcript,
        *,
        model_name: str = "",
        agent_id: str | None = None,
        call_time: str | None = None,
    ) -> CallReport:
        """Detect PII, mask, evaluate the rules for the transcript's language, and score."""
        findings = self.pii_engine.analyze_transcript(transcript)
        masked = mask_transcript(transcript, findings, self.policy, self.pseudonym_key)
        rules = self.rulebook.for_language(transcript.language)
        violations = evaluate(rules, transcript, findings, masked)
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
            agent_id=agent_id,
            call_time=call_time,
        )
