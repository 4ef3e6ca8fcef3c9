"""Evaluating rules on calls: kinds, suspect segments, negation, masked evidence."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.compliance.evaluator import evaluate
from pipeline.compliance.loader import load_rulebook
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


def _card(transcript: Transcript, segment: int, number: str) -> PiiFinding:
    """The PII stage's finding of a card number: its span in the segment only."""
    seg = transcript.segments[segment]
    start = seg.text.index(number)
    return PiiFinding("BANK_CARD", segment, start, start + len(number), 0.99, seg.speaker)


CUSTOMER_CARD_EN = "My card number is 5531 4750 0095 8836, if that helps."


@pytest.mark.parametrize(
    ("agent_says", "fires"),
    [
        ("I'll use the card ending in 8836 to find your account.", False),  # her own number
        ("Okay, the card ending in eight eight three six, got it.", False),  # said as words
        ("I also see a card ending in 1234 on your profile.", True),  # another card on file
        ("So that's the card ending in, let me see.", True),  # no digits: echoes nothing
    ],
)
def test_card_echo_is_excused_only_with_the_customers_own_digits(
    bundled, agent_says: str, fires: bool
) -> None:
    transcript = call(
        "en",
        ("customer", CUSTOMER_CARD_EN),
        ("agent", agent_says),
        ("agent", "Can I confirm your date of birth?"),
    )
    pii = (_card(transcript, 0, "5531 4750 0095 8836"),)
    assert ("identity-verification" in fired(bundled, transcript, pii)) is fires


def test_card_echo_of_a_number_the_customer_said_in_words(bundled) -> None:
    number = "five five three one four seven five zero zero zero nine five eight eight three six"
    transcript = call(
        "en",
        ("customer", f"it's {number}"),
        ("agent", "the card ending in 8836, and can i get your date of birth"),
    )
    pii = (_card(transcript, 0, number),)
    assert "identity-verification" not in fired(bundled, transcript, pii)


ZH_SPOKEN_CARD = "六二二二 零二幺二 三四五六 七八九零 幺二八"  # 6222021234567890128
ZH_ECHO_PACK = """pack: echo
language: zh
rules:
  - id: card-tail-echo
    title: 尾号回显
    severity: high
    weight: 10
    message: 坐席说出了客户没有报过的卡号尾号
    forbid:
      regex: '尾号[0-9零〇一幺二两三四五六七八九]*'
      speaker: agent
      anchor:
        of: {pii: {types: [BANK_CARD]}, speaker: customer}
        relation: after
        seconds: 60
        absent: true
        same_digits: true
"""


@pytest.mark.parametrize(
    ("customer_says", "number", "agent_says", "fires"),
    [
        ("我的卡号是6222021234567890128", "6222021234567890128", "好的 尾号0128的卡 对吧", False),
        ("我的卡号是6222021234567890128", "6222021234567890128", "好的 尾号零幺二八的卡 对吧",
         False),
        (f"卡号是 {ZH_SPOKEN_CARD}", ZH_SPOKEN_CARD,
         "好的 尾号0128的卡 对吧", False),
        ("我的卡号是6222021234567890128", "6222021234567890128", "您名下还有一张尾号四四一八的卡",
         True),
        ("我的卡号是6222021234567890128", "6222021234567890128", "好的 尾号是 我看一下", True),
    ],
)  # fmt: skip
def test_zh_card_tail_echo_needs_the_customers_own_digits(
    tmp_path, customer_says: str, number: str, agent_says: str, fires: bool
) -> None:
    (tmp_path / "echo.yaml").write_text(ZH_ECHO_PACK, encoding="utf-8")
    book = load_rulebook(tmp_path)
    assert book.problems == ()
    transcript = call("zh", ("customer", customer_says), ("agent", agent_says))
    pii = (_card(transcript, 0, number),)
    assert ("card-tail-echo" in fired(book, transcript, pii)) is fires
