"""Evaluate compiled rules on one call and turn what they find into ``Violation``s.

Matching runs on the raw transcript; evidence is taken from the masked transcript (same segment
indices, which the PII stage guarantees), so evidence is always masked.

Suspect ASR segments never cause a violation on their own: hits resting on them are ignored as
*evidence of wrongdoing* (a forbidden phrase, a trigger, an out-of-order disclosure) but still
count as *exculpatory* (a required phrase that was said, a follow-up that came). A call with no
non-suspect speech at all gets no violations.

A transcript that was masked before it got here still shows its PII as placeholders (``<TYPE>``,
``[REDACTED]``); ``call_context`` adds them to the findings the rules see (``placeholders``).
"""

from __future__ import annotations

import gc
import math
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from pipeline.compliance.context import CallContext, Hit
from pipeline.compliance.metadata import CallMetadata, applicable
from pipeline.compliance.placeholders import placeholder_findings
from pipeline.compliance.rule import Rule
from pipeline.models import PiiFinding, Transcript, Violation

EVIDENCE_MAX_CHARS = 200  # masked evidence is clipped to this length


def evaluate(
    rules: Sequence[Rule],
    transcript: Transcript,
    pii: Sequence[PiiFinding],
    masked: Transcript,
    metadata: CallMetadata | None = None,
) -> tuple[Violation, ...]:
    """Violations of ``rules`` in the call, sorted by time; evidence from ``masked``. A rule
    with a ``metadata:`` clause applies only when ``metadata`` matches it."""
    if not any(not s.suspect and s.text.strip() for s in transcript.segments):
        return ()
    rules = applicable(rules, metadata)
    with cycle_collector_paused():
        violations = _evaluate_rules(rules, call_context(transcript, pii), masked)
    return tuple(sorted(violations, key=lambda v: (v.start, v.end, v.rule_id)))


def _evaluate_rules(rules: Sequence[Rule], ctx: CallContext, masked: Transcript) -> list[Violation]:
    """Every rule's violations; the call's context (its indexes and memos, tens of thousands
    of objects) is freed on return, before the cycle collector is back on."""
    violations: list[Violation] = []
    for rule in rules:
        violations.extend(evaluate_rule(rule, ctx, masked))
    return violations


_pause_lock = threading.Lock()
_pause_depth = 0  # evaluations running with the collector paused (threads share the switch)
_pause_restore = False  # whether the collector was on when the first of them began


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for the duration; the last of concurrent pauses
    restores the state the first one found.

    Evaluating a call allocates tens of thousands of short-lived objects (matches, hits) and
    makes no reference cycles: reference counting frees them all when the call's context goes.
    With the collector on, those allocations trigger collections that walk the whole heap
    (Whisper, Presidio and the rules in a pipeline process): about a third of the evaluation
    time in ``bench/bench_rules.py``."""
    global _pause_depth, _pause_restore
    with _pause_lock:
        if _pause_depth == 0:
            _pause_restore = gc.isenabled()
            gc.disable()
        _pause_depth += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pause_depth -= 1
            if _pause_depth == 0 and _pause_restore:
                gc.enable()


def call_context(transcript: Transcript, pii: Sequence[PiiFinding]) -> CallContext:
    """The rules' view of a call: the PII stage's findings plus the mask placeholders already
    in the text (a transcript masked upstream)."""
    return CallContext(transcript, tuple(pii) + placeholder_findings(transcript))


def evaluate_rule(rule: Rule, ctx: CallContext, masked: Transcript) -> list[Violation]:
    """Violations of one rule in a call already wrapped in a ``CallContext``."""
    if rule.kind == "forbid":
        offending = _dedupe([h for h in rule.primary.hits(ctx) if not h.suspect])
    elif rule.kind == "require":
        offending = [] if rule.primary.hits(ctx) else [_missing_span(rule, ctx)]
    elif rule.kind == "trigger":
        offending = _unanswered_triggers(rule, ctx)
    else:
        offending = _out_of_order(rule, ctx)
    return [_violation(rule, hit, masked) for hit in offending[: rule.max_violations]]


def _dedupe(hits: list[Hit]) -> list[Hit]:
    """One hit per segment (the first); hits without a segment are kept."""
    seen: set[int] = set()
    out = []
    for hit in hits:
        if hit.segment_index is not None:
            if hit.segment_index in seen:
                continue
            seen.add(hit.segment_index)
        out.append(hit)
    return out


def _missing_span(rule: Rule, ctx: CallContext) -> Hit:
    duration = ctx.transcript.duration
    window = rule.primary.scope.window
    lo, hi = window.bounds(duration) if window else (0.0, duration)
    return Hit(lo, min(hi, duration) if not math.isinf(hi) else duration, rule.responsible)


def _unanswered_triggers(rule: Rule, ctx: CallContext) -> list[Hit]:
    assert rule.secondary is not None
    triggers = [h for h in rule.primary.hits(ctx) if not h.suspect]
    if not rule.each:
        triggers = triggers[:1]
    answers = rule.secondary.hits(ctx)
    deadline = math.inf if rule.within_s is None else rule.within_s
    return [
        t
        for t in triggers
        if not any(a.end >= t.start and a.start - t.end <= deadline for a in answers)
    ]


def _out_of_order(rule: Rule, ctx: CallContext) -> list[Hit]:
    assert rule.secondary is not None
    firsts = rule.secondary.hits(ctx)
    gate = min((h.start for h in firsts), default=math.inf)
    early = [h for h in rule.primary.hits(ctx) if not h.suspect and h.start < gate]
    return early[:1]


def _violation(rule: Rule, hit: Hit, masked: Transcript) -> Violation:
    speaker = hit.speaker if hit.speaker in ("agent", "customer") else rule.responsible
    if speaker == "any":
        speaker = "agent"
    evidence = ""
    if hit.segment_index is not None and 0 <= hit.segment_index < len(masked.segments):
        evidence = masked.segments[hit.segment_index].text[:EVIDENCE_MAX_CHARS]
    return Violation(
        rule_id=rule.id,
        severity=rule.severity,
        start=hit.start,
        end=hit.end,
        speaker=speaker,
        message=rule.message,
        evidence=evidence,
        weight=rule.weight,
        title=rule.title,
    )
