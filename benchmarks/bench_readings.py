"""What marking the readings of the law costs a one-case decision (issue 11).

Each decision now fills every rule's, table's and parameter's status into its trace and lists,
per output, the readings it rests on (governance/readings.py). Measured side by side in one run:
deciding with the readings (as shipped) against the same decisions with `attach_readings`
replaced by a function that does nothing (the baseline: the trace as before issue 11). Both
build the explanation JSON, as `decide --format json` does.

    .venv/bin/python benchmarks/bench_readings.py --cases 3000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
from pathlib import Path

from timing import best_time

import governance.decide as decide_module
from governance.compile import plan_for
from governance.decide import decide_with_plan
from governance.load import ruleset_versions

RULES = Path(__file__).resolve().parents[1] / "rules"
ON = dt.date(2017, 9, 1)


def cases(count: int) -> list[dict]:
    rng = random.Random(11)
    return [{"referral_direction": rng.choice(["upward", "downward", "none"]),
             "within_primary_scope": rng.random() < 0.5,
             "severity": rng.choice(["ordinary", "acute", "dangerous", "difficult", "severe"]),
             "within_association": rng.random() < 0.7,
             "eligible_cost": round(rng.uniform(0, 50000), 2)} for _ in range(count)]



def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    plan = plan_for(ruleset_versions("zhenghe-referral", RULES)[0])
    records = cases(args.cases)
    shipped = decide_module.attach_readings

    def decide_all() -> None:
        for record in records:
            decide_with_plan(plan, record, ON).explanation  # noqa: B018 - the JSON is part of the work

    def without_readings(*_args: object) -> tuple[list[str], list[str]]:
        return [], []

    results = {}
    for _ in range(2):  # interleaved, so load changes hit both alike
        decide_module.attach_readings = without_readings
        results["baseline"] = min(results.get("baseline", float("inf")), best_time(decide_all, args.repeat))
        decide_module.attach_readings = shipped
        results["readings"] = min(results.get("readings", float("inf")), best_time(decide_all, args.repeat))
    load = os.getloadavg()[0]
    print(f"{args.cases} zhenghe-referral cases, decide + explanation JSON, best of {args.repeat} x2 interleaved, "
          f"{os.cpu_count()} CPU(s), load average {load:.1f}")
    base = results["baseline"]
    for name, seconds in results.items():
        print(f"  {name:<34} {seconds * 1e6 / args.cases:8.1f} µs/case   {seconds / base:5.2f}x baseline")


if __name__ == "__main__":
    main()
