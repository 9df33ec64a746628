"""Benchmark: the appraisal workbook in Chinese (issue 12), beside the same cells written plain.

One SYNTHETIC Zhenghe table is scored and explained once; then, interleaved in the same run:

- baseline: the workbook's table sheets (About, Summary, Scores, Explanations, What would change,
  Indicators, Rejected rows, Stability) written by the same constant-memory writer with code
  headers, native booleans and no localisation: what the workbook was before the Chinese outputs;
- en: `write_workbook(..., lang="en")`: English headings, yes/no, grade words;
- zh: `write_workbook(..., lang="zh")`: Chinese sheets and headings, 是/否, "优秀 excellent";
- for runs of up to 200 units (`SCORESHEET_UNITS`), both languages also write one scoring sheet
  (考核评分表) per unit; `--units 200` shows what those cost beside a workbook without them.

Run:  .venv/bin/python benchmarks/bench_appraisal_workbook.py [--units 5000] [--repeat 3]
      .venv/bin/python benchmarks/bench_appraisal_workbook.py --units 200 --repeat 5
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appraisal import report, scoresheet  # noqa: E402
from appraisal.explain import explain_all  # noqa: E402
from appraisal.report import (  # noqa: E402
    EXPLANATION_COLUMNS,
    WHAT_IF_COLUMNS,
    Sheet,
    _indicator_rows,
    _what_if_rows,
    frame_sheet,
    grade_summary,
    indicator_summary,
    write_book,
    write_workbook,
)
from appraisal.stability import stability  # noqa: E402
from appraisal.whatif import what_if  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_appraisal import YEAR, scheme_for  # noqa: E402

from appraisal.score import compile_scheme, score_frame  # noqa: E402
from appraisal.synthetic import generate  # noqa: E402
from appraisal.validate import validate_rows  # noqa: E402


def prepared(units: int):
    scheme, ids = scheme_for(units)
    frame = generate(scheme, YEAR, seed=7, unit_ids=ids)
    app = score_frame(compile_scheme(scheme), validate_rows(scheme, frame, YEAR), YEAR, "SYNTHETIC benchmark data")
    explanations = explain_all(app, what_if(app))
    rows = ([r for e in explanations for r in _indicator_rows(e)], [r for e in explanations for r in _what_if_rows(e)])
    return app, explanations, stability(app, draws=20), rows


def plain(path: Path, app, explanations, stab, rows) -> Path:
    """The same table sheets with code headers and native cells: the writer without the Chinese."""
    sheets = [frame_sheet("About", report._about(app, (), "en")), frame_sheet("Summary", grade_summary(app)),
              frame_sheet("Scores", app.results), Sheet("Explanations", EXPLANATION_COLUMNS, rows[0]),
              Sheet("What would change", WHAT_IF_COLUMNS, rows[1]),
              frame_sheet("Indicators", indicator_summary(app, explanations)),
              frame_sheet("Rejected rows", app.validated.rejected), frame_sheet("Stability", stab.one_at_a_time)]
    return write_book(path, sheets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    app, explanations, stab, rows = prepared(args.units)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        def zh_without_sheets() -> Path:
            saved = scoresheet.SCORESHEET_UNITS
            scoresheet.SCORESHEET_UNITS = 0
            try:
                return write_workbook(folder / "zh0.xlsx", app, explanations, stab, rows, lang="zh")
            finally:
                scoresheet.SCORESHEET_UNITS = saved

        runs = {
            "baseline (plain cells)": lambda: plain(folder / "plain.xlsx", app, explanations, stab, rows),
            "en": lambda: write_workbook(folder / "en.xlsx", app, explanations, stab, rows, lang="en"),
            "zh": lambda: write_workbook(folder / "zh.xlsx", app, explanations, stab, rows, lang="zh"),
        }
        if args.units <= scoresheet.SCORESHEET_UNITS:
            runs["zh without scoring sheets"] = zh_without_sheets
        best = {name: float("inf") for name in runs}
        sizes: dict[str, int] = {}
        for _ in range(args.repeat):  # interleaved: a busy machine slows every run alike
            for name, fn in runs.items():
                start = time.perf_counter()
                path = fn()
                best[name] = min(best[name], time.perf_counter() - start)
                sizes[name] = path.stat().st_size
    load = os.getloadavg()[0]
    base = best["baseline (plain cells)"]
    print(f"{args.units:,} units, best of {args.repeat}, load average {load:.1f}")
    for name, took in best.items():
        print(f"  {name:28s} {took:8.3f} s  {took / base:5.2f}×  {sizes[name] / 1024:8.0f} KiB")
    if "zh without scoring sheets" in best:
        per = (best["zh"] - best["zh without scoring sheets"]) / args.units * 1000
        print(f"  scoring sheets: {per:.2f} ms a unit")


if __name__ == "__main__":
    main()
