"""The entity types callsentry detects, and what each one is: one registry.

Every other vocabulary derives from :data:`REGISTRY`: the masking policy's defaults and the
types it must remove (``masking.py``), the placeholders a masked transcript holds
(``pipeline/compliance/placeholders.py``), the PII exposures (``pipeline/anomaly.py``), the
outgoing-message scanner (``pipeline/alerts/scan.py``) and the rule-pack validator (a ``pii``
condition naming a type not here does not load). The recognizers (``recognizers/``) emit exactly
these types; a test holds the two together.

Classes follow JR/T 0171-2020 (personal financial information protection): C3 is user
authentication information (card PINs and passwords, CVN, card expiry; a verification code
counts as C3 here because, said with the card or account number, it completes authentication),
C2 identifies the person or their accounts (ID, card and account numbers, phone, address, ...),
C1 is the bank's internal account information (none is detected from speech).

Placeholders: a masked value of type NAME reads ``<NAME>`` (``type`` operator, and a ``partial``
value too short to keep digits of), ``<NAME_xxxxxxxx>`` (``pseudonym``) or :data:`REMOVE_TOKEN`
(``remove``: every authentication type).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, StrEnum

from pipeline.pii import checksums

REMOVE_TOKEN = "[REDACTED]"  # what the ``remove`` operator leaves (the bundled policy's token)


class JrtClass(Enum):
    """Sensitivity class of personal financial information in JR/T 0171-2020."""

    C1 = "C1"  # internal account information (balances, opening date, branch)
    C2 = "C2"  # identifies the person, their accounts or their finances
    C3 = "C3"  # user authentication information: leaks allow taking over the account


class MaskOperator(StrEnum):
    """How a masked value is replaced (see ``pipeline/pii/default_policy.yaml``)."""

    REMOVE = "remove"  # by the policy's remove token, nothing kept
    PARTIAL = "partial"  # digits kept at the ends, the rest replaced
    TYPE = "type"  # by <TYPE>
    PSEUDONYM = "pseudonym"  # by <TYPE_xxxxxxxx>, keyed and consistent within a call


@dataclass(frozen=True)
class DefaultMask:
    """An entity's masking when the policy does not override it."""

    operator: MaskOperator
    keep_first: int = 0  # partial: digits kept at the start
    keep_last: int = 0  # partial: digits kept at the end


@dataclass(frozen=True)
class LeakCheck:
    """How the outgoing-message scanner recognises an unmasked value of an entity."""

    description: str  # what a blocked message reports, e.g. "Luhn-valid card number"
    matches: Callable[[str], bool]  # on a run of digits (the last one may be X)
    max_length: int  # characters of the longest value it matches


@dataclass(frozen=True)
class EntityType:
    """One entity type and what it is."""

    name: str  # the type as findings, rule packs and policies spell it
    description: str
    jrt_class: JrtClass  # JR/T 0171-2020 class
    authentication: bool  # sensitive authentication data: never kept, not even in part
    mask: DefaultMask  # default masking (a policy may override it)
    agent_exposure: bool = False  # an agent reading it out is a PII exposure
    redact_audio: bool = True  # beeped / silenced in the redacted recording by default
    leak_check: LeakCheck | None = None  # checked in every outgoing message (None: not)

    def __post_init__(self) -> None:
        if self.authentication and (
            self.jrt_class is not JrtClass.C3 or self.mask.operator is not MaskOperator.REMOVE
        ):
            raise ValueError(f"{self.name}: authentication data is C3 and always removed")


_REMOVE = DefaultMask(MaskOperator.REMOVE)
_TYPE = DefaultMask(MaskOperator.TYPE)
_PSEUDONYM = DefaultMask(MaskOperator.PSEUDONYM)

# In the order the outgoing-message scanner tries the leak checks: an 18-digit ID number may
# also pass Luhn, and is reported as an ID.
REGISTRY: tuple[EntityType, ...] = (
    EntityType(
        "ID_CARD",
        "Chinese resident identity card number (GB 11643, 18 characters or legacy 15 digits)",
        JrtClass.C2,
        authentication=False,
        mask=_TYPE,
        agent_exposure=True,
        leak_check=LeakCheck(
            "resident ID number", checksums.is_resident_id, checksums.ID_BODY_DIGITS + 1
        ),
    ),
    EntityType(
        "BANK_CARD",
        "payment card number (PAN), 13 to 19 digits, Luhn-checked or said after a card word",
        JrtClass.C2,
        authentication=False,
        mask=DefaultMask(MaskOperator.PARTIAL, keep_first=6, keep_last=4),  # PCI DSS 3.4
        agent_exposure=True,
        leak_check=LeakCheck(
            "Luhn-valid card number", checksums.is_card_number, max(checksums.CARD_DIGITS)
        ),
    ),
    EntityType(
        "PHONE",
        "phone number: mainland mobile and landline, NANP, international (+CC)",
        JrtClass.C2,
        authentication=False,
        mask=_PSEUDONYM,
        leak_check=LeakCheck(
            "mobile phone number",
            checksums.is_mainland_mobile,
            len(checksums.MOBILE_COUNTRY_CODE) + checksums.MOBILE_DIGITS,
        ),
    ),
    EntityType("EMAIL", "e-mail address", JrtClass.C2, authentication=False, mask=_PSEUDONYM),
    EntityType("PERSON", "person's name", JrtClass.C2, authentication=False, mask=_PSEUDONYM),
    EntityType("ADDRESS", "postal or home address", JrtClass.C2, authentication=False, mask=_TYPE),
    EntityType("SSN", "US social security number", JrtClass.C2, authentication=False, mask=_TYPE),
    EntityType(
        "BANK_ACCOUNT",
        "bank account number (8 to 25 digits after an account word)",
        JrtClass.C2,
        authentication=False,
        mask=DefaultMask(MaskOperator.PARTIAL, keep_first=0, keep_last=4),
    ),
    EntityType(
        "VERIFICATION_CODE",
        "one-time verification code (SMS / app passcode)",
        JrtClass.C3,
        authentication=True,
        mask=_REMOVE,
    ),
    EntityType("PIN", "card or account PIN", JrtClass.C3, authentication=True, mask=_REMOVE),
    EntityType(
        "PASSWORD",
        "login, payment or query password",
        JrtClass.C3,
        authentication=True,
        mask=_REMOVE,
    ),
    EntityType(
        "CVV",
        "card security code (CVV / CVN2, 3 or 4 digits)",
        JrtClass.C3,
        authentication=True,
        mask=_REMOVE,
    ),
    EntityType(
        "CARD_EXPIRY",
        "card expiry date (C3 in JR/T 0171; cardholder data, not authentication data, in PCI DSS)",
        JrtClass.C3,
        authentication=False,
        mask=_TYPE,
    ),
    EntityType(
        "NUMBER",
        "fallback: a long (12+ digits) or digit-by-digit spoken (4+) number no specific "
        "recognizer explains (a card whose Luhn check an ASR slip broke, a code said without "
        "context); C2 as it may be a card or account number",
        JrtClass.C2,
        authentication=False,
        mask=_TYPE,
    ),
)
_BY_NAME: dict[str, EntityType] = {e.name: e for e in REGISTRY}


def is_known(name: str) -> bool:
    """Whether ``name`` is a registered entity type."""
    return name in _BY_NAME


def entity(name: str) -> EntityType:
    """The registered entity type ``name``; KeyError naming the known types otherwise."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown entity type {name!r}; known types: {known_types()}") from None


def known_types() -> str:
    """The registered names, comma-separated (for messages)."""
    return ", ".join(e.name for e in REGISTRY)


def authentication_types() -> frozenset[str]:
    """Sensitive authentication data: CVV, PIN, PASSWORD, VERIFICATION_CODE."""
    return frozenset(e.name for e in REGISTRY if e.authentication)


def agent_exposure_types() -> frozenset[str]:
    """Types an agent must not read out (a full card or ID number)."""
    return frozenset(e.name for e in REGISTRY if e.agent_exposure)


def leak_checks() -> tuple[LeakCheck, ...]:
    """The checks of the outgoing-message scanner, in the order it tries them."""
    return tuple(e.leak_check for e in REGISTRY if e.leak_check is not None)
