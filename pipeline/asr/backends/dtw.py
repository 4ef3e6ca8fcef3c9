"""Dynamic time warping for openai-whisper's word timestamps, in numpy.

openai-whisper aligns words to audio frames with a DTW that numba compiles (``parallel=True``)
in every new process: 3 to 10 s here before the first call's words, more than decoding a short
call. This is the same recurrence, evaluated one anti-diagonal at a time (every cell of a
diagonal depends only on the two diagonals before it), with the same float32 costs and the
same tie-breaking, so it returns exactly what ``whisper.timing.dtw_cpu`` returns, in
milliseconds and without a compiler. :func:`install` makes whisper use it.
"""

from __future__ import annotations

import numpy as np

DIAGONAL, UP, LEFT = 0, 1, 2  # trace codes, as in whisper.timing


def backtrace(trace: np.ndarray) -> np.ndarray:
    """(2, K) text / time indices of the cheapest path, from the end back to the start."""
    trace = trace.copy()
    i, j = trace.shape[0] - 1, trace.shape[1] - 1
    trace[0, :] = LEFT
    trace[:, 0] = UP
    path: list[tuple[int, int]] = []
    while i > 0 or j > 0:
        path.append((i - 1, j - 1))
        step = trace[i, j]
        if step == DIAGONAL:
            i, j = i - 1, j - 1
        elif step == UP:
            i -= 1
        elif step == LEFT:
            j -= 1
        else:
            raise ValueError(f"unexpected trace value {step} at ({i}, {j})")
    return np.array(path[::-1]).T


def dtw(x: np.ndarray) -> np.ndarray:
    """The alignment path through cost matrix ``x`` (text tokens x audio frames)."""
    n, m = x.shape
    cost = np.full((n + 1, m + 1), np.inf, dtype=np.float32)
    trace = -np.ones((n + 1, m + 1), dtype=np.float32)
    cost[0, 0] = 0.0
    for d in range(2, n + m + 1):
        i = np.arange(max(1, d - m), min(n, d - 1) + 1)
        j = d - i
        c0, c1, c2 = cost[i - 1, j - 1], cost[i - 1, j], cost[i, j - 1]
        pick_0 = (c0 < c1) & (c0 < c2)
        pick_1 = ~pick_0 & (c1 < c0) & (c1 < c2)
        step = np.where(pick_0, DIAGONAL, np.where(pick_1, UP, LEFT))
        best = np.where(pick_0, c0, np.where(pick_1, c1, c2))
        cost[i, j] = x[i - 1, j - 1] + best
        trace[i, j] = step
    return backtrace(trace)


def install() -> None:
    """Make openai-whisper's word timing use :func:`dtw` on the CPU (idempotent)."""
    import whisper.timing

    whisper.timing.dtw_cpu = dtw
