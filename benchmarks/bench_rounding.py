"""round() in a column: half-up (四舍五入, governance/rounding.py) beside numpy's half-even, one run.

    .venv/bin/python benchmarks/bench_rounding.py [--rows 1000000] [--repeat 7] [--decide-rounds 15]

1. Three columns of amounts in yuan, rounded to the fen: a ratio of whole-yuan costs (no half
   anywhere: the float path alone), three-decimal amounts (one in ten lies on a half) and
   half-fen ties only (the worst case). Prints the median time of each and its ratio to
   `np.round`, and checks the half-up column against the scalar rule on a sample.
2. `decide_frame` on bench_bulk.py's generated referral cases (two round() calls over every
   row), with the built-in's implementations swapped between numpy's half-even rounding (as
   it was before half-up) and half-up, in interleaved rounds on one core.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from governance.expressions.builtins import BUILTINS  # noqa: E402
from governance.rounding import round_half_up, round_half_up_columns  # noqa: E402


def _half_even(value: float, digits: int = 0) -> float:
    """round() as it was before half-up: numpy's rounding."""
    return float(np.round(value, int(digits)))


def _half_even_columns(values: np.ndarray, digits: np.ndarray | None = None) -> np.ndarray:
    if digits is not None and len(set(np.asarray(digits).tolist())) > 1:
        return np.array([np.round(v, int(d)) for v, d in zip(values, digits, strict=True)])
    places = int(digits[0]) if digits is not None and len(digits) else 0
    return np.round(np.asarray(values, dtype=np.float64), places)


def _median_ms(function: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def decide_frame_before_after(rows: int, rounds: int) -> None:
    import bench_bulk  # the generated cases and rule set of benchmarks/bench_bulk.py

    from governance.bulk import decide_frame_with_plan

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    frame = bench_bulk.cases(rows)
    plan = bench_bulk.compile_ruleset(bench_bulk.resolve_ruleset("zhenghe-referral", bench_bulk.ON,
                                                                 ROOT / "rules"))
    entry = BUILTINS["round"]
    ways = {"before: numpy half-even": (_half_even, _half_even_columns),
            "after: half-up": (round_half_up, round_half_up_columns)}
    times: dict[str, list[float]] = {name: [] for name in ways}
    try:
        for r in range(rounds):
            for name in list(ways) if r % 2 == 0 else list(reversed(ways)):
                object.__setattr__(entry, "scalar", ways[name][0])  # the frozen registry entry, for this run only
                object.__setattr__(entry, "column", ways[name][1])
                start = time.perf_counter()
                decide_frame_with_plan(plan, frame, bench_bulk.ON, with_sources=True)
                times[name].append(time.perf_counter() - start)
    finally:
        object.__setattr__(entry, "scalar", round_half_up)
        object.__setattr__(entry, "column", round_half_up_columns)
    medians = {name: statistics.median(t) * 1000 for name, t in times.items()}
    print(f"decide_frame, zhenghe-referral, {rows:,} rows, one core, medians of {rounds} interleaved rounds")
    for name, ms in medians.items():
        print(f"  {name:26} {ms:8.1f} ms")
    before, after = medians.values()
    print(f"  half-up takes {after / before:.3f}x the half-even time; load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--decide-rounds", type=int, default=15)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    columns = {
        "cost × 0.85 (no halves)": rng.integers(0, 50_000, args.rows).astype(float) * 0.85,
        "three decimals (1 in 10 a half)": rng.integers(0, 50_000_000, args.rows) / 1000,
        "half-fen ties only": (rng.integers(0, 5_000_000, args.rows) * 10 + 5) / 1000,
    }
    digits = np.array([2])
    print(f"{args.rows:,} rows, to 2 decimal places, medians of {args.repeat}")
    for name, values in columns.items():
        sample = values[:: max(1, args.rows // 2000)]
        agree = all(a == round_half_up(v, 2) for a, v in zip(round_half_up_columns(sample, digits).tolist(),
                                                             sample.tolist(), strict=True))
        even = _median_ms(lambda v=values: np.round(v, 2), args.repeat)
        up = _median_ms(lambda v=values: round_half_up_columns(v, digits), args.repeat)
        print(f"  {name:34} np.round {even:8.2f} ms   half-up {up:8.2f} ms   ratio {up / even:5.2f}x"
              f"   agrees with the scalar on a sample: {agree}")
    decide_frame_before_after(args.rows, args.decide_rounds)


if __name__ == "__main__":
    main()
