"""Run summary: counts, markdown artifact and terminal table."""

from __future__ import annotations

from pipeline.summary import (
    EMPTY,
    FAILED,
    PROCESSED,
    QUARANTINED,
    SKIPPED,
    CallOutcome,
    RunSummary,
)

OUTCOMES = (
    CallOutcome("a.wav", PROCESSED, call_id="a-1", agent_id="A7", score=75.0,
                violations=(("recording-notice", "medium"), ("no-guaranteed-returns", "high"))),
    CallOutcome("b.wav", PROCESSED, call_id="b-2", agent_id="A8", score=100.0),
    CallOutcome("c.wav", SKIPPED, recording_id="c" * 64),
    CallOutcome("d.wav", EMPTY, call_id="d-4", score=100.0),
    CallOutcome("e.m4a", QUARANTINED, reason="e.m4a: not audio"),
    CallOutcome("f.wav", FAILED, reason="f.wav: RuntimeError: boom | x"),
)  # fmt: skip


def test_counts_per_status_and_totals() -> None:
    summary = RunSummary("run-1", OUTCOMES, alerts_queued=3, alerts_sent=2, alerts_failed=1)
    counts = summary.counts()
    assert counts == {
        PROCESSED: 2, SKIPPED: 1, EMPTY: 1, QUARANTINED: 1, FAILED: 1, "files": 6,
        "violations": 2, "alerts_queued": 3, "alerts_sent": 2, "alerts_failed": 1,
        "replaced": 0, "warnings": 0,
    }  # fmt: skip


def test_markdown_lists_violations_worst_first_and_bad_files_with_escaped_reasons() -> None:
    markdown = RunSummary("run-1", OUTCOMES).to_markdown()
    assert markdown.index("no-guaranteed-returns | high") < markdown.index(
        "recording-notice | medium"
    )
    assert "| e.m4a | e.m4a: not audio |" in markdown
    assert "boom / x" in markdown  # a '|' in a reason cannot break the table
    assert "| a-1 | A7 | 75 | no-guaranteed-returns, recording-notice | 0 |" in markdown


def test_text_table_has_one_row_per_file_and_a_totals_line() -> None:
    text = RunSummary("run-1", OUTCOMES, out_dir="/tmp/out", outbox_dir="/tmp/out/outbox").to_text()
    rows = text.splitlines()
    assert sum(1 for r in rows if r.startswith(("a.wav", "b.wav", "c.wav", "d.wav"))) == 4
    assert "6 files: 2 processed, 1 skipped, 1 empty, 1 quarantined, 1 failed; 2 violations" in text
    assert "alert mails (no SMTP configured): /tmp/out/outbox" in text


def test_digest_rows_count_each_rule() -> None:
    rows = dict(RunSummary("run-1", OUTCOMES).digest_rows())
    assert rows["files"] == "6"
    assert rows["recording-notice (medium)"] == "1"
    assert rows["calls quarantined"] == "1"
