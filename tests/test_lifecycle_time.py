"""Time in lifecycles: events in date order, deadlines before events, corrections, honest event ids and kinds.

The legal outcome of a case must not depend on the order reports arrive in or on when `tick`
last ran: a backdated event is refused, a late one finds the deadline already applied, and an
event id re-used for other content is a conflict, never a silent duplicate.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lifecycle.explain import explain_case, render_text
from lifecycle.load import find_lifecycle, lifecycle_files, load_lifecycle
from lifecycle.model import Lifecycle
from lifecycle.run import Runner
from lifecycle.store import Store
from medunion.cli import app

ROOT = Path(__file__).resolve().parents[1]
MEMBERSHIP = ROOT / "rules" / "lifecycles" / "zhenghe-membership.yaml"
LIFECYCLES = str(ROOT / "rules" / "lifecycles")
D = dt.date

# A small lifecycle of its own (no rule sets), with a deadline and a correction event.
PERMIT = """\
kind: lifecycle  # a comment after the kind
id: permit
title: A permit that lapses unless withdrawn first
jurisdiction: Test County
version: "1"
status: draft
effective: {from: 2017-01-01}
subject: one permit
sources: [{key: test-2017, title: Test plan}]
data:
  note: {type: string, default: ""}
states:
  pending: {title: Applied for, initial: true}
  granted:
    title: Granted
    deadline: {days: 30, event: lapse}
  lapsed: {title: Lapsed, final: true}
  withdrawn: {title: Withdrawn, final: true}
events:
  grant: {title: The permit is granted, data: [note]}
  renewal_refused: {title: The holder is told no renewal is possible, data: [note]}
  lapse: {title: The period is over}
  withdrawal:
    title: The holder withdrew, reported late
    correction: true
    data: [note]
transitions:
  - {id: grant, title: Grant, from: pending, event: grant, to: granted, clause: test-2017 1, source: granted.}
  - {id: keep, title: Told, from: granted, event: renewal_refused, to: granted, clause: test-2017 2,
     source: told.}
  - {id: lapse, title: Lapse, from: granted, event: lapse, to: lapsed, clause: test-2017 3, source: lapses.}
  - id: withdraw
    title: A withdrawal that took effect while the permit was granted ends it
    from: granted
    event: withdrawal
    to: withdrawn
    guard: effective_date >= entered_on
    clause: test-2017 4
    source: withdrawn.
"""


@pytest.fixture(scope="module")
def membership() -> Lifecycle:
    return load_lifecycle(MEMBERSHIP)


@pytest.fixture
def runner(tmp_path: Path):
    run = Runner(Store(f"sqlite:///{tmp_path / 'cases.sqlite'}"))
    yield run
    run.engine.close()
    run.store.close()


@pytest.fixture
def permit_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "rules" / "lifecycles"
    folder.mkdir(parents=True)
    (folder / "permit.yaml").write_text(PERMIT, encoding="utf-8")
    return folder


def _steps(store: Store, case_id: str) -> list[tuple[str, str, str | None, str]]:
    return [(h.event, h.occurred_on.isoformat(), h.from_state, h.to_state) for h in store.history(case_id)]


# 1. Events are applied in date order ------------------------------------------------------------

def test_a_backdated_assessment_is_refused_and_the_unit_stays_in_good_standing(runner, membership):
    for on in (D(2017, 1, 10), D(2017, 6, 1)):  # assessed compliant, twice
        outcome = runner.submit(membership, "tieshan", "assessment", {"violation_found": False}, on)
        assert (outcome.status, outcome.to_state) == ("applied", "active"), outcome.reason
    before = runner.store.get_case("tieshan")

    late = runner.submit(membership, "tieshan", "assessment",
                         {"violation_found": True, "finding": "no referral files"}, D(2017, 3, 1))
    assert late.status == "refused"
    assert "2017-03-01" in late.reason and "2017-06-01" in late.reason and "date order" in late.reason
    assert "dated 2017-06-01 or later" in late.reason and "`finding`" in late.reason  # how to record it
    after = runner.store.get_case("tieshan")
    assert (after.state, after.revision, after.data) == (before.state, before.revision, before.data)
    assert len(runner.store.history("tieshan")) == 2

    # the reviewer's outcome ("terminated since 05-31") cannot happen: nothing is due, ever
    assert runner.tick({membership.id: membership}, D(2017, 12, 31)) == []
    assert runner.store.get_case("tieshan").state == "active"

    same_day = runner.submit(membership, "tieshan", "assessment", {"violation_found": True}, D(2017, 6, 1))
    assert (same_day.status, same_day.to_state) == ("applied", "rectification_ordered")  # same date is in order


def test_the_refusal_names_the_correction_event_when_the_lifecycle_has_one(runner, permit_folder):
    permit = find_lifecycle("permit", permit_folder)
    assert runner.submit(permit, "p1", "grant", {}, D(2017, 3, 1)).applied
    assert runner.submit(permit, "p1", "renewal_refused", {}, D(2017, 3, 20)).applied
    late = runner.submit(permit, "p1", "renewal_refused", {"note": "phoned"}, D(2017, 3, 10))
    assert late.status == "refused"
    assert "correction event (withdrawal)" in late.reason and "`effective: 2017-03-10`" in late.reason


# 2. Corrections: applied in order, for an earlier fact, recorded and explained as such -----------

def test_a_correction_is_applied_on_its_date_and_explained_with_its_effective_date(runner, permit_folder):
    permit = find_lifecycle("permit", permit_folder)
    assert permit.events["withdrawal"].correction and not permit.events["grant"].correction
    assert runner.submit(permit, "p1", "grant", {}, D(2017, 3, 1)).applied
    assert runner.submit(permit, "p1", "renewal_refused", {}, D(2017, 3, 20)).applied

    future = runner.submit(permit, "p1", "withdrawal", {"effective": "2017-04-01"}, D(2017, 3, 25))
    assert future.status == "refused" and "earlier date" in future.reason
    not_a_correction = runner.submit(permit, "p1", "renewal_refused", {"effective": "2017-03-05"},
                                     D(2017, 3, 25))
    assert not_a_correction.status == "refused" and "correction: true" in not_a_correction.reason
    before_grant = runner.submit(permit, "p1", "withdrawal", {"effective": "2017-02-01"}, D(2017, 3, 25))
    assert before_grant.status == "refused" and "effective_date >= entered_on" in before_grant.reason

    corrected = runner.submit(permit, "p1", "withdrawal", {"effective": "2017-03-10", "note": "letter of 03-10"},
                              D(2017, 3, 25))
    assert (corrected.status, corrected.to_state) == ("applied", "withdrawn")
    entry = runner.store.history("p1")[-1]
    assert entry.occurred_on == D(2017, 3, 25)  # applied in order, on the day it was recorded
    assert entry.data == {"effective": "2017-03-10", "note": "letter of 03-10"}
    assert entry.record["correction"] == {"effective": "2017-03-10", "recorded_on": "2017-03-25"}
    explained = explain_case(runner.store, "p1")
    assert explained["why"]["correction"]["effective"] == "2017-03-10"
    assert explained["case"]["since"] == "2017-03-25"
    assert "withdrawal (correction recorded 2017-03-25, effective 2017-03-10)" in render_text(explained)


# 3. Deadlines before events ---------------------------------------------------------------------

def test_a_late_rectification_finds_the_unit_terminated_by_the_deadline_without_tick(runner, membership):
    ordered = runner.submit(membership, "tieshan", "assessment", {"violation_found": True}, D(2017, 9, 1))
    assert ordered.to_state == "rectification_ordered"
    assert runner.store.get_case("tieshan").deadline == D(2017, 11, 30)

    late = runner.submit(membership, "tieshan", "rectification_report",
                         {"rectified": True, "rectification_in_place": True}, D(2018, 3, 1))
    assert late.status == "refused" and "final state 'terminated'" in late.reason
    assert "2017-11-30" in late.reason  # says which deadline was applied first
    [first] = late.deadlines
    assert (first.status, first.from_state, first.to_state, first.transition) == (
        "applied", "rectification_ordered", "terminated", "terminate-at-deadline")
    assert runner.store.get_case("tieshan").state == "terminated"
    # dated as tick dates it: the first day late, the day after the deadline
    assert _steps(runner.store, "tieshan") == [
        ("assessment", "2017-09-01", None, "rectification_ordered"),
        ("rectification_deadline", "2017-12-01", "rectification_ordered", "terminated")]
    assert runner.store.history("tieshan")[-1].event_id == "deadline:tieshan:rectification_ordered:2017-11-30"
    explained = explain_case(runner.store, "tieshan")
    assert explained["why"]["transition"]["id"] == "terminate-at-deadline" and explained["why"]["on"] == "2017-12-01"
    assert "(deadline 2017-11-30 passed)" in render_text(explained)
    assert runner.tick({membership.id: membership}, D(2018, 3, 2)) == []  # applied once


def test_the_deadline_day_is_in_time_for_events_as_for_tick(runner, membership):
    runner.submit(membership, "lingyao", "assessment", {"violation_found": True}, D(2017, 9, 1))
    assert runner.tick({membership.id: membership}, D(2017, 11, 30)) == []
    on_time = runner.submit(membership, "lingyao", "rectification_report",
                            {"rectified": True, "rectification_in_place": True}, D(2017, 11, 30))
    assert (on_time.status, on_time.to_state, on_time.deadlines) == ("applied", "rectified", [])


def test_an_event_after_the_deadline_gives_the_same_history_as_tick_then_the_event(tmp_path, membership):
    histories = []
    for with_tick in (True, False):
        run = Runner(Store(f"sqlite:///{tmp_path / f'tick-{with_tick}.sqlite'}"))
        try:
            run.submit(membership, "u", "assessment", {"violation_found": True}, D(2017, 9, 1))
            run.submit(membership, "u", "rectification_report",
                       {"rectified": True, "rectification_in_place": False}, D(2017, 10, 1))
            if with_tick:
                run.tick({membership.id: membership}, D(2017, 12, 15))
            outcome = run.submit(membership, "u", "rectification_check", {"rectification_checked": True},
                                 D(2017, 12, 15))
            assert outcome.status == "refused"
            assert [d.to_state for d in outcome.deadlines] == ([] if with_tick else ["terminated"])
            histories.append([(h.event_id, h.occurred_on, h.to_state, h.transition)
                              for h in run.store.history("u")])
        finally:
            run.engine.close()
            run.store.close()
    assert histories[0] == histories[1]


# 4. Event ids: same content is a duplicate, other content a conflict ----------------------------

def test_an_event_id_reused_with_other_content_is_a_conflict_on_the_command_line(tmp_path):
    cli = CliRunner()
    db = f"sqlite:///{tmp_path / 'c.sqlite'}"
    common = ["--db", db, "--lifecycles", LIFECYCLES, "--event-id", "board-2017-q3-tieshan"]
    found = tmp_path / "found.yaml"
    found.write_text("violation_found: true\n", encoding="utf-8")
    compliant = tmp_path / "compliant.yaml"
    compliant.write_text("violation_found: false\n", encoding="utf-8")

    def event(data: Path, on: str, case: str = "tieshan"):
        return cli.invoke(app, ["lifecycle", "event", "zhenghe-membership", case, "assessment",
                                "--data", str(data), "--on", on, *common])

    first = event(found, "2017-09-01")
    assert first.exit_code == 0, first.output
    same = event(found, "2017-09-01")
    assert same.exit_code == 0 and "duplicate" in same.output
    for data, on, case, what in [(compliant, "2017-09-01", "tieshan", "data"),
                                 (found, "2017-09-02", "tieshan", "date"),
                                 (found, "2017-09-01", "lingyao", "case")]:
        other = event(data, on, case)
        assert other.exit_code == 1, other.output
        assert "conflict" in other.output and f"differs in {what}" in other.output
    as_json = cli.invoke(app, ["lifecycle", "event", "zhenghe-membership", "tieshan", "assessment", "--data",
                               str(compliant), "--on", "2017-09-01", "--format", "json", *common])
    assert as_json.exit_code == 1 and json.loads(as_json.output)["status"] == "conflict"

    store = Store(db)
    try:
        assert len(store.history("tieshan")) == 1 and store.get_case("lingyao") is None
        assert store.get_case("tieshan").state == "rectification_ordered"
    finally:
        store.close()


# 5. The kind line is read as YAML ---------------------------------------------------------------

def test_a_kind_with_a_comment_or_quotes_is_a_lifecycle_that_tick_moves(tmp_path, permit_folder):
    quoted = permit_folder / "quoted.yaml"
    quoted.write_text(PERMIT.replace("kind: lifecycle  # a comment after the kind", "kind: 'lifecycle'")
                      .replace("id: permit", "id: permit-quoted"), encoding="utf-8")
    (permit_folder / "other.yaml").write_text("kind: ruleset  # lifecycle\nid: x\n", encoding="utf-8")
    assert [p.name for p in lifecycle_files(permit_folder)] == ["permit.yaml", "quoted.yaml"]

    cli = CliRunner()
    common = ["--db", f"sqlite:///{tmp_path / 'c.sqlite'}", "--lifecycles", str(permit_folder)]
    opened = cli.invoke(app, ["lifecycle", "event", "permit", "p1", "grant", "--on", "2017-03-01", *common])
    assert opened.exit_code == 0, opened.output
    ticked = cli.invoke(app, ["lifecycle", "tick", "--on", "2017-04-15", *common])
    assert ticked.exit_code == 0, ticked.output
    assert "granted → lapsed" in ticked.output and "1 case(s) moved" in ticked.output


def test_a_correction_lifecycle_may_not_declare_a_data_field_named_effective(permit_folder):
    from lifecycle.check import check_lifecycle_file

    path = permit_folder / "permit.yaml"
    path.write_text(PERMIT.replace('  note: {type: string, default: ""}',
                                   '  note: {type: string, default: ""}\n  effective: {type: date}'),
                    encoding="utf-8")
    assert any("data field 'effective'" in str(d) for d in check_lifecycle_file(path))


def test_tick_reports_a_case_whose_lifecycle_it_did_not_load(runner, membership):
    runner.submit(membership, "tieshan", "assessment", {"violation_found": True}, D(2017, 9, 1))
    [outcome] = runner.tick({}, D(2018, 1, 1))
    assert outcome.status == "refused" and "zhenghe-membership was not loaded" in outcome.reason
    assert runner.store.get_case("tieshan").state == "rectification_ordered"


def test_deadlines_in_a_cycle_stop_after_the_bound_in_tick_as_in_an_event(runner):
    """0-day deadlines leading from state to state would apply one a day up to the date, for ever as
    far as anyone waiting can tell: at most MAX_CATCH_UP are applied per case and command."""
    from lifecycle.run import MAX_CATCH_UP

    cycle = load_lifecycle(ROOT / "tests" / "hostile" / "lifecycles" / "deadline-cycle.yaml")
    assert runner.submit(cycle, "c1", "touch", {}, D(2017, 1, 1)).status == "applied"
    [stopped] = [o for o in runner.tick({cycle.id: cycle}, D(9999, 12, 1)) if o.status == "refused"]
    assert f"more than {MAX_CATCH_UP} deadlines of case c1 passed before 9999-12-01" in stopped.reason
    assert len(runner.store.history("c1")) == 1 + MAX_CATCH_UP  # the event, then the deadlines applied
    again = runner.tick({cycle.id: cycle}, D(9999, 12, 1))  # the next run goes on from there
    assert sum(o.status == "applied" for o in again) == MAX_CATCH_UP
