"""One Presidio recognizer per entity; :func:`build_recognizers` gives the set for a language.

The entity types they emit are those of ``pipeline/pii/entities.py`` (a test holds them equal).
"""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer

from pipeline.pii.recognizers.address import AddressRecognizer
from pipeline.pii.recognizers.bank_account import BankAccountRecognizer
from pipeline.pii.recognizers.bank_card import BankCardRecognizer, CardInContextRecognizer
from pipeline.pii.recognizers.card_expiry import CardExpiryRecognizer
from pipeline.pii.recognizers.cvv import CvvRecognizer
from pipeline.pii.recognizers.email import CallEmailRecognizer
from pipeline.pii.recognizers.id_card import IdCardRecognizer, SlippedIdCardRecognizer
from pipeline.pii.recognizers.number import NumberRecognizer
from pipeline.pii.recognizers.password import PasswordRecognizer
from pipeline.pii.recognizers.person_en import EnPersonRecognizer
from pipeline.pii.recognizers.person_zh import ZhPersonRecognizer
from pipeline.pii.recognizers.phone import CallPhoneRecognizer
from pipeline.pii.recognizers.pin import PinRecognizer
from pipeline.pii.recognizers.ssn import SsnRecognizer
from pipeline.pii.recognizers.verification_code import VerificationCodeRecognizer

PATTERN_RECOGNIZERS = (
    IdCardRecognizer,
    SlippedIdCardRecognizer,
    BankCardRecognizer,
    CardInContextRecognizer,
    CallPhoneRecognizer,
    CallEmailRecognizer,
    AddressRecognizer,
    SsnRecognizer,
    BankAccountRecognizer,
    VerificationCodeRecognizer,
    PinRecognizer,
    PasswordRecognizer,
    CvvRecognizer,
    CardExpiryRecognizer,
    NumberRecognizer,
)


def build_recognizers(language: str) -> list[EntityRecognizer]:
    """Every recognizer for ``language`` ("zh" or "en"); numeric ones work in both."""
    recognizers: list[EntityRecognizer] = [
        cls(supported_language=language) for cls in PATTERN_RECOGNIZERS
    ]
    recognizers.append(ZhPersonRecognizer() if language == "zh" else EnPersonRecognizer())
    return recognizers
