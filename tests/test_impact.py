"""`medunion impact`: two versions of a rule set decided over a population, each change of outcome
attributed to the parameter, rule or table (and its clause) that caused it.

The expected counts and amounts are computed here from the inputs with the formulas of the
fixture rule sets, never read back from the report.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import typer
from fixtures.builders import write_ruleset
from typer.testing import CliRunner

from governance.impact import measure_impact
from governance.load import load_ruleset, ruleset_versions
from medunion.commands.impact import register
from medunion.impact_report import ReportContext, render_html, write_workbook

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "=cmd|' /C calc'!A0"
SCRIPT = "<script>alert('x')</script>"


def _body(ratio: float, deductible: float, extra_rules: str = "", ratio_from: str = "2017-01-01") -> str:
    return f"""inputs:
  kind:
    type: enum
    values: [county, township]
  cost:
    type: number
    minimum: 0
parameters:
  ratio:
    type: number
    unit: ratio
    clause: demo-2017 I.2
    status: law
    values:
      - from: {ratio_from}
        value: {ratio}
  deductible:
    type: number
    unit: yuan
    clause: demo-2017 I.3
    status: law
    values:
      - from: 2017-01-01
        value: {deductible}
outputs:
  payment:
    type: number
    unit: yuan
  subsidy:
    type: number
    unit: yuan
  surcharge:
    type: number
    unit: yuan
rules:
  - id: pay
    title: The insurance pays the ratio above the deductible
    clause: demo-2017 I.1
    source: The plan says the insurance pays.
    then:
      payment: round(max(cost - deductible, 0) * ratio, 2)
{extra_rules}"""


SURCHARGE = """  - id: surcharge-rule
    title: County stays carry a surcharge
    clause: demo-2017 I.4
    source: County stays carry a surcharge.
    when: kind == 'county'
    then:
      surcharge: 50
"""
SUBSIDY = """  - id: subsidy-rule
    title: Large costs get a subsidy
    clause: demo-2017 I.5
    source: Large costs get a subsidy.
    when: cost > 5000
    then:
      subsidy: 200
"""


def _versions(tmp_path: Path, old_body: str, new_body: str, new_start: str = "2017-01-01") -> tuple:
    root = tmp_path / "rules"
    old = load_ruleset(write_ruleset(root, old_body, version="1.0", start="2017-01-01"))
    new = load_ruleset(write_ruleset(root, new_body, version="2.0", start=new_start))
    return old, new


def _cases(n: int = 400, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "kind": rng.choice(["county", "township"], n).astype(object),
        "cost": np.round(rng.uniform(0, 9000, n), 2),
    })
    frame.index = range(2, n + 2)  # as a CSV's row numbers
    return frame


def _pay(cost: np.ndarray, deductible: float, ratio: float) -> np.ndarray:
    return np.array([round(max(c - deductible, 0) * ratio, 2) for c in cost])


# -- the core -------------------------------------------------------------------------------------


def test_a_parameter_change_is_attributed_to_its_parameter_and_clause(tmp_path: Path) -> None:
    old, new = _versions(tmp_path, _body(0.8, 300), _body(0.9, 300))
    cases = _cases()
    impact = measure_impact(old, new, cases, on=dt.date(2017, 6, 1))

    cost = cases["cost"].to_numpy()
    before, after = _pay(cost, 300, 0.8), _pay(cost, 300, 0.9)
    changed = int((before != after).sum())
    assert 0 < changed < len(cases)  # costs under the deductible pay 0 under both
    assert impact.rows_in == impact.rows_compared == len(cases)
    assert impact.rows_changed == changed
    (step,) = impact.steps
    (change,) = step.changes
    assert (change.kind, change.name, change.clause) == ("parameter", "ratio", "demo-2017 I.2")
    assert (change.old, change.new) == ("0.8", "0.9")
    assert step.rows_changed == changed and step.outputs == {"payment": changed}
    assert step.amounts["payment"] == pytest.approx(float((after - before).sum()))
    (payment,) = [t for t in impact.totals if t.output == "payment"]
    assert payment.difference == pytest.approx(float((after - before).sum()))
    assert payment.increases == changed and payment.decreases == 0
    assert payment.sum_old == pytest.approx(float(before.sum()))
    assert dict(payment.quantiles)[0.5] == pytest.approx(float(np.quantile(after - before, 0.5)))
    assert sum(b.count for b in payment.histogram) == changed and payment.zero_differences == len(cases) - changed
    county = next(g for g in impact.groups if g.column == "kind" and g.value == "county")
    mask = (cases["kind"] == "county").to_numpy()
    assert county.rows == int(mask.sum())
    assert county.changed == int(((before != after) & mask).sum())
    assert impact.rows_multi_step == 0
    assert step.reversed_amounts is None  # one change: no order to depend on


def test_two_parameter_changes_split_the_money_and_rows_on_both_steps_are_counted(tmp_path: Path) -> None:
    old, new = _versions(tmp_path, _body(0.8, 300), _body(0.9, 200))
    cases = _cases()
    impact = measure_impact(old, new, cases, on=dt.date(2017, 6, 1))
    cost = cases["cost"].to_numpy()
    before, after = _pay(cost, 300, 0.8), _pay(cost, 200, 0.9)
    assert [c.name for s in impact.steps for c in s.changes] == ["ratio", "deductible"]  # the new file's order
    ratio_step, deductible_step = impact.steps
    # applied in order: first the ratio (old deductible), then the deductible (new ratio)
    middle = _pay(cost, 300, 0.9)
    assert ratio_step.amounts["payment"] == pytest.approx(float((middle - before).sum()))
    assert deductible_step.amounts["payment"] == pytest.approx(float((after - middle).sum()))
    assert sum(s.amounts["payment"] for s in impact.steps) == pytest.approx(float((after - before).sum()))
    both = int(((middle != before) & (after != middle)).sum())
    assert both > 0 and impact.rows_multi_step == both
    # the other order: the deductible first (old ratio), then the ratio
    other = _pay(cost, 200, 0.8)
    assert ratio_step.reversed_amounts["payment"] == pytest.approx(float((after - other).sum()))
    assert deductible_step.reversed_amounts["payment"] == pytest.approx(float((other - before).sum()))
    assert ratio_step.reversed_amounts["payment"] != pytest.approx(ratio_step.amounts["payment"])
    assert "depends on this order" in impact.order_note


def test_a_rule_added_and_a_rule_repealed_are_each_attributed(tmp_path: Path) -> None:
    old, new = _versions(tmp_path, _body(0.8, 300, SURCHARGE), _body(0.8, 300, SUBSIDY))
    cases = _cases()
    impact = measure_impact(old, new, cases, on=dt.date(2017, 6, 1))
    large = (cases["cost"] > 5000).to_numpy()
    county = (cases["kind"] == "county").to_numpy()
    by_change = {c.key + ":" + c.action: s for s in impact.steps for c in s.changes}
    added, repealed = by_change["rule:subsidy-rule:added"], by_change["rule:surcharge-rule:removed"]
    assert added.changes[0].clause == "demo-2017 I.5" and repealed.changes[0].clause == "demo-2017 I.4"
    assert added.rows_changed == int(large.sum()) and added.outputs == {"subsidy": int(large.sum())}
    assert added.amounts == {"subsidy": pytest.approx(200.0 * large.sum())}
    assert repealed.rows_changed == int(county.sum())
    assert repealed.amounts == {"surcharge": pytest.approx(-50.0 * county.sum())}
    counts = {c.output: c for c in impact.outputs}
    assert counts["subsidy"].newly_decided == int(large.sum())
    assert counts["surcharge"].no_longer_decided == int(county.sum())
    assert counts["payment"].changed == 0
    assert impact.rows_changed == int((large | county).sum())
    assert (large & county).any()  # changed by both steps, but each step moves its own output:
    assert impact.rows_multi_step == 0  # no split between steps depends on their order



def _table(township: int) -> str:
    return f"""tables:
  - id: level-bonus
    title: A bonus by level
    clause: demo-2017 I.6
    source: Each level has its bonus.
    hit: unique
    inputs: [kind]
    outputs: [bonus]
    rows:
      - when: ["'county'"]
        then: [10]
      - when: ["'township'"]
        then: [{township}]
"""


def test_a_table_replaced_is_attributed_to_the_table_and_its_clause(tmp_path: Path) -> None:
    bonus = "  bonus:\n    type: number\n    unit: yuan\n"
    old_body = _body(0.8, 300).replace("rules:\n", "").replace("outputs:\n", "outputs:\n" + bonus)
    old_body = old_body.replace("  - id: pay", "rules:\n  - id: pay") + _table(20)
    new_body = old_body.replace(_table(20), _table(35))
    old, new = _versions(tmp_path, old_body, new_body)
    cases = _cases()
    impact = measure_impact(old, new, cases, on=dt.date(2017, 6, 1))
    township = (cases["kind"] == "township").to_numpy()
    (step,) = impact.steps
    (change,) = step.changes
    assert (change.kind, change.name, change.action) == ("table", "level-bonus", "replaced")
    assert change.clause == "demo-2017 I.6"
    assert step.rows_changed == int(township.sum()) and step.outputs == {"bonus": int(township.sum())}
    assert step.amounts["bonus"] == pytest.approx(15.0 * township.sum())
    # the same table loaded from another file is not a change: content, not identity, is compared
    again, _ = _versions(tmp_path / "again", old_body, new_body)
    assert measure_impact(old, again, cases, on=dt.date(2017, 6, 1)).steps == ()


def test_changes_that_cannot_stand_alone_are_applied_together_and_say_why(tmp_path: Path) -> None:
    renamed = SUBSIDY.replace("subsidy-rule", "larger-subsidy").replace("subsidy: 200", "subsidy: 300")
    old, new = _versions(tmp_path, _body(0.8, 300, SUBSIDY), _body(0.8, 300, renamed))
    cases = _cases()
    impact = measure_impact(old, new, cases, on=dt.date(2017, 6, 1))
    large = (cases["cost"] > 5000).to_numpy()
    (step,) = impact.steps  # with both rules in force the two conflict: one step, both changes
    assert {c.key + ":" + c.action for c in step.changes} == {"rule:larger-subsidy:added", "rule:subsidy-rule:removed"}
    assert step.joined_because and "conflict" in step.joined_because
    assert step.rows_changed == int(large.sum()) and step.amounts["subsidy"] == pytest.approx(100.0 * large.sum())

def test_rows_refused_by_input_checks_are_counted_not_dropped(tmp_path: Path) -> None:
    old, new = _versions(tmp_path, _body(0.8, 300), _body(0.9, 300))
    cases = _cases(50)
    cases["cost"] = cases["cost"].astype(object)
    cases.loc[3, "cost"] = -10.0
    cases.loc[7, "kind"] = "village"
    cases.loc[9, "cost"] = "abc"
    impact = measure_impact(old, new, cases, on=dt.date(2017, 6, 1))
    assert impact.rows_in == 50
    assert impact.rows_rejected == 3 and impact.rows_compared == 47
    assert impact.rows_in == impact.rows_compared + impact.rows_rejected
    assert {(r.row, r.column) for r in impact.rejections} == {(3, "cost"), (7, "kind"), (9, "cost")}
    assert set(impact.rows["row"]) == set(cases.index) - {3, 7, 9}


def test_each_row_on_its_own_date_and_dates_a_version_cannot_decide_are_rejected(tmp_path: Path) -> None:
    old, new = _versions(tmp_path, _body(0.8, 300), _body(0.9, 300, ratio_from="2018-01-01"), new_start="2018-01-01")
    cases = _cases(6)
    cases["day"] = ["2018-03-01", "2018-03-01", "2017-05-01", "not a date", "2019-01-01", "2018-12-31"]
    impact = measure_impact(old, new, cases, date_column="day")
    rejected = {r.row: r for r in impact.rejections}
    assert set(rejected) == {4, 5}  # 2017-05-01: version 2.0 has no ratio yet; "not a date"
    assert "no value" in rejected[4].reason and "2.0" in rejected[4].reason
    assert "YYYY-MM-DD" in rejected[5].reason
    assert impact.rows_compared == 4


# -- the reports ----------------------------------------------------------------------------------


def _hostile_impact(tmp_path: Path) -> tuple:
    old, new = _versions(tmp_path, _body(0.8, 300), _body(0.9, 300))
    cases = _cases(20)
    cases["institution"] = [HOSTILE if i % 2 else SCRIPT for i in range(20)]
    cases["cost"] = cases["cost"].astype(object)
    cases.loc[4, "cost"] = HOSTILE
    impact = measure_impact(old, new, cases, on=dt.date(2017, 6, 1), group_by=["institution"])
    context = ReportContext(data=SCRIPT + ".csv", synthetic=False, clauses={"demo-2017 I.2": SCRIPT})
    return impact, context


def test_the_workbook_has_no_formula_cells_from_hostile_text(tmp_path: Path) -> None:
    impact, context = _hostile_impact(tmp_path)
    path = write_workbook(impact, context, tmp_path / "impact.xlsx")
    book = openpyxl.load_workbook(path)
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    assert not any(t.startswith(("=", "+", "@")) for t in texts)
    assert "'" + HOSTILE in texts  # the group value, kept readable
    assert any(HOSTILE in t for t in texts if t.startswith("'") or "expected" in t)  # the rejected cell's reason
    titles = {s.title.rpartition(" ")[2] for s in book.worksheets}  # Chinese first, by default, the English beside
    assert titles >= {"Summary", "Attribution", "Money", "Groups", "Rows", "Rejected"}
    assert all(" " in s.title for s in book.worksheets)
    english = openpyxl.load_workbook(write_workbook(impact, context, tmp_path / "impact-en.xlsx", lang="en"))
    assert {s.title for s in english.worksheets} >= {"Summary", "Attribution", "Money", "Groups", "Rows", "Rejected"}


def test_the_html_escapes_hostile_labels(tmp_path: Path) -> None:
    impact, context = _hostile_impact(tmp_path)
    page = render_html(impact, context)
    assert SCRIPT not in page
    assert "&lt;script&gt;" in page
    assert "demo-2017 I.2" in page  # the clause key of the attributed change


# -- the command ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:  # a group, so that the command is named as on the real command line
        """medunion"""

    return app


def _run(app: typer.Typer, *args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _cli_setup(tmp_path: Path) -> tuple[Path, Path]:
    _versions(tmp_path, _body(0.8, 300), _body(0.9, 300))
    data = tmp_path / "claims.csv"
    frame = _cases(30)
    frame.insert(0, "机构", [f"卫生院{i}" for i in range(30)])
    frame.to_csv(data, index=False, encoding="gb18030")
    return tmp_path / "rules", data


def test_cli_exit_codes(app: typer.Typer, tmp_path: Path) -> None:
    rules, data = _cli_setup(tmp_path)
    base = ["impact", "demo", "--rules", rules, "--from", "1.0", "--to", "2.0"]
    out = tmp_path / "out"
    code, stdout, stderr = _run(app, *base, "--data", data, "--on", "2017-06-01", "--out", out, "--group-by", "机构")
    assert code == 0, stdout + stderr
    assert (out / "impact.xlsx").is_file() and (out / "impact.html").is_file()
    assert "parameter ratio changed: 0.8 → 0.9 [demo-2017 I.2]" in stdout
    assert "30 in = 30 compared + 0 rejected" in stdout

    code, stdout, _ = _run(app, *base, "--data", data, "--on", "2017-06-01", "--out", out, "--format", "json")
    assert code == 0
    report = json.loads(stdout)
    assert report["steps"][0]["changes"][0]["clause"] == "demo-2017 I.2"
    assert report["steps"][0]["changes"][0]["clause_text"]  # from the clause index

    bad = tmp_path / "bad.csv"
    bad.write_text("kind,cost\ncounty,100\ntownship,-5\nvillage,10\n", encoding="utf-8")
    code, stdout, _ = _run(app, *base, "--data", bad, "--on", "2017-06-01", "--out", out)
    assert code == 3
    assert "rejected row 3, column 'cost'" in stdout and "rejected row 4, column 'kind'" in stdout
    assert "3 in = 1 compared + 2 rejected" in stdout

    assert _run(app, *base[:-1], "9.9", "--data", data, "--out", out)[0] == 1  # no such version
    assert _run(app, *base, "--data", tmp_path / "missing.csv", "--out", out)[0] == 1
    assert _run(app, *base, "--data", data, "--on", "2017-02-30", "--out", out)[0] == 2
    assert _run(app, *base, "--data", data, "--on", "2017-06-01", "--date-column", "day", "--out", out)[0] == 2
    code, _, stderr = _run(app, *base, "--data", data, "--date-column", "nope", "--out", out)
    assert code == 1 and "no column 'nope'" in stderr
    code, _, stderr = _run(app, *base, "--data", data, "--on", "2016-06-01", "--out", out)
    assert code == 1 and "1.0.yaml:" in stderr and "has no value on 2016-06-01" in stderr


# -- the shipped rule set and synthetic claims ----------------------------------------------------


def test_the_shipped_synthetic_claims_are_what_the_generator_writes(tmp_path: Path) -> None:
    from medunion.synthetic_claims import SHIPPED, write_claims

    fresh = write_claims(tmp_path / "claims.csv")
    assert fresh.read_bytes() == (ROOT / SHIPPED).read_bytes()
    frame = pd.read_csv(fresh)
    assert len(frame) >= 2000 and frame["claim_id"].str.startswith("SYNTHETIC-").all()


def test_impact_between_two_versions_of_huangzhong_insurance_payment_attributes_each_change(
    app: typer.Typer, tmp_path: Path
) -> None:
    from governance.clauses import clause_index

    versions = ruleset_versions("huangzhong-insurance-payment", ROOT / "rules")
    if len(versions) < 2:
        pytest.skip("rules/huangzhong-insurance-payment has one version only: the amendment is not there yet")
    old, new = versions[-2], versions[-1]
    data = ROOT / "examples" / "impact" / "huangzhong-claims-SYNTHETIC.csv"
    out = tmp_path / "out"
    code, stdout, stderr = _run(app, "impact", "huangzhong-insurance-payment", "--rules", ROOT / "rules",
                                "--from", old.version, "--to", new.version, "--data", data, "--out", out,
                                "--format", "json")
    assert code == 0, stdout + stderr
    report = json.loads(stdout)
    assert report["synthetic"] and "SYNTHETIC" in report["label"]
    assert report["rows"]["in"] == report["rows"]["compared"] + report["rows"]["rejected"]
    assert report["rows"]["changed"] > 0
    index = clause_index(ROOT / "rules" / "huangzhong-insurance-payment" / "x.yaml")
    assert index is not None
    changed_steps = [s for s in report["steps"] if s["rows_changed"]]
    assert changed_steps
    for step in changed_steps:
        assert step["changes"], "every change of outcome comes from a named change"
        for change in step["changes"]:
            assert change["clause"] in index and change["clause_text"]
    payment = next(t for t in report["totals"] if t["output"] == "insurance_payment")
    attributed = sum(s["amounts"].get("insurance_payment", 0.0) for s in report["steps"])
    assert attributed == pytest.approx(payment["difference"], abs=0.01)
    # independently: the money difference from the claims and the two versions' figures
    claims = pd.read_csv(data)
    day = new.effective_from
    values = {name: (p.value_on(day).value, new.parameters[name].value_on(day).value)
              for name, p in old.parameters.items()}
    county = claims["institution_kind"] == "secondary_hospital"
    expected = 0.0
    for side, sign in ((1, 1.0), (0, -1.0)):
        deductible = np.where(county, values["county_deductible"][side], values["township_deductible"][side])
        ratio = np.where(county, values["county_payment_ratio"][side], values["township_payment_ratio"][side])
        expected += sign * sum(round(max(c - d, 0) * r, 2) for c, d, r in zip(claims["eligible_cost"], deductible,
                                                                             ratio, strict=True))
    assert payment["difference"] == pytest.approx(expected, abs=0.01)
    page = (out / "impact.html").read_text(encoding="utf-8")
    assert "SYNTHETIC" in page and "huangzhong-2017 IV.3" in page


# -- the site -------------------------------------------------------------------------------------


def test_the_history_page_shows_each_versions_impact_on_the_synthetic_claims() -> None:
    from governance.diff import consecutive_diffs
    from publication.pages import history_page

    versions = ruleset_versions("huangzhong-insurance-payment", ROOT / "rules")
    if len(versions) < 2:
        pytest.skip("rules/huangzhong-insurance-payment has one version only: nothing to compare yet")
    page = history_page(versions, consecutive_diffs(versions))
    section = page[page.index("## What each version changes, on SYNTHETIC claims"):]
    assert "SYNTHETIC" in section.split("###")[0]
    for old, new in itertools.pairwise(versions):
        assert f"### {new.version} against {old.version}, on {new.effective_from.isoformat()}" in section
    assert "clauses.md#clause-huangzhong-2017-iv-3" in section


def test_a_rules_folder_without_a_population_has_no_impact_section(tmp_path: Path) -> None:
    from governance.diff import consecutive_diffs
    from publication.pages import history_page

    versions = list(_versions(tmp_path, _body(0.8, 300), _body(0.9, 300)))
    assert "SYNTHETIC" not in history_page(versions, consecutive_diffs(versions))


def test_excel_cells_the_reader_cannot_use_reject_their_row_once(app: typer.Typer, tmp_path: Path) -> None:
    rules, _ = _cli_setup(tmp_path)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(["kind", "cost", "remark"])
    sheet.append(["county", 1200, "=1+1"])  # a formula without a saved value, in a column no rule reads
    sheet.append(["township", dt.datetime(2020, 3, 1), "x"])
    sheet.append(["township", 0.5, "y"])
    sheet["B4"].number_format = "0%"
    path = tmp_path / "claims.xlsx"
    book.save(path)
    code, stdout, stderr = _run(app, "impact", "demo", "--rules", rules, "--from", "1.0", "--to", "2.0",
                                "--data", path, "--on", "2017-06-01", "--out", tmp_path / "out")
    assert code == 3, stdout + stderr
    assert "3 in = 1 compared + 2 rejected" in stdout
    rejected = [line for line in stdout.splitlines() if "rejected row" in line]
    assert len(rejected) == 2
    assert "Data!B3 holds a date or time (2020-03-01)" in rejected[0]
    assert "Data!B4 (50%) is a percentage" in rejected[1]
