"""What would change a decision: the smallest verified change of each input (issue 11, item 7)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from fixtures.builders import CLAUSES, header
from typer.testing import CliRunner

from governance.cases import read_case_file
from governance.compile import plan_for
from governance.diagnostics import MedunionError
from governance.load import load_ruleset, resolve_ruleset
from governance.sensitivity import Sensitivity, render_text, to_json, what_would_change
from medunion.commands.rules import register

ROOT = Path(__file__).resolve().parents[1]
ON = dt.date(2018, 3, 1)


def _rule(rule_id: str, when: str, then: str) -> str:
    return (f"  - id: {rule_id}\n    title: Rule {rule_id}\n    clause: demo-2017 I.1\n    status: law\n"
            f"    source: The plan says so.\n    when: {when}\n    then:\n      {then}\n")


BODY = """\
inputs:
  age: {type: integer, minimum: 0, maximum: 120}
  amount: {type: number, minimum: 0}
  day: {type: date}
  kind: {type: enum, values: [a, b, c]}
  ok: {type: boolean}
parameters:
  limit:
    type: number
    clause: demo-2017 I.1
    status: law
    values: [{from: 2017-01-01, value: 100}]
outputs:
  adult: {type: boolean, default: false}
  big: {type: boolean, default: false}
  early: {type: boolean, default: false}
  plain: {type: boolean, default: false}
  both: {type: boolean, default: false}
rules:
""" + "".join([
    _rule("adult", '"age >= 18"', "adult: true"),
    _rule("big", '"amount > limit"', "big: true"),
    _rule("early", "\"day < date('2018-07-01')\"", "early: true"),
    _rule("plain", "\"kind in ['a', 'b']\"", "plain: true"),
    _rule("both", '"ok and amount > limit"', "both: true"),
])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("rules")
    (root / "clauses.yaml").write_text(CLAUSES.read_text(encoding="utf-8"), encoding="utf-8")
    path = root / "demo" / "1.0.yaml"
    path.parent.mkdir()
    path.write_text(header() + BODY, encoding="utf-8")
    return plan_for(load_ruleset(path))


def case(**changes: Any) -> dict[str, Any]:
    return {"age": 30, "amount": 150, "day": "2018-03-01", "kind": "a", "ok": False, **changes}


def flips(result: Sensitivity, name: str) -> list[tuple[Any, str | None, Any]]:
    return [(c.to, c.condition, c.gives) for c in result.changes if c.input == name]


@pytest.mark.parametrize(
    ("changes", "output", "name", "expected"),
    [
        # non-strict `>=`: 18 still counts, so the flip down is 17; from below, 18 is the flip
        ({}, "adult", "age", [(17, "< 18", False)]),
        ({"age": 10}, "adult", "age", [(18, ">= 18", True)]),
        # strict `>` against a parameter: exactly 100 fails it; from below, the next hundredth passes
        ({}, "big", "amount", [(100, "<= 100", False)]),
        ({"amount": 50}, "big", "amount", [(100.01, "> 100", True)]),
        # dates: strict `<`: the boundary day itself fails it; from after it, the day before
        ({}, "early", "day", [("2018-07-01", ">= 2018-07-01", False)]),
        ({"day": "2018-09-01"}, "early", "day", [("2018-06-30", "< 2018-07-01", True)]),
        # an enum: each other value is tried, only the one that flips is given
        ({}, "plain", "kind", [("c", None, False)]),
        ({}, "both", "ok", [(True, None, True)]),
    ],
)
def test_the_smallest_change_is_solved_and_verified(demo: Any, changes: dict[str, Any], output: str, name: str,
                                                    expected: list[tuple[Any, str | None, Any]]) -> None:
    result = what_would_change(demo, case(**changes), ON, output)
    assert flips(result, name) == expected


def test_a_boundary_that_does_not_flip_the_output_is_dropped_and_said(demo: Any) -> None:
    """`ok and amount > limit` with ok false: no amount flips it; the candidate is dropped, not shown."""
    result = what_would_change(demo, case(ok=False), ON, "both")
    assert flips(result, "amount") == []
    assert "amount" in result.unchanged
    assert [(d.input, d.to) for d in result.dropped] == [("amount", 100)]
    assert "gives the same both" in result.dropped[0].reason
    text = render_text(result)
    assert "Dropped 1 candidate change(s) that did not verify" in text
    assert to_json(result)["dropped"][0]["input"] == "amount"


def test_only_the_inputs_the_output_depends_on_are_asked_about(demo: Any) -> None:
    result = what_would_change(demo, case(), ON, "adult")
    assert {c.input for c in result.changes} == {"age"} and result.unchanged == ()


def test_an_unknown_output_is_refused(demo: Any) -> None:
    with pytest.raises(MedunionError, match="no output 'adults'; its outputs are: adult, big"):
        what_would_change(demo, case(), ON, "adults")


def test_the_promotion_boundary_of_zhenghe_iv_7_3() -> None:
    plan = plan_for(resolve_ruleset("zhenghe-staffing", ON, ROOT / "rules"))
    result = what_would_change(plan, {"from_superior_hospital": True, "months_in_township": 5}, ON,
                               "counts_as_grassroots_service")
    (months,) = [c for c in result.changes if c.input == "months_in_township"]
    assert (months.condition, months.to, months.gives) == ("> 6", 6.01, True)
    assert months.boundary is not None and months.boundary.parameter == "grassroots_service_months"
    assert months.boundary.clause == "zhenghe-2017 IV.7.3"


def test_the_command_gives_json_and_text(tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    path = tmp_path / "case.yaml"
    path.write_text("ruleset: zhenghe-staffing\non: 2018-03-01\ninputs: {from_superior_hospital: true, "
                    "months_in_township: 7}\n", encoding="utf-8")
    runner = CliRunner()
    args = ["decide", "--case", str(path), "--rules", str(ROOT / "rules"), "--what-would-change",
            "counts_as_grassroots_service"]
    as_json = runner.invoke(app, [*args, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert {(c["input"], c["to"]) for c in data["changes"]} == {("from_superior_hospital", False),
                                                               ("months_in_township", 6)}
    assert all(c["verified"] for c in data["changes"])
    as_text = runner.invoke(app, args)
    assert "months_in_township <= 6 instead of 7, e.g. 6" in as_text.stdout
    unknown = runner.invoke(app, [*args[:-1], "promotion"])
    assert unknown.exit_code == 1 and "its outputs are" in unknown.output


def test_an_amount_computed_from_an_input_says_it_moves_with_it() -> None:
    on = dt.date(2019, 3, 1)
    plan = plan_for(resolve_ruleset("huangzhong-insurance-payment", on, ROOT / "rules"))
    result = what_would_change(plan, {"institution_kind": "secondary_hospital", "eligible_cost": 10000}, on,
                               "insurance_payment")
    assert result.value == 7050
    assert {(c.input, c.to, c.gives) for c in result.changes} == {
        ("institution_kind", "township_health_centre", 8910.0),
        ("institution_kind", "community_health_service_centre", 8910.0)}
    assert result.moves_with == ("eligible_cost",)
    assert "computed from eligible_cost" in render_text(result)


def test_an_input_the_case_does_not_give_is_tried_or_named(demo: Any) -> None:
    given = case()
    del given["ok"], given["amount"]
    result = what_would_change(demo, given, ON, "both")
    assert result.decided is False
    assert flips(result, "ok") == [(False, None, False)]  # with ok false the rule does not apply: decided
    assert result.not_given == ("amount", "ok")
    assert "amount" not in result.unchanged
    assert "Not given by the case (it depends on them): amount, ok." in render_text(result)


def test_the_answer_in_both_languages() -> None:
    """`--what-would-change` in the reader's language: the English is render_text's word for word;
    the Chinese names inputs and the output by their labels, with the code name beside them."""
    from governance.explain import render_sensitivity

    found = read_case_file(ROOT / "examples" / "cases" / "zhenghe-staffing-six-months.yaml", None, None, ROOT / "rules")
    plan = plan_for(found.ruleset)
    for output in found.ruleset.outputs:
        result = what_would_change(plan, found.inputs, found.on, output)
        assert render_sensitivity(result, found.ruleset, "en") == render_text(result)
    result = what_would_change(plan, found.inputs, found.on, "counts_as_grassroots_service")
    chinese = render_sensitivity(result, found.ruleset, "zh")
    assert chinese.startswith("视同晋升前下乡服务（counts_as_grassroots_service）为否。")
    assert "在乡镇卫生院工作月数（months_in_township） 由 6 改为 > 6" in chinese
    assert "表 grassroots-service，zhenghe-2017 IV.7.3" in chinese
