"""ASR engines behind one interface, chosen by ``settings.asr_backend`` and loaded once per process.

    backend = load_backend(settings)          # openai-whisper (default) or faster-whisper
    backend.name, backend.model_name          # part of every stored result

Devices: ``settings.device`` ``auto`` takes CUDA when the engine sees a GPU (torch for
openai-whisper, CTranslate2 for faster-whisper), else the CPU; ``cuda`` without a GPU is an error.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
import time
from pathlib import Path
from types import MappingProxyType

from pipeline.asr.backends.base import AsrBackend
from pipeline.asr.guards import GUARDS_REVISION
from pipeline.asr.loader import ModelUnavailableError, configure_threads, load_model
from pipeline.asr.weights import (
    OFFLINE_SOURCES,
    WeightsUnavailableError,
    ensure_ct2_folder,
    is_ct2_folder,
)
from pipeline.config import AsrBackendName, ComputeType, Device, Settings

log = logging.getLogger(__name__)

__all__ = ["AsrBackend", "ModelUnavailableError", "load_backend"]

_MODELS: dict[tuple[str, ...], AsrBackend] = {}  # loaded engines, by model and device
_CACHE: dict[tuple[str, ...], AsrBackend] = {}  # the same with their prompts, by settings
_LOCK = threading.Lock()


def _cuda_seen(engine: AsrBackendName) -> bool:
    if engine is AsrBackendName.FASTER_WHISPER:
        import ctranslate2

        return ctranslate2.get_cuda_device_count() > 0
    import torch

    return bool(torch.cuda.is_available())


def resolve_device(device: Device, engine: AsrBackendName) -> str:
    """ "cuda" or "cpu" for ``device`` on ``engine`` (``auto``: a GPU when one is seen)."""
    if device is Device.CPU:
        return "cpu"
    seen = _cuda_seen(engine)
    if device is Device.CUDA and not seen:
        raise ModelUnavailableError(f"device cuda asked for, but {engine.value} sees no GPU")
    return "cuda" if seen else "cpu"


def resolve_compute_type(compute_type: ComputeType, device: str) -> str:
    """faster-whisper's precision: ``auto`` is int8 on the CPU, float16 on a GPU."""
    if compute_type is ComputeType.AUTO:
        return "float16" if device == "cuda" else "int8"
    return compute_type.value


def ct2_model_folder(spec: str, settings: Settings) -> Path:
    """The CTranslate2 folder for ``spec``: an offline model's, or the user's folder itself."""
    if spec in OFFLINE_SOURCES:
        try:
            return ensure_ct2_folder(spec, settings.model_dir)
        except WeightsUnavailableError as exc:
            raise ModelUnavailableError(str(exc)) from exc
    path = Path(spec).expanduser()
    if path.is_dir() and is_ct2_folder(path):
        return path
    raise ModelUnavailableError(
        f"faster-whisper needs base, tiny.en or the path of a CTranslate2 model folder "
        f"(model.bin, config.json, tokenizer.json), not {spec!r}; nothing is downloaded"
    )


def _load_faster_whisper(spec: str, settings: Settings) -> AsrBackend:
    from faster_whisper import WhisperModel

    from pipeline.asr.backends.faster_whisper import FasterWhisperBackend

    engine = AsrBackendName.FASTER_WHISPER
    device = resolve_device(settings.device, engine)
    compute_type = resolve_compute_type(settings.compute_type, device)
    folder = ct2_model_folder(spec, settings)
    threads = settings.threads or os.cpu_count() or 1
    try:
        model = WhisperModel(
            str(folder),
            device=device,
            compute_type=compute_type,
            cpu_threads=threads,
            local_files_only=True,
        )
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelUnavailableError(f"cannot load CTranslate2 model {folder}: {exc}") from exc
    return FasterWhisperBackend(model, spec, device, compute_type, settings.asr_batch_size)


def _load_openai_whisper(spec: str, settings: Settings) -> AsrBackend:
    from pipeline.asr.backends.openai_whisper import OpenAiWhisperBackend

    device = resolve_device(settings.device, AsrBackendName.OPENAI_WHISPER)
    configure_threads(settings.threads)
    return OpenAiWhisperBackend(load_model(spec, settings), spec, device)


def load_backend(settings: Settings, model: str | None = None) -> AsrBackend:
    """The engine ``settings.asr_backend`` names with model ``model`` (default
    ``settings.model``) and the settings' decoder prompts (``asr_prompt_zh``,
    ``asr_prompt_en``), loaded once per process: settings that differ only in their prompts
    share one loaded model. Raises ModelUnavailableError when the model, the device or the
    engine cannot be had."""
    spec = model or settings.model
    engine = AsrBackendName(settings.asr_backend)
    model_key = (
        engine.value,
        spec,
        str(settings.model_dir),
        settings.device.value,
        settings.compute_type.value,
        str(settings.threads),
        str(settings.asr_batch_size),
    )
    prompts = {"zh": settings.asr_prompt_zh.strip(), "en": settings.asr_prompt_en.strip()}
    key = (*model_key, *(f"{lang}={text}" for lang, text in sorted(prompts.items())))
    with _LOCK:
        if key not in _CACHE:
            if model_key not in _MODELS:
                started = time.perf_counter()
                if engine is AsrBackendName.FASTER_WHISPER:
                    _MODELS[model_key] = _load_faster_whisper(spec, settings)
                else:
                    _MODELS[model_key] = _load_openai_whisper(spec, settings)
                found = _MODELS[model_key]
                log.info(
                    "ASR %s, model %s on %s, ready in %.1f s",
                    found.name,
                    spec,
                    found.device,
                    time.perf_counter() - started,
                )
            backend = copy.copy(_MODELS[model_key])  # the same loaded model, its own prompts
            backend.prompts = MappingProxyType(prompts)
            _CACHE[key] = backend
        return _CACHE[key]


# Raised whenever an engine's window decoding changes what it writes with the same settings.
# 2: openai-whisper keeps the likeliest fallback decode that is not a loop (not the last one)
#    and decodes again the speech its first pass left without text
# 3: openai-whisper: speech under a last word the alignment stretched counts as left without text;
#    its language probe is the first window as decoded
# 4: faster-whisper: its language probe is the first window as decoded (the features of the
#    whole speech stream cut at 30 s, not of its first 30 s: a near tie may detect otherwise)
DECODING_REVISION = 4
RESULT_MODEL_MAX_CHARS = 200  # the width of the stored result key's ``model`` column
_DECODING_DIGEST_CHARS = 12  # hex characters of the decoding settings' sha256


def result_model(settings: Settings) -> str:
    """The ``model`` part of a stored result key: the model name with a digest of every other
    setting that changes what the engine writes (beam, VAD, language, device, precision, the
    agent's channel, the decoder prompts, how mono calls are split) and of the revisions of the
    window decoding and of the guards, e.g.
    ``base asr:1f0c2a9b7d3e``. A rerun after any of them changes checks the calls again; a long
    model path is itself shortened to its digest."""
    import hashlib
    import json

    decoding = {
        "beam_size": settings.beam_size,
        "vad": settings.vad.value,
        "language": settings.language.value,
        "device": settings.device.value,
        "compute_type": settings.compute_type.value,
        "agent_channel": settings.agent_channel,
        "prompt_zh": settings.asr_prompt_zh.strip(),
        "prompt_en": settings.asr_prompt_en.strip(),
        "mono_split": settings.mono_split,
        "mono_features": settings.mono_features,
        "mono_min_confidence": settings.mono_min_confidence,
        "decoding_revision": DECODING_REVISION,
        "guards_revision": GUARDS_REVISION,
    }
    if settings.asr_batch_size > 1 and settings.asr_backend is AsrBackendName.FASTER_WHISPER:
        decoding["asr_batch_size"] = settings.asr_batch_size  # 1 (sequential): keys as before
    encoded = json.dumps(decoding, sort_keys=True, ensure_ascii=False).encode()
    suffix = f" asr:{hashlib.sha256(encoded).hexdigest()[:_DECODING_DIGEST_CHARS]}"
    model = settings.model
    if len(model) + len(suffix) > RESULT_MODEL_MAX_CHARS:
        model = "sha256:" + hashlib.sha256(model.encode()).hexdigest()
    return model + suffix
