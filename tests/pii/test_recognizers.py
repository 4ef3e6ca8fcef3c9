"""Parametrised tables per recognizer: valid, invalid checksum, spoken, glued, Whisper-grouped."""

from __future__ import annotations

import pytest

from pipeline.pii.recognizers.bank_card import brand_ok
from tests.pii.conftest import found

CASES = [
    # (id, lang, text, expected entity or None, expected matched text)
    ("id-valid", "zh", "身份证号11010519491231002X", "ID_CARD", "11010519491231002X"),
    # a wrong check character is no ID card, but 18 digits are still masked as a long NUMBER
    ("id-bad-check", "zh", "号码110105194912310021好的", "NUMBER", "110105194912310021"),
    (
        "id-spoken",
        "zh",
        "身份证幺幺零一零五一九四九一二三一零零二叉",
        "ID_CARD",
        "幺幺零一零五一九四九一二三一零零二叉",
    ),
    ("id-spaced", "zh", "证件号 110105 19491231 002X", "ID_CARD", "110105 19491231 002X"),
    ("id-legacy15", "zh", "老身份证号是110105491231002", "ID_CARD", "110105491231002"),
    ("card-unionpay19", "zh", "卡号6222021234567890128", "BANK_CARD", "6222021234567890128"),
    ("card-glued", "zh", "我的卡号是4111111111111111谢谢", "BANK_CARD", "4111111111111111"),
    ("card-bad-luhn", "en", "number 4111111111111112 ok", "NUMBER", "4111111111111112"),
    ("card-whisper", "en", "it's 4,111,111,111,111,111 yes", "BANK_CARD", "4,111,111,111,111,111"),
    ("card-dashed", "en", "card 5500-0000-0000-0004", "BANK_CARD", "5500-0000-0000-0004"),
    (
        "card-spoken-zh",
        "zh",
        "卡号六二二二 零二一二 三四五六 七八九零 一二八",
        "BANK_CARD",
        "六二二二 零二一二 三四五六 七八九零 一二八",
    ),
    (
        "card-spoken-en",
        "en",
        "card four one one one one one one one one one one one one one one one",
        "BANK_CARD",
        "four one one one one one one one one one one one one one one one",
    ),
    ("card-amex", "en", "amex 378282246310005", "BANK_CARD", "378282246310005"),
    ("mobile", "zh", "手机13812345678", "PHONE", "13812345678"),
    ("mobile-86", "zh", "电话+86 138 1234 5678", "PHONE", "+86 138 1234 5678"),
    (
        "mobile-spoken",
        "zh",
        "我的手机是幺三八 一二三四 五六七八",
        "PHONE",
        "幺三八 一二三四 五六七八",
    ),
    ("landline", "zh", "座机010-62345678", "PHONE", "010-62345678"),
    ("us-phone", "en", "call me at (415) 555-2671", "PHONE", "(415) 555-2671"),
    (
        "us-phone-spoken",
        "en",
        "my number is four one five five five five two six seven one",
        "PHONE",
        "four one five five five five two six seven one",
    ),
    ("hotline-95555", "zh", "请拨打95555", None, None),
    ("hotline-400", "zh", "客服热线400-820-8820", None, None),
    ("tollfree", "en", "call 1-800-555-0199", None, None),
    ("email", "en", "mail john.smith@gmail.com now", "EMAIL", "john.smith@gmail.com"),
    (
        "email-spoken",
        "en",
        "it's john dot smith at gmail dot com",
        "EMAIL",
        "john dot smith at gmail dot com",
    ),
    ("email-bad-tld", "en", "x@y.notatld", None, None),
    ("ssn", "en", "SSN 123-45-6789", "SSN", "123-45-6789"),
    ("ssn-invalid", "en", "ref 000-12-3456", None, None),
    (
        "ssn-spoken",
        "en",
        "social security number one two three four five six seven eight nine",
        "SSN",
        "one two three four five six seven eight nine",
    ),
    ("otp-zh", "zh", "短信验证码是六五四三二一", "VERIFICATION_CODE", "六五四三二一"),
    ("otp-en", "en", "the one-time passcode is 482913.", "VERIFICATION_CODE", "482913"),
    ("pin", "zh", "取款密码123456", "PIN", "123456"),
    ("password", "en", "my password is tiger2024", "PASSWORD", "tiger2024"),
    ("cvv-zh", "zh", "背面三位是四五六", "CVV", "四五六"),
    ("cvv-en", "en", "the security code is 737", "CVV", "737"),
    ("expiry", "zh", "有效期05/27", "CARD_EXPIRY", "05/27"),
    ("account", "zh", "收款账号是1234567890123", "BANK_ACCOUNT", "1234567890123"),
    # long digit runs and digit-by-digit spoken numbers nothing else explains: NUMBER
    (
        "number-spoken-bad-luhn",
        "en",
        "it's four one one one one one one one one one one one one one one two",
        "NUMBER",
        "four one one one one one one one one one one one one one one two",
    ),
    (
        "number-zh-spoken-19",
        "zh",
        "那个六二二二零二一二三四五六七八九零一二九",
        "NUMBER",
        "六二二二零二一二三四五六七八九零一二九",
    ),
    ("number-spaced-12", "en", "it is 1234 5678 9012 thanks", "NUMBER", "1234 5678 9012"),
    ("number-spoken-code", "en", "it's four eight two nine", "NUMBER", "four eight two nine"),
    ("number-zh-spoken-code", "zh", "是六五四三二一", "NUMBER", "六五四三二一"),
    # codes announced by "code", texts, 口令 (no "verification" word)
    ("otp-code-word", "en", "the code is 482913", "VERIFICATION_CODE", "482913"),
    ("otp-texted", "en", "the code we texted you is 482913", "VERIFICATION_CODE", "482913"),
    ("otp-got-a-text", "en", "I just got a text, it's 482913", "VERIFICATION_CODE", "482913"),
    ("otp-koling", "zh", "动态口令是123456", "VERIFICATION_CODE", "123456"),
    ("otp-sms-zh", "zh", "短信里的数字是 六五四三二一", "VERIFICATION_CODE", "六五四三二一"),
    ("cvv-not-otp", "en", "the security code is 7373", "CVV", "7373"),
    # spoken e-mail connectors
    (
        "email-underscore",
        "en",
        "it's john underscore smith at gmail dot com",
        "EMAIL",
        "john underscore smith at gmail dot com",
    ),
    (
        "email-dash-at-sign",
        "en",
        "send it to mary dash lee at sign example dot co dot uk",
        "EMAIL",
        "mary dash lee at sign example dot co dot uk",
    ),
    (
        "email-words-after-cue",
        "en",
        "my email is john smith at gmail dot com",
        "EMAIL",
        "john smith at gmail dot com",
    ),
    (
        "email-zh-spoken",
        "zh",
        "邮箱是zhangsan下划线123艾特qq点com",
        "EMAIL",
        "zhangsan下划线123艾特qq点com",
    ),
    # real Whisper output: dictated digit groups, irregular grouping, slips, broken Luhn
    (
        "asr-card-bad-luhn-irregular",
        "en",
        "June 2, 1990, the card number is 4,716,2034,812,59599.",
        "BANK_CARD",
        "4,716,2034,812,59599",
    ),
    ("asr-pin-letter", "en", "Okay, the PIN is 1.I.84 and the code is 773.210.", "PIN", "1.I.84"),
    (
        "asr-code-dotted",
        "en",
        "Okay, the PIN is 1.I.84 and the code is 773.210.",
        "VERIFICATION_CODE",
        "773.210",
    ),
    ("asr-ssn-dotted-no-context", "en", "It is 536.228.741.", "NUMBER", "536.228.741"),
    ("asr-ssn-dotted", "en", "my social security number is 536.228.741.", "SSN", "536.228.741"),
    ("asr-pin-plain", "en", "Okay, the PIN is 1984 and the code is 773 210.", "PIN", "1984"),
    (
        "asr-code-spaced",
        "en",
        "Okay, the PIN is 1984 and the code is 773 210.",
        "VERIFICATION_CODE",
        "773 210",
    ),
    (
        "asr-card-comma-space",
        "en",
        "I will link the fund to your card number 5425, 2334, 3010, 9903. Is that right?",
        "BANK_CARD",
        "5425, 2334, 3010, 9903",
    ),
    (
        "asr-card-ending-bad-luhn",
        "en",
        "the card ending 4716 2034 8125 9598",
        "BANK_CARD",
        "4716 2034 8125 9598",
    ),
    (
        "asr-card-zh-fullwidth-commas",
        "zh",
        "卡号是六二二二，零二一二，三四五六，七八九零，一二八",
        "BANK_CARD",
        "六二二二，零二一二，三四五六，七八九零，一二八",
    ),
    (
        "asr-card-zh-digits-fullwidth-commas-bad-luhn",
        "zh",
        "银行卡 6222，0212，3456，7890，129",
        "BANK_CARD",
        "6222，0212，3456，7890，129",
    ),
    (
        "asr-card-zh-12-digits",
        "zh",
        "卡号是六二二二，零二一二，三四五六",
        "NUMBER",
        "六二二二，零二一二，三四五六",
    ),
    ("asr-mobile-mixed", "zh", "手机号幺三八 1234 五六七八", "PHONE", "幺三八 1234 五六七八"),
    ("asr-otp-zh-dotted", "zh", "验证码是 773.210", "VERIFICATION_CODE", "773.210"),
    (
        "asr-otp-homophone",
        "en",
        "the code is one nine ate four",
        "VERIFICATION_CODE",
        "one nine ate four",
    ),
    ("asr-pin-homophone", "en", "my PIN is four won one one", "PIN", "four won one one"),
    # "four" heard as "for" right before a long spoken run: the card's first digit
    (
        "asr-card-four-heard-as-for",
        "en",
        "my card is for five three two zero one five one one two eight three zero three six six",
        "BANK_CARD",
        "for five three two zero one five one one two eight three zero three six six",
    ),
    ("asr-pin-digit-by-digit", "en", "my PIN is 1, 9, 8, 4.", "PIN", "1, 9, 8, 4"),
    ("asr-number-digit-by-digit", "en", "it's 1, 9, 8, 4.", "NUMBER", "1, 9, 8, 4"),
    ("asr-ssn-spaced-3-3-3", "en", "social security number 536 228 741", "SSN", "536 228 741"),
    ("asr-phone-dotted", "en", "my phone is 415.555.2671", "PHONE", "415.555.2671"),
    # digit-density safety net: mixed separators, misheard two-digit groups (real Whisper
    # tiny.en output of audio_samples/en_mulaw_8k_readout.wav first)
    (
        "dense-readback-whisper",
        "en",
        "Let me repeat Matt, 4-9-1-6, 0-3-10-10-8-2-1-5, 2-0-4-2.",
        "BANK_CARD",
        "4-9-1-6, 0-3-10-10-8-2-1-5, 2-0-4-2",
    ),
    (
        "dense-readback-that",
        "en",
        "Let me repeat that, 4-9-1-6, 0-3-10-10-8-2-1-5, 2-0-4-2.",
        "BANK_CARD",
        "4-9-1-6, 0-3-10-10-8-2-1-5, 2-0-4-2",
    ),
    (
        "dense-customer-whisper",
        "en",
        "Hi, I want to update my card made I'm 1978 my card in four nine one six zero three"
        " seven seven eight two one five two zero four two",
        "BANK_CARD",
        "four nine one six zero three seven seven eight two one five two zero four two",
    ),
    (
        "dense-no-context",
        "en",
        "okay, 4-9-1-6, 0-3-10-10-8-2-1-5, 2-0-4-2.",
        "NUMBER",
        "4-9-1-6, 0-3-10-10-8-2-1-5, 2-0-4-2",
    ),
    (
        "dense-comma-list-misheard",
        "en",
        "it's 4, 9, 1, 6, 0, 3, 10, 10, 8, 2, 1, 5.",
        "NUMBER",
        "4, 9, 1, 6, 0, 3, 10, 10, 8, 2, 1, 5",
    ),
    ("dense-spaced-dots", "en", "the reference is 8224. 699. 77.", "NUMBER", "8224. 699. 77"),
    ("dense-colon", "en", "note it: 7-8-0-1, 9-5-2-1-9.", "NUMBER", "7-8-0-1, 9-5-2-1-9"),
    (
        "dense-colon-readback",
        "en",
        "Okay, let me read it back: 4228, 68360, 17655, 49.",
        "BANK_CARD",
        "4228, 68360, 17655, 49",
    ),
    (
        "dense-zh-readback",
        "zh",
        "跟您核对一下，3-4-8-4，7-9-12，5-12-7，1-5-6，8-8。",
        "BANK_CARD",
        "3-4-8-4，7-9-12，5-12-7，1-5-6，8-8",
    ),
    ("dense-zh-mixed", "zh", "编号是4916、0377-8215，20", "NUMBER", "4916、0377-8215，20"),
    (
        "dense-after-time",
        "en",
        "at 10:30, 4916-0310, 8215-2043 ok",
        "NUMBER",
        "4916-0310, 8215-2043",
    ),
    ("person-zh", "zh", "您好，我叫王小明", "PERSON", "王小明"),
    ("person-zh-title", "zh", "李建国先生您好", "PERSON", "李建国"),
    ("person-en", "en", "Hello, my name is John Smith.", "PERSON", "John Smith"),
    ("address-zh", "zh", "地址是北京市朝阳区建国路88号", "ADDRESS", "北京市朝阳区建国路88号"),
    (
        "address-en",
        "en",
        "I live at 42 Baker Street, Springfield, IL 62704",
        "ADDRESS",
        "42 Baker Street, Springfield, IL 62704",
    ),
]
NEGATIVES = [
    ("rate", "zh", "年化收益率3.85%，比较稳健"),
    ("amount", "zh", "您的密码不要告诉别人，转账5000元已到账"),
    ("date", "zh", "验证码将在2024年3月15日前有效"),
    ("amount-words", "zh", "大概三千块，一个月"),
    ("dollars", "en", "the PIN reset fee is $5,000 at 3.85%"),
    ("zip-code", "en", "my zip code is 62704"),
    ("area-code", "en", "the area code is 4155"),
    ("big-amount", "en", "a fund of 5,000,000,000,000 dollars"),
    ("spoken-year", "zh", "二零二四年三月十五日到期"),
    ("short-spoken", "en", "one two three, let's go"),
    # digit groups that are not one dictated number
    (
        "asr-date-amounts",
        "en",
        "the transfer of $5,000 and 12,000 dollars at 3.85% on June 2, 1990",
    ),
    ("asr-time", "en", "we open at 10:30, 9.30 on Sundays"),
    ("asr-hotlines-dates", "en", "call 1-800-555-0199 or 800-432-1000, by 04/30/2025, 2024-03-15"),
    ("asr-zh-mix", "zh", "年化收益率3.85%，5000元，2024年3月15日，10:30，第1、2、3条"),
    ("asr-small-list", "en", "we have 10, 11, 12 and 15 branches"),
    ("asr-homophone-prose", "en", "it takes 3 to 5 days, one to one meeting, two for one deal"),
    ("asr-for-prose", "en", "I need it for the system, for 12 months, for five minutes"),
    ("asr-letter-prose", "en", "I think I said 4 I think"),
    ("asr-amount-people", "en", "that's 12, 500 people"),
    # mixed separators around numbers that keep their shape (digit-density safety net)
    ("dense-amounts", "en", "transfers of $5,000, 12,000, 1,000-5,000, 5,000-10,000 dollars"),
    ("dense-terms", "en", "terms of 12, 24, 36, 48 months, or 6, 12, 18-24, 36 months"),
    ("dense-dates", "en", "due 04/30/2025, 2025-03-15, 05/30/2025"),
    ("dense-balance-rate", "en", "the balance is 12,500.00, 4.55%, 3.85%"),
    ("dense-time-rates", "en", "at 10:30, 9.30, rates 3.85%, 4.10%"),
    ("dense-short-list", "en", "floors 2-3, 5, 10, 11"),
    ("dense-zh", "zh", "转账5,000元、12,000.00，3,500元，2024-03-15、2024-04-15，年化3.85%，3.5%"),
    ("repeat-that-not-a-name", "en", "Let me repeat that, please. Let me repeat that."),
    # the tail of a hotline is no code or PIN, however near the context word
    ("hotline-tail-after-code", "en", "about the code, call us on 1-800-555-0199"),
    ("hotline-tail-spaced-pin", "en", "for your PIN call us on 1 800 555 0123"),
    ("hotline-after-otp-zh", "zh", "验证码已发送。客服热线95555"),
    ("hotline-tail-zh", "zh", "短信验证码请勿泄露，客服热线800-820-5555"),
]


@pytest.mark.parametrize(
    ("case", "lang", "text", "entity", "value"), CASES, ids=[c[0] for c in CASES]
)
def test_recognizer_table(engine, case, lang, text, entity, value):
    spans = found(engine, text, lang)
    if entity is None:
        assert spans == [], f"{case}: unexpected {spans}"
    else:
        assert (entity, value) in spans, f"{case}: got {spans}"


@pytest.mark.parametrize(("case", "lang", "text"), NEGATIVES, ids=[c[0] for c in NEGATIVES])
def test_non_pii_numbers_left_alone(engine, case, lang, text):
    assert found(engine, text, lang) == []


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("6222021234567890128", True),
        ("4111111111111111", True),
        ("378282246310005", True),
        ("1234567890123456", False),
        ("5100000000000", False),
    ],
)
def test_card_brand(number, ok):
    assert brand_ok(number) is ok


def test_the_card_centres_name_is_no_card_context(engine) -> None:
    """A misheard ID (14 digits, no checksum) after a greeting naming the 信用卡中心 stays a
    NUMBER; after a real card word it is a card read back."""
    from pipeline.models import Segment, Transcript

    greeting = Segment("agent", 0.0, 4.0, "您好，华信银行信用卡中心，工号三三零九，请问有什么事")
    answer = "好的，请您提供姓名和身份证号码﹑王剑国﹑姚姚零邀零八﹑姚九七九零九二三﹑感谢您"
    call = Transcript("c", "zh", 9.0, (greeting, Segment("agent", 4.0, 9.0, answer)))
    types = {f.entity_type for f in engine.analyze_transcript(call) if f.segment_index == 1}
    assert types == {"NUMBER"}
    lost = Segment("agent", 0.0, 4.0, "您好，请问您要挂失的是哪张信用卡")
    call = Transcript("c", "zh", 9.0, (lost, Segment("agent", 4.0, 9.0, answer)))
    types = {f.entity_type for f in engine.analyze_transcript(call) if f.segment_index == 1}
    assert types == {"BANK_CARD"}


def test_a_cvv_asked_for_by_where_it_is_printed(engine) -> None:
    """ "the three numbers on the back" / "签名条那里最后面那三个数字" name the CVV without the
    word; the customer's answer in the next turn is one."""
    from pipeline.models import Segment, Transcript

    for question, answer, lang in (
        ("Okay. Now the three numbers on the back, please.", "Um, okay. Eight one four.", "en"),
        ("您把卡翻过来，签名条那里最后面那三个数字，您报给我一下", "嗯，是五八二", "zh"),
    ):
        segments = (Segment("agent", 0.0, 3.0, question), Segment("customer", 3.5, 5.0, answer))
        findings = engine.analyze_transcript(Transcript("c", lang, 5.0, segments))
        assert [f.entity_type for f in findings if f.segment_index == 1] == ["CVV"], question


def _answer_types(engine, lang: str, question: str, answer: str) -> list[str]:
    """Entity types found in ``answer``, the turn after ``question``."""
    from pipeline.models import Segment, Transcript

    segments = (Segment("agent", 0.0, 3.0, question), Segment("customer", 3.5, 5.0, answer))
    findings = engine.analyze_transcript(Transcript("c", lang, 5.0, segments))
    return [f.entity_type for f in findings if f.segment_index == 1]


def test_a_cvv_asked_for_by_turning_the_card_over(engine) -> None:
    """The signature strip / turning the card over locate the CVV without naming it."""
    for question in (
        "Could you turn the card over and read me the little digits by the signature panel?",
        "Flip it over for me, what are the numbers next to the signature strip?",
    ):
        assert _answer_types(engine, "en", question, "Sure, two, seven, five.") == ["CVV"]


def test_a_code_asked_for_from_a_message_described_not_named(engine) -> None:
    """ "刚收到一条信息，里面有一串数字" is the SMS (短信 heard as 信息) whose code is read out."""
    question = "您手机刚才收到一条我们的信息，麻烦把里面那串数字念给我"
    assert _answer_types(engine, "zh", question, "哦，我看一下，是358102") == ["VERIFICATION_CODE"]
    question = "里面有一串数字，您读给我听一下"
    assert _answer_types(engine, "zh", question, "好的，是4471") == ["VERIFICATION_CODE"]


@pytest.mark.parametrize(
    "digits",
    [
        "440305,197807211,1370",  # a digit heard twice: 19 digits
        "440305 1978072 1370",  # a digit lost: 17 digits
        "440305197807211371",  # a slip in one digit: the check character fails
    ],
)
def test_an_id_number_heard_with_a_slip_after_id_context(engine, digits: str) -> None:
    """Digits read out after 身份证号 are the ID even when a slip breaks its length or checksum."""
    text = f"好的，身份证号{digits}。"
    assert ("ID_CARD", digits) in found(engine, text, "zh")


def test_a_slipped_id_needs_its_context(engine) -> None:
    """Without 身份证 / 证件号 a 17-digit run is no ID (the NUMBER fallback may still take it)."""
    assert "ID_CARD" not in {t for t, _ in found(engine, "订单号44030519780721137", "zh")}


def test_a_slipped_id_gives_way_to_a_number_announced_after_it(engine) -> None:
    """ "证件号码……对公账号是<digits>": the digits answer the account question, not the ID's."""
    text = "证件号码已核对，对公账号是15291392985371598"
    assert "ID_CARD" not in {t for t, _ in found(engine, text, "zh")}
