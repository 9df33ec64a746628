"""The cost of the core's messages as catalog templates (issue 12, item 1), beside the f-strings they replaced.

A refused value's reason is now a `Message` (English text that keeps its template and fields) rather
than an f-string. Only refusals pay for it: this measures the path where they are many, a column of
cases with bad cells (`check_column`, as decide-bulk, impact and the appraisal read them), and one
value at a time (`check_value`, as a case file or a rule file is read), each beside the same code as
committed before the change (`git show <--baseline>:governance/values.py`, loaded under another name), in
the same run. It also times showing a nested message in Chinese, once built.

    .venv/bin/python benchmarks/bench_core_messages.py [--rows 200000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from timing import best_time

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from governance.diagnostics import error  # noqa: E402
from governance.expressions import NUMBER  # noqa: E402
from governance.i18n import N_, translator  # noqa: E402
from governance.model import Field  # noqa: E402
from governance.values import check_column, check_value  # noqa: E402


def _baseline_values(revision: str) -> object:
    """governance/values.py as committed at `revision`, loaded beside the current one."""
    source = subprocess.run(["git", "show", f"{revision}:governance/values.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    if "Message(" in source:
        sys.exit(f"{revision}'s values.py already builds Message objects: give the revision before the change")
    spec = importlib.util.spec_from_loader("values_baseline", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["values_baseline"] = module  # dataclasses look their module up
    exec(compile(source, "values_baseline.py", "exec"), module.__dict__)  # our own file as committed, for timing
    return module



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline", default="e4e0e69",
                        help="the git revision of values.py to compare with (default: the last before issue 12's "
                             "catalog templates)")
    args = parser.parse_args()
    old = _baseline_values(args.baseline)
    field = Field(name="cost", type=NUMBER, unit="yuan", description=None, description_zh=None, location=None,
                  minimum=0)
    rng = np.random.default_rng(12)
    cells = rng.uniform(-100, 1000, args.rows).round(2).astype(object)
    bad = rng.random(args.rows) < 0.2  # one cell in five refused: text, or below the minimum
    cells[bad & (rng.random(args.rows) < 0.5)] = "abc"
    column = pd.Series(cells, dtype=object)
    now_problems = check_column(field, column).problems
    old_problems = old.check_column(field, column).problems  # type: ignore[attr-defined]
    assert [(p, str(r)) for p, r in now_problems] == [(p, str(r)) for p, r in old_problems], "the English differs"
    values = ["abc", -5.0, float("inf"), 2**70, True] * (args.rows // 25)

    print(f"{len(now_problems):,} of {args.rows:,} cells refused; load average {os.getloadavg()[0]:.1f}")
    rows = []
    for name, now, before in (
            ("check_column, refused cells", lambda: check_column(field, column),
             lambda: old.check_column(field, column)),  # type: ignore[attr-defined]
            (f"check_value, {len(values):,} bad values", lambda: [check_value(NUMBER, v) for v in values],
             lambda: [old.check_value(NUMBER, v) for v in values])):  # type: ignore[attr-defined]
        t_before, t_now = best_time(before, args.repeat), best_time(now, args.repeat)
        rows.append((name, t_before, t_now))
    zh = translator("zh").gettext
    found = [error(N_("row {row}, column '{column}': {problem}"), row=p, column="cost", problem=r)
             for p, r in now_problems[:20_000]]
    english = best_time(lambda: [d.message for d in found], args.repeat)
    chinese = best_time(lambda: [d.text(zh) for d in found], args.repeat)
    print(f"{'':32} {'before (baseline)':>18} {'now':>10} {'ratio':>7}")
    for name, t_before, t_now in rows:
        print(f"{name:32} {t_before:17.4f}s {t_now:9.4f}s {t_now / t_before:6.2f}×")
    print(f"showing {len(found):,} row refusals: English {english * 1e3:.1f} ms, Chinese {chinese * 1e3:.1f} ms "
          f"({chinese / english:.0f}×; {chinese / len(found) * 1e6:.1f} µs each)")


if __name__ == "__main__":
    main()
