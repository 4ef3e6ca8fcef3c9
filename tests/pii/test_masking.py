"""Masking policy and operators."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.models import PiiFinding, Segment, Transcript, Word
from pipeline.pii.engine import TextSpan
from pipeline.pii.entities import REGISTRY, MaskOperator
from pipeline.pii.masking import load_policy, mask_text, mask_transcript, pseudonym


def span(etype, start, end):
    return TextSpan(etype, start, end, 1.0, "test")


def test_card_keeps_at_most_first6_last4(policy):
    text = "卡号6222021234567890128"
    assert mask_text(text, [span("BANK_CARD", 2, 21)], policy, b"") == "卡号622202*********0128"


def test_spoken_card_is_masked_whole(policy):
    text = "卡号六二二二零二一二三四五六七八九零一二八。"
    masked = mask_text(text, [span("BANK_CARD", 2, 21)], policy, b"")
    assert masked == "卡号622202*********0128。"


@pytest.mark.parametrize("etype", ["CVV", "PIN", "PASSWORD", "VERIFICATION_CODE"])
def test_sensitive_auth_data_removed_entirely(policy, etype):
    assert mask_text("code 123456 ok", [span(etype, 5, 11)], policy, b"k") == "code [REDACTED] ok"


def test_overlapping_spans_masked_as_union_with_strictest(policy):
    text = "x 1234567890 y"
    masked = mask_text(text, [span("BANK_ACCOUNT", 2, 12), span("PIN", 4, 8)], policy, b"")
    assert masked == "x [REDACTED] y"


def test_pseudonym_consistent_within_scope_and_keyed(policy):
    text = "王小明说王小明"
    spans = [span("PERSON", 0, 3), span("PERSON", 4, 7)]
    masked = mask_text(text, spans, policy, b"secret", scope="call-1")
    first, second = masked.split("说")
    assert first == second and first.startswith("<PERSON_")
    assert pseudonym("PERSON", "王小明", b"secret", "call-2") != first
    assert pseudonym("PERSON", "王小明", b"other", "call-1") != first


def test_pseudonym_without_key_falls_back_to_type(policy):
    assert mask_text("王小明", [span("PERSON", 0, 3)], policy, b"") == "<PERSON>"


@pytest.mark.parametrize(
    "yaml_text",
    [
        "entities: {CVV: {operator: type}}",
        "entities: {BANK_CARD: {operator: partial, keep_first: 8, keep_last: 4}}",
        "entities: {PHONE: {operator: shout}}",
        "entities: {VERIFICATION_CODE: {operator: partial, keep_last: 2}}",
    ],
)
def test_policy_rejects_unsafe_rules(tmp_path: Path, yaml_text):
    path = tmp_path / "policy.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ValueError, match=str(path)):
        load_policy(path)


@pytest.mark.parametrize("name", ["CREDIT_CARD", "BANKCARD", "phone"])
def test_policy_rejects_an_unknown_entity_naming_file_and_entity(tmp_path: Path, name: str):
    path = tmp_path / "policy.yaml"
    path.write_text(f"entities: {{{name}: {{operator: type}}}}", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"{path}: .*unknown entity '{name}'; known types: "):
        load_policy(path)


def test_bundled_policy_is_the_registry(policy):
    assert set(policy.entities) == {e.name for e in REGISTRY}
    for e in REGISTRY:
        rule = policy.rule_for(e.name)
        assert (rule.operator, rule.keep_first, rule.keep_last, rule.mask_char) == (
            e.mask.operator,
            e.mask.keep_first,
            e.mask.keep_last,
            "*",
        )


def test_policy_overrides_only_what_it_names(tmp_path: Path, policy):
    path = tmp_path / "policy.yaml"
    path.write_text("entities: {PHONE: {operator: type}}", encoding="utf-8")
    custom = load_policy(path)
    assert custom.rule_for("PHONE").operator is MaskOperator.TYPE
    assert {k: v for k, v in custom.entities.items() if k != "PHONE"} == {
        k: v for k, v in policy.entities.items() if k != "PHONE"
    }
    assert mask_text("call 13800138000", [span("PHONE", 5, 16)], custom, b"k") == "call <PHONE>"


def test_mask_transcript_keeps_structure_and_masks_words(policy):
    seg = Segment(
        "customer",
        1.0,
        4.0,
        "手机13812345678好",
        words=(Word(1.0, 1.5, "手机"), Word(1.5, 3.5, "13812345678"), Word(3.5, 4.0, "好")),
    )
    transcript = Transcript("c1", "zh", 5.0, (seg,))
    finding = PiiFinding("PHONE", 0, 2, 13, 0.9, "customer")
    masked = mask_transcript(transcript, [finding], policy, b"")
    out = masked.segments[0]
    assert (out.start, out.end, out.speaker) == (1.0, 4.0, "customer")
    assert "13812345678" not in out.text and out.text.startswith("手机<PHONE")
    assert out.words[0].text == "手机"
    assert "138" not in out.words[1].text and out.words[2].text == "好"
