"""What Chinese costs in lifecycles, bulk rejects, the API and the impact report, each beside the
same work as it was before (its baseline), in one run. Printed as ratios.

    .venv/bin/python benchmarks/bench_outer_zh.py [--repeat 20] [--rejects 100000] [--requests 300]

- rejects: `batch.run.rejects_frame` of `--rejects` bad cells (each reason a catalog `Message`),
  which now adds `reason_zh`; baseline: the same frame without it, as it was built before.
- API: `POST /rulesets/zhenghe-referral/decide` through FastAPI's TestClient (no record store), in
  English and with `Accept-Language: zh`, each answer now carrying `text`, the letter; baseline: the
  same requests with the letter not rendered (the answer as it was before).
- lifecycle: `lifecycle.explain.render_text` of a two-step membership case, zh against en.
- impact: `write_workbook` of the shipped huangzhong amendment on its synthetic claims, zh (the
  default, headings in both languages) against en (the words as before).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
from pathlib import Path

import pandas as pd
from timing import best_time

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"



def _line(what: str, new: float, base: float, unit: str = "ms") -> None:
    scale = 1e3 if unit == "ms" else 1.0
    print(f"{what}: {new * scale:.3f} {unit} against {base * scale:.3f} {unit} (baseline), {new / base:.2f}x")


def bench_rejects(count: int, repeat: int) -> None:
    from batch.run import REJECT_COLUMNS, ROW, rejects_frame
    from governance.diagnostics import Message
    from governance.i18n import N_, translator

    translator("zh")  # the catalog is read once per process; not part of either timing
    pick = random.Random(12)
    rejects = [(i, "cost", f"x{pick.randint(0, 999)}",
                Message(N_("expected {expected}, found {value}"), expected="a number", value=repr(f"x{i % 977}")))
               for i in range(count)]

    def before() -> pd.DataFrame:  # rejects_frame as it was: the four columns, in row order
        frame = pd.DataFrame(rejects, columns=list(REJECT_COLUMNS[:4]))
        frame[ROW] = frame[ROW].astype("int64")
        return frame.sort_values(ROW, kind="stable").reset_index(drop=True)

    _line(f"rejects_frame of {count:,} bad cells, with reason_zh", best_time(lambda: rejects_frame(rejects), repeat),
          best_time(before, repeat))


def bench_api(requests: int) -> None:
    from fastapi.testclient import TestClient

    import medunion.service.app as service

    pick = random.Random(14)
    bodies = [{"on": "2017-09-01", "inputs": {
        "referral_direction": pick.choice(["upward", "downward", "none"]), "within_primary_scope": pick.random() < .5,
        "severity": pick.choice(["ordinary", "acute", "severe"]), "within_association": pick.random() < .8,
        "eligible_cost": pick.randint(0, 40000)}} for _ in range(requests)]
    path = "/rulesets/zhenghe-referral/decide"
    real = service.render_text

    with TestClient(service.create_app(RULES, None)) as client:
        def run(headers: dict[str, str]) -> None:
            for body in bodies:
                answer = client.post(path, json=body, headers=headers)
                assert answer.status_code == 200, answer.text

        timings: dict[str, float] = {}
        for name, headers, letter in (("en", {}, real), ("zh", {"Accept-Language": "zh"}, real),
                                      ("baseline", {}, lambda trace, lang="en": None)):
            service.render_text = letter
            try:
                run(headers)  # warm-up (the zh catalog, the route)
                timings[name] = best_time(lambda h=headers: run(h), 3) / requests
            finally:
                service.render_text = real
    _line(f"API decide, English with the letter ({requests} requests, per request)", timings["en"],
          timings["baseline"])
    _line("API decide, Chinese with the letter (per request)", timings["zh"], timings["baseline"])


def bench_lifecycle(repeat: int) -> None:
    from governance.i18n import translator
    from lifecycle.explain import explain_case, render_text
    from lifecycle.load import find_lifecycle
    from lifecycle.run import Runner
    from lifecycle.store import Store

    translator("zh")
    with tempfile.TemporaryDirectory() as folder:
        lifecycle = find_lifecycle("zhenghe-membership", RULES / "lifecycles")
        runner = Runner(Store(f"sqlite:///{folder}/c.sqlite"), rules_root=RULES)
        runner.submit(lifecycle, "tieshan", "assessment", {"violation_found": True, "finding": "files missing"},
                      dt.date(2017, 9, 1))
        runner.tick({lifecycle.id: lifecycle}, dt.date(2017, 12, 2))
        explained = explain_case(runner.store, "tieshan", lifecycle)
        assert explained is not None
        _line("lifecycle show of a two-step case, zh", best_time(lambda: render_text(explained, "zh"), repeat),
              best_time(lambda: render_text(explained, "en"), repeat))


def bench_impact(repeat: int) -> None:
    from governance.impact import clause_texts, measure_impact
    from governance.load import ruleset_versions
    from medunion.commands.impact import read_cases
    from medunion.impact_report import ReportContext, write_workbook

    versions = ruleset_versions("huangzhong-insurance-payment", RULES)
    old, new = versions[-2], versions[-1]
    data = ROOT / "examples" / "impact" / "huangzhong-claims-SYNTHETIC.csv"
    frame, refused = read_cases(data, {**old.inputs, **new.inputs})
    impact = measure_impact(old, new, frame, on=new.effective_from, refused=refused)
    context = ReportContext(data=data.name, synthetic=True, clauses=clause_texts((), lambda key: None))
    with tempfile.TemporaryDirectory() as folder:
        zh = best_time(lambda: write_workbook(impact, context, Path(folder) / "zh.xlsx", "zh"), repeat)
        en = best_time(lambda: write_workbook(impact, context, Path(folder) / "en.xlsx", "en"), repeat)
    _line(f"impact.xlsx of {impact.rows_in:,} claims, zh", zh, en)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rejects", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    options = parser.parse_args()
    bench_rejects(options.rejects, max(3, options.repeat // 4))
    bench_api(options.requests)
    bench_lifecycle(options.repeat * 10)
    bench_impact(max(3, options.repeat // 4))


if __name__ == "__main__":
    main()
