"""What starting the command costs, beside starting Python itself, in the same run.

    .venv/bin/python benchmarks/bench_startup.py [--repeat 15]

Each command runs in a fresh process; the figure is the median wall time and the median peak
resident memory of the process (from wait4). Baselines, measured interleaved with the commands:

- `python -c pass`: the interpreter alone, the floor no command can go under;
- `python -c "import typer"`: the command-line framework alone.

Also measured in this process: finding one rule set by its own folder against parsing every
rule file of the tree (what `decide` did before), best of `--repeat`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run_once(command: list[str]) -> tuple[float, float]:
    """(seconds, peak MiB) of one fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}")
    return elapsed, usage.ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    commands = {
        "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        "python -c 'import typer'": [sys.executable, "-c", "import typer"],
        "medunion --help": [str(BIN / "medunion"), "--help"],
        "python -m medunion --help": [sys.executable, "-m", "medunion", "--help"],
        "medunion --version": [str(BIN / "medunion"), "--version"],
        "medunion decide (one example case)": [str(BIN / "medunion"), "decide", "--case",
                                               "examples/cases/zhenghe-upward-referral.yaml"],
    }
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.repeat):  # interleaved, so a burst of load hits every command alike
        for name, command in commands.items():
            samples[name].append(run_once(command))
    base = statistics.median(s for s, _ in samples["python -c pass (baseline)"])
    print(f"fresh processes, median of {args.repeat} interleaved runs, {os.cpu_count()} CPU(s), "
          f"load average {os.getloadavg()[0]:.1f}")
    for name, found in samples.items():
        seconds = statistics.median(s for s, _ in found)
        memory = statistics.median(m for _, m in found)
        print(f"  {name:38s} {seconds:6.3f} s  {memory:6.1f} MiB peak   {seconds / base:5.1f}x python -c pass")

    from governance.load import load_rulesets, ruleset_versions

    def best(action: object) -> float:
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            action()  # type: ignore[operator]
            times.append(time.perf_counter() - start)
        return min(times)

    whole = best(lambda: load_rulesets(ROOT / "rules"))
    one = best(lambda: ruleset_versions("zhenghe-referral", ROOT / "rules"))
    print("finding zhenghe-referral, in process, best of", args.repeat)
    print(f"  parse every rule file (baseline)  {whole * 1000:7.1f} ms")
    print(f"  read its own folder               {one * 1000:7.1f} ms   ({whole / one:.1f}x faster)")


if __name__ == "__main__":
    main()
