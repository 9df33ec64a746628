"""Bulk evaluation vs the one-case reference evaluator, same rule set, same cases, one run.

    .venv/bin/python benchmarks/bench_decide.py [--cases 20000]

Baseline: `decide_with_plan` called once per case (the reference evaluator, which also builds
the full explanation). Measured: `decide_frame_with_plan` over a DataFrame of the same cases.
Both use one compiled plan, so compilation is not timed. Reported as cases/second and a ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import numpy as np
import pandas as pd

from governance.bulk import decide_frame_with_plan
from governance.compile import compile_ruleset
from governance.decide import decide_with_plan
from governance.load import resolve_ruleset

ROOT = Path(__file__).resolve().parents[1]


def cases(count: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "referral_direction": rng.choice(["upward", "downward", "none"], count),
        "within_primary_scope": rng.random(count) < 0.5,
        "severity": rng.choice(["ordinary", "acute", "dangerous", "difficult", "severe"], count),
        "within_association": rng.random(count) < 0.8,
        "eligible_cost": rng.integers(0, 50_000, count).astype(float),
    })


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    args = parser.parse_args()
    on = dt.date(2017, 9, 1)
    plan = compile_ruleset(resolve_ruleset("zhenghe-referral", on, ROOT / "rules"))
    frame = cases(args.cases)
    records = frame.to_dict("records")

    start = time.perf_counter()
    one_by_one = [decide_with_plan(plan, record, on).outputs for record in records]
    reference = time.perf_counter() - start

    start = time.perf_counter()
    bulk = decide_frame_with_plan(plan, frame, on)
    vector = time.perf_counter() - start

    same = all(
        (o["reimbursement"] is None and pd.isna(b)) or abs((o["reimbursement"] or 0) - b) < 1e-9
        for o, b in zip(one_by_one, bulk["reimbursement"], strict=True)
    )
    print(f"rule set zhenghe-referral, {args.cases} cases, one run")
    print(f"  reference (one case at a time, with explanation): {args.cases / reference:12,.0f} cases/s")
    print(f"  bulk (vectorised over a DataFrame):               {args.cases / vector:12,.0f} cases/s")
    print(f"  ratio bulk / reference: {reference / vector:.1f}x   same results: {same}")


if __name__ == "__main__":
    main()
