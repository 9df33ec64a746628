"""The durable-rules statechart chooses the transition, and the runner applies exactly that choice.

Guards become typed booleans outside the engine; which transition fires, and so the case's
new state, is decided by the statechart's priorities. These tests use a small lifecycle in
which several transitions compete for one event.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from lifecycle.check import check_lifecycle_file
from lifecycle.engine import ChartSpec, LifecycleEngine
from lifecycle.explain import explain_case
from lifecycle.load import load_lifecycle
from lifecycle.model import Lifecycle
from lifecycle.run import Runner
from lifecycle.store import Store

D = dt.date(2017, 3, 1)

LIFECYCLE = """\
kind: lifecycle
id: triage
title: Triage
jurisdiction: Nowhere
version: "1.0"
status: draft
effective: {from: 2017-01-01}
subject: a demo case
sources: [{key: zhenghe-2017, title: plan}]
data:
  urgent: {type: boolean, default: false}
  severe: {type: boolean, default: false}
  visits: {type: integer, default: 0, minimum: 0, maximum: 1}
states:
  waiting: {title: Waiting, initial: true}
  fast: {title: Fast track, final: true}
  ward: {title: Ward, final: true}
events:
  assess: {title: Assess, data: [urgent, severe]}
transitions:
TRANSITIONS
"""

FAST = """\
  - id: to-fast
    title: Urgent cases go to the fast track
    from: waiting
    event: assess
    to: fast
    guard: urgent
    clause: zhenghe-2017 IV.8.1
    source: first sentence
"""

WARD = """\
  - id: to-ward
    title: Severe cases go to the ward
    from: waiting
    event: assess
    to: ward
    guard: severe
    clause: zhenghe-2017 IV.8.1
    source: second sentence
"""

REVISIT = """\
  - id: revisit
    title: Neither urgent nor severe is seen again
    from: waiting
    event: assess
    to: waiting
    guard: not urgent and not severe
    set: {visits: visits + 1}
    clause: zhenghe-2017 IV.8.1
    source: third sentence
"""


def write(tmp_path: Path, *transitions: str) -> Lifecycle:
    path = tmp_path / "triage.yaml"
    path.write_text(LIFECYCLE.replace("TRANSITIONS", "".join(transitions)), encoding="utf-8")
    return load_lifecycle(path)


class LastFirstEngine(LifecycleEngine):
    """An engine whose statechart ranks transitions in reverse file order."""

    def register(self, spec: ChartSpec) -> None:
        super().register(dataclasses.replace(spec, transitions=tuple(reversed(spec.transitions))))


@pytest.fixture
def runner():
    run = Runner(Store("sqlite://"))
    yield run
    run.engine.close()
    run.store.close()


@pytest.mark.parametrize(("order", "expected"), [((FAST, WARD), "fast"), ((WARD, FAST), "ward")])
def test_when_several_guards_hold_the_transition_declared_first_fires(tmp_path, runner, order, expected):
    lifecycle = write(tmp_path, *order)
    outcome = runner.submit(lifecycle, "c1", "assess", {"urgent": True, "severe": True}, D)
    assert (outcome.status, outcome.to_state) == ("applied", expected), outcome.reason
    assert runner.store.get_case("c1").state == expected
    assert [g["value"] for g in outcome.guards] == [True, True]  # both held; the engine ranked them


def test_the_runner_applies_the_engines_choice_not_its_own_reading_of_the_file(tmp_path):
    lifecycle = write(tmp_path, FAST, WARD)
    runner = Runner(Store("sqlite://"), engine=LastFirstEngine())
    try:
        outcome = runner.submit(lifecycle, "c1", "assess", {"urgent": True, "severe": True}, D)
        assert (outcome.status, outcome.transition, outcome.to_state) == ("applied", "to-ward", "ward")
        case = runner.store.get_case("c1")
        assert case.state == "ward"
        [entry] = runner.store.history("c1")
        assert (entry.transition, entry.to_state) == ("to-ward", "ward")
        why = explain_case(runner.store, "c1")["why"]
        assert why["transition"]["id"] == "to-ward" and why["guard"]["expression"] == "severe"
        assert [g["transition"] for g in why["other_guards"]] == ["to-fast"]
        assert runner.engine.live_sessions == 0
    finally:
        runner.engine.close()
        runner.store.close()


def test_when_no_guard_holds_the_event_is_refused_with_every_guard_and_nothing_changes(tmp_path, runner):
    lifecycle = write(tmp_path, FAST, WARD, REVISIT.replace("not urgent and not severe", "visits < 1"))
    first = runner.submit(lifecycle, "c1", "assess", {}, D)
    assert (first.status, first.transition, first.to_state) == ("applied", "revisit", "waiting")
    before = runner.store.get_case("c1")
    assert before.data["visits"] == 1

    refused = runner.submit(lifecycle, "c1", "assess", {"urgent": False}, D + dt.timedelta(days=1))
    assert refused.status == "refused"
    assert "changes nothing in state 'waiting': no guard holds" in refused.reason
    for shown in ("'to-fast' needs urgent", "urgent (= false)", "'to-ward' needs severe", "severe (= false)",
                  "'revisit' needs visits < 1", "visits (= 1) < 1"):
        assert shown in refused.reason, refused.reason
    assert [(g["transition"], g["value"]) for g in refused.guards] == [
        ("to-fast", False), ("to-ward", False), ("revisit", False)]
    after = runner.store.get_case("c1")
    assert (after.state, after.revision, after.data, after.entered_on) == (
        before.state, before.revision, before.data, before.entered_on)
    assert len(runner.store.history("c1")) == 1
    assert runner.engine.live_sessions == 0


def test_a_set_value_outside_its_field_refuses_the_event_and_changes_nothing(tmp_path, runner):
    lifecycle = write(tmp_path, FAST, WARD, REVISIT)
    assert runner.submit(lifecycle, "c1", "assess", {}, D).status == "applied"  # visits: 0 -> 1
    before = runner.store.get_case("c1")
    again = runner.submit(lifecycle, "c1", "assess", {}, D + dt.timedelta(days=1))
    assert again.status == "refused"
    assert "'revisit' sets 'visits' to 2" in again.reason and "maximum 1" in again.reason
    after = runner.store.get_case("c1")
    assert (after.state, after.revision, after.data) == (before.state, before.revision, before.data)
    assert len(runner.store.history("c1")) == 1


def test_a_set_formula_of_the_wrong_type_is_reported_by_the_checker(tmp_path):
    path = tmp_path / "triage.yaml"
    path.write_text(LIFECYCLE.replace("TRANSITIONS", FAST + REVISIT.replace("visits + 1", "visits / 2")),
                    encoding="utf-8")
    found = [str(d) for d in check_lifecycle_file(path)]
    assert any("sets 'visits' (an integer) to a number" in m for m in found), found


def test_stored_data_that_no_longer_fits_its_field_refuses_rather_than_reading_as_undecided(tmp_path, runner):
    lifecycle = write(tmp_path, FAST, WARD, REVISIT)
    assert runner.submit(lifecycle, "c1", "assess", {}, D).status == "applied"  # visits: 1
    (tmp_path / "triage.yaml").write_text(  # the declaration tightened under the open case
        LIFECYCLE.replace("maximum: 1", "maximum: 0").replace("TRANSITIONS", FAST + WARD + REVISIT),
        encoding="utf-8")
    tightened = load_lifecycle(tmp_path / "triage.yaml")
    refused = runner.submit(tightened, "c1", "assess", {"urgent": True}, D)
    assert refused.status == "refused" and "stored 'visits' no longer fits" in refused.reason, refused.reason
    assert runner.store.get_case("c1").state == "waiting"
