"""Benchmark: `measure_impact` between two versions of huangzhong-insurance-payment against what
it must at least do (decide the table under both versions) and a hand-written numpy baseline.

- hand-written numpy (baseline): the payment formula of this one rule set under both versions'
  figures, and the difference; no checks, no attribution.
- decide_frame × 2: the column evaluator under each version (the floor of any impact report).
- measure_impact: input checks, both decisions with sources, one decision per attribution step,
  totals, distribution, groups and the per-row table.

Both sides use the same SYNTHETIC claims (`medunion.synthetic_claims`), in one run, interleaved,
best of `--repeat`; the baseline's total difference is checked against the impact's.

Run:  .venv/bin/python benchmarks/bench_impact.py [--rows 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from governance.bulk import decide_frame  # noqa: E402
from governance.impact import measure_impact  # noqa: E402
from governance.load import ruleset_versions  # noqa: E402
from medunion.synthetic_claims import generate_claims  # noqa: E402


def _baseline(frame, figures_old, figures_new):  # type: ignore[no-untyped-def]
    county = (frame["institution_kind"] == "secondary_hospital").to_numpy()
    cost = frame["eligible_cost"].to_numpy(dtype=np.float64)
    totals = []
    for f in (figures_old, figures_new):
        deductible = np.where(county, f["county_deductible"], f["township_deductible"])
        ratio = np.where(county, f["county_payment_ratio"], f["township_payment_ratio"])
        totals.append(np.round(np.maximum(cost - deductible, 0) * ratio, 2))
    return float((totals[1] - totals[0]).sum())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    versions = ruleset_versions("huangzhong-insurance-payment", ROOT / "rules")
    old, new = versions[-2], versions[-1]
    day = new.effective_from
    frame = generate_claims(rows=args.rows)
    inputs = frame[["institution_kind", "eligible_cost"]]
    figures = [{n: p.value_on(day).value for n, p in r.parameters.items()} for r in (old, new)]
    best = {"baseline": float("inf"), "decide": float("inf"), "impact": float("inf")}
    for _ in range(args.repeat):
        start = time.perf_counter()
        expected = _baseline(inputs, *figures)
        best["baseline"] = min(best["baseline"], time.perf_counter() - start)
        start = time.perf_counter()
        decide_frame(old, inputs, day, with_sources=True)
        decide_frame(new, inputs, day, with_sources=True)
        best["decide"] = min(best["decide"], time.perf_counter() - start)
        start = time.perf_counter()
        impact = measure_impact(old, new, inputs, on=day)
        best["impact"] = min(best["impact"], time.perf_counter() - start)
    got = next(t.difference for t in impact.totals if t.output == "insurance_payment")
    load = os.getloadavg()[0]
    print(f"command: .venv/bin/python benchmarks/bench_impact.py --rows {args.rows} --repeat {args.repeat}")
    print(f"data: {args.rows:,} SYNTHETIC claims, {old.id} {old.version} → {new.version} on {day}, "
          f"{len(impact.steps)} attribution step(s), best of {args.repeat} interleaved rounds, "
          f"{os.cpu_count()} CPU(s), load average {load:.1f}")
    for label, key in (("hand-written numpy (baseline)", "baseline"), ("decide_frame x 2", "decide"),
                       ("measure_impact", "impact")):
        seconds = best[key]
        print(f"{label:<34} {seconds:8.3f} s  {args.rows / seconds:>12,.0f} rows/s")
    print(f"ratio measure_impact / baseline: {best['impact'] / best['baseline']:.1f}x; "
          f"measure_impact / decide_frame x 2: {best['impact'] / best['decide']:.1f}x")
    print(f"insurance_payment difference agrees with the baseline: {abs(got - expected) < 0.01} "
          f"({got:,.2f} vs {expected:,.2f})")


if __name__ == "__main__":
    main()
