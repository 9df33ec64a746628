"""The one way a benchmark here times a piece of work: the best of several runs.

The best (not the mean) is the run least disturbed by whatever else the shared machine is doing;
each script still runs its baseline in the same process and reports the ratio.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def best_time(work: Callable[[], object], repeat: int) -> float:
    """The best of `repeat` timings of `work()`, in seconds."""
    best = float("inf")
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best
