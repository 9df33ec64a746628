"""The cost of the Chinese letter beside the English one, and of reading the catalog.

    .venv/bin/python benchmarks/bench_languages.py [--repeat 200]

Measured side by side in one run: `render_text(trace, "en")` (the baseline: the identity
translator, the same words as before the catalogs) and `render_text(trace, "zh")` (catalog
look-ups, Babel number/date/money formats) for every example case; and the one-off cost of
parsing the .po into a Translations object, against a `decide` of one case. Printed as ratios.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from timing import best_time

from governance.cases import read_case_file
from governance.decide import decide
from governance.explain import render_text
from governance.i18n import translator

ROOT = Path(__file__).resolve().parents[1]



def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    repeat = parser.parse_args().repeat
    traces = []
    for case in sorted((ROOT / "examples" / "cases").glob("*.yaml")):
        found = read_case_file(case, None, None, ROOT / "rules")
        traces.append(decide(found.ruleset, found.inputs, found.on, found.source, None).trace)
    start = time.perf_counter()
    translator.cache_clear()
    translator("zh")
    load = time.perf_counter() - start
    found = read_case_file(sorted((ROOT / "examples" / "cases").glob("*.yaml"))[0], None, None, ROOT / "rules")
    one_decide = best_time(lambda: decide(found.ruleset, found.inputs, found.on, found.source, None), 20)
    english = best_time(lambda: [render_text(t, "en") for t in traces], repeat)
    chinese = best_time(lambda: [render_text(t, "zh") for t in traces], repeat)
    print(f"render_text of {len(traces)} cases: en {english * 1e3:.3f} ms, zh {chinese * 1e3:.3f} ms, "
          f"zh/en {chinese / english:.2f}x")
    print(f"reading the zh catalog once: {load * 1e3:.1f} ms, {load / one_decide:.1f}x one decide "
          f"({one_decide * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()
