"""What "ask only what is needed" costs the one-case evaluator (issue 11, item 4).

    .venv/bin/python benchmarks/bench_needed_inputs.py [--cases 5000] [--repeat 3]

Zhenghe's referral rule set (rules/zhenghe-referral) on the same generated complete cases,
each the best of `--repeat` interleaved rounds, in one run:

- baseline: `decide_with_plan` with the decision policy as committed (`git show HEAD:governance/policy.py`,
  loaded from a temporary file), which defaults an output whose rule stopped at a name not decided;
- the policy as now (a rule that stopped at a name not decided leaves its output undecided), on the
  same complete cases: the cost of the change for every decision;
- cases with `within_primary_scope` left out (each output that needs it lists what it needs);
- `--only reimbursement` on the complete cases;
- `what_would_change(..., 'transfer_to_county')` on 200 of the cases (it decides again per candidate).

The script checks that both policies give the same outputs on the complete cases before it reports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import governance.decide as decide_module
from governance.compile import plan_for
from governance.decide import decide_with_plan
from governance.load import resolve_ruleset
from governance.sensitivity import what_would_change

ROOT = Path(__file__).resolve().parents[1]
ON = dt.date(2018, 6, 1)


def committed_policy() -> Any:
    text = subprocess.run(["git", "show", "HEAD:governance/policy.py"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout
    folder = Path(tempfile.mkdtemp())
    path = folder / "policy_committed.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("policy_committed", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["policy_committed"] = module
    spec.loader.exec_module(module)
    return module.Policy


def cases(n: int) -> list[dict[str, Any]]:
    directions = ("upward", "downward", "none")
    severities = ("ordinary", "acute", "dangerous", "difficult", "severe")
    return [{"referral_direction": directions[i % 3], "within_primary_scope": i % 4 == 0,
             "severity": severities[i % 5], "within_association": i % 7 != 0, "eligible_cost": 100 + 37 * i}
            for i in range(n)]


def best(rounds: list[float]) -> float:
    return min(rounds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    plan = plan_for(resolve_ruleset("zhenghe-referral", ON, ROOT / "rules"))
    complete = cases(args.cases)
    missing = [{k: v for k, v in c.items() if k != "within_primary_scope"} for c in complete]
    current_policy = decide_module.Policy
    old_policy = committed_policy()

    def run_with(policy: Any, batch: list[dict[str, Any]], **kw: Any) -> list[dict[str, Any]]:
        decide_module.Policy = policy
        try:
            return [decide_with_plan(plan, c, ON, **kw).outputs for c in batch]
        finally:
            decide_module.Policy = current_policy

    assert run_with(old_policy, complete) == run_with(current_policy, complete), "the policies disagree"
    few = complete[:200]
    jobs: dict[str, tuple[Callable[[], object], int]] = {
        "committed policy, complete cases (baseline)": (lambda: run_with(old_policy, complete), len(complete)),
        "policy now, complete cases": (lambda: run_with(current_policy, complete), len(complete)),
        "policy now, within_primary_scope left out": (lambda: run_with(current_policy, missing), len(missing)),
        "policy now, --only reimbursement": (lambda: run_with(current_policy, complete, only=["reimbursement"]),
                                             len(complete)),
        "what_would_change transfer_to_county": (
            lambda: [what_would_change(plan, c, ON, "transfer_to_county") for c in few], len(few)),
    }
    timings: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(args.repeat):
        for name, (job, _n) in jobs.items():
            start = time.perf_counter()
            job()
            timings[name].append(time.perf_counter() - start)
    load = os.getloadavg()[0]
    print(f"{args.cases} zhenghe-referral cases on {ON}, best of {args.repeat} interleaved rounds, "
          f"{os.cpu_count()} CPU(s), load average {load:.1f}")
    base = best(timings["committed policy, complete cases (baseline)"]) / len(complete)
    for name, (_job, n) in jobs.items():
        per = best(timings[name]) / n
        print(f"{name:48s} {per * 1e6:9.1f} µs/case   {per / base:5.2f}x baseline")


if __name__ == "__main__":
    main()
