"""Cross-attention to one window's audio, computed once for all the beams of a beam search.

openai-whisper's beam search decodes ``beam_size`` token sequences against the audio features
of one window: the features (and so the cross-attention keys and values, 1,500 frames per
layer) have batch size 1 while the queries have one row per beam. ``scaled_dot_product_attention``
broadcasts the keys and values over the beams, which on the CPU reads them once per beam: each
decoder step then reads 6 x 2 x 5 x 3 MB for ``base`` at beam 5, and measured here that is
8.4 ms per layer and step, more than the rest of the step.

Every beam's query attends to the same keys and values and cross-attention has no mask, so the
beams' queries can be laid side by side as the query positions of one sequence: one attention
over batch 1 (0.5 ms per layer and step here), the same numbers up to float rounding.
:func:`install` does that for every cross-attention layer of a model's decoder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    import whisper
    import whisper.model

Attention = Callable[..., tuple[torch.Tensor, torch.Tensor | None]]


def beams_as_queries(attention: Attention) -> Attention:
    """``attention`` (a ``MultiHeadAttention.qkv_attention``) with queries of several sequences
    against keys and values of batch 1 computed as one sequence of queries."""

    def qkv_attention(
        q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        n_batch, n_ctx, n_state = q.shape
        if mask is not None or n_batch == 1 or k.shape[0] != 1 or v.shape[0] != 1:
            return attention(q, k, v, mask)
        out, weights = attention(q.reshape(1, n_batch * n_ctx, n_state), k, v, None)
        out = out.reshape(n_batch, n_ctx, n_state)
        if weights is not None:  # (1, heads, beams x positions, frames): one row per beam again
            heads, frames = weights.shape[1], weights.shape[-1]
            weights = weights.reshape(heads, n_batch, n_ctx, frames).transpose(0, 1)
        return out, weights

    qkv_attention.beams_as_queries = True  # type: ignore[attr-defined]
    return qkv_attention


def install_layer(layer: whisper.model.MultiHeadAttention) -> None:
    """Make ``layer`` attend for all beams at once (idempotent)."""
    if not getattr(layer.qkv_attention, "beams_as_queries", False):
        layer.qkv_attention = beams_as_queries(layer.qkv_attention)


def install(model: whisper.Whisper) -> None:
    """Make every cross-attention layer of ``model``'s decoder attend for all beams at once
    (idempotent)."""
    for block in model.decoder.blocks:
        if block.cross_attn is not None:
            install_layer(block.cross_attn)
