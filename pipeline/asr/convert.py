"""Conversion of a CTranslate2 Whisper export into an openai-whisper checkpoint.

The result is ``{"dims": {...}, "model_state_dict": {...}, "alignment_heads": <base85>}``, the
format ``whisper.load_model(path)`` reads; ``alignment_heads`` is an extra key (ignored by
openai-whisper) that :mod:`pipeline.asr.loader` applies so word timestamps use the right heads.
Fused tensors of CTranslate2 (query/key/value, key/value) are split by rows; the key projections
of openai-whisper have no bias. Slices are cloned so ``torch.save`` does not store whole fused
storages.
"""

from __future__ import annotations

import base64
import gzip
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from pipeline.asr.ct2 import (
    ChainedReader,
    Ct2FormatError,
    Ct2Variable,
    iter_variables,
    read_aliases,
    read_header,
)

WHISPER_SPEC_NAME = "WhisperSpec"
_LAYER = re.compile(r"^(encoder|decoder)/layer_(\d+)/(.+)$")
_QUANTISED_NAMES = {"int8", "int16"}

# Per-layer parts that map one to one: CTranslate2 suffix -> openai-whisper suffix.
_LAYER_RENAMES: dict[str, str] = {
    "self_attention/linear_1": "attn.out",
    "self_attention/layer_norm": "attn_ln",
    "attention/linear_0": "cross_attn.query",
    "attention/linear_2": "cross_attn.out",
    "attention/layer_norm": "cross_attn_ln",
    "ffn/linear_0": "mlp.0",
    "ffn/linear_1": "mlp.2",
    "ffn/layer_norm": "mlp_ln",
}
_TOP_RENAMES: dict[str, str] = {
    "encoder/conv1": "encoder.conv1",
    "encoder/conv2": "encoder.conv2",
    "encoder/layer_norm": "encoder.ln_post",
    "decoder/layer_norm": "decoder.ln",
    "decoder/embeddings": "decoder.token_embedding",
    "encoder/position_encodings/encodings": "encoder.positional_embedding",
    "decoder/position_encodings/encodings": "decoder.positional_embedding",
}
# Fused projections split by rows: CTranslate2 prefix -> targets in row order.
_FUSED: dict[str, tuple[str, ...]] = {
    "self_attention/linear_0": ("attn.query", "attn.key", "attn.value"),
    "attention/linear_1": ("cross_attn.key", "cross_attn.value"),
}
_NO_BIAS = ("attn.key", "cross_attn.key")  # openai-whisper's key projections have no bias
_PARAM_NAMES = {"gamma": "weight", "beta": "bias", "weight": "weight", "bias": "bias"}


class UnsupportedWeightsError(ValueError):
    """Weights this converter refuses (quantised, another architecture)."""


def _tensor(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array))


def _split_param(name: str) -> tuple[str, str]:
    prefix, _, leaf = name.rpartition("/")
    return prefix, _PARAM_NAMES.get(leaf, leaf)


def map_variable(name: str, array: np.ndarray) -> list[tuple[str, torch.Tensor]]:
    """The openai-whisper state-dict entries for one CTranslate2 variable ([] for scalars)."""
    if array.ndim == 0:
        return []  # options stored as scalars (num_heads, activation, ...)
    if name in _TOP_RENAMES:
        return [(_TOP_RENAMES[name], _tensor(array))]
    prefix, param = _split_param(name)
    if prefix in _TOP_RENAMES:
        return [(f"{_TOP_RENAMES[prefix]}.{param}", _tensor(array))]
    match = _LAYER.match(prefix)
    if not match:
        raise UnsupportedWeightsError(f"unexpected variable {name!r}")
    side, index, part = match.groups()
    base = f"{side}.blocks.{index}."
    if part in _LAYER_RENAMES:
        return [(f"{base}{_LAYER_RENAMES[part]}.{param}", _tensor(array))]
    if part in _FUSED:
        targets = _FUSED[part]
        rows = array.shape[0] // len(targets)
        entries = []
        for i, target in enumerate(targets):
            if param == "bias" and target in _NO_BIAS:
                continue
            chunk = array[i * rows : (i + 1) * rows]
            entries.append((f"{base}{target}.{param}", _tensor(chunk.copy())))
        return entries
    raise UnsupportedWeightsError(f"unexpected variable {name!r}")


def _scalar(scalars: dict[str, np.ndarray], name: str) -> int:
    if name not in scalars:
        raise UnsupportedWeightsError(f"missing option {name!r}")
    return int(scalars[name])


def infer_dims(state: dict[str, torch.Tensor], scalars: dict[str, np.ndarray]) -> dict[str, int]:
    """openai-whisper's ``ModelDimensions`` from the converted tensors and stored options."""

    def count_layers(side: str) -> int:
        indices = {int(k.split(".")[2]) for k in state if k.startswith(f"{side}.blocks.")}
        return max(indices) + 1 if indices else 0

    conv1 = state["encoder.conv1.weight"]
    audio_pos = state["encoder.positional_embedding"]
    embedding = state["decoder.token_embedding.weight"]
    text_pos = state["decoder.positional_embedding"]
    return {
        "n_mels": int(conv1.shape[1]),
        "n_audio_ctx": int(audio_pos.shape[0]),
        "n_audio_state": int(audio_pos.shape[1]),
        "n_audio_head": _scalar(scalars, "encoder/num_heads"),
        "n_audio_layer": count_layers("encoder"),
        "n_vocab": int(embedding.shape[0]),
        "n_text_ctx": int(text_pos.shape[0]),
        "n_text_state": int(embedding.shape[1]),
        "n_text_head": _scalar(scalars, "decoder/num_heads"),
        "n_text_layer": count_layers("decoder"),
    }


def encode_alignment_heads(heads: Iterable[Sequence[int]], n_layer: int, n_head: int) -> str:
    """openai-whisper's alignment-heads dump (base85 of gzip of a bool[layer, head] array)."""
    mask = np.zeros((n_layer, n_head), dtype=bool)
    for layer, head in heads:
        if not (0 <= layer < n_layer and 0 <= head < n_head):
            raise UnsupportedWeightsError(f"alignment head ({layer}, {head}) out of range")
        mask[layer, head] = True
    return base64.b85encode(gzip.compress(mask.tobytes(), mtime=0)).decode("ascii")


def _check_variable(variable: Ct2Variable) -> None:
    if variable.name.endswith("_scale") or (
        variable.array.ndim > 0 and variable.dtype in _QUANTISED_NAMES
    ):
        raise UnsupportedWeightsError(
            f"variable {variable.name!r} is {variable.dtype}-quantised; only float16/float32 "
            "CTranslate2 exports can be converted (export without --quantization int8)"
        )


def convert_ct2_whisper(
    model_parts: Sequence[Path], alignment_heads: Iterable[Sequence[int]] | None = None
) -> dict[str, Any]:
    """Read a (possibly split) CTranslate2 Whisper ``model.bin`` into an openai-whisper checkpoint.

    Raises UnsupportedWeightsError for quantised weights or another model type, and
    Ct2FormatError for a truncated or malformed file.
    """
    state: dict[str, torch.Tensor] = {}
    scalars: dict[str, np.ndarray] = {}
    with ChainedReader(model_parts) as reader:
        header = read_header(reader)
        if header.spec_name != WHISPER_SPEC_NAME:
            raise UnsupportedWeightsError(f"not a Whisper model: spec {header.spec_name!r}")
        for variable in iter_variables(reader, header):
            _check_variable(variable)
            if variable.array.ndim == 0:
                scalars[variable.name] = variable.array
                continue
            for key, tensor in map_variable(variable.name, variable.array):
                state[key] = tensor
        read_aliases(reader)  # the tied output projection needs no entry of its own
    if "decoder.token_embedding.weight" not in state:
        raise Ct2FormatError("model has no decoder embeddings")
    dims = infer_dims(state, scalars)
    checkpoint: dict[str, Any] = {"dims": dims, "model_state_dict": state}
    if alignment_heads is not None:
        checkpoint["alignment_heads"] = encode_alignment_heads(
            alignment_heads, dims["n_text_layer"], dims["n_text_head"]
        )
    return checkpoint
