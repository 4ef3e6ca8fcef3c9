"""The PII stage factory: one stage per policy and key, and a version that follows changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import SecretStr

from pipeline.config import Settings
from pipeline.models import Segment, Transcript
from pipeline.pii import stage as stage_module
from pipeline.pii.masking import DEFAULT_POLICY_PATH
from pipeline.pii.stage import build_pii_stage, pii_stage_version


def test_the_stage_is_built_once_per_policy_and_key(tmp_path: Path) -> None:
    settings = Settings(out_dir=tmp_path)
    assert build_pii_stage(settings) is build_pii_stage(settings)
    secret = "s3cr3t-pseudonym-key"
    keyed = build_pii_stage(settings.model_copy(update={"pseudonym_key": SecretStr(secret)}))
    assert keyed is not build_pii_stage(settings)
    assert keyed.engine is build_pii_stage(settings).engine  # Presidio is built once
    assert secret not in repr(keyed)  # the key never shows


def test_stage_masks_a_transcript_and_text(tmp_path: Path) -> None:
    stage = build_pii_stage(Settings(out_dir=tmp_path))
    transcript = Transcript(
        "c1", "en", 10.0, (Segment("customer", 0.0, 5.0, "my card is 4111 1111 1111 1111"),)
    )
    findings, masked = stage.analyze(transcript)
    assert [f.entity_type for f in findings] == ["BANK_CARD"]
    assert "4111 1111 1111 1111" not in masked.segments[0].text
    text, spans = stage.redact_text("call me on 13812345678", "en")
    assert "13812345678" not in text and [s.entity_type for s in spans] == ["PHONE"]


def test_version_changes_with_the_policy(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    shutil.copy(DEFAULT_POLICY_PATH, policy)
    assert pii_stage_version(policy) == pii_stage_version(None)
    policy.write_text(policy.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert pii_stage_version(policy) != pii_stage_version(None)


def test_version_changes_with_the_pii_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "pii"
    shutil.copytree(
        stage_module.PII_PACKAGE_DIR, fake, ignore=shutil.ignore_patterns("__pycache__")
    )
    monkeypatch.setattr(stage_module, "PII_PACKAGE_DIR", fake)
    before = pii_stage_version(DEFAULT_POLICY_PATH)
    recognizer = fake / "recognizers" / "phone.py"
    recognizer.write_text(recognizer.read_text(encoding="utf-8") + "\n# fix\n", encoding="utf-8")
    assert pii_stage_version(DEFAULT_POLICY_PATH) != before
