"""The entity registry: one vocabulary, held equal to what the recognizers emit."""

from __future__ import annotations

import pytest

from pipeline.pii.entities import (
    REGISTRY,
    DefaultMask,
    EntityType,
    JrtClass,
    MaskOperator,
    agent_exposure_types,
    authentication_types,
    entity,
    is_known,
    leak_checks,
)
from pipeline.pii.nlp import SUPPORTED_LANGUAGES
from pipeline.pii.recognizers import build_recognizers

AUTHENTICATION = {"CVV", "PIN", "PASSWORD", "VERIFICATION_CODE"}


def emitted_types() -> set[str]:
    return {
        name
        for language in SUPPORTED_LANGUAGES
        for recognizer in build_recognizers(language)
        for name in recognizer.supported_entities
    }


def test_registry_is_exactly_what_the_recognizers_emit() -> None:
    assert emitted_types() == {e.name for e in REGISTRY}


def test_names_are_unique() -> None:
    assert len({e.name for e in REGISTRY}) == len(REGISTRY)


@pytest.mark.parametrize("name", ["CREDIT_CARD", "BANKCARD", "REDACTED", "bank_card", ""])
def test_unknown_names(name: str) -> None:
    assert not is_known(name)
    with pytest.raises(KeyError, match="known types: ID_CARD, BANK_CARD"):
        entity(name)


def test_authentication_types_are_the_c3_secrets_and_always_removed() -> None:
    assert authentication_types() == AUTHENTICATION
    for name in AUTHENTICATION:
        assert entity(name).jrt_class is JrtClass.C3
        assert entity(name).mask.operator is MaskOperator.REMOVE


@pytest.mark.parametrize(
    ("jrt_class", "operator"),
    [(JrtClass.C3, MaskOperator.TYPE), (JrtClass.C2, MaskOperator.REMOVE)],
)
def test_authentication_data_must_be_c3_and_removed(
    jrt_class: JrtClass, operator: MaskOperator
) -> None:
    with pytest.raises(ValueError, match="OTP: authentication data is C3 and always removed"):
        EntityType("OTP", "code", jrt_class, authentication=True, mask=DefaultMask(operator))


@pytest.mark.parametrize(
    ("name", "jrt_class", "operator", "keep_first", "keep_last"),
    [
        ("ID_CARD", JrtClass.C2, MaskOperator.TYPE, 0, 0),
        ("BANK_CARD", JrtClass.C2, MaskOperator.PARTIAL, 6, 4),
        ("BANK_ACCOUNT", JrtClass.C2, MaskOperator.PARTIAL, 0, 4),
        ("PHONE", JrtClass.C2, MaskOperator.PSEUDONYM, 0, 0),
        ("EMAIL", JrtClass.C2, MaskOperator.PSEUDONYM, 0, 0),
        ("PERSON", JrtClass.C2, MaskOperator.PSEUDONYM, 0, 0),
        ("ADDRESS", JrtClass.C2, MaskOperator.TYPE, 0, 0),
        ("SSN", JrtClass.C2, MaskOperator.TYPE, 0, 0),
        ("NUMBER", JrtClass.C2, MaskOperator.TYPE, 0, 0),
        ("CARD_EXPIRY", JrtClass.C3, MaskOperator.TYPE, 0, 0),
        ("CVV", JrtClass.C3, MaskOperator.REMOVE, 0, 0),
    ],
)
def test_class_and_default_masking(
    name: str, jrt_class: JrtClass, operator: MaskOperator, keep_first: int, keep_last: int
) -> None:
    item = entity(name)
    assert item.jrt_class is jrt_class
    assert (item.mask.operator, item.mask.keep_first, item.mask.keep_last) == (
        operator,
        keep_first,
        keep_last,
    )


def test_card_and_id_read_out_by_an_agent_are_exposures() -> None:
    assert agent_exposure_types() == {"BANK_CARD", "ID_CARD"}


def test_every_c2_and_c3_type_is_redacted_from_audio() -> None:
    assert all(e.redact_audio for e in REGISTRY if e.jrt_class in (JrtClass.C2, JrtClass.C3))


@pytest.mark.parametrize(
    ("value", "description"),
    [
        ("11010519491231002X", "resident ID number"),
        ("110105194912310021", None),  # wrong check character
        ("6222021234567890128", "Luhn-valid card number"),
        ("4111111111111112", None),  # Luhn fails
        ("13800138000", "mobile phone number"),
        ("8613800138000", "mobile phone number"),
        ("12800138000", None),
    ],
)
def test_leak_checks(value: str, description: str | None) -> None:
    found = [c.description for c in leak_checks() if c.matches(value)]
    assert found == ([description] if description else [])
    assert all(len(value) <= c.max_length for c in leak_checks() if c.matches(value))
