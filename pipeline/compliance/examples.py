"""Inline example transcripts: build them from turns and check rules against them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.compliance.evaluator import call_context, evaluate_rule
from pipeline.compliance.loader import RuleBook
from pipeline.compliance.pii_stage import fallback_mask
from pipeline.compliance.rule import Rule, Turn
from pipeline.models import PiiFinding, Segment, Transcript, Violation
from pipeline.pii.stage import PiiStage

TURN_GAP_S = 0.4  # pause between generated turns
ZH_SECONDS_PER_CHAR = 0.22  # about 4.5 characters per second
EN_SECONDS_PER_WORD = 0.35  # about 170 words per minute
MIN_TURN_S = 0.8


def _estimate_duration(text: str, language: str) -> float:
    if language == "zh":
        return max(MIN_TURN_S, len(text.replace(" ", "")) * ZH_SECONDS_PER_CHAR)
    return max(MIN_TURN_S, len(text.split()) * EN_SECONDS_PER_WORD)


def build_transcript(
    turns: Sequence[Turn], language: str, call_id: str = "example"
) -> tuple[Transcript, tuple[PiiFinding, ...]]:
    """A transcript from turns (timed when ``at``/``dur`` are missing) and the PII findings the
    turns declare (each covering its whole turn)."""
    segments: list[Segment] = []
    declared: list[PiiFinding] = []
    clock = 0.0
    for turn in turns:
        start = clock + (TURN_GAP_S if segments else 0.0) if turn.at is None else turn.at
        end = start + (turn.dur or _estimate_duration(turn.text, language))
        segments.append(
            Segment(
                turn.speaker,
                start,
                end,
                turn.text,
                suspect=turn.suspect,
                suspect_reason="example" if turn.suspect else None,
            )
        )
        clock = max(clock, end)
    segments.sort(key=lambda s: (s.start, s.end))
    for i, seg in enumerate(segments):
        turn = next(t for t in turns if t.text == seg.text and t.speaker == seg.speaker)
        for entity in turn.pii:
            declared.append(
                PiiFinding(entity, i, 0, len(seg.text), 1.0, seg.speaker, recognizer="declared")
            )
    transcript = Transcript(call_id, language, clock, tuple(segments))
    return transcript, tuple(declared)


@dataclass(frozen=True)
class ExampleResult:
    """Outcome of one embedded example."""

    rule: Rule
    number: int  # 1-based position among the rule's examples
    expect: str  # "pass" or "fail"
    ok: bool
    violations: tuple[Violation, ...]  # what the rule reported (masked evidence)


def check_rule_on(
    rule: Rule, transcript: Transcript, declared: Sequence[PiiFinding], stage: PiiStage | None
) -> tuple[Violation, ...]:
    """Violations of one rule on one transcript, with the PII stage (or declared findings)."""
    findings: tuple[PiiFinding, ...] = tuple(declared)
    if stage is not None:
        detected, masked = stage.analyze(transcript)
        findings = findings + tuple(detected)
    else:
        masked = fallback_mask(transcript, findings)
    if declared:
        masked = fallback_mask(masked, ())
    if not any(not s.suspect and s.text.strip() for s in transcript.segments):
        return ()
    return tuple(evaluate_rule(rule, call_context(transcript, findings), masked))


def run_examples(book: RuleBook, stage: PiiStage | None = None) -> list[ExampleResult]:
    """Run every rule's embedded examples; ``ok`` when pass examples give no violation of the
    rule and fail examples give at least one."""
    results = []
    for rule in book.rules:
        language = "en" if rule.language == "any" else rule.language
        for number, example in enumerate(rule.examples, start=1):
            transcript, declared = build_transcript(
                example.turns, language, f"{rule.id}-{example.expect}-{number}"
            )
            violations = check_rule_on(rule, transcript, declared, stage)
            ok = bool(violations) == (example.expect == "fail")
            results.append(ExampleResult(rule, number, example.expect, ok, violations))
    return results
