"""What rules-as-code costs against hand-written code, for one case and for a whole table.

    .venv/bin/python benchmarks/bench_decide.py [--cases 20000]

Four evaluations of Zhenghe's referral rule set (rules/zhenghe-referral) on the same
generated cases, measured in one run:

- one case:  hand-written Python if/else (baseline) vs `decide` (reference evaluator, which
             also validates the case and builds the full explanation);
- a table:   hand-written numpy over columns (baseline) vs `decide_frame` (vectorised evaluator).

The hand-written versions compute the reimbursement only and take their ratios from the rule
set's parameters; the script checks that all four agree before it reports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from governance.bulk import decide_frame_with_plan
from governance.cases import parameters_on
from governance.compile import compile_ruleset
from governance.decide import decide_with_plan
from governance.load import resolve_ruleset

ROOT = Path(__file__).resolve().parents[1]
SERIOUS = ("acute", "dangerous", "difficult", "severe")


def cases(count: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "referral_direction": rng.choice(["upward", "downward", "none"], count),
        "within_primary_scope": rng.random(count) < 0.5,
        "severity": rng.choice(["ordinary", *SERIOUS], count),
        "within_association": rng.random(count) < 0.8,
        "eligible_cost": rng.integers(0, 50_000, count).astype(float),
    })


def by_hand(case: dict[str, Any], township: float, county: float) -> float | None:
    direction = case["referral_direction"]
    transfer = direction == "upward" and (not case["within_primary_scope"] or case["severity"] in SERIOUS)
    tilt = case["within_association"] and (transfer or direction == "downward")
    if direction not in ("upward", "none"):
        return None
    ratio = township if transfer and tilt else county
    return float(np.round(case["eligible_cost"] * ratio, 2))


def by_hand_columns(frame: pd.DataFrame, township: float, county: float) -> np.ndarray:
    direction = frame["referral_direction"].to_numpy()
    transfer = (direction == "upward") & (~frame["within_primary_scope"].to_numpy()
                                          | frame["severity"].isin(SERIOUS).to_numpy())
    tilt = frame["within_association"].to_numpy() & (transfer | (direction == "downward"))
    ratio = np.where(transfer & tilt, township, county)
    paid = np.round(frame["eligible_cost"].to_numpy() * ratio, 2)
    return np.where((direction == "upward") | (direction == "none"), paid, np.nan)


def timed(function: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    args = parser.parse_args()
    n = args.cases
    on = dt.date(2017, 9, 1)
    plan = compile_ruleset(resolve_ruleset("zhenghe-referral", on, ROOT / "rules"))
    parameters = parameters_on(plan.ruleset, on)
    township = parameters["township_reimbursement_ratio"]
    county = parameters["county_reimbursement_ratio"]
    frame = cases(n)
    records = frame.to_dict("records")

    hand, t_hand = timed(lambda: [by_hand(r, township, county) for r in records])
    reference, t_reference = timed(lambda: [decide_with_plan(plan, r, on).outputs["reimbursement"]
                                            for r in records])
    hand_columns, t_hand_columns = timed(lambda: by_hand_columns(frame, township, county))
    bulk, t_bulk = timed(lambda: decide_frame_with_plan(plan, frame, on)["reimbursement"].to_numpy())

    as_array = np.array([np.nan if v is None else v for v in reference])
    agree = all(np.allclose(as_array, np.array([np.nan if v is None else v for v in other], dtype=float),
                            equal_nan=True, atol=1e-9) for other in (hand, hand_columns, bulk))
    print(f"zhenghe-referral, {n:,} generated cases, one run; all four agree: {agree}")
    print("one case at a time")
    print(f"  hand-written Python (baseline):       {t_hand / n * 1e6:9.2f} µs/case")
    print(f"  decide, with validation + explanation: {t_reference / n * 1e6:8.2f} µs/case"
          f"   ({t_reference / t_hand:.0f}x the baseline)")
    print("a whole table")
    print(f"  hand-written numpy (baseline):        {n / t_hand_columns:12,.0f} rows/s")
    print(f"  decide_frame (vectorised evaluator):  {n / t_bulk:12,.0f} rows/s"
          f"   ({t_bulk / t_hand_columns:.1f}x the baseline's time)")
    print(f"  decide_frame vs decide one by one:    {t_reference / t_bulk:.0f}x faster")


if __name__ == "__main__":
    main()
