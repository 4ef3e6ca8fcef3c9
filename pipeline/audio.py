"""Audio ingest: find recordings, hash them, decode them to 16 kHz float32 per channel, redact.

Decoding uses PyAV (FFmpeg inside the wheel, no system binary). A stereo file holds the agent on
``settings.agent_channel`` and the customer on the other channel; a mono file's speaker is
``unknown``. Bad input never raises: :func:`ingest` returns a :class:`Quarantined` whose reason
names the file and the problem, and the batch goes on with the other files.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from pipeline.config import Settings, get_settings
from pipeline.models import Quarantined, Recording

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000  # Hz, the rate of every decoded channel
AUDIO_EXTENSIONS = frozenset({".wav", ".mp3", ".m4a", ".flac", ".ogg", ".opus"})
MAX_CHANNELS = 2  # agent + customer
HASH_CHUNK_BYTES = 1 << 20  # read size when hashing a file
TRUNCATION_TOLERANCE_S = 0.25  # decoded audio may fall this short of the declared duration ...
TRUNCATION_TOLERANCE_RATIO = 0.02  # ... plus this fraction of it (encoder padding, estimates)
SIDECAR_FIELDS = ("agent_id", "call_time", "direction")  # Recording fields a sidecar may fill
DIRECTIONS = ("inbound", "outbound")
MAX_AGENT_ID_CHARS = 64  # an agent id or a direction longer than this is refused
MAX_CALL_TIME_CHARS = 40  # ISO 8601 with microseconds and offset fits
MAX_EXTRA_CHARS = 200  # other sidecar values: scalars, texts up to this length
MAX_QUOTED_CHARS = 40  # of a bad value quoted in a warning
CODEC_ALIASES = {"mp3float": "mp3", "mp2float": "mp2"}  # FFmpeg decoder name -> codec name
BEEP_FREQUENCY_HZ = 1_000.0  # tone that replaces a redacted span
BEEP_AMPLITUDE = 0.2  # of full scale (1.0)


@dataclass(frozen=True, eq=False)
class ChannelAudio:
    """One channel of a call, decoded."""

    speaker: str  # "agent" | "customer" | "unknown"
    samples: np.ndarray  # float32 mono, SAMPLE_RATE Hz, -1..1

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.samples) / SAMPLE_RATE


@dataclass(frozen=True, eq=False)
class DecodedCall:
    """A recording's metadata and its channels, ready for ASR."""

    recording: Recording
    channels: tuple[ChannelAudio, ...]  # (agent, customer) for stereo, (unknown,) for mono

    def channel(self, speaker: str) -> ChannelAudio | None:
        """The channel of ``speaker``, or None."""
        return next((c for c in self.channels if c.speaker == speaker), None)


class IngestError(Exception):
    """A problem with one input file; its message becomes the quarantine reason."""


# --------------------------------------------------------------------------- files


def file_sha256(path: Path) -> str:
    """Hex sha256 of the file's bytes, read in chunks (the recording id)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def is_audio_file(path: Path) -> bool:
    """Whether ``path`` has one of the supported audio extensions."""
    return path.suffix.lower() in AUDIO_EXTENSIONS


def discover(paths: Iterable[Path]) -> list[Path]:
    """Audio files named by ``paths`` (files or folders, searched recursively), sorted.

    Folders yield files with an audio extension (hidden files and folders skipped), never
    sidecars or manifests. A file named explicitly is kept whatever its extension (so a missing
    or non-audio file is quarantined and reported, not silently dropped), except ``.json``.
    """
    found: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in path.rglob("*"):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                # a broken link is kept: ingest quarantines it with a reason, never in silence
                candidate = child.is_file() or (child.is_symlink() and not child.exists())
                if candidate and is_audio_file(child) and not hidden:
                    found.add(child)
        elif path.suffix.lower() != ".json":
            found.add(path)
    return sorted(found, key=lambda p: str(p))


def sidecar_path(path: Path) -> Path | None:
    """The sidecar of ``path`` if one exists: ``call.flac.json``, else ``call.json``."""
    for candidate in (path.with_name(path.name + ".json"), path.with_suffix(".json")):
        if candidate.is_file():
            return candidate
    return None


def read_sidecar(path: Path) -> dict[str, Any]:
    """Metadata from the sidecar of the audio file ``path``; {} when there is none.

    Raises ValueError (naming the sidecar) when it is not valid JSON or not a JSON object.
    """
    side = sidecar_path(Path(path))
    if side is None:
        return {}
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"sidecar {side}: unreadable JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ValueError(f"sidecar {side}: expected a JSON object, got {type(data).__name__}")
    return data


def _clean_text(value: Any, max_chars: int) -> str | None:
    """``value`` as one line of printable text of at most ``max_chars``; None if it is not."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    if not text or len(text) > max_chars or not text.isprintable():
        return None
    return text


def _check_field(key: str, value: Any) -> tuple[str | None, str | None]:
    """(clean value, problem) of one Recording field from a sidecar."""
    if key == "agent_id":
        clean = _clean_text(value, MAX_AGENT_ID_CHARS)
        if clean is None:
            return None, (
                f"agent_id must be one line of at most {MAX_AGENT_ID_CHARS} printable "
                f"characters (a string or a number), got {_describe(value)}"
            )
        return clean, None
    if key == "direction":
        clean = _clean_text(value, MAX_AGENT_ID_CHARS)
        if clean is None or clean.lower() not in DIRECTIONS:
            return None, f"direction must be one of {', '.join(DIRECTIONS)}, got {_describe(value)}"
        return clean.lower(), None
    clean = _clean_text(value, MAX_CALL_TIME_CHARS) if isinstance(value, str) else None
    try:
        datetime.fromisoformat(clean or "")
    except ValueError:
        return None, f"call_time must be an ISO 8601 date and time, got {_describe(value)}"
    return clean, None


def _describe(value: Any) -> str:
    if isinstance(value, str):
        shown = value if len(value) <= MAX_QUOTED_CHARS else value[:MAX_QUOTED_CHARS] + "..."
        return (
            f"{shown!r} ({len(value)} characters)" if len(value) > MAX_QUOTED_CHARS else repr(shown)
        )
    return f"a {type(value).__name__}"


def _sidecar_metadata(
    path: Path,
) -> tuple[dict[str, str | None], dict[str, Any], tuple[str, ...]]:
    """(Recording fields, extra keys, warnings) from the sidecar. A bad sidecar, or a bad field
    in it, is left out with a warning that names the file and the field; the audio is kept."""
    try:
        data = read_sidecar(path)
    except ValueError as exc:
        log.warning("%s: ignoring bad sidecar, audio kept: %s", path, exc)
        return dict.fromkeys(SIDECAR_FIELDS), {"sidecar_error": str(exc)}, (str(exc),)
    side = sidecar_path(path)
    fields: dict[str, str | None] = dict.fromkeys(SIDECAR_FIELDS)
    warnings: list[str] = []
    for key in SIDECAR_FIELDS:
        if data.get(key) is None:
            continue
        clean, problem = _check_field(key, data[key])
        if problem:
            warnings.append(f"sidecar {side}: {problem}; field ignored")
        fields[key] = clean
    extra: dict[str, Any] = {}
    for key, value in data.items():
        if key in SIDECAR_FIELDS:
            continue
        scalar = value is None or isinstance(value, bool | int | float)
        if scalar or (isinstance(value, str) and len(value) <= MAX_EXTRA_CHARS):
            extra[str(key)[:MAX_EXTRA_CHARS]] = value
        else:
            warnings.append(
                f"sidecar {side}: {str(key)[:MAX_QUOTED_CHARS]!r} must be a number, a boolean or a "
                f"text of at most {MAX_EXTRA_CHARS} characters; field ignored"
            )
    for warning in warnings:
        log.warning("%s", warning)
    return fields, extra, tuple(warnings)


# --------------------------------------------------------------------------- decoding


@dataclass(frozen=True)
class _Decoded:
    """What the decoder found: samples at SAMPLE_RATE plus facts about the source stream."""

    samples: np.ndarray  # float32, shape (channels, n)
    source_rate: int  # Hz
    source_channels: int
    codec: str


def _declared_duration(container: Any, stream: Any) -> float | None:
    """Duration in seconds that the file's headers claim, if any."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000  # AV_TIME_BASE
    return None


def _decode(path: Path, max_duration_s: float) -> _Decoded:
    """Decode ``path`` to float32 (channels, n) at SAMPLE_RATE; IngestError on any problem."""
    import av  # FFmpeg bindings; imported here to keep `callsentry --help` fast

    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError) as exc:
        raise IngestError(f"not audio: FFmpeg cannot read it ({_ffmpeg_message(exc)})") from exc
    with container:
        if not container.streams.audio:
            kinds: list[str] = sorted({str(s.type) for s in container.streams}) or ["none"]
            raise IngestError(f"not audio: no audio stream (streams: {', '.join(kinds)})")
        stream = container.streams.audio[0]
        ctx = stream.codec_context
        n_channels = ctx.channels
        source_rate = ctx.sample_rate or 0
        codec = CODEC_ALIASES.get(ctx.codec.name, ctx.codec.name)
        if n_channels > MAX_CHANNELS:
            raise IngestError(
                f"{n_channels} channels; at most {MAX_CHANNELS} (agent, customer) are supported"
            )
        if n_channels < 1 or source_rate <= 0:
            raise IngestError(f"not audio: {n_channels} channels at {source_rate} Hz")
        declared = _declared_duration(container, stream)
        if declared is not None and declared > max_duration_s:
            raise IngestError(_too_long(declared, max_duration_s))

        layout = "mono" if n_channels == 1 else "stereo"
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
        chunks: list[np.ndarray] = []
        n_out = 0
        max_samples = int(max_duration_s * SAMPLE_RATE) + 1
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray())
                    n_out += out.samples
                if n_out > max_samples:
                    raise IngestError(_too_long(n_out / SAMPLE_RATE, max_duration_s))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray())
                n_out += out.samples
        except av.FFmpegError as exc:
            raise IngestError(
                f"corrupt or truncated: decoding failed after {n_out / SAMPLE_RATE:.2f} s "
                f"({_ffmpeg_message(exc)})"
            ) from exc

    if n_out == 0:
        raise IngestError("zero duration: no audio samples could be decoded")
    samples = np.concatenate(chunks, axis=1).astype(np.float32, copy=False)
    decoded_s = samples.shape[1] / SAMPLE_RATE
    if declared is not None and declared - decoded_s > (
        TRUNCATION_TOLERANCE_S + TRUNCATION_TOLERANCE_RATIO * declared
    ):
        raise IngestError(
            f"corrupt or truncated: decoded {decoded_s:.2f} s of the {declared:.2f} s "
            "its header declares"
        )
    np.clip(samples, -1.0, 1.0, out=samples)
    return _Decoded(samples, source_rate, n_channels, codec)


def decode_samples(path: Path, max_duration_s: float) -> np.ndarray:
    """The samples of ``path`` as float32 (channels, n) at SAMPLE_RATE, in the file's channel
    order (what the redacted copy is made from and checked against); IngestError naming the
    problem when it cannot be decoded."""
    path = Path(path)
    _check_riff_complete(path)
    return _decode(path, max_duration_s).samples


def _check_riff_complete(path: Path) -> None:
    """IngestError when a RIFF/WAVE file's ``data`` chunk claims more bytes than the file holds.

    FFmpeg silently decodes what is there, so a cut-off WAV would otherwise pass as a short call.
    Streaming writers leave the size as 0 or 0xFFFFFFFF; those are accepted.
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        header = handle.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            return
        offset = 12
        while offset + 8 <= size:
            handle.seek(offset)
            chunk = handle.read(8)
            chunk_id, chunk_size = chunk[:4], int.from_bytes(chunk[4:8], "little")
            if chunk_id == b"data":
                available = size - offset - 8
                if 0 < chunk_size < 0xFFFFFFFF and chunk_size > available:
                    raise IngestError(
                        f"truncated: the WAV data chunk declares {chunk_size} bytes "
                        f"but the file holds {available}"
                    )
                return
            offset += 8 + chunk_size + (chunk_size & 1)  # chunks are word-aligned


def _ffmpeg_message(exc: Exception) -> str:
    """A short FFmpeg error text without the repeated file name."""
    message = getattr(exc, "strerror", None) or str(exc)
    return str(message).strip()


def _too_long(duration_s: float, limit_s: float) -> str:
    return f"too long: {duration_s:.1f} s exceeds the limit of {limit_s:.1f} s (max_duration_s)"


def _channels(samples: np.ndarray, agent_channel: int) -> tuple[ChannelAudio, ...]:
    """Split decoded samples into speaker channels: stereo -> (agent, customer); mono -> unknown."""
    if samples.shape[0] == 1:
        return (ChannelAudio("unknown", np.ascontiguousarray(samples[0])),)
    agent = np.ascontiguousarray(samples[agent_channel])
    customer = np.ascontiguousarray(samples[1 - agent_channel])
    return (ChannelAudio("agent", agent), ChannelAudio("customer", customer))


# --------------------------------------------------------------------------- ingest


def ingest(path: Path, settings: Settings | None = None) -> DecodedCall | Quarantined:
    """Hash, read the sidecar of, and decode one recording; bad input becomes Quarantined.

    Never raises for bad input: a missing, empty, non-audio, corrupt, truncated, silent-length,
    over-long or more-than-stereo file returns ``Quarantined(path, reason, recording_id)`` with
    a reason that names the file and the problem. A bad sidecar is ignored (logged, and noted in
    ``Recording.extra["sidecar_error"]``) and the audio is kept.
    """
    settings = settings or get_settings()
    path = Path(path)

    def quarantine(problem: str, recording_id: str | None = None) -> Quarantined:
        reason = f"{path}: {problem}"
        log.warning("quarantined %s", reason)
        return Quarantined(path=path, reason=reason, recording_id=recording_id, stage="ingest")

    if path.is_symlink() and not path.exists():
        return quarantine(
            f"broken symbolic link (it points to {path.readlink()}, which is missing)"
        )
    if not path.exists():
        return quarantine("file not found")
    if not path.is_file():
        return quarantine("not a regular file")
    try:
        size = path.stat().st_size
        recording_id = file_sha256(path)
    except OSError as exc:
        return quarantine(f"cannot read the file ({exc.strerror or exc})")
    if size == 0:
        return quarantine("empty file (0 bytes)", recording_id)

    try:
        _check_riff_complete(path)
        decoded = _decode(path, settings.max_duration_s)
    except IngestError as exc:
        return quarantine(str(exc), recording_id)
    except Exception as exc:  # a decoder surprise must not stop the batch
        log.exception("unexpected error decoding %s", path)
        return quarantine(f"decoder error ({type(exc).__name__}: {exc})", recording_id)

    fields, extra, sidecar_warnings = _sidecar_metadata(path)
    recording = Recording(
        path=path,
        recording_id=recording_id,
        duration=decoded.samples.shape[1] / SAMPLE_RATE,
        sample_rate=decoded.source_rate,
        channels=decoded.source_channels,
        codec=decoded.codec,
        size_bytes=size,
        agent_id=fields["agent_id"],
        call_time=fields["call_time"],
        direction=fields["direction"],
        extra=extra,
        warnings=sidecar_warnings,
    )
    return DecodedCall(recording, _channels(decoded.samples, settings.agent_channel))


# --------------------------------------------------------------------------- redaction


def redact_spans(
    samples: np.ndarray,
    spans: list[tuple[float, float]],
    mode: Literal["beep", "silence"] = "beep",
    sample_rate: int = SAMPLE_RATE,
) -> np.ndarray:
    """A copy of ``samples`` with each (start, end) span in seconds beeped over or silenced.

    ``samples`` is 1-D (one channel) or 2-D (channels, n); spans apply to every channel, are
    clipped to the audio and may overlap; empty or reversed spans are ignored. The beep is a
    BEEP_FREQUENCY_HZ tone at BEEP_AMPLITUDE, so a listener hears where something was removed.
    """
    if mode not in ("beep", "silence"):
        raise ValueError(f"unknown redaction mode {mode!r}; use 'beep' or 'silence'")
    out = np.array(samples, dtype=np.float32, copy=True)
    n = out.shape[-1]
    for start_s, end_s in spans:
        start = max(0, round(start_s * sample_rate))
        end = min(n, round(end_s * sample_rate))
        if end <= start:
            continue
        if mode == "silence":
            out[..., start:end] = 0.0
        else:
            t = np.arange(end - start, dtype=np.float64) / sample_rate
            tone = BEEP_AMPLITUDE * np.sin(2 * np.pi * BEEP_FREQUENCY_HZ * t)
            out[..., start:end] = tone.astype(np.float32)
    return out
