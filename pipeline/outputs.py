"""Files for one call: masked transcript (JSON, TXT, SRT) and the report JSON.

Layout, one folder per call under the output folder::

    <out>/calls/<call_id>/transcript.json   the masked transcript (DESIGN.md transcript JSON)
    <out>/calls/<call_id>/transcript.txt    "[mm:ss] AGENT: text", one segment a line
    <out>/calls/<call_id>/transcript.srt    subtitles, each cue "AGENT: text"
    <out>/calls/<call_id>/report.json       CallReport.to_dict()

``calls/`` keeps call folders apart from ``outbox/`` and the database. The call id is made safe
for a file name (anything but letters, digits, ``.``, ``-`` and ``_`` becomes ``_``). Every file
is written atomically (a temporary file in the same folder, fsync, rename), so a crash never
leaves half a file. Only masked text is ever written: these writers take a CallReport, which
holds the masked transcript only.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .models import CallReport, Transcript

CALLS_DIRNAME = "calls"
TRANSCRIPT_JSON = "transcript.json"
TRANSCRIPT_TXT = "transcript.txt"
TRANSCRIPT_SRT = "transcript.srt"
REPORT_JSON = "report.json"
_UNSAFE_CHARS = re.compile(r"[^\w.-]", re.UNICODE)


@dataclass(frozen=True)
class CallOutputs:
    """Where a call's files were written."""

    directory: Path
    transcript_json: Path
    transcript_txt: Path
    transcript_srt: Path
    report_json: Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename (never half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """UTF-8 text version of :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, text.encode("utf-8"))


def safe_name(call_id: str) -> str:
    """``call_id`` as a file name: unsafe characters replaced, no leading dot, never empty."""
    name = _UNSAFE_CHARS.sub("_", call_id).lstrip(".")
    return name or "_"


def call_dir(out_dir: Path, call_id: str) -> Path:
    """The folder of one call's files."""
    return Path(out_dir) / CALLS_DIRNAME / safe_name(call_id)


def format_mmss(seconds: float) -> str:
    """``mm:ss`` (``h:mm:ss`` from one hour), for a time in a call."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def format_srt_time(seconds: float) -> str:
    """``HH:MM:SS,mmm`` as SRT wants it."""
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def transcript_json(transcript: Transcript) -> str:
    """The transcript JSON of DESIGN.md, pretty-printed, UTF-8 (not ASCII-escaped)."""
    return json.dumps(transcript.to_dict(), ensure_ascii=False, indent=2) + "\n"


def transcript_txt(transcript: Transcript) -> str:
    """One line per segment: ``[mm:ss] AGENT: text`` (suspect segments say so)."""
    lines = []
    for seg in transcript.segments:
        line = f"[{format_mmss(seg.start)}] {seg.speaker.upper()}: {seg.text}"
        if seg.suspect:
            line += f"  [suspect: {seg.suspect_reason or 'ASR guard'}]"
        lines.append(line)
    return "\n".join(lines) + ("\n" if lines else "")


def transcript_srt(transcript: Transcript) -> str:
    """SRT subtitles, one cue per segment, labelled with the speaker."""
    cues = []
    for number, seg in enumerate(transcript.segments, start=1):
        end = max(seg.end, seg.start + 0.001)
        cues.append(
            f"{number}\n{format_srt_time(seg.start)} --> {format_srt_time(end)}\n"
            f"{seg.speaker.upper()}: {seg.text}\n"
        )
    return "\n".join(cues)


def report_json(report: CallReport) -> str:
    """``report.to_dict()`` as pretty-printed UTF-8 JSON."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"


def write_call_outputs(report: CallReport, out_dir: Path) -> CallOutputs:
    """Write the four files of a call into ``<out_dir>/calls/<call_id>/``; rewriting the same
    report gives the same files."""
    directory = call_dir(out_dir, report.call_id)
    outputs = CallOutputs(
        directory=directory,
        transcript_json=directory / TRANSCRIPT_JSON,
        transcript_txt=directory / TRANSCRIPT_TXT,
        transcript_srt=directory / TRANSCRIPT_SRT,
        report_json=directory / REPORT_JSON,
    )
    transcript = report.masked_transcript
    atomic_write_text(outputs.transcript_json, transcript_json(transcript))
    atomic_write_text(outputs.transcript_txt, transcript_txt(transcript))
    atomic_write_text(outputs.transcript_srt, transcript_srt(transcript))
    atomic_write_text(outputs.report_json, report_json(report))
    return outputs
