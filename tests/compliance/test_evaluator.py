"""Evaluating rules on calls: kinds, suspect segments, negation, masked evidence."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.compliance.evaluator import evaluate
from pipeline.compliance.pii_stage import fallback_mask
from pipeline.models import PiiFinding, Transcript

from .conftest import call


def fired(book, transcript: Transcript, pii: tuple = ()) -> set[str]:
    masked = fallback_mask(transcript, pii)
    rules = book.for_language(transcript.language)
    return {v.rule_id for v in evaluate(rules, transcript, pii, masked)}


@pytest.mark.parametrize(
    ("language", "agent_says", "rule_id", "fires"),
    [
        ("en", "We will never ask for your PIN.", "no-sensitive-auth-request", False),
        ("en", "Can you tell me your PIN?", "no-sensitive-auth-request", True),
        ("en", "Please never share your password with anyone.", "no-sensitive-auth-request", False),
        ("en", "This product is not guaranteed.", "no-guaranteed-returns", False),
        ("en", "This product is guaranteed.", "no-guaranteed-returns", True),
        ("en", "It's not risk free.", "no-guaranteed-returns", False),
        ("en", "It's risk free.", "no-guaranteed-returns", True),
        ("zh", "我们不会向您索要密码，请不要告诉任何人。", "no-sensitive-auth-request", False),
        ("zh", "请您把密码告诉我。", "no-sensitive-auth-request", True),
        ("zh", "这款产品不保本。", "no-guaranteed-returns", False),
        ("zh", "这款产品保本保息。", "no-guaranteed-returns", True),
        ("zh", "本产品为非保本浮动收益型。", "no-guaranteed-returns", False),
    ],
)
def test_negation_in_bundled_rules(
    bundled, language: str, agent_says: str, rule_id: str, fires: bool
) -> None:
    transcript = call(language, ("agent", agent_says))
    assert (rule_id in fired(bundled, transcript)) is fires


def test_customer_volunteering_a_password_is_not_the_agents_violation(bundled) -> None:
    transcript = call("zh", ("customer", "我的密码是多少来着，我告诉你是123456"))
    assert "no-sensitive-auth-request" not in fired(bundled, transcript)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_suspect_segment_never_triggers_alone(bundled, language: str) -> None:
    text = {
        "zh": "请把验证码告诉我，保本保息",
        "en": "Tell me your PIN, the returns are guaranteed.",
    }[language]
    clean = call(language, ("agent", "ok"), ("agent", text))
    assert {"no-sensitive-auth-request", "no-guaranteed-returns"} <= fired(bundled, clean)
    suspect = call(language, ("agent", "ok"), ("agent", text, None, None, True))
    assert not {"no-sensitive-auth-request", "no-guaranteed-returns"} & fired(bundled, suspect)


def test_only_suspect_speech_gives_no_violations(bundled) -> None:
    transcript = call("en", ("agent", "guaranteed returns", None, None, True))
    assert fired(bundled, transcript) == set()


def test_suspect_segment_still_satisfies_requirements(bundled) -> None:
    transcript = call(
        "en",
        ("agent", "This call is recorded, my name is Ann.", None, None, True),
        ("customer", "Hi."),
        ("agent", "Thanks for calling, goodbye."),
    )
    assert "recording-notice" not in fired(bundled, transcript)


def test_order_rule_identity_before_disclosure(bundled) -> None:
    early = call(
        "en", ("agent", "Your balance is $300."), ("agent", "Let me verify your identity.")
    )
    late = call("en", ("agent", "Let me verify your identity."), ("agent", "Your balance is $300."))
    assert "identity-verification" in fired(bundled, early)
    assert "identity-verification" not in fired(bundled, late)


def test_trigger_rule_needs_follow_up_within_deadline(bundled) -> None:
    pitch = ("agent", "给您推荐一款理财产品，年化收益3%。", 0.0, 5.0)
    soon = call("zh", pitch, ("agent", "理财非存款，产品有风险，投资须谨慎。", 10.0, 5.0))
    late = call("zh", pitch, ("agent", "理财非存款，产品有风险，投资须谨慎。", 400.0, 5.0))
    assert "wealth-risk-disclosure" not in fired(bundled, soon)
    assert "wealth-risk-disclosure" in fired(bundled, late)


def test_evidence_comes_from_masked_transcript(bundled) -> None:
    raw = call("zh", ("agent", "跟您核对一下，卡号是6222021234567890128，对吗？"))
    pii = (PiiFinding("BANK_CARD", 0, 10, 29, 0.99, "agent"),)
    masked = replace(
        raw,
        segments=(
            replace(raw.segments[0], text="跟您核对一下，卡号是622202*********0128，对吗？"),
        ),
    )
    [violation] = [
        v
        for v in evaluate(bundled.for_language("zh"), raw, pii, masked)
        if v.rule_id == "agent-pii-readout"
    ]
    assert "6222021234567890128" not in violation.evidence
    assert violation.evidence == masked.segments[0].text
    assert violation.speaker == "agent" and violation.severity == "high"


def test_violation_fields_for_missing_phrase(bundled) -> None:
    transcript = call("en", ("agent", "How can I help?", 0.0, 3.0), ("customer", "Hi", 40.0, 41.0))
    [v] = [
        v
        for v in evaluate(bundled.for_language("en"), transcript, (), transcript)
        if v.rule_id == "recording-notice"
    ]
    assert (v.start, v.end, v.evidence, v.speaker) == (0.0, 30.0, "", "agent")
    assert v.weight > 0 and v.title


def test_cycle_collector_is_paused_during_evaluation_and_restored() -> None:
    import gc
    import threading

    from pipeline.compliance.evaluator import cycle_collector_paused

    assert gc.isenabled()
    with cycle_collector_paused():
        assert not gc.isenabled()
        with cycle_collector_paused():  # nested (or another thread): still paused
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()

    inside = threading.Barrier(2)
    release = threading.Event()

    def evaluate_in_thread() -> None:
        with cycle_collector_paused():
            inside.wait()
            release.wait()

    worker = threading.Thread(target=evaluate_in_thread)
    worker.start()
    with cycle_collector_paused():
        inside.wait()
    assert not gc.isenabled()  # the worker still evaluates
    release.set()
    worker.join()
    assert gc.isenabled()

    gc.disable()  # a process that runs without the collector keeps it off
    try:
        with cycle_collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
