"""The column evaluator at scale: `decide_frame` beside hand-written numpy and durable-rules.

    .venv/bin/python benchmarks/bench_bulk.py [--rows 1000000] [--max-rows 1000000] [--repeat 5]
                                              [--durable-sample 2000] [--cores 1]

Zhenghe's referral rule set (rules/zhenghe-referral, every output, with the rule ids:
`with_sources=True`) on generated cases, measured in one run:

- speed:   `decide_frame` against the same referral logic hand-written in numpy/pandas (no
           input checks, no rule ids), medians of `--repeat` interleaved rounds;
- memory:  peak bytes per row above the input frame, for both, two ways: numpy's allocations
           traced by tracemalloc, and the resident set (VmHWM after resetting it) of a fresh
           process, which also sees Arrow's and pandas' own allocators;
- durable-rules: the same rules written for durable-rules (one fact per case, a rule per
           rule, a sentinel rule, a synchronous host, as lifecycle/engine.py drives it), on a
           sample of `--durable-sample` rows, compared per row;
- growth:  10k, 100k, 1M (and 10M with `--max-rows 10000000`: about 3 GiB) rows.

`--cores 1` (the default) pins the process to one CPU, so "rows/s on one core" is what it says.
The script checks that all three agree on every output before it reports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from governance.bulk import decide_frame_with_plan  # noqa: E402
from governance.cases import parameters_on  # noqa: E402
from governance.compile import Plan, compile_ruleset  # noqa: E402
from governance.load import resolve_ruleset  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_decide import SERIOUS, cases  # noqa: E402  (the same generated cases as bench_decide)

ON = dt.date(2017, 9, 1)
OUTPUTS = ("transfer_to_county", "insurance_tilt", "county_doctor_follow_up", "referring_doctor_may_join_rounds",
           "applicable_ratio", "reimbursement")


def by_hand(frame: pd.DataFrame, township: float, county: float) -> dict[str, np.ndarray]:
    """The referral rules written directly in numpy/pandas, every output (NaN where undecided)."""
    direction = frame["referral_direction"]
    upward = (direction == "upward").to_numpy()
    downward = (direction == "downward").to_numpy()
    none = (direction == "none").to_numpy()
    serious = frame["severity"].isin(SERIOUS).to_numpy()
    association = frame["within_association"].to_numpy()
    transfer = upward & (~frame["within_primary_scope"].to_numpy() | serious)
    tilt = association & (transfer | downward)
    follow = transfer & association
    township_rows = transfer & tilt
    ratio = np.where(township_rows, township, county)
    cost = frame["eligible_cost"].to_numpy()
    return {
        "transfer_to_county": transfer,
        "insurance_tilt": tilt,
        "county_doctor_follow_up": follow,
        "referring_doctor_may_join_rounds": follow,
        "applicable_ratio": np.where(upward | none, ratio, np.nan),
        "reimbursement": np.where(transfer | none, np.round(cost * ratio, 2), np.nan),
    }


# --- durable-rules: the same rules, one fact per case -----------------------------------------


def durable_rules(township: float, county: float) -> dict[str, dict[str, Any]]:
    """The rule set as durable-rules conditions. Its rules cannot read each other's outputs within
    one fact, so each condition spells out the conditions of the outputs it reads; an exception
    is its rule's condition, and the rule it sets aside gets the negation."""
    upward = {"referral_direction": "upward"}
    grounds = {"$or": [{"within_primary_scope": False}, *({"severity": s} for s in SERIOUS)]}
    transfer = {"$and": [upward, grounds]}
    member = {"within_association": True}
    not_member = {"within_association": False}
    no_grounds = {"$and": [{"within_primary_scope": True}, {"severity": "ordinary"}]}
    township_rows = {"$and": [upward, grounds, member]}  # transfer and tilt
    county_ratio_rows = {"$or": [{"referral_direction": "none"}, {"$and": [upward, no_grounds]},
                                 {"$and": [upward, grounds, not_member]}]}
    county_paid_rows = {"$or": [{"referral_direction": "none"}, {"$and": [upward, grounds, not_member]}]}

    def record(values: dict[str, Any], rule: str, cost_ratio: float | None = None) -> Callable[[Any], None]:
        def action(c: Any) -> None:
            for name, value in values.items():
                c.s[name] = value
                c.s[name + "__by"] = rule
            if cost_ratio is not None:
                c.s["reimbursement"] = float(np.round(c.m.eligible_cost * cost_ratio, 2))
                c.s["reimbursement__by"] = rule
        return action

    def seen(c: Any) -> None:
        c.s["seen"] = True

    def rule(condition: dict[str, Any], action: Callable[[Any], None]) -> dict[str, Any]:
        return {"all": [{"m": condition}], "run": action}

    return {
        "upward_referral": rule(transfer, record({"transfer_to_county": True}, "upward-referral")),
        "two_way_referral_tilt": rule({"$and": [member, {"$or": [transfer, {"referral_direction": "downward"}]}]},
                                      record({"insurance_tilt": True}, "two-way-referral-tilt")),
        "referred_patient_follow_up": rule(township_rows, record(
            {"county_doctor_follow_up": True, "referring_doctor_may_join_rounds": True}, "referred-patient-follow-up")),
        "no_tilt_county_ratio": rule(county_ratio_rows, record({"applicable_ratio": county}, "no-tilt-county-ratio")),
        "upward_referral_township_ratio": rule(township_rows, record(
            {"applicable_ratio": township}, "upward-referral-township-ratio")),
        "reimbursement_county_ratio": rule(county_paid_rows, record({}, "reimbursement-county-ratio", county)),
        "reimbursement_township_ratio": rule(township_rows, record({}, "reimbursement-township-ratio", township)),
        # the sentinel: some rule fires for every case (deleting a session where none fired crashes)
        "sentinel": {"all": [{"m": {"$ex": {"referral_direction": 1}}}], "pri": 1_000_000, "run": seen},
    }


def by_durable_rules(frame: pd.DataFrame, township: float, county: float) -> tuple[list[dict[str, Any]], float]:
    """Each case as a fact on a fresh session of a synchronous host; returns the sessions' states
    and the seconds taken."""
    import durable.engine as durable
    import durable_rules_engine as native

    class SyncHost(durable.Host):  # no background dispatch threads (see lifecycle/engine.py)
        def _run(self) -> None:
            return None

    host = SyncHost()
    host.set_rulesets({"referral": durable_rules(township, county)})
    records = frame.to_dict("records")
    for record in records:  # plain Python values: durable-rules compares mixed types as text
        record["within_primary_scope"] = bool(record["within_primary_scope"])
        record["within_association"] = bool(record["within_association"])
        record["eligible_cost"] = float(record["eligible_cost"])
    states = []
    start = time.perf_counter()
    for i, record in enumerate(records):
        state = host.assert_fact("referral", {"sid": str(i), **record})
        if "exception" in state:
            raise RuntimeError(f"an action failed inside durable-rules: {state['exception']}")
        states.append(state)
        host.delete_state("referral", str(i))
    seconds = time.perf_counter() - start
    native.delete_ruleset(host.get_ruleset("referral")._handle)
    return states, seconds


# --- agreement -----------------------------------------------------------------------------------


def _column(values: Any) -> np.ndarray:
    series = pd.Series(values)
    if series.dtype == "boolean":
        return series.to_numpy(dtype=float, na_value=np.nan)
    return series.to_numpy(dtype=float, na_value=np.nan)


def disagreements(decided: pd.DataFrame, hand: dict[str, np.ndarray], durable: list[dict[str, Any]] | None
                  ) -> list[str]:
    """The outputs on which the hand-written code or durable-rules differ from `decide_frame`."""
    found = []
    for name in OUTPUTS:
        ours = _column(decided[name])
        if not np.allclose(ours, _column(hand[name]), equal_nan=True, atol=1e-9):
            found.append(f"{name} (hand-written)")
        if durable is not None:
            defaults = False if name not in ("applicable_ratio", "reimbursement") else np.nan
            theirs = np.array([float(s.get(name, defaults)) for s in durable])
            if not np.allclose(ours[: len(durable)], theirs, equal_nan=True, atol=1e-9):
                found.append(f"{name} (durable-rules)")
            by = [s.get(name + "__by") for s in durable]
            ours_by = [None if pd.isna(v) else v for v in decided[name + "__by"].iloc[: len(durable)]]
            expected_by = [b if b is not None else ("default" if defaults is False else None) for b in by]
            if ours_by != expected_by:
                found.append(f"{name}__by (durable-rules)")
    return found


# --- timing and memory ---------------------------------------------------------------------------


def medians(rounds: int, functions: dict[str, Callable[[], Any]]) -> dict[str, float]:
    """The median time of each function over interleaved rounds (the order alternates)."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    names = list(functions)
    for r in range(rounds):
        for name in names if r % 2 == 0 else reversed(names):
            gc.collect()
            start = time.perf_counter()
            functions[name]()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def traced_peak(function: Callable[[], Any]) -> int:
    """Peak bytes allocated (as tracemalloc sees them: numpy's and Python's) while it runs."""
    gc.collect()
    tracemalloc.start()
    result = function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return peak


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def resident_peak_child(which: str, rows: int) -> None:
    """In a fresh process: the resident set's peak while one evaluation runs, above the frame."""
    plan, township, county = _setup()
    frame = cases(rows)
    run = _runner(which, plan, frame, township, county)
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current resident set
    before = _status("VmRSS")
    result = run()
    print(_status("VmHWM") - before)
    del result


def resident_peak(which: str, rows: int) -> int | None:
    done = subprocess.run([sys.executable, __file__, "--rss-child", which, "--rows", str(rows)],
                          capture_output=True, text=True, check=False)
    try:
        return int(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        print(f"  (resident set not measured: {done.stderr.strip()[-200:]})")
        return None


def _setup() -> tuple[Plan, float, float]:
    ruleset = resolve_ruleset("zhenghe-referral", ON, ROOT / "rules")
    plan = compile_ruleset(ruleset)
    parameters = parameters_on(plan.ruleset, ON)
    return plan, parameters["township_reimbursement_ratio"], parameters["county_reimbursement_ratio"]


def _runner(which: str, plan: Plan, frame: pd.DataFrame, township: float, county: float) -> Callable[[], Any]:
    if which == "decide_frame":
        return lambda: decide_frame_with_plan(plan, frame, ON, with_sources=True)
    return lambda: by_hand(frame, township, county)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--max-rows", type=int, default=1_000_000, help="largest size of the growth table")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--durable-sample", type=int, default=2_000)
    parser.add_argument("--cores", type=int, default=1, help="CPUs to run on (0: all)")
    parser.add_argument("--rss-child", choices=["decide_frame", "hand"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[: args.cores])
    if args.rss_child:
        resident_peak_child(args.rss_child, args.rows)
        return
    n = args.rows
    plan, township, county = _setup()
    frame = cases(n)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"zhenghe-referral {plan.ruleset.version}: {len(plan.ruleset.rules)} rules, {len(plan.ruleset.outputs)} "
          f"outputs, with rule ids; {n:,} generated rows; medians of {args.repeat} interleaved rounds; "
          f"{cpus} CPU(s); load average {os.getloadavg()[0]:.1f}")

    decided = decide_frame_with_plan(plan, frame, ON, with_sources=True)
    hand = by_hand(frame, township, county)
    sample = frame.iloc[: args.durable_sample]
    durable, durable_seconds = by_durable_rules(sample, township, county)
    differ = disagreements(decided, hand, durable)
    print(f"decide_frame, hand-written numpy and durable-rules agree on every output and rule id: "
          f"{not differ}" + (f" (differ: {', '.join(differ)})" if differ else ""))
    del decided, hand

    t = medians(args.repeat, {name: _runner(name, plan, frame, township, county)
                              for name in ("decide_frame", "hand")})
    ours, theirs = n / t["decide_frame"], n / t["hand"]
    durable_rate = len(sample) / durable_seconds
    print("speed")
    print(f"  decide_frame, with rule ids:      {ours:14,.0f} rows/s   {t['decide_frame'] * 1e3:8.1f} ms")
    print(f"  hand-written numpy (baseline):    {theirs:14,.0f} rows/s   {t['hand'] * 1e3:8.1f} ms")
    print(f"  decide_frame takes {t['decide_frame'] / t['hand']:.2f}x the hand-written time")
    print(f"  durable-rules, same rules:        {durable_rate:14,.0f} rows/s   ({len(sample):,} rows)"
          f"   decide_frame is {ours / durable_rate:,.0f}x faster")

    print("peak memory above the input frame")
    for name in ("decide_frame", "hand"):
        traced = traced_peak(_runner(name, plan, frame, township, county))
        resident = resident_peak(name, n)
        rss = f"{resident / n:6.1f} B/row resident (fresh process)" if resident is not None else ""
        print(f"  {name:14s} {traced / n:6.1f} B/row traced   {rss}")

    print("growth")
    sizes = [s for s in (10_000, 100_000, 1_000_000, 10_000_000) if s <= args.max_rows]
    fit: list[tuple[int, float]] = []
    for size in sizes:
        table = frame if size == n else cases(size)
        times = medians(args.repeat if size <= 1_000_000 else max(3, args.repeat // 2),
                        {name: _runner(name, plan, table, township, county) for name in ("decide_frame", "hand")})
        fit.append((size, times["decide_frame"]))
        print(f"  {size:>11,} rows   decide_frame {size / times['decide_frame']:12,.0f} rows/s "
              f"({times['decide_frame'] / size * 1e9:5.0f} ns/row)   hand-written {size / times['hand']:12,.0f} rows/s"
              f"   ratio {times['decide_frame'] / times['hand']:5.2f}x")
        del table
    if len(fit) >= 2:  # the two smallest sizes: the cost of a call apart from its rows
        (small, t_small), (large, t_large) = fit[0], fit[1]
        per_row = (t_large - t_small) / (large - small)
        print(f"  decide_frame ~ {(t_small - per_row * small) * 1e3:.1f} ms a call + {per_row * 1e9:.0f} ns a row "
              f"(from {small:,} and {large:,} rows)")


if __name__ == "__main__":
    main()
