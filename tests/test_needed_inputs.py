"""Ask only what is needed: a missing input blocks only the outputs that read it (issue 11, item 4)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from governance.decide import decide
from governance.diagnostics import MedunionError
from governance.explain import render_markdown, render_text
from governance.load import resolve_ruleset
from medunion.commands.rules import register

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
ON = dt.date(2018, 3, 1)
PAY = ("personnel_relationship_unchanged", "paid_by_original_unit", "minimum_pay", "pay_compliant")


def staffing(case: dict[str, Any], only: list[str] | None = None) -> Any:
    return decide(resolve_ruleset("zhenghe-staffing", ON, RULES), case, ON, only=only)


def test_a_promotion_credit_question_is_answered_from_two_facts() -> None:
    decision = staffing({"from_superior_hospital": True, "months_in_township": 7})
    out = decision.explanation["outputs"]
    assert out["counts_as_grassroots_service"]["decided"] is True
    assert out["counts_as_grassroots_service"]["value"] is True
    # the pay verdicts of IV.7.4 are not carried as decided: not even by their defaults
    for name in PAY:
        assert out[name]["decided"] is False, name
        assert out[name]["value"] is None, name
        assert "needs input 'dispatched'" in out[name]["reason"], name
    assert out["personnel_relationship_unchanged"]["needs"] == ["dispatched"]
    assert out["minimum_pay"]["needs"] == ["dispatched", "original_unit_pay_level"]
    assert out["pay_compliant"]["needs"] == ["dispatched", "original_unit_pay_level", "pay_received"]
    assert decision.explanation["missing_inputs"] == ["dispatched", "original_unit_pay_level", "pay_received"]
    assert decision.decided == {"counts_as_grassroots_service": True}


def test_an_output_that_does_not_read_a_missing_input_is_decided() -> None:
    """Not from a superior hospital: the dispatch rules stop at their first condition, before `dispatched`."""
    decision = staffing({"from_superior_hospital": False, "months_in_township": 2})
    out = decision.explanation["outputs"]
    assert out["personnel_relationship_unchanged"] == {**out["personnel_relationship_unchanged"],
                                                        "decided": True, "value": False}
    assert out["minimum_pay"]["decided"] is False and "needs" not in out["minimum_pay"]  # no rule applies


def test_the_letter_and_markdown_say_what_is_still_needed() -> None:
    trace = staffing({"from_superior_hospital": True, "months_in_township": 7}).trace
    text = render_text(trace)
    assert "Still needed:" in text
    assert "- to decide pay compliant, give dispatched, original_unit_pay_level, pay_received" in text
    assert "Rules that cannot be applied until the missing facts are given:" in text
    assert "Rules that did not apply to you" not in text  # they may yet apply
    markdown = render_markdown(trace)
    assert "- to decide minimum pay, give `dispatched`, `original_unit_pay_level`" in markdown
    assert "cannot be applied yet" in markdown and "does not apply" not in markdown


def test_a_downward_referral_need_not_state_the_primary_scope() -> None:
    on = dt.date(2017, 11, 15)
    ruleset = resolve_ruleset("huangzhong-referral", on, RULES)
    case = {"association": "second", "referral_direction": "downward", "diagnosis_definite": True,
            "condition_stable": True}
    decision = decide(ruleset, case, on)
    full = decide(ruleset, {**case, "within_primary_scope": True}, on)
    assert decision.outputs == full.outputs  # the scope was never read
    assert decision.trace.missing == ("within_primary_scope",)
    assert not any(o.needs for o in decision.trace.outputs.values())


def test_the_same_in_zhenghe_an_upward_referral_needs_the_scope() -> None:
    on = dt.date(2018, 1, 1)
    ruleset = resolve_ruleset("zhenghe-referral", on, RULES)
    down = decide(ruleset, {"referral_direction": "downward", "within_association": True, "severity": "ordinary",
                            "eligible_cost": 1000}, on)
    assert down.outputs["insurance_tilt"] is True and down.outputs["transfer_to_county"] is False
    up = decide(ruleset, {"referral_direction": "upward", "within_association": True, "severity": "ordinary",
                          "eligible_cost": 1000}, on)
    assert up.trace.outputs["transfer_to_county"].decided is False
    assert up.trace.outputs["transfer_to_county"].needs == ("within_primary_scope",)
    assert up.trace.outputs["reimbursement"].needs == ("within_primary_scope",)


def test_a_wrong_value_is_still_refused() -> None:
    with pytest.raises(MedunionError) as exc:
        staffing({"from_superior_hospital": "yes", "months_in_township": 7})
    assert "from_superior_hospital" in str(exc.value)
    with pytest.raises(MedunionError, match="unknown field 'dispached'"):
        staffing({"from_superior_hospital": True, "months_in_township": 7, "dispached": True})


def test_only_limits_the_decision_to_the_outputs_named() -> None:
    decision = staffing({"from_superior_hospital": True, "months_in_township": 7},
                        only=["counts_as_grassroots_service"])
    assert list(decision.explanation["outputs"]) == ["counts_as_grassroots_service"]
    assert decision.explanation["only"] == ["counts_as_grassroots_service"]
    assert decision.explanation["rules"] == []  # the dispatch rules set nothing asked for
    assert not any(o.needs for o in decision.trace.outputs.values())


def test_only_keeps_what_the_outputs_named_are_decided_from(tmp_path: Path) -> None:
    on = dt.date(2018, 1, 1)
    ruleset = resolve_ruleset("zhenghe-referral", on, RULES)
    case = {"referral_direction": "upward", "within_primary_scope": False, "severity": "ordinary",
            "within_association": True, "eligible_cost": 1000}
    decision = decide(ruleset, case, on, only=["reimbursement"])
    assert set(decision.outputs) == {"transfer_to_county", "insurance_tilt", "reimbursement"}
    assert decision.outputs["reimbursement"] == decide(ruleset, case, on).outputs["reimbursement"]


def test_an_unknown_output_is_refused_with_the_list_of_outputs() -> None:
    with pytest.raises(MedunionError) as exc:
        staffing({"from_superior_hospital": True, "months_in_township": 7}, only=["promotion"])
    message = str(exc.value)
    assert "no output 'promotion'" in message and "counts_as_grassroots_service, personnel_relationship" in message


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def _case(tmp_path: Path, **inputs: Any) -> Path:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"ruleset": "zhenghe-staffing", "on": "2018-03-01", "inputs": inputs}))
    return path


def test_the_command_exits_3_when_inputs_are_missing_and_0_with_only(app: typer.Typer, tmp_path: Path) -> None:
    case = str(_case(tmp_path, from_superior_hospital=True, months_in_township=7))
    runner = CliRunner()
    partial = runner.invoke(app, ["decide", "--case", case, "--rules", str(RULES), "--format", "json"])
    assert partial.exit_code == 3, partial.output
    assert json.loads(partial.stdout)["outputs"]["pay_compliant"]["needs"] == [
        "dispatched", "original_unit_pay_level", "pay_received"]
    asked = runner.invoke(app, ["decide", "--case", case, "--rules", str(RULES), "--only",
                                "counts_as_grassroots_service"])
    assert asked.exit_code == 0, asked.output
    assert "counts as grassroots service: yes" in asked.stdout and "pay compliant" not in asked.stdout
    unknown = runner.invoke(app, ["decide", "--case", case, "--rules", str(RULES), "--only", "pay"])
    assert unknown.exit_code == 1
    assert "its outputs are: counts_as_grassroots_service" in unknown.output
    recorded = runner.invoke(app, ["decide", "--case", case, "--rules", str(RULES), "--only", "minimum_pay",
                                   "--record", f"sqlite:///{tmp_path / 'r.sqlite'}"])
    assert recorded.exit_code == 2 and not (tmp_path / "r.sqlite").exists()


def test_a_rule_that_could_only_agree_does_not_block() -> None:
    """Either of two rules makes a case eligible: one that fires decides it, whatever the other
    (whose input is missing) would say; when neither fires the missing input is needed."""
    from fixtures.builders import BENEFITS

    from governance.load import load_ruleset

    benefits = load_ruleset(BENEFITS)
    case = {"income": 500, "household": 1, "member": False, "admitted_on": "2018-01-31", "cost": 1000}
    on = dt.date(2018, 8, 1)
    severe = decide(benefits, {**case, "severity": "severe"}, on)
    assert severe.outputs["eligible"] is True and severe.trace.outputs["eligible"].decided
    acute = decide(benefits, {**case, "severity": "acute"}, on)
    assert acute.trace.outputs["eligible"].decided is False  # not the default `false`: the age is needed
    assert acute.trace.outputs["eligible"].needs == ("age",)


def test_an_acute_upward_referral_needs_no_scope_because_either_ground_is_enough() -> None:
    """IV.7.2 transfers a patient who is outside the primary scope OR acutely ill: an acute patient
    is transferred whatever the scope, so the scope is not asked for; an ordinary one still needs it.
    The column evaluator answers the same, row by row."""
    import pandas as pd

    from governance.bulk import decide_frame

    on = dt.date(2018, 1, 1)
    ruleset = resolve_ruleset("zhenghe-referral", on, RULES)
    base = {"referral_direction": "upward", "within_association": True, "eligible_cost": 1000}
    acute = decide(ruleset, {**base, "severity": "acute"}, on)
    assert acute.outputs["transfer_to_county"] is True
    assert acute.trace.outputs["transfer_to_county"].needs == ()
    assert acute.outputs["reimbursement"] == 850.0
    ordinary = decide(ruleset, {**base, "severity": "ordinary"}, on)
    assert ordinary.trace.outputs["transfer_to_county"].needs == ("within_primary_scope",)

    frame = pd.DataFrame([{**base, "severity": s, "within_primary_scope": scope}
                          for s, scope in [("acute", None), ("ordinary", None), ("ordinary", False),
                                           ("ordinary", True), ("severe", True)]])
    table = decide_frame(ruleset, frame, on, with_sources=True)
    assert table["transfer_to_county"].tolist()[0] is True
    assert pd.isna(table["transfer_to_county"].iloc[1])
    assert table["transfer_to_county"].tolist()[2:] == [True, False, True]
    for position, row in enumerate(frame.to_dict("records")):
        inputs = {k: v for k, v in row.items() if v is not None and not (isinstance(v, float) and v != v)}
        one = decide(ruleset, inputs, on)
        bulk = table["transfer_to_county"].iloc[position]
        assert (None if pd.isna(bulk) else bool(bulk)) == (
            one.outputs["transfer_to_county"] if one.trace.outputs["transfer_to_county"].decided else None)


def test_and_is_false_where_either_side_is_known_false_and_or_still_guards_its_right_side(tmp_path: Path) -> None:
    """Three-valued conditions: `a and b` is false when `a` is false, even with `b` missing; the
    right side of `or` is not read where the left settles it (no division by zero)."""
    from fixtures.builders import write_ruleset

    from governance.load import load_ruleset

    path = write_ruleset(tmp_path, """\
inputs:
  member: {type: boolean}
  visits: {type: integer, minimum: 0}
  admissions: {type: integer, minimum: 0}
outputs:
  flagged: {type: boolean, default: false}
  low_share: {type: boolean, default: false}
rules:
  - id: flag
    title: Members with many visits are flagged
    clause: demo-2017 I.1
    source: Flag them.
    status: law
    when: member and visits > 10
    then: {flagged: true}
  - id: share
    title: A low share of admissions
    clause: demo-2017 I.1
    source: Share.
    status: law
    when: visits == 0 or admissions / visits < 0.5
    then: {low_share: true}
""")
    ruleset = load_ruleset(path)
    on = dt.date(2018, 6, 1)
    not_member = decide(ruleset, {"member": False, "admissions": 3}, on)
    assert not_member.outputs["flagged"] is False and not_member.trace.outputs["flagged"].decided
    unknown = decide(ruleset, {"member": True, "admissions": 3}, on)
    assert unknown.trace.outputs["flagged"].needs == ("visits",)
    guarded = decide(ruleset, {"member": True, "visits": 0, "admissions": 3}, on)
    assert guarded.outputs["low_share"] is True
