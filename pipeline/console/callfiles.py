"""A call's files as the console reads them: the masked transcript and the redacted recording.

Both come from the call's output folder ``<out>/calls/<safe call id>/`` only. The player serves
a file named ``redacted.flac``, ``redacted.opus`` or ``redacted.wav`` from that folder and
nothing else, never the original recording; every path is resolved and must stay inside the
folder (a symlink out of it is refused). A transcript segment in which the scanner finds an
unmasked card, ID or mobile number is withheld, not shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.alerts.scan import find_unmasked_pii
from pipeline.outputs import TRANSCRIPT_JSON, call_dir

# The redacted copies the player may serve, in order of preference, with their media types.
REDACTED_MEDIA_TYPES: dict[str, str] = {
    "redacted.flac": "audio/flac",
    "redacted.opus": "audio/ogg",
    "redacted.wav": "audio/wav",
}
WITHHELD_TEXT = "[withheld: an unmasked value was found in this turn]"
MAX_TRANSCRIPT_BYTES = 20 * 1024 * 1024  # larger transcript files are not read


@dataclass(frozen=True)
class Turn:
    """One segment of the masked transcript, as the timeline shows it."""

    index: int
    speaker: str  # agent | customer | unknown
    start: float  # seconds
    end: float
    text: str  # masked (or WITHHELD_TEXT)


def _inside(path: Path, folder: Path) -> Path | None:
    """``path`` resolved, when it is a file inside ``folder`` (resolved); else None."""
    try:
        resolved = path.resolve(strict=True)
        root = folder.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_relative_to(root) or not resolved.is_file():
        return None
    return resolved


def masked_turns(out_dir: Path, call_id: str) -> list[Turn] | None:
    """The call's masked transcript as turns; None when there is no readable transcript."""
    folder = call_dir(out_dir, call_id)
    path = _inside(folder / TRANSCRIPT_JSON, folder)
    if path is None or path.stat().st_size > MAX_TRANSCRIPT_BYTES:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    turns: list[Turn] = []
    for index, seg in enumerate(data.get("segments") or []):
        if not isinstance(seg, dict):
            continue
        text = str(seg.get("text") or "")
        if find_unmasked_pii(text):
            text = WITHHELD_TEXT
        speaker = str(seg.get("speaker") or "unknown")
        if speaker not in ("agent", "customer"):
            speaker = "unknown"
        turns.append(
            Turn(index, speaker, float(seg.get("start") or 0.0), float(seg.get("end") or 0.0), text)
        )
    return turns


def redacted_audio(out_dir: Path, call_id: str, name: str | None = None) -> Path | None:
    """The redacted recording of a call (``name`` if given and allowed, else the first one
    present); None when there is none."""
    folder = call_dir(out_dir, call_id)
    names = list(REDACTED_MEDIA_TYPES) if name is None else [name]
    for candidate in names:
        if candidate not in REDACTED_MEDIA_TYPES:
            return None
        found = _inside(folder / candidate, folder)
        if found is not None:
            return found
    return None
