"""Benchmark: validating a table typed the Chinese way, beside the same table typed plainly.

The same SYNTHETIC table (Zhenghe member-unit scheme, seed 7) as text, the way a CSV is read:
- plain: numbers as `39711`, `24.0`, booleans as `False`/`True` (the baseline);
- Chinese: every number with thousands separators (`39,711`), every third in full-width
  digits (`３９，７１１`), booleans as 是/否: every numeric cell takes the slower path (the
  plain parse fails, `appraisal.read.officer_text` rewrites it, the parse is tried again).

Both results are checked equal, so the ratio is the cost of reading the same figures.
CPU time (`time.process_time`), so the shared machine's load does not inflate it.

Run:  .venv/bin/python benchmarks/bench_chinese_input.py [--units 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np
import pandas as pd

from appraisal.scheme import Scheme, Unit, resolve_scheme
from appraisal.synthetic import generate
from appraisal.validate import validate_rows

ROOT = Path(__file__).resolve().parents[1]
YEAR = 2019
FULL_WIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


def _tables(units: int) -> tuple[Scheme, pd.DataFrame, pd.DataFrame]:
    base = resolve_scheme("zhenghe-member-appraisal", YEAR, ROOT / "rules" / "appraisal")
    ids = [f"bench-unit-{i:07d}" for i in range(units)]
    scheme = dataclasses.replace(base, units=tuple(Unit(i, i) for i in ids))
    frame = generate(scheme, YEAR, seed=7, unit_ids=ids)
    plain = frame.drop(columns=["data_label"]).astype(str)
    chinese = plain.copy()
    for name, col in scheme.columns.items():
        if col.type == "boolean":
            chinese[name] = plain[name].map({"True": "是", "False": "否"})
        else:
            text = [f"{float(v):,.10g}" if "." in v else f"{int(v):,}" for v in plain[name]]
            chinese[name] = [t.translate(FULL_WIDTH) if i % 3 == 0 else t for i, t in enumerate(text)]
    return scheme, plain, chinese


def _cpu(scheme: Scheme, table: pd.DataFrame) -> float:
    start = time.process_time()
    validate_rows(scheme, table, YEAR)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    scheme, plain, chinese = _tables(args.units)
    a = validate_rows(scheme, plain, YEAR)
    b = validate_rows(scheme, chinese, YEAR)
    columns = list(scheme.columns)
    assert a.rejected.empty and b.rejected.empty, (a.rejected.head(), b.rejected.head())
    np.testing.assert_array_equal(a.frame[columns].to_numpy(float), b.frame[columns].to_numpy(float))
    runs = [(_cpu(scheme, plain), _cpu(scheme, chinese)) for _ in range(args.repeat)]  # side by side
    t_plain, t_chinese = min(r[0] for r in runs), min(r[1] for r in runs)
    cells = args.units * len(columns)
    print(f"{args.units:,} units, {len(columns)} columns ({cells:,} cells), best of {args.repeat}, CPU seconds")
    print(f"  validate_rows, plain text       {t_plain:8.3f} s")
    print(f"  validate_rows, Chinese forms    {t_chinese:8.3f} s   ratio {t_chinese / t_plain:5.1f}x")
    print(f"  per rewritten cell              {1e6 * (t_chinese - t_plain) / cells:8.2f} µs")


if __name__ == "__main__":
    main()
