"""Events a second through the lifecycle engine with persistence, beside bare durable-rules.

Run from the repository root:

    .venv/bin/python benchmarks/bench_lifecycle.py [--cases 5000] [--db URL]

Three rates are measured in the same run, on the same machine:
  bare      durable-rules alone: one rule, one session per case (post, delete);
  engine    the lifecycle statechart alone: restore + event + delete per event, no database;
  full      `Runner.submit`: type checks, rule-set decisions for guards, the statechart,
            and one SQLite transaction per event (event recorded, case saved).
The full run opens CASES membership cases, half rectify and are restored, the rest are
terminated by `tick`, so every case moves through its lifecycle.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lifecycle.chart import chart_id, chart_spec  # noqa: E402
from lifecycle.engine import bare_durable_rate  # noqa: E402
from lifecycle.load import load_lifecycle  # noqa: E402
from lifecycle.run import Runner  # noqa: E402
from lifecycle.store import Store  # noqa: E402


def engine_rate(runner: Runner, lifecycle, cases: int) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    """The statechart alone: one guarded event per case, session restored and deleted."""
    spec = chart_spec(lifecycle)
    runner.engine.register(spec)
    order = next(t for t in lifecycle.transitions if t.id == "order-rectification")
    start = time.perf_counter()
    for i in range(cases):
        fired = runner.engine.fire(spec.name, f"bench-{i}", "active", "assessment", {chart_id(order): True})
        if fired.transition is None:
            raise SystemExit("the engine refused a valid event")
    return cases, time.perf_counter() - start


def full_rate(runner: Runner, lifecycle, cases: int) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    """Every case through its lifecycle, with persistence; returns (events, seconds)."""
    units = [f"unit-{i:06d}" for i in range(cases)]
    events = 0
    start = time.perf_counter()
    for unit in units:
        outcome = runner.submit(lifecycle, unit, "assessment", {"violation_found": True}, dt.date(2017, 9, 1))
        events += outcome.applied
    for unit in units[::2]:
        events += runner.submit(lifecycle, unit, "rectification_report",
                                {"rectified": True, "rectification_in_place": True},
                                dt.date(2017, 10, 1)).applied
        events += runner.submit(lifecycle, unit, "rectification_check", {"rectification_checked": True},
                                dt.date(2017, 10, 15)).applied
    events += sum(o.applied for o in runner.tick({lifecycle.id: lifecycle}, dt.date(2018, 1, 1)))
    seconds = time.perf_counter() - start
    expected = cases + (cases + 1) // 2 * 2 + cases // 2
    if events != expected:
        raise SystemExit(f"only {events} of {expected} events were applied")
    return events, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--db", default=None, help="SQLAlchemy URL (default: a new SQLite file)")
    args = parser.parse_args()
    lifecycle = load_lifecycle(ROOT / "rules" / "lifecycles" / "zhenghe-membership.yaml")
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{folder}/bench.sqlite"
        runner = Runner(Store(url))
        bare_n, bare_s = bare_durable_rate(args.cases)
        eng_n, eng_s = engine_rate(runner, lifecycle, args.cases)
        full_n, full_s = full_rate(runner, lifecycle, args.cases)
        live, peak = runner.engine.live_sessions, runner.engine.max_live_sessions
        runner.engine.close()
        runner.store.close()
    bare, eng, full = bare_n / bare_s, eng_n / eng_s, full_n / full_s
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"store:   {url if args.db else 'sqlite:///<temp>/bench.sqlite (WAL, synchronous=NORMAL)'}")
    print(f"bare durable-rules        {bare_n:7d} cases  {bare_s:7.2f} s  {bare:9.0f} /s")
    print(f"lifecycle statechart only {eng_n:7d} events {eng_s:7.2f} s  {eng:9.0f} /s  "
          f"({bare / eng:.1f}x slower than bare)")
    print(f"lifecycle with SQLite     {full_n:7d} events {full_s:7.2f} s  {full:9.0f} /s  "
          f"({bare / full:.1f}x slower than bare; ratio full/bare = {full / bare:.3f})")
    print(f"live engine sessions after the run: {live}; most at once: {peak}")


if __name__ == "__main__":
    main()
