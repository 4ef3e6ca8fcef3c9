"""The terminal's progress lines: one per call, with the count, the outcome and an ETA."""

from __future__ import annotations

import io
import logging

from flows.progress import Progress, _drop_prefect_run_info, clock_text
from pipeline.summary import PROCESSED, QUARANTINED, SKIPPED, CallOutcome


def test_one_line_per_call_with_eta() -> None:
    now = [100.0]
    stream = io.StringIO()
    progress = Progress(3, stream=stream, clock=lambda: now[0])
    now[0] = 130.0
    progress.done(CallOutcome("/r/a.wav", PROCESSED, score=72.4, violations=(("x", "high"),)))
    now[0] = 160.0
    progress.done(CallOutcome("/r/b.m4a", QUARANTINED, reason="b.m4a: not an audio file"))
    now[0] = 3800.0
    progress.done(CallOutcome("/r/c.wav", SKIPPED, reason="being checked by another worker"))
    assert stream.getvalue().splitlines() == [
        "[1/3] a.wav  processed  score 72, 1 violation(s)  (0:30 elapsed, ETA 1:00)",
        "[2/3] b.m4a  quarantined: b.m4a: not an audio file  (1:00 elapsed, ETA 0:30)",
        "[3/3] c.wav  skipped: being checked by another worker  (1:01:40 elapsed, ETA done)",
    ]


def test_clock_text() -> None:
    assert clock_text(0) == "0:00" and clock_text(59.6) == "1:00" and clock_text(3661) == "1:01:01"


def test_prefect_run_info_stays_off_the_terminal() -> None:
    def record(name: str, level: int) -> logging.LogRecord:
        return logging.LogRecord(
            name, level, __file__, 1, "Finished in state Completed()", None, None
        )

    assert not _drop_prefect_run_info(record("prefect.task_runs", logging.INFO))
    assert _drop_prefect_run_info(record("prefect.task_runs", logging.ERROR))
    assert _drop_prefect_run_info(record("flows.command", logging.INFO))
