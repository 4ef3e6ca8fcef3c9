"""Cross-attention for all beams at once gives what whisper's per-beam broadcast gives."""

from __future__ import annotations

import pytest
import torch
from whisper.model import MultiHeadAttention, TextDecoder, disable_sdpa

from pipeline.asr.backends import beam_cross_attention

STATE, HEADS, FRAMES = 64, 4, 150


@pytest.fixture
def layer() -> MultiHeadAttention:
    torch.manual_seed(0)
    return MultiHeadAttention(STATE, HEADS).eval()


def _attend(layer: MultiHeadAttention, x: torch.Tensor, xa: torch.Tensor):
    with torch.inference_mode():
        return layer(x, xa)


@pytest.mark.parametrize("beams, positions", [(5, 1), (5, 7), (2, 3)])
@pytest.mark.parametrize("sdpa", [True, False])
def test_same_output_and_weights_as_broadcast(layer, beams, positions, sdpa) -> None:
    x = torch.randn(beams, positions, STATE)
    xa = torch.randn(1, FRAMES, STATE)
    if sdpa:
        expected, expected_weights = _attend(layer, x, xa)
        beam_cross_attention.install_layer(layer)
        got, weights = _attend(layer, x, xa)
    else:
        with disable_sdpa():
            expected, expected_weights = _attend(layer, x, xa)
            beam_cross_attention.install_layer(layer)
            got, weights = _attend(layer, x, xa)
    assert torch.allclose(got, expected, atol=1e-5)
    if expected_weights is None:
        assert weights is None
    else:
        assert weights is not None and weights.shape == expected_weights.shape
        assert torch.allclose(weights, expected_weights, atol=1e-5)


def test_self_attention_and_batched_audio_untouched(layer) -> None:
    original = layer.qkv_attention
    beam_cross_attention.install_layer(layer)
    calls: list[tuple[int, ...]] = []

    def spy(q, k, v, mask=None):
        calls.append(tuple(q.shape))
        return original(q, k, v, mask)

    layer.qkv_attention = beam_cross_attention.beams_as_queries(spy)
    x = torch.randn(3, 2, STATE)
    _attend(layer, x, torch.randn(3, FRAMES, STATE))  # one window per sequence: as it was
    _attend(layer, x, None)  # self-attention (keys from x itself): as it was
    _attend(layer, x, torch.randn(1, FRAMES, STATE))  # one window, three beams: one batch
    assert calls == [(3, 2, STATE), (3, 2, STATE), (1, 6, STATE)]


def test_install_covers_every_cross_attention_layer_once() -> None:
    decoder = TextDecoder(n_vocab=50, n_ctx=16, n_state=STATE, n_head=HEADS, n_layer=3)

    class Model:
        pass

    model = Model()
    model.decoder = decoder  # type: ignore[attr-defined]
    beam_cross_attention.install(model)  # type: ignore[arg-type]
    first = [block.cross_attn.qkv_attention for block in decoder.blocks]
    beam_cross_attention.install(model)  # type: ignore[arg-type]
    assert [block.cross_attn.qkv_attention for block in decoder.blocks] == first
    assert all(getattr(f, "beams_as_queries", False) for f in first)
    assert not any(
        getattr(block.attn.qkv_attention, "beams_as_queries", False) for block in decoder.blocks
    )
