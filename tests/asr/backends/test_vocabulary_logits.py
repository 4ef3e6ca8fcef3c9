"""The decoder's logits as ``embedding @ x.T`` are whisper's ``x @ embedding.T``."""

from __future__ import annotations

import torch
from whisper.model import ModelDimensions, Whisper

from pipeline.asr.backends import vocabulary_logits

DIMS = ModelDimensions(
    n_mels=80,
    n_audio_ctx=20,
    n_audio_state=64,
    n_audio_head=4,
    n_audio_layer=1,
    n_vocab=300,
    n_text_ctx=16,
    n_text_state=64,
    n_text_head=4,
    n_text_layer=2,
)


def test_logits_are_the_same_products() -> None:
    torch.manual_seed(0)
    x, embedding = torch.randn(5, 3, 64), torch.randn(300, 64)
    got = vocabulary_logits.vocabulary_logits(x, embedding)
    assert got.shape == (5, 3, 300) and got.dtype == torch.float32
    assert torch.allclose(got, x @ embedding.T, atol=1e-4)


def test_decoder_gives_whispers_logits_step_by_step() -> None:
    """A prompt, then two steps with the key/value cache, for three beams: as whisper's."""
    torch.manual_seed(0)
    model = Whisper(DIMS).eval()
    with torch.no_grad():  # whisper leaves the positional embedding as torch.empty
        for parameter in model.parameters():
            parameter.normal_(std=0.2)
    audio = torch.randn(1, DIMS.n_audio_ctx, DIMS.n_audio_state)
    tokens = torch.randint(0, DIMS.n_vocab, (3, 6))

    def run() -> list[torch.Tensor]:
        cache, hooks = model.install_kv_cache_hooks()
        with torch.inference_mode():
            steps = [model.decoder(tokens[:, :4], audio, kv_cache=cache)]
            steps += [model.decoder(tokens[:, i : i + 1], audio, kv_cache=cache) for i in (4, 5)]
        for hook in hooks:
            hook.remove()
        return steps

    expected = run()
    vocabulary_logits.install(model)
    vocabulary_logits.install(model)  # idempotent
    assert model.decoder.forward.__func__ is vocabulary_logits.decoder_forward
    got = run()
    assert [g.shape for g in got] == [e.shape for e in expected]
    assert all(torch.allclose(g, e, atol=1e-4) for g, e in zip(got, expected, strict=True))
