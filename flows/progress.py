"""The terminal's view of a run: one line per finished call with an ETA, not Prefect's lines.

Prefect prints a line for every state change of every task run (about 150 for 11 calls), and
Dask one for every worker it starts and stops; a night of thousands of calls needs one line per
call. :func:`quiet_console` keeps both to warnings and errors on the terminal (in this process
and in the worker processes it starts); every Prefect log line still goes to the Prefect API and
shows in the UI.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from pipeline.summary import FAILED, QUARANTINED, SKIPPED, CallOutcome

CONSOLE_LEVEL = "WARNING"  # what Prefect still prints on the terminal
CONSOLE_LEVEL_VARIABLE = "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"  # Prefect's own override
DASK_LEVEL_VARIABLE = "DASK_LOGGING__DISTRIBUTED"  # dask.distributed's logger level
PREFECT_RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")
SECONDS_PER_MINUTE = 60
SECONDS_PER_HOUR = 3600


def quiet_console() -> None:
    """Show only Prefect's and Dask's warnings and errors on the terminal (an explicit setting
    of either variable wins)."""
    os.environ.setdefault(CONSOLE_LEVEL_VARIABLE, CONSOLE_LEVEL)  # for worker processes
    os.environ.setdefault(DASK_LEVEL_VARIABLE, CONSOLE_LEVEL.lower())
    logging.getLogger("distributed").setLevel(os.environ[DASK_LEVEL_VARIABLE].upper())
    level = logging.getLevelName(os.environ[CONSOLE_LEVEL_VARIABLE])
    for name in ("", "prefect", *PREFECT_RUN_LOGGERS):
        for handler in logging.getLogger(name).handlers:
            if type(handler).__name__ == "PrefectConsoleHandler":
                handler.setLevel(level)
            elif isinstance(handler, logging.StreamHandler) and name == "":
                handler.addFilter(_drop_prefect_run_info)


def _drop_prefect_run_info(record: logging.LogRecord) -> bool:
    """Filter for the root console handler: Prefect's per-run INFO lines stay in Prefect."""
    return record.levelno >= logging.WARNING or not record.name.startswith(PREFECT_RUN_LOGGERS)


def clock_text(seconds: float) -> str:
    """``H:MM:SS`` (or ``M:SS`` under an hour)."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, SECONDS_PER_HOUR)
    minutes, secs = divmod(rest, SECONDS_PER_MINUTE)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Prints one line per finished call: count, file, what happened, elapsed time and ETA."""

    def __init__(
        self,
        total: int,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.finished = 0
        self._stream = stream
        self._clock = clock
        self._started = clock()

    def line(self, outcome: CallOutcome) -> str:
        """Count ``outcome`` as finished; returns its line (no transcript text, only ids,
        score, counts and, for a set-aside file, its reason)."""
        self.finished += 1
        elapsed = self._clock() - self._started
        width = len(str(self.total))
        if outcome.status in (QUARANTINED, FAILED) or (
            outcome.status == SKIPPED and outcome.reason
        ):
            detail = f": {outcome.reason}" if outcome.reason else ""
        elif outcome.score is not None:
            detail = f"  score {outcome.score:.0f}, {len(outcome.violations)} violation(s)"
        else:
            detail = ""
        remaining = self.total - self.finished
        eta = clock_text(elapsed / self.finished * remaining) if remaining else "done"
        return (
            f"[{self.finished:>{width}}/{self.total}] {Path(outcome.path).name}  "
            f"{outcome.status}{detail}  ({clock_text(elapsed)} elapsed, ETA {eta})"
        )

    def done(self, outcome: CallOutcome) -> None:
        """Print the line of a finished call."""
        print(self.line(outcome), file=self._stream or sys.stderr, flush=True)
