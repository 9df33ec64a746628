"""5,000 open cases through the lifecycle with durable-rules never holding more than one session."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lifecycle.chart import chart_spec
from lifecycle.load import load_lifecycle
from lifecycle.run import Runner
from lifecycle.store import Store

ROOT = Path(__file__).resolve().parents[1]
CASES = 5_000  # well past durable-rules' 1,024 live sessions per rule set


def test_five_thousand_cases_without_growth_of_live_sessions(tmp_path):
    lifecycle = load_lifecycle(ROOT / "rules" / "lifecycles" / "zhenghe-membership.yaml")
    runner = Runner(Store(f"sqlite:///{tmp_path / 'scale.sqlite'}"))
    engine = runner.engine
    chart = chart_spec(lifecycle).name
    ids = [f"unit-{i:05d}" for i in range(CASES)]
    try:
        for unit in ids:  # open every case: all 5,000 are open at once
            outcome = runner.submit(lifecycle, unit, "assessment", {"violation_found": True},
                                    dt.date(2017, 9, 1))
            assert outcome.status == "applied", outcome.reason
        assert engine.live_sessions == 0
        assert len(runner.store.cases(state="rectification_ordered")) == CASES

        for unit in ids[::2]:  # half rectify and are restored
            report = runner.submit(lifecycle, unit, "rectification_report",
                                   {"rectified": True, "rectification_in_place": True}, dt.date(2017, 10, 1))
            check = runner.submit(lifecycle, unit, "rectification_check",
                                  {"rectification_checked": True}, dt.date(2017, 10, 15))
            assert (report.to_state, check.to_state) == ("rectified", "active")
        moved = runner.tick({lifecycle.id: lifecycle}, dt.date(2018, 1, 1))  # the rest are terminated
        assert len(moved) == CASES // 2 and all(o.to_state == "terminated" for o in moved)

        assert engine.live_sessions == 0
        assert engine.max_live_sessions == 1
        assert engine.sessions_opened == CASES + CASES // 2 * 3  # one per event, each deleted
        # durable-rules itself holds no session for any case
        assert not any(engine.engine_holds(chart, unit) for unit in ids)
        assert len(runner.store.cases(state="active")) == CASES // 2
        assert len(runner.store.cases(state="terminated")) == CASES // 2
        assert sum(len(runner.store.history(u)) for u in ids[:10]) == 5 * 3 + 5 * 2
    finally:
        engine.close()
        runner.store.close()
