"""Benchmark: scoring 100,000 units *with explanations* against a plain pandas baseline.

Both sides score the same SYNTHETIC table with the Zhenghe member-unit scheme
(rules/appraisal/zhenghe-member-appraisal), in one run, and the baseline's totals
are checked against ours so the comparison is of the same arithmetic.

- medunion: from the same in-memory frame; validate every row, compile the formulas with
  the core's expression language, score (values, points, subtotals, total, grade with
  veto, rank, rectification, consequences), what-if for every unit and indicator,
  and one explanation dict per unit.
- baseline: the same arithmetic written by hand in pandas for this one scheme; no
  validation, no what-if, no explanations.

Run:  .venv/bin/python benchmarks/bench_appraisal.py [--units 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appraisal.explain import explain_all  # noqa: E402
from appraisal.scheme import Unit, resolve_scheme  # noqa: E402
from appraisal.score import compile_scheme, score_frame  # noqa: E402
from appraisal.synthetic import generate  # noqa: E402
from appraisal.validate import validate_rows  # noqa: E402
from appraisal.whatif import what_if  # noqa: E402

YEAR = 2019


def baseline(df: pd.DataFrame) -> pd.DataFrame:
    """The Zhenghe scheme's arithmetic by hand, vectorised pandas; no checks, no explanations."""
    up = df["referrals_up"].astype(float)
    drr = np.where(up > 0, 100 * df["referrals_down_received"] / up.where(up > 0, 1), 0.0)
    rfc = np.where(up > 0, 100 * df["referral_files_complete"] / up.where(up > 0, 1), 0.0)
    opv = df["outpatient_visits"] / df["service_population"]
    pts = pd.DataFrame(index=df.index)
    pts["drr"] = 15 * np.clip((drr - 10) / 30, 0, 1)
    pts["rfc"] = np.select([rfc >= 95, rfc >= 90, rfc >= 80], [15.0, 11.0, 6.0], 0.0)
    pts["opv"] = 15 * np.clip(opv / 2.5, 0, 1)
    n = len(df)
    pts["adm"] = 10 * (df["inpatient_admissions"].rank(method="average") - 1) / (n - 1)
    pts["abx"] = 10 * np.clip((df["antibiotic_prescription_rate"] - 40) / (20 - 40), 0, 1)
    pts["ae"] = np.maximum(15 - np.minimum(3 * df["adverse_events"], 15), 0)
    pts["sat"] = 20 * np.clip((df["patient_satisfaction"] - 70) / 25, 0, 1)
    out = pd.DataFrame({"unit_id": df["unit_id"], "total": pts.sum(axis=1)})
    grade = pd.cut(out["total"].round(6), [-np.inf, 60, 75, 90, np.inf], right=False,
                   labels=["fail", "pass", "good", "excellent"]).astype(str)
    out["grade"] = np.where(df["serious_violation"].astype(bool), "fail", grade)
    out["rank"] = out["total"].round(6).rank(ascending=False, method="min").astype(int)
    out["rectification_notice"] = out["grade"] == "fail"
    return out


def ours(scheme, raw: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    compiled = compile_scheme(scheme)
    validated = validate_rows(scheme, raw, YEAR)
    app = score_frame(compiled, validated, YEAR, "SYNTHETIC benchmark data")
    return app.results, explain_all(app, what_if(app))


def ours_scoring_only(scheme, raw: pd.DataFrame) -> pd.DataFrame:
    validated = validate_rows(scheme, raw, YEAR)
    return score_frame(compile_scheme(scheme), validated, YEAR).results


def interleaved(repeat: int, runs: dict[str, tuple]) -> tuple[dict[str, float], dict]:
    """Best time of each run over `repeat` rounds, the runs alternating within each round,
    so that a busy machine slows all of them alike."""
    best = {name: float("inf") for name in runs}
    results: dict = {}
    for _ in range(repeat):
        for name, (fn, *args) in runs.items():
            start = time.perf_counter()
            results[name] = fn(*args)
            best[name] = min(best[name], time.perf_counter() - start)
    return best, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    base = resolve_scheme("zhenghe-member-appraisal", YEAR, ROOT / "rules" / "appraisal")
    ids = [f"bench-unit-{i:06d}" for i in range(args.units)]
    scheme = dataclasses.replace(base, units=tuple(Unit(i, i) for i in ids))
    frame = generate(scheme, YEAR, seed=7, unit_ids=ids)  # one input frame for all runs
    print(f"command: .venv/bin/python benchmarks/bench_appraisal.py --units {args.units} "
          f"--repeat {args.repeat}")
    print(f"data: {args.units:,} SYNTHETIC units, scheme {scheme.id} {scheme.version}, "
          f"{len(scheme.indicators)} indicators, best of {args.repeat} interleaved rounds, "
          f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}")
    times, out = interleaved(args.repeat, {
        "baseline": (baseline, frame),
        "scoring": (ours_scoring_only, scheme, frame),
        "explained": (ours, scheme, frame),
    })
    t_base, t_score, t_full = times["baseline"], times["scoring"], times["explained"]
    expected = out["baseline"]
    results, explanations = out["explained"]
    got = results.set_index("unit_id").loc[expected["unit_id"]]
    assert np.allclose(got["total"].to_numpy(), expected["total"].to_numpy(), atol=1e-9)
    assert (got["grade"].to_numpy() == expected["grade"].to_numpy()).all()
    assert (got["rank"].to_numpy() == expected["rank"].to_numpy()).all()
    assert len(explanations) == args.units
    n = args.units
    print(f"{'plain pandas baseline (same arithmetic)':<48}{t_base:8.3f} s {n / t_base:12,.0f} rows/s")
    print(f"{'medunion scoring (validation, no explanations)':<48}{t_score:8.3f} s "
          f"{n / t_score:12,.0f} rows/s")
    print(f"{'medunion scoring + what-if + explanations':<48}{t_full:8.3f} s "
          f"{n / t_full:12,.0f} rows/s")
    print(f"ratio (medunion with explanations / baseline time): {t_full / t_base:.1f}x; "
          f"scoring alone: {t_score / t_base:.1f}x")
    print("results agree with the baseline: totals, grades and ranks of every unit")


if __name__ == "__main__":
    main()
