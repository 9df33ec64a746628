"""decide-bulk's streaming: time and peak memory against reading alone and against the whole file in memory.

Each measurement runs in its own process, so its peak resident memory (VmHWM) is its own.
Three ways through the same SYNTHETIC claims CSV, interleaved, best of `--repeat`:

- read only: pyarrow's streaming CSV reader over the file, every column as text (the floor);
- in memory: pandas reads the whole file, then `batch.run.decide_table` (what streaming avoids);
- decide_file: the streamed run of `medunion decide-bulk` (record batches in, Parquet out).

Printed: seconds, rows/s, peak RSS and its growth over the interpreter with the libraries
imported, per row; the ratios decide_file/read-only (time) and decide_file/in-memory (memory).
Peak memory that does not grow with the rows is what makes 100M rows fit in 2 GiB.

    .venv/bin/python benchmarks/bench_batch.py --rows 200000 1000000 --repeat 2
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
EXAMPLE = ROOT / "examples" / "bulk"


def _rss_mib() -> float:
    """Peak resident memory of this process so far, MiB: VmHWM, which starts afresh at exec (ru_maxrss
    would carry the parent's peak over into the child on Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: KiB, includes the parent


def child(mode: str, data: Path, out: Path) -> None:
    """One measurement, printed as JSON: seconds, peak RSS and the RSS before the work started."""
    import datetime as dt  # noqa: F401 (imported by the work; counted in the base)

    import pandas as pd
    import pyarrow.csv as pc

    from batch.run import decide_file, decide_table

    base = _rss_mib()
    start = time.perf_counter()
    if mode == "read":
        rows = sum(batch.num_rows for batch in pc.open_csv(
            data, convert_options=pc.ConvertOptions(column_types=dict.fromkeys(
                pd.read_csv(data, nrows=0).columns, "string"))))
    elif mode == "memory":
        frame = pd.read_csv(data, dtype=str, keep_default_na=False).replace("", None)
        frame = frame.rename(columns={"转诊方向": "referral_direction", "基层诊疗范围内": "within_primary_scope",
                                      "病情": "severity", "医联体内转诊": "within_association",
                                      "医保范围费用": "eligible_cost"})
        result = decide_table("zhenghe-referral", frame, RULES, date_column="就诊日期", explain="rules")
        rows = result.rows_in
    else:
        summary = decide_file("zhenghe-referral", data, out, RULES, date_column="就诊日期", explain="rules",
                              columns=EXAMPLE / "columns.yaml", rejects=out.with_suffix(".rejects.parquet"))
        rows = summary.rows_in
    print(json.dumps({"seconds": time.perf_counter() - start, "peak": _rss_mib(), "base": base, "rows": rows}))


def measure(mode: str, data: Path, out: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--child", mode, str(data), str(out)], check=True,
                          capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    spec = importlib.util.spec_from_file_location("generate_claims", EXAMPLE / "generate_claims.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    print(f"command: .venv/bin/python benchmarks/bench_batch.py --rows {' '.join(map(str, args.rows))} "
          f"--repeat {args.repeat}")
    print(f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}; best of {args.repeat} interleaved rounds")
    with tempfile.TemporaryDirectory() as folder:
        for rows in args.rows:
            data = Path(folder) / f"claims-{rows}.csv"
            frame = generate.claims(rows, 0.01, 2017)[0]
            frame.to_csv(data, index=False)
            del frame
            size = data.stat().st_size
            best: dict[str, dict[str, float]] = {}
            for _ in range(args.repeat):
                for mode in ("read", "memory", "stream"):
                    found = measure(mode, data, Path(folder) / "out.parquet")
                    if mode not in best or found["seconds"] < best[mode]["seconds"]:
                        best[mode] = found
            print(f"\n{rows:,} SYNTHETIC claims, zhenghe-referral, 1% bad rows, CSV {size / 2**20:.0f} MiB "
                  f"({size / rows:.0f} B/row)")
            names = {"read": "read only (pyarrow stream)", "memory": "in memory (pandas + decide_table)",
                     "stream": "decide_file (streamed)"}
            for mode, label in names.items():
                m = best[mode]
                grown = m["peak"] - m["base"]
                print(f"{label:36s} {m['seconds']:7.2f} s {rows / m['seconds']:>11,.0f} rows/s   peak RSS "
                      f"{m['peak']:7.0f} MiB, +{grown:6.0f} MiB over imports = {grown * 2**20 / rows:6.0f} B/row")
            stream, memory = best["stream"], best["memory"]
            print(f"ratio decide_file / read only (time): {stream['seconds'] / best['read']['seconds']:.1f}x; "
                  "decide_file / in memory (peak RSS growth): "
                  f"{(stream['peak'] - stream['base']) / (memory['peak'] - memory['base']):.2f}")

if __name__ == "__main__":
    main()
