"""Benchmark: writing the HTML appraisal report (Chinese and English), beside its charts alone and a
plain pandas table, in the same run (issue 12, item 6).

The report of issue 12 adds to the charts a grade table, the indicators with every threshold and
its status, the values per unit and Chinese names, each value formatted with Babel. This measures
what that costs on top of what the report always had to do: draw and encode its two charts.

- medunion: `appraisal.report_html.render(app, …, lang)` for zh and en: charts, score table and
  values table (the first REPORT_ROWS units), indicators and thresholds, grade bands, sensitivity.
- baselines: the two charts alone (`charts(app, lang)`), and `DataFrame.to_html` of the first
  REPORT_ROWS rows of the results (the same rows, no formatting, no translation).

Run:  .venv/bin/python benchmarks/bench_report_html.py [--units 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appraisal.pipeline import appraise_frame  # noqa: E402
from appraisal.report_html import REPORT_ROWS, charts, render  # noqa: E402
from appraisal.scheme import Unit, resolve_scheme  # noqa: E402
from appraisal.synthetic import generate  # noqa: E402

YEAR = 2019


def interleaved(cases: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """The best time of each case over `repeat` rounds, the cases taking turns within a round, so a
    change in the machine's load falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, fn in cases.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: min(found) for name, found in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    base = resolve_scheme("zhenghe-member-appraisal", YEAR, ROOT / "rules" / "appraisal")
    ids = [f"unit-{i:06d}" for i in range(args.units)]
    scheme = dataclasses.replace(base, units=tuple(Unit(i, i, f"第{k}卫生院") for k, i in enumerate(ids)))
    app, _ = appraise_frame(scheme, generate(scheme, YEAR, seed=7, unit_ids=ids), YEAR)
    print(f"{args.units:,} units scored; tables cut at {REPORT_ROWS} rows; best of {args.repeat} interleaved rounds; "
          f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}")
    sizes = {lang: len(render(app, None, None, lang=lang)) for lang in ("zh", "en")}  # warm: fonts, catalogs
    rows = app.results.head(REPORT_ROWS)
    figures = interleaved({
        "report zh": lambda: render(app, None, None, lang="zh"),
        "report en": lambda: render(app, None, None, lang="en"),
        "charts zh alone (baseline)": lambda: charts(app, "zh"),
        "DataFrame.to_html, 500 rows (baseline)": lambda: rows.to_html(),
    }, args.repeat)
    charts_alone = figures["charts zh alone (baseline)"]
    for name, seconds in figures.items():
        print(f"  {name:<40} {seconds:7.3f} s   {seconds / charts_alone:5.2f}x the charts alone")
    print(f"  page size: zh {sizes['zh'] / 1024:,.0f} KiB, en {sizes['en'] / 1024:,.0f} KiB")


if __name__ == "__main__":
    main()
