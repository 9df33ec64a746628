"""Member units through the Zhenghe membership lifecycle, each explanation read back from the record."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from lifecycle.explain import explain_case, render_text
from lifecycle.feeds import open_from_appraisal
from lifecycle.load import load_lifecycle
from lifecycle.run import Runner
from lifecycle.store import Store

ROOT = Path(__file__).resolve().parents[1]
MEMBERSHIP = ROOT / "rules" / "lifecycles" / "zhenghe-membership.yaml"
D = dt.date
ORDERED_ON = D(2017, 9, 1)


@pytest.fixture(scope="module")
def lifecycle():
    return load_lifecycle(MEMBERSHIP)


@pytest.fixture
def runner(tmp_path):
    run = Runner(Store(f"sqlite:///{tmp_path / 'cases.sqlite'}"))
    yield run
    run.engine.close()
    run.store.close()


def order_rectification(runner, lifecycle, unit, on=ORDERED_ON):
    outcome = runner.submit(lifecycle, unit, "assessment",
                            {"violation_found": True, "finding": "no referral files"}, on)
    assert outcome.status == "applied", outcome.reason
    assert (outcome.from_state, outcome.to_state) == ("active", "rectification_ordered")
    return outcome


def test_not_in_place_by_the_deadline_terminates_membership(runner, lifecycle):
    order_rectification(runner, lifecycle, "tieshan")
    report = runner.submit(lifecycle, "tieshan", "rectification_report",
                           {"rectified": True, "rectification_in_place": False}, D(2017, 10, 15))
    assert report.applied and report.to_state == "rectification_ordered"
    assert runner.store.get_case("tieshan").deadline == D(2017, 11, 30)  # 90 days, drafter's choice

    assert runner.tick({lifecycle.id: lifecycle}, D(2017, 11, 30)) == []  # the last day is in time
    early = runner.submit(lifecycle, "tieshan", "rectification_deadline", {"rectification_checked": True},
                          D(2017, 11, 30))
    assert early.status == "refused" and "only come after" in early.reason
    moved = runner.tick({lifecycle.id: lifecycle}, D(2017, 12, 5))
    assert [(o.status, o.to_state) for o in moved] == [("applied", "terminated")]
    assert runner.tick({lifecycle.id: lifecycle}, D(2017, 12, 6)) == []  # nothing left to move

    explained = explain_case(runner.store, "tieshan")
    assert explained["case"]["state"] == "terminated"
    why = explained["why"]
    assert why["event"] == "rectification_deadline" and why["on"] == "2017-12-01"
    assert why["transition"]["id"] == "terminate-at-deadline"
    assert why["transition"]["clause"] == "zhenghe-2017 IV.8.1"
    assert "membership will be terminated if they are not rectified" in why["transition"]["source"]
    assert why["guard"]["expression"] == "membership_terminated"
    assert why["guard"]["value"] is True
    fired = why["decisions"]["zhenghe-membership"]["fired"]
    assert "membership-terminated" in [r["id"] for r in fired]
    assert why["decisions"]["zhenghe-membership"]["inputs"]["rectification_in_place"] is False
    assert [s["to"] for s in explained["history"]] == [
        "rectification_ordered", "rectification_ordered", "terminated"]
    assert explained["history"][0]["deadline"]["parameter"] == "rectification_period_days"
    text = render_text(explained)
    assert "Why terminated" in text and "terminate-at-deadline" in text and "IV.8.1" in text


def test_rectified_in_place_restores_membership(runner, lifecycle):
    order_rectification(runner, lifecycle, "lingyao")
    in_place = runner.submit(lifecycle, "lingyao", "rectification_report",
                             {"rectified": True, "rectification_in_place": True}, D(2017, 10, 1))
    assert (in_place.status, in_place.to_state) == ("applied", "rectified")
    assert runner.store.get_case("lingyao").deadline is None  # left the state with the deadline
    checked = runner.submit(lifecycle, "lingyao", "rectification_check",
                            {"rectification_checked": True}, D(2017, 10, 20))
    assert (checked.status, checked.to_state, checked.transition) == ("applied", "active",
                                                                      "restore-membership")
    case = runner.store.get_case("lingyao")
    assert case.data["violation_found"] is False and case.data["rectified"] is False

    explained = explain_case(runner.store, "lingyao")
    why = explained["why"]
    assert why["transition"]["id"] == "restore-membership"
    assert why["guard"]["values"] == {"membership_terminated": False, "rectification_checked": True}
    assert "membership_terminated" in why["guard"]["with_values"]
    assert why["set"]["violation_found"] is False
    assert [s["transition"]["id"] for s in explained["history"]] == [
        "order-rectification", "rectification-in-place", "restore-membership"]
    assert runner.tick({lifecycle.id: lifecycle}, D(2018, 6, 1)) == []


def test_a_serious_violation_dissolves_the_association(runner, lifecycle):
    order_rectification(runner, lifecycle, "xinghua")
    outcome = runner.submit(lifecycle, "xinghua", "assessment", {"violation_serious": True},
                            D(2017, 10, 1))
    assert (outcome.status, outcome.to_state) == ("applied", "association_dissolved")
    why = explain_case(runner.store, "xinghua")["why"]
    assert why["transition"]["clause"] == "zhenghe-2017 IV.8.2"
    assert why["decisions"]["zhenghe-membership"]["outputs"]["accountability_required"] is True
    assert "dissolve the medical association" in why["transition"]["source"]
    later = runner.submit(lifecycle, "xinghua", "rectification_report",
                          {"rectified": True, "rectification_in_place": True}, D(2017, 11, 1))
    assert later.status == "refused" and "final state" in later.reason


def test_a_refused_event_changes_nothing(runner, lifecycle):
    first = runner.submit(lifecycle, "nobody", "rectification_report", {"rectified": True}, D(2017, 9, 1))
    assert first.status == "refused" and "not accepted in state 'active'" in first.reason
    assert runner.store.get_case("nobody") is None  # not even opened

    order_rectification(runner, lifecycle, "waiyang")
    before = runner.store.get_case("waiyang")
    for data, on, why in [
        ({"violation_found": "yes"}, D(2017, 9, 2), "expected true or false"),
        ({"rectified": True}, D(2017, 9, 2), "does not carry 'rectified'"),
        ({"violation_found": False}, D(2017, 9, 2), "changes nothing"),
        ({"violation_found": True}, D(2017, 8, 1), "date order"),
    ]:
        refused = runner.submit(lifecycle, "waiyang", "assessment", data, on)
        assert refused.status == "refused" and why in refused.reason, refused.reason
    after = runner.store.get_case("waiyang")
    assert (after.state, after.revision, after.data) == (before.state, before.revision, before.data)
    assert len(runner.store.history("waiyang")) == 1


def test_an_event_is_applied_once_even_if_submitted_twice(runner, lifecycle):
    once = runner.submit(lifecycle, "dongping", "assessment", {"violation_found": True},
                         D(2017, 9, 1), event_id="board-2017-q3-dongping")
    again = runner.submit(lifecycle, "dongping", "assessment", {"violation_found": True},
                          D(2017, 9, 1), event_id="board-2017-q3-dongping")
    assert (once.status, again.status) == ("applied", "duplicate")
    assert again.to_state == "rectification_ordered"
    assert len(runner.store.history("dongping")) == 1
    misuse = runner.submit(lifecycle, "other", "assessment", {"violation_found": True},
                           D(2017, 9, 1), event_id="board-2017-q3-dongping")
    assert misuse.status == "conflict" and "already used" in misuse.reason and "differs in case" in misuse.reason
    # without an id, the same content gets the same derived id
    a = runner.submit(lifecycle, "shibei", "assessment", {"violation_found": True}, D(2017, 9, 1))
    b = runner.submit(lifecycle, "shibei", "assessment", {"violation_found": True}, D(2017, 9, 1))
    assert (a.status, b.status) == ("applied", "duplicate") and a.event_id == b.event_id


def test_state_survives_a_new_process(tmp_path, lifecycle):
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    first = Runner(Store(url))
    order_rectification(first, lifecycle, "zhenqian")
    first.engine.close()
    second = Runner(Store(url))  # a fresh engine: nothing of the case lives in durable-rules
    moved = second.submit(lifecycle, "zhenqian", "rectification_report",
                          {"rectified": True, "rectification_in_place": True}, D(2017, 10, 1))
    assert moved.to_state == "rectified"
    second.engine.close()


def test_the_appraisal_opens_rectification_cases_idempotently(runner, lifecycle, tmp_path):
    results = pd.DataFrame({
        "unit_id": ["tieshan", "lingyao", "xinghua"], "year": [2017, 2017, 2017],
        "grade": ["C", "A", "D"], "rank": [9, 1, 10], "rectification_notice": [True, False, True],
    })
    done = open_from_appraisal(runner, lifecycle, results)
    assert sorted((d.unit_id, d.outcome.status) for d in done) == [("tieshan", "applied"),
                                                                   ("xinghua", "applied")]
    assert runner.store.get_case("lingyao") is None
    case = runner.store.get_case("xinghua")
    assert case.state == "rectification_ordered" and case.data["appraisal_grade"] == "D"
    assert case.deadline == D(2017, 12, 31) + dt.timedelta(days=90)
    why = explain_case(runner.store, "xinghua")["why"]
    assert why["transition"]["id"] == "appraisal-rectification" and why["event_id"] == "appraisal:2017:xinghua"

    csv = tmp_path / "results.csv"
    results.to_csv(csv, index=False)  # booleans become the text True/False
    again = open_from_appraisal(runner, lifecycle, csv)
    assert [d.outcome.status for d in again] == ["duplicate", "duplicate"]
    assert len(runner.store.cases(state="rectification_ordered")) == 2


def test_the_appraisal_feed_refuses_an_unreadable_flag(runner, lifecycle):
    from governance.diagnostics import MedunionError

    bad = pd.DataFrame({"unit_id": ["a"], "year": [2017], "grade": ["C"], "rank": [1],
                        "rectification_notice": ["perhaps"]})
    with pytest.raises(MedunionError, match="rectification_notice"):
        open_from_appraisal(runner, lifecycle, bad)
