"""Masked transcript and report files: formats, layout and atomic writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.models import Segment, Transcript
from pipeline.outputs import (
    atomic_write_text,
    call_dir,
    format_mmss,
    format_srt_time,
    safe_name,
    transcript_srt,
    transcript_txt,
    write_call_outputs,
)
from tests.report_factory import make_report, make_violation


@pytest.mark.parametrize(
    ("seconds", "mmss", "srt"),
    [
        (0.0, "00:00", "00:00:00,000"),
        (5.25, "00:05", "00:00:05,250"),
        (75.999, "01:15", "00:01:15,999"),
        (3725.5, "1:02:05", "01:02:05,500"),
    ],
)
def test_time_formats(seconds: float, mmss: str, srt: str) -> None:
    assert format_mmss(seconds) == mmss
    assert format_srt_time(seconds) == srt


@pytest.mark.parametrize(
    ("call_id", "name"),
    [
        ("call-001", "call-001"),
        ("../etc/passwd", "_etc_passwd"),
        ("a b/c", "a_b_c"),
        ("通话一", "通话一"),
        ("...", "_"),
    ],
)
def test_safe_name(call_id: str, name: str) -> None:
    assert safe_name(call_id) == name


def test_write_call_outputs(tmp_path: Path) -> None:
    report = make_report("call-001", violations=(make_violation(),))
    out = write_call_outputs(report, tmp_path)
    assert out.directory == call_dir(tmp_path, "call-001") == tmp_path / "calls" / "call-001"
    data = json.loads(out.transcript_json.read_text("utf-8"))
    assert Transcript.from_dict(data) == report.masked_transcript
    assert json.loads(out.report_json.read_text("utf-8")) == report.to_dict()
    assert out.transcript_txt.read_text("utf-8") == (
        "[00:00] AGENT: 您好，这里是示例银行，本次通话将被录音。\n"
        "[00:05] CUSTOMER: 我的卡号是622202******1234。\n"
    )
    srt = out.transcript_srt.read_text("utf-8")
    assert srt.startswith("1\n00:00:00,000 --> 00:00:04,000\nAGENT: 您好")
    assert "2\n00:00:05,000 --> 00:00:09,000\nCUSTOMER: 我的卡号" in srt
    assert sorted(p.name for p in out.directory.iterdir()) == [
        "report.json",
        "transcript.json",
        "transcript.srt",
        "transcript.txt",
    ]  # no temporary files left
    write_call_outputs(report, tmp_path)  # rewriting is fine
    assert len(list(out.directory.iterdir())) == 4


def test_txt_and_srt_of_suspect_and_empty() -> None:
    seg = Segment("unknown", 1.0, 1.0, "谢谢观看", suspect=True, suspect_reason="hallucination")
    transcript = Transcript("c", "zh", 2.0, (seg,))
    assert transcript_txt(transcript) == "[00:01] UNKNOWN: 谢谢观看  [suspect: hallucination]\n"
    assert "00:00:01,000 --> 00:00:01,001" in transcript_srt(transcript)  # end after start
    empty = Transcript("c", "zh", 2.0, ())
    assert transcript_txt(empty) == "" and transcript_srt(empty) == ""


def test_atomic_write_keeps_old_file_on_failure(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "f.txt"
    atomic_write_text(target, "old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("pipeline.outputs.os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]
