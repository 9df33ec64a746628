"""One case → outputs and an explanation a person (and a program) can follow."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest
from fixtures.builders import BENEFITS, load_body, rule

from governance.decide import decide
from governance.diagnostics import MedunionError
from governance.explain import render_markdown, render_text
from governance.expressions import parse_expression, render_with_values
from governance.load import load_ruleset
from governance.model import RuleSet

ON = dt.date(2018, 8, 1)
BEFORE_CHANGE = dt.date(2018, 6, 30)
CHANGE = dt.date(2018, 7, 1)


@pytest.fixture(scope="module")
def benefits() -> RuleSet:
    return load_ruleset(BENEFITS)


def case(**changes: Any) -> dict[str, Any]:
    base = {"age": 30, "income": 500, "household": 1, "member": False, "severity": "acute",
            "admitted_on": "2018-01-31", "cost": 1000}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not _DROP}


_DROP = object()


def shown(text: str, **values: Any) -> str:
    """An expression as the explanation shows it, each name with its value."""
    return render_with_values(parse_expression(text), values)


def _refusal(ruleset: RuleSet, inputs: dict[str, Any], on: dt.date = ON) -> list[str]:
    with pytest.raises(MedunionError) as exc:
        decide(ruleset, inputs, on)
    return [d.message for d in exc.value.diagnostics]


# --- the case is checked before anything is decided --------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"income": "9"}, "income", "expected a number, found '9' (str)"),
        ({"member": 1}, "member", "expected true or false, found 1"),
        ({"member": "true"}, "member", "expected true or false, found 'true'"),
        ({"severity": "critical"}, "severity", "'critical' is not one of: ordinary, acute, severe"),
        ({"age": 121}, "age", "121 is above the maximum 120"),
        ({"income": -1}, "income", "-1 is below the minimum 0"),
        ({"age": 30.5}, "age", "expected an integer, found 30.5"),
        ({"admitted_on": "2018-02-30"}, "admitted_on", "expected a date YYYY-MM-DD"),
        ({"admitted_on": 20180131}, "admitted_on", "expected a date YYYY-MM-DD"),
        ({"admitted_on": "20180131"}, "admitted_on", "expected a date YYYY-MM-DD"),
        ({"admitted_on": "2018-W05-3"}, "admitted_on", "expected a date YYYY-MM-DD"),
        ({"houshold": 2}, "houshold", "did you mean 'household'?"),
    ],
)
def test_a_bad_case_is_refused_naming_the_field(
    benefits: RuleSet, changes: dict[str, Any], field: str, fragment: str
) -> None:
    messages = _refusal(benefits, case(**changes))
    assert len(messages) == 1
    assert f"'{field}'" in messages[0]
    assert fragment in messages[0]


def test_every_bad_field_is_reported_at_once(benefits: RuleSet) -> None:
    messages = _refusal(benefits, case(income="9", member=1, age=_DROP, houshold=2))
    assert len(messages) == 3  # a missing field is not refused: it blocks what needs it


@pytest.mark.parametrize("missing", [_DROP, None, math.nan])
def test_a_field_with_a_default_may_be_omitted(benefits: RuleSet, missing: object) -> None:
    decision = decide(benefits, case(cost=missing), ON)
    assert decision.explanation["inputs"]["cost"] == 0
    assert decision.outputs["payment"] == 0


@pytest.mark.parametrize("missing", [_DROP, None, math.nan])
def test_none_and_nan_are_missing_values(benefits: RuleSet, missing: object) -> None:
    """A required field left out, null or NaN is missing: what reads it is not decided, and says so."""
    decision = decide(benefits, case(income=missing), ON)
    assert decision.trace.missing == ("income",)
    assert "income" not in decision.explanation["inputs"]
    band = decision.explanation["outputs"]["band"]
    assert band["decided"] is False and band["needs"] == ["income"]
    assert "needs input 'income'" in band["reason"]
    assert decision.outputs["ratio"] == 0.6  # eligibility and the ratio do not read the income


# --- parameters --------------------------------------------------------------------------------


@pytest.mark.parametrize(("on", "ratio"), [(BEFORE_CHANGE, 0.5), (CHANGE, 0.6), (ON, 0.6)])
def test_dated_parameter_values_change_on_their_date(benefits: RuleSet, on: dt.date, ratio: float) -> None:
    decision = decide(benefits, case(), on)
    assert decision.outputs["ratio"] == ratio
    assert decision.outputs["payment"] == ratio * 1000
    used = decision.explanation["parameters"]["base_ratio"]
    assert used["value"] == ratio
    assert used["from"] == ("2017-01-01" if on < CHANGE else "2018-07-01")


def test_a_date_before_any_parameter_value_is_refused(tmp_path: Path) -> None:
    ruleset = load_body(tmp_path, """inputs:
  x:
    type: number
parameters:
  rate:
    type: number
    clause: demo-2017 I.1
    status: law
    values:
      - from: 2018-01-01
        value: 0.5
outputs:
  y:
    type: number
rules:
""" + rule("r", None, "y: x * rate"))
    (message,) = _refusal(ruleset, {"x": 1}, dt.date(2017, 6, 1))
    assert "parameter 'rate'" in message and "no value on 2017-06-01" in message


def test_a_date_outside_the_version_is_refused(benefits: RuleSet) -> None:
    (message,) = _refusal(benefits, case(), dt.date(2016, 12, 31))
    assert "in force from 2017-01-01" in message and "not on 2016-12-31" in message


def test_uncertain_reading_parameter_gives_a_warning(benefits: RuleSet) -> None:
    decision = decide(benefits, case(), ON)
    (warning,) = decision.explanation["warnings"]
    assert "poverty_line" in warning and "uncertain reading" in warning and "1?00" in warning
    assert "Warning:" in render_text(decision.trace)


def test_no_warning_when_the_uncertain_parameter_is_not_read(benefits: RuleSet) -> None:
    # household 0 stops the payment condition before it reads poverty_line
    decision = decide(benefits, case(household=0), ON)
    assert decision.explanation["warnings"] == []
    assert "poverty_line" not in decision.explanation["parameters"]


def test_drafter_choice_parameter_gives_a_note(benefits: RuleSet) -> None:
    decision = decide(benefits, case(member=True), ON)
    (note,) = decision.explanation["notes"]
    assert "member_ratio" in note and "drafter's choice" in note


# --- how an output gets its value --------------------------------------------------------------


def test_the_rule_that_fires_decides_and_its_formula_is_shown(benefits: RuleSet) -> None:
    decision = decide(benefits, case(), ON)
    assert decision.outputs["ratio"] == 0.6
    ratio = decision.explanation["outputs"]["ratio"]
    assert ratio["by"]["id"] == "base-ratio"
    assert ratio["formula"]["with_values"] == shown("base_ratio", base_ratio=0.6)
    payment = decision.explanation["outputs"]["payment"]
    assert payment["formula"]["with_values"] == shown("round(cost * ratio, 2)", cost=1000, ratio=0.6)


def test_an_exception_overrides_its_base(benefits: RuleSet) -> None:
    decision = decide(benefits, case(member=True), ON)
    assert decision.outputs["ratio"] == 0.8
    ratio = decision.explanation["outputs"]["ratio"]
    assert ratio["by"]["id"] == "member-ratio"
    assert ratio["overrode"] == ["base-ratio"]
    base = next(r for r in decision.explanation["rules"] if r["id"] == "base-ratio")
    assert base["fired"] is True
    assert base["overridden_by"] == {"ratio": ["member-ratio"]}


def test_higher_priority_wins(benefits: RuleSet) -> None:
    decision = decide(benefits, case(member=True, severity="severe"), ON)
    assert decision.outputs["ratio"] == 1.0
    explained = decision.explanation["outputs"]["ratio"]
    assert explained["by"]["id"] == "severe-ratio"
    assert explained["also_fired"] == ["member-ratio"]


def test_two_rules_agreeing_are_no_conflict(benefits: RuleSet) -> None:
    decision = decide(benefits, case(severity="severe"), ON)
    assert decision.outputs["eligible"] is True
    assert decision.explanation["outputs"]["eligible"]["also_fired"] == ["eligible-severe"]


CONFLICT = """inputs:
  amount:
    type: integer
  hardship:
    type: boolean
  veteran:
    type: boolean
outputs:
  grant:
    type: number
rules:
""" + rule("hardship-grant", "hardship", "grant: amount") + rule("veteran-grant", "veteran", "grant: 50")


def test_conflict_is_refused_naming_both_rules(tmp_path: Path) -> None:
    ruleset = load_body(tmp_path, CONFLICT)
    (message,) = _refusal(ruleset, {"amount": 10, "hardship": True, "veteran": True})
    assert "conflict on output 'grant'" in message
    assert "hardship-grant gives 10" in message and "veteran-grant gives 50" in message


def test_equal_values_from_two_rules_are_no_conflict(tmp_path: Path) -> None:
    ruleset = load_body(tmp_path, CONFLICT)
    decision = decide(ruleset, {"amount": 50, "hardship": True, "veteran": True}, ON)
    assert decision.outputs["grant"] == 50


def test_the_default_applies_when_no_rule_fires(benefits: RuleSet) -> None:
    decision = decide(benefits, case(age=10), ON)
    assert decision.outputs["eligible"] is False
    explained = decision.explanation["outputs"]["eligible"]
    assert explained["by"] == {"kind": "default"}
    assert f"eligible-adult: `{shown('age >= 18', age=10)}` is false" in explained["reason"]


def test_an_undecided_output_says_why(benefits: RuleSet) -> None:
    decision = decide(benefits, case(age=10), ON)
    assert decision.outputs["ratio"] is None
    ratio = decision.explanation["outputs"]["ratio"]
    assert ratio["decided"] is False
    assert ratio["candidates"] == ["base-ratio", "member-ratio", "severe-ratio"]
    for rule_id in ratio["candidates"]:
        assert f"{rule_id}: `{shown('eligible', eligible=False)}` is false" in ratio["reason"]
    # an output that reads an undecided one is itself undecided, and says which it needed
    payment = decision.explanation["outputs"]["payment"]
    assert payment["decided"] is False
    assert "reads output 'ratio', which is not decided" in payment["reason"]
    assert "ratio" not in decision.decided
    assert "not decided" in render_text(decision.trace)


def test_failed_condition_points_at_the_first_false_condition(benefits: RuleSet) -> None:
    decision = decide(benefits, case(member=False), ON)
    member = next(r for r in decision.explanation["rules"] if r["id"] == "member-ratio")
    assert member["fired"] is False
    assert member["failed_condition"] == 1
    assert member["conditions"][0] == {
        "expression": "eligible", "with_values": shown("eligible", eligible=True), "value": True}
    assert member["conditions"][1] == {
        "expression": "member", "with_values": shown("member", member=False), "value": False}


def test_conditions_after_the_failed_one_are_not_evaluated(benefits: RuleSet) -> None:
    decision = decide(benefits, case(household=0), ON)
    payment = next(r for r in decision.explanation["rules"] if r["id"] == "payment")
    assert payment["failed_condition"] == 0
    assert payment["conditions"][0]["with_values"] == shown("household != 0", household=0)
    assert payment["conditions"][1]["value"] is None
    assert payment["conditions"][1]["note"] == "not evaluated: an earlier condition failed"


# --- decision tables ---------------------------------------------------------------------------


@pytest.mark.parametrize(("income", "band"), [(999.99, "low"), (1000, "mid"), (4999, "mid"), (5000, "high")])
def test_unique_table_interval_bounds(benefits: RuleSet, income: float, band: str) -> None:
    decision = decide(benefits, case(income=income), ON)
    assert decision.outputs["band"] == band


@pytest.mark.parametrize(
    ("severity", "age", "grade", "by"),
    [("severe", 70, 3, "table"), ("acute", 70, 2, "table"), ("ordinary", 70, 1, "table"),
     ("ordinary", 30, 0, "default")],
)
def test_first_hit_table_takes_the_first_matching_row(
    benefits: RuleSet, severity: str, age: int, grade: int, by: str
) -> None:
    decision = decide(benefits, case(severity=severity, age=age), ON)
    assert decision.outputs["grade"] == grade
    assert decision.explanation["outputs"]["grade"]["by"]["kind"] == by


def test_collect_table_sums_every_matching_row(benefits: RuleSet) -> None:
    decision = decide(benefits, case(member=True, age=70), ON)
    assert decision.outputs["points"] == 15
    assert decision.explanation["outputs"]["points"]["by"]["rows"] == ["row 1", "row 2"]
    decision = decide(benefits, case(member=True, age=30), ON)
    assert decision.outputs["points"] == 13


def test_table_explanation_shows_each_cell(benefits: RuleSet) -> None:
    decision = decide(benefits, case(income=1000), ON)
    table = next(t for t in decision.explanation["tables"] if t["id"] == "income-band")
    assert table["matched"] == ["row 2"]
    first = table["rows"][0]
    assert first["matched"] is False
    assert first["cells"][0] == {"column": "income", "value": 1000, "test": "< 1000", "result": False}


def test_a_date_computed_by_a_table_is_json_ready(tmp_path: Path) -> None:
    ruleset = load_body(tmp_path, """inputs:
  admitted_on:
    type: date
  urgent:
    type: boolean
outputs:
  deadline:
    type: date
tables:
  - id: deadline
    title: Deadline
    clause: demo-2017 I.1
    source: s
    hit: unique
    inputs: [urgent]
    outputs: [deadline]
    rows:
      - when: [true]
        then: [admitted_on + 3]
      - when: [false]
        then: ["add_months(admitted_on, 1)"]
""")
    decision = decide(ruleset, {"admitted_on": "2017-01-31", "urgent": False}, ON)
    assert decision.outputs["deadline"] == dt.date(2017, 2, 28)
    data = json.loads(json.dumps(decision.explanation))
    assert data["outputs"]["deadline"]["value"] == "2017-02-28"


# --- the explanation as data and as words ------------------------------------------------------


@pytest.mark.parametrize("changes", [{}, {"age": 10}, {"member": True, "severity": "severe", "age": 70}])
def test_the_explanation_is_json(benefits: RuleSet, changes: dict[str, Any]) -> None:
    decision = decide(benefits, case(**changes), ON)
    data = json.loads(json.dumps(decision.explanation))
    assert data["format"] == "medunion/explanation@1"
    assert data["on"] == ON.isoformat()
    assert data["ruleset"]["id"] == "benefits"
    assert set(data["outputs"]) == set(benefits.outputs)
    assert [r["id"] for r in data["rules"]] == [r.id for r in benefits.rules]


def test_the_letter_and_markdown_name_the_clause_and_the_figures(benefits: RuleSet) -> None:
    decision = decide(benefits, case(member=True), ON)
    letter = render_text(decision.trace)
    assert "ratio: 0.8" in letter
    assert "Members get the member ratio (demo-2017 I.2)" in letter
    assert "base-ratio" in letter  # the general rule it set aside
    assert f"computed as {shown('round(cost * ratio, 2)', cost=1000, ratio=0.8)} = 800" in letter
    markdown = render_markdown(decision.trace)
    assert "| ratio | 0.8 | Members get the member ratio | demo-2017 I.2 |" in markdown


def test_a_draft_version_warns_that_it_is_not_law(tmp_path: Path) -> None:
    ruleset = load_body(tmp_path, CONFLICT)  # the test header says status: draft
    decision = decide(ruleset, {"amount": 5, "hardship": True, "veteran": False}, ON)
    assert any("draft" in w for w in decision.explanation["warnings"])


def test_a_timestamp_for_a_date_counts_by_its_day(benefits: RuleSet) -> None:
    decision = decide(benefits, case(admitted_on=dt.datetime(2018, 1, 31, 16, 30)), ON)
    assert decision.outputs["review_by"] == dt.date(2018, 4, 30)
    assert decision.explanation["inputs"]["admitted_on"] == "2018-01-31"


def test_an_output_reading_tables_and_a_computed_date(benefits: RuleSet) -> None:
    decision = decide(benefits, case(age=70, income=6000, member=True, severity="severe",
                                     admitted_on="2018-11-30"), ON)
    assert decision.outputs["review_by"] == dt.date(2019, 2, 28)
    # 15 points * 2, plus the whole months from 30 Nov 2018 to 28 Feb 2019: three, since
    # add_months(30 Nov 2018, 3) is 28 Feb 2019 (the two date functions agree at month ends)
    assert decision.outputs["bonus"] == 33
    formula = decision.explanation["outputs"]["bonus"]["formula"]
    assert formula["with_values"] == shown("points * 2 + months_between(admitted_on, review_by)", points=15,
                                           admitted_on=dt.date(2018, 11, 30), review_by=dt.date(2019, 2, 28))



@pytest.mark.parametrize(("changes", "tier"), [({}, 1), ({"member": True}, 2), ({"age": 10}, None)])
def test_a_table_reading_an_output(benefits: RuleSet, changes: dict[str, Any], tier: int | None) -> None:
    decision = decide(benefits, case(**changes), ON)
    assert decision.outputs["tier"] == tier
    if tier is None:  # the ratio is not decided, so the table cannot be read
        reason = decision.explanation["outputs"]["tier"]["reason"]
        assert reason.startswith("column `ratio` reads output 'ratio', which is not decided")


@pytest.mark.parametrize(
    ("changes", "flags", "ceiling", "least"),
    [
        ({}, 1, 1000, 50),  # age 30: cost and 100 for the ceiling; cost and income / 10 for the least
        ({"member": True, "severity": "severe", "age": 70}, 3, 1500, 1000),
        ({"age": 10, "cost": 0}, 1, 100, 50),
    ],
)
def test_collect_tables_count_take_the_max_and_the_min(
    benefits: RuleSet, changes: dict[str, Any], flags: int, ceiling: float, least: float
) -> None:
    decision = decide(benefits, case(**changes), ON)
    assert (decision.outputs["flags"], decision.outputs["ceiling"], decision.outputs["least"]) == (
        flags, ceiling, least)
