"""The backend factory: engines by name, devices, offline model folders, clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.asr.backends import (
    ModelUnavailableError,
    ct2_model_folder,
    load_backend,
    resolve_compute_type,
    resolve_device,
)
from pipeline.asr.backends.base import pick_language
from pipeline.config import AsrBackendName, ComputeType, Device, Settings


def _cuda_available() -> bool:
    import ctranslate2
    import torch

    return torch.cuda.is_available() or ctranslate2.get_cuda_device_count() > 0


NEEDS_GPU = pytest.mark.skipif(not _cuda_available(), reason="needs a CUDA GPU")


@pytest.mark.parametrize("engine", list(AsrBackendName))
def test_cpu_is_cpu(engine: AsrBackendName) -> None:
    assert resolve_device(Device.CPU, engine) == "cpu"


@pytest.mark.skipif(_cuda_available(), reason="a GPU is present")
@pytest.mark.parametrize("engine", list(AsrBackendName))
def test_auto_without_gpu_is_cpu_and_cuda_is_refused(engine: AsrBackendName) -> None:
    assert resolve_device(Device.AUTO, engine) == "cpu"
    with pytest.raises(ModelUnavailableError, match="no GPU"):
        resolve_device(Device.CUDA, engine)


@pytest.mark.parametrize(
    ("compute_type", "device", "expected"),
    [
        (ComputeType.AUTO, "cpu", "int8"),
        (ComputeType.AUTO, "cuda", "float16"),
        (ComputeType.FLOAT32, "cpu", "float32"),
        (ComputeType.INT8_FLOAT16, "cuda", "int8_float16"),
    ],
)
def test_compute_type(compute_type: ComputeType, device: str, expected: str) -> None:
    assert resolve_compute_type(compute_type, device) == expected


def test_settings_read_backend_and_device_from_env(monkeypatch) -> None:
    monkeypatch.setenv("CALLSENTRY_ASR_BACKEND", "Faster-Whisper")
    monkeypatch.setenv("CALLSENTRY_DEVICE", "cpu")
    monkeypatch.setenv("CALLSENTRY_VAD", "energy")
    settings = Settings()
    assert settings.asr_backend is AsrBackendName.FASTER_WHISPER
    assert settings.device is Device.CPU and settings.vad == "energy"


def test_offline_ct2_folders_are_complete(asr_settings) -> None:
    for name in ("base", "tiny.en"):
        folder = ct2_model_folder(name, asr_settings)
        for part in ("model.bin", "config.json", "tokenizer.json"):
            assert (folder / part).is_file()


def test_faster_whisper_refuses_what_it_would_download(tmp_path: Path) -> None:
    settings = Settings(model_dir=tmp_path, asr_backend="faster-whisper", device="cpu")
    with pytest.raises(ModelUnavailableError, match="nothing is downloaded"):
        load_backend(settings, "large-v3")
    with pytest.raises(ModelUnavailableError, match="CTranslate2 model folder"):
        load_backend(settings, str(tmp_path))


def test_pick_language_among_supported() -> None:
    assert pick_language({"en": 0.2, "zh": 0.3, "ja": 0.5}) == "zh"


@pytest.mark.slow
@pytest.mark.parametrize("engine", [b.value for b in AsrBackendName])
def test_backends_load_once_with_their_names(engine: str, asr_settings) -> None:
    settings = asr_settings.model_copy(update={"asr_backend": AsrBackendName(engine)})
    backend = load_backend(settings, "tiny.en")
    assert load_backend(settings, "tiny.en") is backend
    assert (backend.name, backend.model_name, backend.device) == (engine, "tiny.en", "cpu")
    assert not backend.is_multilingual
    assert backend.detect_language(np.zeros(16_000, np.float32)) == "en"


@pytest.mark.slow
@pytest.mark.parametrize("engine", [b.value for b in AsrBackendName])
def test_backends_carry_the_prompts_of_their_settings(engine: str, asr_settings) -> None:
    settings = asr_settings.model_copy(update={"asr_backend": AsrBackendName(engine)})
    default = load_backend(settings, "tiny.en")
    assert default.prompt_for("zh") == Settings().asr_prompt_zh != ""
    assert default.prompt_for("en") == "" and default.prompt_for("fr") == ""
    other = load_backend(
        settings.model_copy(update={"asr_prompt_zh": " 以下是普通话。 "}), "tiny.en"
    )
    assert other is not default and other.prompt_for("zh") == "以下是普通话。"
    assert other.model is default.model  # one loaded model, two prompts
    assert default.prompt_for("zh") == Settings().asr_prompt_zh  # the first keeps its own


def test_prompt_settings_are_bounded() -> None:
    with pytest.raises(ValueError, match="asr_prompt_zh"):
        Settings(asr_prompt_zh="很长" * 60)


@pytest.mark.slow
def test_openai_whisper_loads_a_ct2_folder(tmp_path: Path, asr_settings) -> None:
    """Any CTranslate2 folder (a larger model in practice) is converted once and loaded."""
    from pipeline.asr.loader import clear_model_cache, load_model

    folder = ct2_model_folder("tiny.en", asr_settings)
    settings = Settings(model_dir=tmp_path, threads=1)
    model = load_model(str(folder), settings)
    assert model.dims.n_text_layer == 4 and not model.is_multilingual
    assert len(list(tmp_path.glob("whisper-ct2-*.pt"))) == 1
    clear_model_cache()


@NEEDS_GPU
@pytest.mark.slow
@pytest.mark.parametrize("engine", [b.value for b in AsrBackendName])
def test_auto_takes_the_gpu(engine: str) -> None:
    settings = Settings(asr_backend=engine, device="auto")
    backend = load_backend(settings, "tiny.en")
    assert backend.device == "cuda"
    segments = backend.transcribe_speech(np.zeros(32_000, np.float32), "en", 1)
    assert isinstance(segments, list)


def test_result_model_changes_with_every_decoding_setting() -> None:
    from pipeline.asr.backends import result_model

    base = Settings(model="base")
    assert result_model(base) == result_model(Settings(model="base"))
    assert result_model(base).startswith("base asr:")
    changed = [
        Settings(model="small"),
        Settings(model="base", beam_size=1),
        Settings(model="base", vad="energy"),
        Settings(model="base", language="zh"),
        Settings(model="base", compute_type="float32"),
        Settings(model="base", agent_channel=1),
        Settings(model="base", asr_prompt_zh="以下是银行客服电话。"),
        Settings(model="base", asr_prompt_en="A call to a bank."),
        Settings(model="base", mono_split=False),
        Settings(model="base", mono_features="resemblyzer"),
    ]
    keys = {result_model(s) for s in changed}
    assert len(keys) == len(changed) and result_model(base) not in keys


def test_result_model_fits_the_stored_column_for_a_long_model_path() -> None:
    from pipeline.asr.backends import RESULT_MODEL_MAX_CHARS, result_model

    long_path = "/models/" + "x" * 300 + "/ct2-large-v3"
    key = result_model(Settings(model=long_path))
    assert len(key) <= RESULT_MODEL_MAX_CHARS and key.startswith("sha256:")
    assert key != result_model(Settings(model=long_path + "-turbo"))
