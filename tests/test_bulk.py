"""A DataFrame of cases → a DataFrame of outputs, with the one-case evaluator's semantics."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from fixtures.builders import BENEFITS, load_body, rule

from governance.bulk import decide_frame
from governance.decide import decide
from governance.diagnostics import MedunionError
from governance.load import load_ruleset
from governance.model import RuleSet
from governance.values import plain_value

ON = dt.date(2018, 8, 1)

CASES = [
    {"age": 30, "income": 500, "household": 1, "member": False, "severity": "acute",
     "admitted_on": "2018-01-31", "cost": 1000},
    {"age": 30, "income": 500, "household": 1, "member": True, "severity": "acute",
     "admitted_on": "2018-01-31", "cost": 1000},
    {"age": 70, "income": 6000, "household": 2, "member": True, "severity": "severe",
     "admitted_on": "2018-11-30", "cost": 10},
    {"age": 10, "income": 1000, "household": 0, "member": False, "severity": "ordinary",
     "admitted_on": "2016-02-29", "cost": 0},
    {"age": 65, "income": 4999.5, "household": 10, "member": False, "severity": "acute",
     "admitted_on": "2018-12-31", "cost": 99.99},
]


@pytest.fixture(scope="module")
def benefits() -> RuleSet:
    return load_ruleset(BENEFITS)


_plain = plain_value


def test_each_row_gets_what_decide_gives_the_case(benefits: RuleSet) -> None:
    frame = pd.DataFrame(CASES, index=["p1", "p2", "p3", "p4", "p5"])
    result = decide_frame(benefits, frame, ON)
    assert list(result.index) == list(frame.index)
    assert list(result.columns) == list(benefits.outputs)
    for label, case in zip(frame.index, CASES, strict=True):
        expected = decide(benefits, case, ON).outputs
        actual = {name: _plain(result.loc[label, name]) for name in benefits.outputs}
        assert actual == pytest.approx(expected), label


def test_undecided_outputs_are_missing_values(benefits: RuleSet) -> None:
    result = decide_frame(benefits, pd.DataFrame(CASES[3:4]), ON)
    row = result.iloc[0]
    assert pd.isna(row["ratio"]) and pd.isna(row["payment"]) and pd.isna(row["review_by"])
    assert bool(row["eligible"]) is False  # decided by its default
    assert row["grade"] == 0


def test_with_sources_says_what_decided_each_value(benefits: RuleSet) -> None:
    result = decide_frame(benefits, pd.DataFrame(CASES[:4]), ON, with_sources=True)
    assert [_plain(v) for v in result["ratio__by"]] == ["base-ratio", "member-ratio", "severe-ratio", None]
    assert list(result["grade__by"]) == ["default", "default", "grade:row 1", "default"]
    assert list(result["eligible__by"])[3] == "default"


def test_dates_may_be_text_dates_or_timestamps(benefits: RuleSet) -> None:
    rows = [dict(CASES[0], admitted_on=value)
            for value in ("2018-01-31", dt.date(2018, 1, 31), pd.Timestamp("2018-01-31"))]
    result = decide_frame(benefits, pd.DataFrame(rows), ON)
    assert [_plain(v) for v in result["review_by"]] == [dt.date(2018, 4, 30)] * 3


def test_a_missing_value_takes_the_default(benefits: RuleSet) -> None:
    frame = pd.DataFrame([dict(CASES[0], cost=None), CASES[0]])
    result = decide_frame(benefits, frame, ON)
    assert list(result["payment"]) == [0.0, 600.0]
    without_column = pd.DataFrame([{k: v for k, v in CASES[0].items() if k != "cost"}])
    assert list(decide_frame(benefits, without_column, ON)["payment"]) == [0.0]


def test_every_bad_cell_is_reported_with_its_row_and_column(benefits: RuleSet) -> None:
    bad = dict(CASES[0], age="30", member=1, severity="critical", admitted_on="2018-02-30")
    frame = pd.DataFrame([CASES[0], bad], index=["good", "bad"])
    with pytest.raises(MedunionError) as exc:
        decide_frame(benefits, frame, ON)
    messages = [d.message for d in exc.value.diagnostics]
    assert len(messages) == 4
    for column in ("age", "member", "severity", "admitted_on"):
        assert any(m.startswith(f"row bad, column '{column}'") for m in messages), column


def _agrees_with_decide(ruleset: RuleSet, frame: pd.DataFrame, cases: list[dict[str, object]]) -> pd.DataFrame:
    result = decide_frame(ruleset, frame, ON, with_sources=True)
    for position, case in enumerate(cases):
        expected = decide(ruleset, case, ON).outputs
        actual = {name: _plain(result[name].iloc[position]) for name in ruleset.outputs}
        assert actual == pytest.approx(expected), position
    return result


def test_a_missing_column_leaves_undecided_only_what_reads_it(benefits: RuleSet) -> None:
    """An absent required input is missing on every row: what reads it is not decided, the rest is."""
    frame = pd.DataFrame(CASES).drop(columns=["severity"])
    cases = [{k: v for k, v in case.items() if k != "severity"} for case in CASES]
    result = _agrees_with_decide(benefits, frame, cases)
    assert result["grade"].isna().all() and result["grade__by"].isna().all()  # the grade table reads severity
    assert result["band"].notna().all()  # the income band does not


def test_a_missing_value_leaves_undecided_only_what_reads_it_on_its_row(benefits: RuleSet) -> None:
    cases = [CASES[0], dict(CASES[0], income=None), CASES[2]]
    result = _agrees_with_decide(benefits, pd.DataFrame(cases), cases)
    assert [_plain(v) for v in result["band"]] == ["low", None, "high"]
    assert [_plain(v) for v in result["band__by"]] == ["income-band:row 1", None, "income-band:row 3"]
    assert result["grade"].notna().all()


def test_an_empty_frame_gives_an_empty_result(benefits: RuleSet) -> None:
    result = decide_frame(benefits, pd.DataFrame(CASES).iloc[:0], ON)
    assert len(result) == 0
    assert list(result.columns) == list(benefits.outputs)


DIVISION = """inputs:
  total:
    type: number
  people:
    type: integer
outputs:
  share:
    type: number
rules:
""" + rule("share", None, "share: total / people")


def test_division_by_zero_names_the_expression_and_the_first_row(tmp_path: Path) -> None:
    ruleset = load_body(tmp_path, DIVISION)
    frame = pd.DataFrame({"total": [10, 10, 10], "people": [2, 0, 0]}, index=["x", "y", "z"])
    with pytest.raises(MedunionError) as exc:
        decide_frame(ruleset, frame, ON)
    (message,) = [d.message for d in exc.value.diagnostics]
    assert message == "division by zero in `total / people` on row y"
    with pytest.raises(MedunionError, match="division by zero in `total / people`"):
        decide(ruleset, {"total": 10, "people": 0}, ON)


def test_a_conflict_is_refused_naming_the_case(tmp_path: Path) -> None:
    ruleset = load_body(tmp_path, """inputs:
  hardship:
    type: boolean
  veteran:
    type: boolean
outputs:
  grant:
    type: number
rules:
""" + rule("hardship-grant", "hardship", "grant: 10") + rule("veteran-grant", "veteran", "grant: 50"))
    frame = pd.DataFrame({"hardship": [True, True, True], "veteran": [False, True, True]}, index=[7, 8, 9])
    with pytest.raises(MedunionError, match="conflict on output 'grant' for case 8"):
        decide_frame(ruleset, frame, ON)
    result = decide_frame(ruleset, frame.iloc[:1], ON)
    assert list(result["grant"]) == [10.0]


def test_list_parameters_and_text_columns_agree_with_decide(tmp_path: Path) -> None:
    ruleset = load_body(tmp_path, """inputs:
  code:
    type: integer
  name:
    type: string
parameters:
  listed_codes:
    type: list
    clause: demo-2017 I.1
    status: law
    values:
      - from: 2017-01-01
        value: [1, 2, 3]
      - from: 2018-01-01
        value: [2, 3]
  exempt_names:
    type: list
    clause: demo-2017 I.1
    status: law
    values:
      - from: 2017-01-01
        value: [clinic, station]
outputs:
  listed:
    type: boolean
    default: false
  charged:
    type: boolean
    default: false
rules:
""" + rule("listed", "code in listed_codes", "listed: true") + rule("charged", "name not in exempt_names",
                                                                    "charged: true"))
    cases = [{"code": c, "name": n} for c in (1, 2, 4) for n in ("clinic", "hospital")]
    for on in (dt.date(2017, 6, 1), dt.date(2018, 6, 1)):
        result = decide_frame(ruleset, pd.DataFrame(cases), on)
        for position, case in enumerate(cases):
            expected = decide(ruleset, case, on).outputs
            assert {k: bool(result[k].iloc[position]) for k in expected} == expected
    result = decide_frame(ruleset, pd.DataFrame(cases), dt.date(2018, 6, 1))
    assert list(result["listed"]) == [False, False, True, True, False, False]


@pytest.mark.parametrize("value", [20180131, "20180131", "2018-W05-3", "31/01/2018"])
def test_only_iso_dates_are_dates_in_both_evaluators(benefits: RuleSet, value: object) -> None:
    case = dict(CASES[0], admitted_on=value)
    with pytest.raises(MedunionError, match="row 0, column 'admitted_on': expected a date YYYY-MM-DD"):
        decide_frame(benefits, pd.DataFrame([case]), ON)
    with pytest.raises(MedunionError, match="field 'admitted_on': expected a date YYYY-MM-DD"):
        decide(benefits, case, ON)


def test_a_column_of_text_for_a_boolean_is_reported_not_crashed_on(benefits: RuleSet) -> None:
    frame = pd.DataFrame([dict(CASES[0], member="true"), dict(CASES[0], member=None)])
    with pytest.raises(MedunionError) as exc:
        decide_frame(benefits, frame, ON)
    assert [d.message for d in exc.value.diagnostics] == [  # the null is missing, not wrong
        "row 0, column 'member': expected true or false, found 'true'",
    ]
