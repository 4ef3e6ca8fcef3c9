"""CTranslate2 -> openai-whisper conversion: format, dims, key mapping, refusals."""

from __future__ import annotations

import base64
import gzip
from pathlib import Path

import numpy as np
import pytest
import torch
import whisper

from pipeline.asr.convert import UnsupportedWeightsError, convert_ct2_whisper
from pipeline.asr.ct2 import Ct2FormatError

from .ct2_writer import SMALL_DIMS, model_bin_bytes, small_variables, write_model_bin


@pytest.fixture()
def toy_bin(tmp_path: Path) -> Path:
    return write_model_bin(tmp_path / "model.bin")


def test_dims_and_strict_state_dict(toy_bin: Path) -> None:
    checkpoint = convert_ct2_whisper([toy_bin], alignment_heads=[[1, 0], [1, 1]])
    assert checkpoint["dims"] == SMALL_DIMS
    model = whisper.Whisper(whisper.ModelDimensions(**checkpoint["dims"]))
    model.load_state_dict(checkpoint["model_state_dict"], strict=True)  # every key, no extra


def test_fused_projections_split_by_rows(toy_bin: Path) -> None:
    v = small_variables()
    state = convert_ct2_whisper([toy_bin])["model_state_dict"]
    d = SMALL_DIMS["n_audio_state"]
    fused = v["decoder/layer_1/self_attention/linear_0/weight"]
    assert np.array_equal(state["decoder.blocks.1.attn.query.weight"].numpy(), fused[:d])
    assert np.array_equal(state["decoder.blocks.1.attn.key.weight"].numpy(), fused[d : 2 * d])
    assert np.array_equal(state["decoder.blocks.1.attn.value.weight"].numpy(), fused[2 * d :])
    kv = v["decoder/layer_0/attention/linear_1/weight"]
    assert np.array_equal(state["decoder.blocks.0.cross_attn.value.weight"].numpy(), kv[d:])
    assert "decoder.blocks.0.attn.key.bias" not in state
    assert "encoder.blocks.0.attn.key.bias" not in state
    # slices own their storage (torch.save must not write the fused tensor three times)
    key = state["encoder.blocks.0.attn.key.weight"]
    assert key.untyped_storage().nbytes() == key.numel() * key.element_size()


@pytest.mark.parametrize(
    ("ct2_name", "whisper_name"),
    [
        ("encoder/layer_norm/gamma", "encoder.ln_post.weight"),
        ("decoder/layer_norm/beta", "decoder.ln.bias"),
        ("encoder/layer_1/ffn/linear_0/weight", "encoder.blocks.1.mlp.0.weight"),
        ("encoder/layer_0/ffn/linear_1/bias", "encoder.blocks.0.mlp.2.bias"),
        ("decoder/layer_0/attention/linear_2/weight", "decoder.blocks.0.cross_attn.out.weight"),
        ("decoder/layer_1/attention/layer_norm/gamma", "decoder.blocks.1.cross_attn_ln.weight"),
        ("encoder/position_encodings/encodings", "encoder.positional_embedding"),
        ("decoder/embeddings/weight", "decoder.token_embedding.weight"),
    ],
)
def test_key_mapping(toy_bin: Path, ct2_name: str, whisper_name: str) -> None:
    state = convert_ct2_whisper([toy_bin])["model_state_dict"]
    assert np.array_equal(state[whisper_name].numpy(), small_variables()[ct2_name])


def test_split_parts_read_as_one_file(tmp_path: Path, toy_bin: Path) -> None:
    data = toy_bin.read_bytes()
    cut = len(data) // 3  # inside a variable
    (tmp_path / "p1").write_bytes(data[:cut])
    (tmp_path / "p2").write_bytes(data[cut:])
    whole = convert_ct2_whisper([toy_bin])["model_state_dict"]
    parts = convert_ct2_whisper([tmp_path / "p1", tmp_path / "p2"])["model_state_dict"]
    assert whole.keys() == parts.keys()
    assert all(torch.equal(whole[k], parts[k]) for k in whole)


def test_alignment_heads_encoded_like_openai(toy_bin: Path) -> None:
    dump = convert_ct2_whisper([toy_bin], alignment_heads=[[1, 0], [1, 1]])["alignment_heads"]
    mask = np.frombuffer(gzip.decompress(base64.b85decode(dump)), dtype=bool).reshape(2, 2)
    assert mask.tolist() == [[False, False], [True, True]]


def test_int8_weights_refused(tmp_path: Path) -> None:
    variables = small_variables()
    variables["encoder/layer_0/ffn/linear_0/weight"] = np.ones((32, 8), np.int8)
    path = tmp_path / "int8.bin"
    path.write_bytes(model_bin_bytes(variables))
    with pytest.raises(UnsupportedWeightsError, match="int8-quantised"):
        convert_ct2_whisper([path])


def test_other_spec_refused(tmp_path: Path) -> None:
    path = tmp_path / "t5.bin"
    path.write_bytes(model_bin_bytes(small_variables(), spec="TransformerSpec"))
    with pytest.raises(UnsupportedWeightsError, match="not a Whisper model"):
        convert_ct2_whisper([path])


@pytest.mark.parametrize("keep", [0, 3, 100, 5000])
def test_truncated_file_is_a_format_error(tmp_path: Path, toy_bin: Path, keep: int) -> None:
    path = tmp_path / "short.bin"
    path.write_bytes(toy_bin.read_bytes()[:keep])
    with pytest.raises(Ct2FormatError):
        convert_ct2_whisper([path])
