"""Writes small synthetic CTranslate2 Whisper ``model.bin`` files for converter tests."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

DTYPE_CODES = {
    np.dtype("float32"): 0,
    np.dtype("int8"): 1,
    np.dtype("int16"): 2,
    np.dtype("float16"): 4,
}
SMALL_DIMS = {  # a 2-layer toy Whisper
    "n_mels": 80,
    "n_audio_ctx": 12,
    "n_audio_state": 8,
    "n_audio_head": 2,
    "n_audio_layer": 2,
    "n_vocab": 51864,
    "n_text_ctx": 6,
    "n_text_state": 8,
    "n_text_head": 2,
    "n_text_layer": 2,
}


def _string(text: str) -> bytes:
    raw = text.encode() + b"\0"
    return struct.pack("<H", len(raw)) + raw


def small_variables(dtype: str = "float16", seed: int = 0) -> dict[str, np.ndarray]:
    """Variables of a toy Whisper in CTranslate2 naming (random weights)."""
    rng = np.random.default_rng(seed)
    d = SMALL_DIMS["n_audio_state"]

    def w(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape).astype(dtype)

    v: dict[str, np.ndarray] = {
        "encoder/num_heads": np.array(2, np.int16),
        "decoder/num_heads": np.array(2, np.int16),
        "decoder/activation": np.array(3, np.int8),
        "encoder/conv1/weight": w(d, 80, 3),
        "encoder/conv1/bias": w(d),
        "encoder/conv2/weight": w(d, d, 3),
        "encoder/conv2/bias": w(d),
        "encoder/position_encodings/encodings": w(SMALL_DIMS["n_audio_ctx"], d),
        "encoder/layer_norm/gamma": w(d),
        "encoder/layer_norm/beta": w(d),
        "decoder/embeddings/weight": w(SMALL_DIMS["n_vocab"], d),
        "decoder/position_encodings/encodings": w(SMALL_DIMS["n_text_ctx"], d),
        "decoder/layer_norm/gamma": w(d),
        "decoder/layer_norm/beta": w(d),
    }
    for side in ("encoder", "decoder"):
        for i in range(2):
            p = f"{side}/layer_{i}/"
            v[p + "self_attention/linear_0/weight"] = w(3 * d, d)
            bias = w(3 * d)
            bias[d : 2 * d] = 0  # CTranslate2 stores a zero key bias
            v[p + "self_attention/linear_0/bias"] = bias
            v[p + "self_attention/linear_1/weight"] = w(d, d)
            v[p + "self_attention/linear_1/bias"] = w(d)
            v[p + "self_attention/layer_norm/gamma"] = w(d)
            v[p + "self_attention/layer_norm/beta"] = w(d)
            v[p + "ffn/linear_0/weight"] = w(4 * d, d)
            v[p + "ffn/linear_0/bias"] = w(4 * d)
            v[p + "ffn/linear_1/weight"] = w(d, 4 * d)
            v[p + "ffn/linear_1/bias"] = w(d)
            v[p + "ffn/layer_norm/gamma"] = w(d)
            v[p + "ffn/layer_norm/beta"] = w(d)
            if side == "decoder":
                v[p + "attention/linear_0/weight"] = w(d, d)
                v[p + "attention/linear_0/bias"] = w(d)
                v[p + "attention/linear_1/weight"] = w(2 * d, d)
                kv_bias = w(2 * d)
                kv_bias[:d] = 0
                v[p + "attention/linear_1/bias"] = kv_bias
                v[p + "attention/linear_2/weight"] = w(d, d)
                v[p + "attention/linear_2/bias"] = w(d)
                v[p + "attention/layer_norm/gamma"] = w(d)
                v[p + "attention/layer_norm/beta"] = w(d)
    return v


def model_bin_bytes(variables: dict[str, np.ndarray], spec: str = "WhisperSpec") -> bytes:
    """The bytes of a version-6 model.bin holding ``variables`` and the tied-projection alias."""
    out = [struct.pack("<I", 6), _string(spec), struct.pack("<II", 3, len(variables))]
    for name, array in sorted(variables.items()):
        out += [_string(name), struct.pack("<B", array.ndim)]
        out += [struct.pack("<I", n) for n in array.shape]
        data = np.ascontiguousarray(array).tobytes()
        out += [struct.pack("<BI", DTYPE_CODES[array.dtype], len(data)), data]
    out += [struct.pack("<I", 1), _string("decoder/projection/weight")]
    out.append(_string("decoder/embeddings/weight"))
    return b"".join(out)


def write_model_bin(path: Path, variables: dict[str, np.ndarray] | None = None) -> Path:
    """Write a toy model.bin at ``path``."""
    path.write_bytes(model_bin_bytes(variables or small_variables()))
    return path
