"""Issue 11: every reading of the law marked and shown, its defects fixed, its boundaries stated once,
the rule files wired to editors, and `check` reading the tests beside the rules."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from fixtures.builders import position, rule, write_ruleset

from governance.check import check_readings
from governance.decide import decide
from governance.diagnostics import MedunionError
from governance.explain import render_markdown, render_text
from governance.load import load_ruleset, load_rulesets, ruleset_versions
from governance.model import STATUSES
from governance.testing import check_test_file
from governance.trace import to_json
from governance.workspace import check_paths
from medunion.boundaries import boundary_warnings
from medunion.kinds import checkers

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
ON = dt.date(2017, 9, 1)

INPUTS = """inputs:
  x: {type: number}
parameters:
  ratio:
    type: number
    unit: ratio
    clause: demo-2017 I.1
    status: law
    values: [{from: 2017-01-01, value: 0.5}]
outputs:
  a: {type: number}
"""


def _shipped() -> list:
    return [r for versions in load_rulesets(RULES).values() for r in versions]


# --- every rule, table and parameter carries a status ------------------------------------------


def test_every_shipped_rule_and_table_has_a_status_and_each_reading_its_words() -> None:
    for ruleset in _shipped():
        assert check_readings(ruleset) == [], ruleset.path
        for item in (*ruleset.rules, *ruleset.tables):
            assert item.reading.status in STATUSES, (ruleset.path, item.id)
            assert item.reading.is_law or item.reading.text, (ruleset.path, item.id)
        for parameter in ruleset.parameters.values():
            assert parameter.status in STATUSES, (ruleset.path, parameter.name)
            assert parameter.status == "law" or parameter.reading_text, (ruleset.path, parameter.name)


@pytest.mark.parametrize(("ruleset_id", "item", "status"), [
    ("zhenghe-membership", "rectification-required", "drafter-reading"),  # "may" read as "always"
    ("zhenghe-appraisal-consequences", "financial-allocation", "drafter-reading"),
    ("zhenghe-appraisal-consequences", "failed-appraisal", "drafter-reading"),
    ("huangzhong-insurance-payment", "insurance-payment", "drafter-reading"),  # max(cost - deductible, 0) x ratio
    ("zhenghe-referral", "upward-referral-township-ratio", "drafter-reading"),  # also within the association
    ("huangzhong-referral", "green-channel", "uncertain-reading"),
    ("zhenghe-staffing", "grassroots-service", "uncertain-reading"),
    ("huangzhong-goals", "county-treatment-target", "uncertain-reading"),
])
def test_the_readings_the_issue_names_are_marked(ruleset_id: str, item: str, status: str) -> None:
    ruleset = ruleset_versions(ruleset_id, RULES)[0]
    found = next(x for x in (*ruleset.rules, *ruleset.tables) if x.id == item)
    assert found.reading.status == status


@pytest.mark.parametrize(("ruleset_id", "parameter", "figure"), [
    ("zhenghe-staffing", "grassroots_service_months", 6),
    ("huangzhong-goals", "county_treatment_target", 0.9),
])
def test_the_boundaries_of_the_law_are_uncertain_parameters_that_state_both_readings(
        ruleset_id: str, parameter: str, figure: float) -> None:
    found = ruleset_versions(ruleset_id, RULES)[0].parameters[parameter]
    assert found.status == "uncertain-reading"
    assert found.values[0].value == figure
    assert "以上" in found.reading_text and "1259" in found.reading_text and "Encoded" in found.reading_text


def test_a_missing_status_is_an_error_with_its_position_in_an_adopted_rule_set(tmp_path: Path) -> None:
    path = write_ruleset(tmp_path, INPUTS + "rules:\n" + rule("r", None, "a: x"))
    path.write_text(path.read_text().replace("status: draft", "status: adopted"))
    found = [str(d) for d in check_readings(load_ruleset(path))]
    line, column = position(path.read_text(), "- id: r")
    assert found == [f"{path}:{line}:{column + 2}: error: rule 'r' has no status; add `status: law` when the clause "
                     "it cites says what it encodes, or `status: drafter-reading` / `uncertain-reading` with a "
                     "`reading:` saying what was read into it"]


def test_a_draft_may_leave_a_status_out_with_a_warning(tmp_path: Path) -> None:
    path = write_ruleset(tmp_path, INPUTS + "rules:\n" + rule("r", None, "a: x"))
    assert [d.severity for d in check_readings(load_ruleset(path))] == ["warning"]


def test_a_reading_without_words_is_refused_where_it_stands(tmp_path: Path) -> None:
    path = write_ruleset(tmp_path, INPUTS + "rules:\n" + rule("r", None, "a: x", "    status: drafter-reading\n"))
    with pytest.raises(MedunionError) as exc:
        load_ruleset(path)
    assert "lacks the required field 'reading'" in str(exc.value)
    assert f"{path}:" in str(exc.value)


def test_an_unknown_status_is_refused(tmp_path: Path) -> None:
    path = write_ruleset(tmp_path, INPUTS + "rules:\n" + rule("r", None, "a: x", "    status: folklore\n"))
    with pytest.raises(MedunionError) as exc:
        load_ruleset(path)
    assert "'folklore' is not allowed; use one of: law, drafter-reading, uncertain-reading" in str(exc.value)


def test_the_older_drafter_choice_is_read_as_a_drafter_reading_with_its_note(tmp_path: Path) -> None:
    body = INPUTS.replace("    status: law\n", "    status: drafter-choice\n    note: an invented figure\n")
    path = write_ruleset(tmp_path, body + "rules:\n" + rule("r", None, "a: x * ratio", "    status: law\n"))
    parameter = load_ruleset(path).parameters["ratio"]
    assert (parameter.status, parameter.reading_text) == ("drafter-reading", "an invented figure")


# --- the explanation shows the reading beside each value resting on it ---------------------------


def test_an_output_lists_the_readings_it_rests_on_directly_and_through_other_outputs() -> None:
    ruleset = ruleset_versions("zhenghe-referral", RULES)[0]
    case = {"referral_direction": "upward", "within_primary_scope": False, "severity": "acute",
            "within_association": True, "eligible_cost": 1000}
    decision = decide(ruleset, case, ON)
    data = to_json(decision.trace)
    readings = {(r["kind"], r["id"]) for r in data["outputs"]["reimbursement"]["readings"]}
    assert readings == {("rule", "reimbursement-township-ratio"), ("parameter", "township_reimbursement_ratio"),
                        ("rule", "two-way-referral-tilt")}  # the tilt through insurance_tilt
    assert data["outputs"]["transfer_to_county"]["readings"] == []  # IV.7.2 says it: law
    assert data["outputs"]["reimbursement"]["by"]["status"] == "drafter-reading"
    upward = next(r for r in data["rules"] if r["id"] == "upward-referral")
    assert (upward["status"], upward["reading"]) == ("law", None)
    letter = render_text(decision.trace)
    assert "[drafter's reading, not stated by the plan: rule 'reimbursement-township-ratio', zhenghe-2017 IV.7.2]" \
        in letter
    assert "reading of the law" in render_markdown(decision.trace)


def test_an_uncertain_boundary_warns_and_shows_beside_the_output() -> None:
    ruleset = ruleset_versions("huangzhong-goals", RULES)[0]
    decision = decide(ruleset, {"patients_total": 1000, "patients_treated_in_county": 900}, dt.date(2017, 12, 31))
    data = to_json(decision.trace)
    met = data["outputs"]["county_treatment_target_met"]
    assert met["value"] is False
    assert {r["id"] for r in met["readings"]} == {"county-treatment-target", "county_treatment_target"}
    assert all(r["status"] == "uncertain-reading" for r in met["readings"])
    assert data["parameters"]["county_treatment_target"]["reading"].startswith("The figure 90% is the plan's")
    assert any("county-treatment-target" in w for w in data["warnings"])
    assert "UNCERTAIN READING of the source: rule 'county-treatment-target'" in render_text(decision.trace)


# --- the defects --------------------------------------------------------------------------------


def _referral(**case: object) -> dict:
    ruleset = ruleset_versions("zhenghe-referral", RULES)[0]
    base = {"referral_direction": "upward", "within_primary_scope": True, "severity": "ordinary",
            "within_association": True, "eligible_cost": 10000}
    return to_json(decide(ruleset, {**base, **case}, ON).trace)["outputs"]


def test_a_refused_transfer_is_not_reimbursed_as_a_county_stay() -> None:
    outputs = _referral()
    assert outputs["transfer_to_county"]["value"] is False
    assert outputs["reimbursement"]["decided"] is False


@pytest.mark.parametrize(("case", "rule_id", "clause", "amount"), [
    ({"severity": "acute"}, "reimbursement-township-ratio", "zhenghe-2017 IV.7.2", 8500),
    ({"severity": "acute", "within_association": False}, "reimbursement-county-ratio", "zhenghe-2017 IV.1.2", 7000),
    ({"referral_direction": "none"}, "reimbursement-county-ratio", "zhenghe-2017 IV.1.2", 7000),
])
def test_each_reimbursement_quotes_the_clause_of_the_ratio_it_applies(
        case: dict, rule_id: str, clause: str, amount: float) -> None:
    outputs = _referral(**case)
    by = outputs["reimbursement"]["by"]
    assert (by["id"], by["clause"], outputs["reimbursement"]["value"]) == (rule_id, clause, amount)
    ratio = "township_reimbursement_ratio" if "township" in rule_id else "county_reimbursement_ratio"
    assert ratio in outputs["reimbursement"]["formula"]["expression"]


def test_the_green_channel_serves_every_patient_referred_up() -> None:
    ruleset = ruleset_versions("huangzhong-referral", RULES)[0]
    case = {"association": "third", "referral_direction": "upward", "within_primary_scope": True,
            "diagnosis_definite": False, "condition_stable": False}
    outputs = decide(ruleset, case, ON).outputs
    assert outputs["upward_referral_indicated"] is False and outputs["green_channel_priority"] is True
    down = decide(ruleset, {**case, "referral_direction": "downward"}, ON).outputs
    assert down["green_channel_priority"] is False


def test_the_tibetan_medicine_hospital_can_be_entered_as_the_receiving_hospital() -> None:
    from lifecycle.load import load_lifecycle
    from lifecycle.run import Runner
    from lifecycle.store import Store

    lifecycle = load_lifecycle(RULES / "lifecycles" / "referral-case.yaml")
    text = (RULES / "lifecycles" / "referral-case.yaml").read_text(encoding="utf-8")
    assert "county_tibetan_medicine_hospital" in text and "湟中县藏医院" in text
    runner = Runner(Store("sqlite://"))
    try:
        runner.submit(lifecycle, "p1", "referral_request", {"association": "third", "within_primary_scope": False},
                      dt.date(2017, 6, 1))
        tibetan = {"receiving_hospital": "county_tibetan_medicine_hospital"}
        outcome = runner.submit(lifecycle, "p1", "admission", tibetan, dt.date(2017, 6, 2))
        # accepted as a value; refused by the green channel, which leads to the core hospital (II.3: TCM Hospital)
        assert outcome.status == "refused" and "first_referral_hospital" in outcome.reason, outcome.reason
        assert "not one of" not in outcome.reason
        unknown = runner.submit(lifecycle, "p1", "admission", {"receiving_hospital": "county_hospital"},
                                dt.date(2017, 6, 2))
        assert unknown.status == "refused" and "county_tibetan_medicine_hospital" in unknown.reason
    finally:
        runner.engine.close()


# --- parameter bounds -----------------------------------------------------------------------------


def test_a_ratio_of_7_5_is_refused_at_its_value(tmp_path: Path) -> None:
    path = write_ruleset(tmp_path, INPUTS.replace("value: 0.5", "value: 7.5") + "rules:\n"
                         + rule("r", None, "a: x * ratio", "    status: law\n"))
    with pytest.raises(MedunionError) as exc:
        load_ruleset(path)
    line, column = position(path.read_text(), "7.5")
    assert str(exc.value).startswith(f"{path}:{line}:{column}: error: parameter 'ratio' is 7.5 from 2017-01-01, "
                                     "outside [0, 1]: a ratio must lie within [0, 1]")


def test_declared_bounds_hold_for_every_dated_value(tmp_path: Path) -> None:
    body = INPUTS.replace("    unit: ratio\n", "    unit: yuan\n    minimum: 100\n    maximum: 500\n").replace(
        "values: [{from: 2017-01-01, value: 0.5}]",
        "values: [{from: 2017-01-01, value: 200}, {from: 2018-01-01, value: 600}]")
    path = write_ruleset(tmp_path, body + "rules:\n" + rule("r", None, "a: x * ratio", "    status: law\n"))
    with pytest.raises(MedunionError) as exc:
        load_ruleset(path)
    assert "parameter 'ratio' is 600 from 2018-01-01, outside [100, 500]" in str(exc.value)


def test_a_ratio_cannot_declare_bounds_beyond_one(tmp_path: Path) -> None:
    body = INPUTS.replace("    unit: ratio\n", "    unit: ratio\n    maximum: 2\n")
    path = write_ruleset(tmp_path, body + "rules:\n" + rule("r", None, "a: x * ratio", "    status: law\n"))
    with pytest.raises(MedunionError) as exc:
        load_ruleset(path)
    assert "maximum of parameter 'ratio' is 2, but a ratio lies within [0, 1]" in str(exc.value)


# --- editors --------------------------------------------------------------------------------------


def _rule_files() -> list[Path]:
    return sorted(p for p in RULES.rglob("*.yaml") if "schema" not in p.parts)


def test_every_shipped_rule_file_names_its_schema_on_its_first_line() -> None:
    kinds = {"ruleset": "ruleset", "ruleset-test": "ruleset-test", "appraisal-scheme": "appraisal-scheme",
             "charter": "charter", "lifecycle": "lifecycle", "clause-index": "clause-index"}
    for path in _rule_files():
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0]
        match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert match, path
        kind = re.search(r"^kind:\s*([a-z-]+)", text, re.M).group(1)
        target = (path.parent / match.group(1)).resolve()
        assert target.is_file() and target.name == f"{kinds[kind]}.schema.json", path


def test_the_editor_settings_map_every_schema_to_its_files() -> None:
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapped = settings["yaml.schemas"]
    for schema, globs in mapped.items():
        assert (ROOT / schema).is_file(), schema
        assert any(ROOT.glob(g) for g in globs), (schema, globs)
    assert {Path(s).name for s in mapped} == {p.name for p in (RULES / "schema").iterdir()}


def test_the_schema_line_is_a_comment_that_check_and_the_loader_pass_over(tmp_path: Path) -> None:
    path = write_ruleset(tmp_path, INPUTS + "rules:\n" + rule("r", None, "a: x", "    status: law\n"))
    path.write_text("# yaml-language-server: $schema=../../rules/schema/ruleset.schema.json\n" + path.read_text())
    assert load_ruleset(path).rules[0].reading.status == "law"
    assert [d for d in check_paths([tmp_path], checkers()) if d.severity == "error"] == []


# --- check reads the tests beside the rules -------------------------------------------------------


def _copy_rules(tmp_path: Path, ruleset_id: str) -> Path:
    shutil.copy(RULES / "clauses.yaml", tmp_path / "clauses.yaml")
    shutil.copytree(RULES / ruleset_id, tmp_path / ruleset_id)
    return tmp_path / ruleset_id / "tests"


def test_check_refuses_a_test_of_unknown_names_and_wrong_values_at_their_place(tmp_path: Path) -> None:
    tests = _copy_rules(tmp_path, "zhenghe-staffing")
    bad = tests / "bad.yaml"
    bad.write_text(
        "kind: ruleset-test\nruleset: zhenghe-staffing\ntests:\n"
        "  - name: bad\n    \"on\": 2017-10-01\n"
        "    inputs: {from_superior_hospital: yes_please, months_in_twonship: 7}\n"
        "    expect:\n      counts_as_grassroots_servce: true\n      minimum_pay: lots\n"
        "      pay_compliant: {value: 1, tolerance: 0}\n", encoding="utf-8")
    found = [str(d) for d in check_paths([tmp_path], checkers()) if d.severity == "error"]
    text = bad.read_text()

    def at(needle: str) -> str:
        line, column = position(text, needle)
        return f"{bad}:{line}:{column}: error: test 'bad': "

    assert found == [
        at("yes_please") + "input 'from_superior_hospital': expected true or false, found 'yes_please'",
        at("months_in_twonship") + "'months_in_twonship' is not an input of zhenghe-staffing 2017.1; "
                                   "did you mean 'months_in_township'?",
        at("counts_as_grassroots_servce") + "'counts_as_grassroots_servce' is not an output of zhenghe-staffing "
                                            "2017.1; did you mean 'counts_as_grassroots_service'?",
        at("lots") + "expected 'minimum_pay' (a number): expected a number, found 'lots' (str)",
        at("{value: 1") + "expected 'pay_compliant': `{value, tolerance}` compares numbers, but the output is "
                          "not a number",
    ]


def test_an_unknown_enum_value_in_a_test_is_refused(tmp_path: Path) -> None:
    tests = _copy_rules(tmp_path, "huangzhong-referral")
    bad = tests / "bad.yaml"
    bad.write_text("kind: ruleset-test\nruleset: huangzhong-referral\ntests:\n  - name: fourth\n"
                   "    \"on\": 2017-10-01\n    inputs: {association: fourth}\n"
                   "    expect: {first_referral_hospital: county_hospital}\n", encoding="utf-8")
    found = [d.message for d in check_test_file(bad)]
    assert found == ["test 'fourth': input 'association': 'fourth' is not one of: first, second, third",
                     "test 'fourth': expected 'first_referral_hospital': 'county_hospital' is not one of: "
                     "first_peoples_hospital, second_peoples_hospital, county_tcm_hospital"]


def test_a_test_that_expects_an_error_may_give_wrong_inputs(tmp_path: Path) -> None:
    tests = _copy_rules(tmp_path, "huangzhong-goals")
    assert check_test_file(tests / "goals.yaml") == []  # it has fractional and zero counts, expecting errors


# --- one clause, one boundary ---------------------------------------------------------------------


def test_two_files_reading_one_clause_with_two_boundaries_are_warned(tmp_path: Path) -> None:
    _copy_rules(tmp_path, "huangzhong-goals")
    other = write_ruleset(tmp_path, "inputs:\n  share: {type: number, unit: percent}\noutputs:\n"
                          "  met: {type: boolean}\nrules:\n"
                          + rule("met", "share >= 90", "met: true", "    status: law\n").replace(
                              "demo-2017 I.1", "huangzhong-2017 I"), ruleset_id="other-goals")
    other.write_text(other.read_text().replace("key: demo-2017", "key: huangzhong-2017"))
    found = [str(d) for d in boundary_warnings([tmp_path])]
    assert len(found) == 1, found
    assert found[0].startswith(f"{other}:")
    assert "huangzhong-2017 I: other-goals rule 'met': `share >= 90` reads the same figure with another " \
           "boundary than huangzhong-goals rule 'county-treatment-target'" in found[0]
    assert "(0.9 (inclusive) vs 0.9 (strict)" in found[0]


def test_the_shipped_files_state_each_clause_s_figure_once() -> None:
    assert boundary_warnings([RULES]) == []
