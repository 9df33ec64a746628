"""The cost of explaining decisions wholly in Chinese (issue 12): deciding with the typed reasons,
labels and readings in the trace, the explanation JSON, and the two letters.

    .venv/bin/python benchmarks/bench_letters.py [--repeat 30] [--cases 2000]

Measured in one run, each the best of `--repeat` (the least disturbed by other load):

- `decide` + explanation JSON of the 7 example cases, and of `--cases` generated zhenghe-referral
  cases (the bulk-explained path: `decide-bulk --explain full` does this per row);
- `render_text(trace, "en")` (the baseline: the English letter) against `render_text(trace, "zh")`.

Run it in two copies of the tree that differ only in the change being measured, alternately, to
compare the before and after of `decide` (benchmarks/README.md, "Decisions explained in Chinese").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
from pathlib import Path

from timing import best_time

from governance.cases import read_case_file
from governance.compile import plan_for
from governance.decide import decide_with_plan
from governance.explain import render_text
from governance.i18n import translator
from governance.load import ruleset_versions

ROOT = Path(__file__).resolve().parents[1]



def _referral_cases(n: int) -> list[dict[str, object]]:
    """Generated zhenghe-referral cases (the same inputs bench_decide draws from)."""
    pick = random.Random(12)
    return [{"referral_direction": pick.choice(["upward", "downward", "none"]),
             "within_primary_scope": pick.random() < 0.5,
             "severity": pick.choice(["ordinary", "acute", "dangerous", "difficult", "severe"]),
             "within_association": pick.random() < 0.8,
             "eligible_cost": pick.randint(0, 50_000)} for _ in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--cases", type=int, default=2000)
    args = parser.parse_args()
    examples = []
    for path in sorted((ROOT / "examples" / "cases").glob("*.yaml")):
        found = read_case_file(path, None, None, ROOT / "rules")
        examples.append((plan_for(found.ruleset), found.inputs, found.on))
    referral = plan_for(ruleset_versions("zhenghe-referral", ROOT / "rules")[0])
    generated = _referral_cases(args.cases)
    on = dt.date(2017, 9, 1)
    translator("zh")  # the catalog is read once per process, not per letter
    traces = [decide_with_plan(plan, inputs, day).trace for plan, inputs, day in examples]

    def examples_json() -> None:
        for plan, inputs, day in examples:
            decide_with_plan(plan, inputs, day).explanation  # noqa: B018 - the JSON is the work

    def generated_json() -> None:
        for inputs in generated:
            decide_with_plan(referral, inputs, on).explanation  # noqa: B018

    t = {
        "examples": best_time(examples_json, args.repeat),
        "generated": best_time(generated_json, max(1, args.repeat // 10)),
        "en": best_time(lambda: [render_text(trace, "en") for trace in traces], args.repeat),
        "zh": best_time(lambda: [render_text(trace, "zh") for trace in traces], args.repeat),
    }
    print(f"best of {args.repeat}; {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}")
    print(f"decide + explanation JSON, 7 example cases:     {t['examples'] * 1e3:8.3f} ms")
    print(f"decide + explanation JSON, {args.cases} referral cases: {t['generated'] / args.cases * 1e6:8.1f} µs/case")
    print(f"render_text of the 7 cases: en {t['en'] * 1e3:.3f} ms, zh {t['zh'] * 1e3:.3f} ms, "
          f"zh/en {t['zh'] / t['en']:.2f}x")


if __name__ == "__main__":
    main()
