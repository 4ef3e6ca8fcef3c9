"""The bundled packs on real ASR slips (Whisper base on audio_samples/) and on masked input:
the sensitive-auth request found by words (fuzzy, homophones) and by structure (the customer
discloses right after an agent request)."""

from __future__ import annotations

import pytest

from pipeline.compliance.evaluator import evaluate
from pipeline.compliance.pii_stage import fallback_mask
from pipeline.models import PiiFinding, Transcript

from .conftest import call

RULE = "no-sensitive-auth-request"


def violations(book, transcript: Transcript, pii: tuple = ()) -> list:
    masked = fallback_mask(transcript, pii)
    return list(evaluate(book.for_language(transcript.language), transcript, pii, masked))


def fires(book, transcript: Transcript, pii: tuple = (), rule: str = RULE) -> bool:
    return rule in {v.rule_id for v in violations(book, transcript, pii)}


def disclosed(segment: int, entity: str = "PIN", speaker: str = "customer") -> PiiFinding:
    return PiiFinding(entity, segment, 0, 4, 0.9, speaker, recognizer="test")


@pytest.mark.parametrize(
    ("language", "agent_says", "expected"),
    [
        # Whisper base on en_card_declined_pin_request.mp3
        ("en", "I also need your DIN and the one time pass copy just send you.", True),
        ("en", "and what is the bin on your card", True),
        ("en", "can you read me the verification cold we texted", True),
        ("en", "can i have your pen number please", True),
        ("en", "Could you give me the pen to sign the form, please?", False),
        ("en", "Please tell me your date of birth.", False),
        ("en", "We will never ask for your one time pass copy.", False),
        ("en", "It is a one time payment, please tell me if that is fine.", False),
        ("zh", "请告诉我您刚收到的短信验证吗", True),
        ("zh", "请您报一下严正码", True),
        ("zh", "请告诉我您的取款蜜码", True),
        ("zh", "請告訴我您剛收到的短信驗證碼", True),
        ("zh", "我们不会索要验证吗，请不要告诉任何人", False),
        ("zh", "请您报一下身份证后四位", False),
    ],
)
def test_request_words_tolerate_asr_slips(
    bundled, language: str, agent_says: str, expected: bool
) -> None:
    assert fires(bundled, call(language, ("agent", agent_says))) is expected


@pytest.mark.parametrize(
    ("language", "asks", "answer"),
    [
        ("en", "I also need your thing and the one time thing just send you.", "okay it is 1984"),
        ("en", "can I have the numbers please", "sure 7 7 3 2 1 0"),
        ("zh", "为了帮您调整限额请告诉我您刚收到的那个", "好的是四八二九一七"),
    ],
)
def test_disclosure_right_after_a_request_is_the_agents_violation(
    bundled, language: str, asks: str, answer: str
) -> None:
    transcript = call(language, ("agent", asks, 0.0, 4.0), ("customer", answer, 6.0, 3.0))
    found = [v for v in violations(bundled, transcript, (disclosed(1),)) if v.rule_id == RULE]
    assert len(found) == 1
    assert found[0].speaker == "agent" and found[0].start < 4.0  # evidence: the agent's request
    assert found[0].evidence.startswith(asks[:10])
    assert not fires(bundled, transcript)  # without the disclosure, the words alone are not enough


@pytest.mark.parametrize(
    ("request_at", "answer_at", "pii_speaker", "expected"),
    [
        (0.0, 6.0, "customer", True),
        (0.0, 25.0, "customer", False),  # too long after the request
        (10.0, 0.0, "customer", False),  # before the request: volunteered
        (0.0, 6.0, "agent", False),  # the agent's own segment
    ],
)
def test_structure_needs_a_recent_request_and_a_customer_disclosure(
    bundled, request_at: float, answer_at: float, pii_speaker: str, expected: bool
) -> None:
    turns = sorted(
        [
            ("agent", "can I have the numbers please", request_at, 3.0),
            (pii_speaker, "it is 1984", answer_at, 2.0),
        ],
        key=lambda t: t[2],
    )
    transcript = call("en", *turns)
    index = next(i for i, s in enumerate(transcript.segments) if s.text == "it is 1984")
    assert fires(bundled, transcript, (disclosed(index, speaker=pii_speaker),)) is expected


def test_customer_volunteering_without_request_stays_a_pii_event(bundled) -> None:
    transcript = call(
        "en",
        ("agent", "thank you, your card is unblocked", 0.0, 3.0),
        ("customer", "by the way my PIN is 1984", 4.0, 3.0),
    )
    assert not fires(bundled, transcript, (disclosed(1),))


@pytest.mark.parametrize(
    ("language", "turns", "expected"),
    [
        (  # Whisper base output, masked upstream by `callsentry transcribe`
            "en",
            [
                ("agent", "I also need your thing and the one time thing just send you."),
                ("customer", "Okay, the PIN is [REDACTED] and the code is [REDACTED]."),
            ],
            True,
        ),
        (
            "zh",
            [("agent", "请告诉我您的那个"), ("customer", "好的，是[REDACTED]。")],
            True,
        ),
        (  # Whisper base on zh_limit_auth_request.flac: request lost, 验证码 heard as 烟镇马
            "zh",
            [
                ("agent", "为豹灵挑战陷恶,导致断陷烟镇马"),
                ("customer", "眼睁<NUMBER>,迷马菲<NUMBER>"),
            ],
            True,
        ),
        (  # a number after a non-sensitive word
            "zh",
            [("agent", "您的卡号是多少"), ("customer", "卡号是<NUMBER>")],
            False,
        ),
        (  # a masked name or card is not sensitive authentication data
            "en",
            [("agent", "can I have your name"), ("customer", "it is <PERSON>")],
            False,
        ),
    ],
)
def test_masked_transcript_placeholders_count_as_disclosure(
    bundled, language: str, turns: list, expected: bool
) -> None:
    assert fires(bundled, call(language, *turns)) is expected


@pytest.mark.parametrize(
    ("agent_says", "expected"),
    [
        ("Card term is an, this is <PERSON>, agent i.e. 5508, what can i do for you?", False),
        ("card services this is <PERSON_3f9a1c> how can i help", False),
        ("North Bank, this call is retarded. I am an anti-2246.", False),  # Whisper base
        ("Card term is an, what can i do for you?", True),
        ("I am calling about your statement, what can i do for you?", True),
    ],
)
def test_agent_identification_survives_asr_and_masking(
    bundled, agent_says: str, expected: bool
) -> None:
    transcript = call("en", ("agent", agent_says))
    assert fires(bundled, transcript, rule="agent-identification") is expected


@pytest.mark.parametrize(
    ("agent_says", "expected"),
    [
        ("North Bank, this call is retarded. I am an anti-2246.", False),  # Whisper base
        ("Hello, your call is required to have a reference, how can I help?", True),
        ("Hello, how can I help you today?", True),
    ],
)
def test_recording_notice_tolerates_asr_slips(bundled, agent_says: str, expected: bool) -> None:
    transcript = call("en", ("agent", agent_says))
    assert fires(bundled, transcript, rule="recording-notice") is expected


@pytest.mark.parametrize(
    ("language", "first", "second", "gap_s", "expected"),
    [
        ("en", "About the investment fund", "with guaranteed return of 8% a year.", 0.0, True),
        ("en", "About the investment fund", "with guaranteed return of 8% a year.", 20, False),
        ("zh", "我们有一款新的理财", "年化收益百分之五", 0.0, True),
        ("zh", "我们有一款新的理财", "年化收益百分之五", 20.0, False),
    ],
)
def test_wealth_pitch_split_across_segments_still_triggers(
    bundled, language: str, first: str, second: str, gap_s: float, expected: bool
) -> None:
    transcript = call(language, ("agent", first, 0.0, 2.0), ("agent", second, 2.0 + gap_s, 2.0))
    assert fires(bundled, transcript, rule="wealth-risk-disclosure") is expected
