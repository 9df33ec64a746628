"""Amendments: `extends:` states only what changes; diffs compare what is in force (issue 11, item 5)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from governance.decide import decide
from governance.diagnostics import MedunionError
from governance.diff import diff_lines, diff_rulesets
from governance.load import load_ruleset, ruleset_versions
from medunion.commands.rules import register
from publication.pages import diff_page

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
PAYMENT = "huangzhong-insurance-payment"

BASE = """\
kind: ruleset
id: demo-fee
title: Demo fee
jurisdiction: Test County
version: "2017.1"
status: adopted
effective:
  from: 2017-01-01
  until: 2017-12-31
sources:
  - key: zhenghe-2017
    title: Zhenghe plan
inputs:
  cost:
    type: number
    minimum: 0
parameters:
  rate:
    type: number
    unit: ratio
    clause: zhenghe-2017 IV.7.4
    status: law
    values:
      - from: 2017-01-01
        value: 0.5
outputs:
  fee:
    type: number
  flag:
    type: boolean
    default: false
rules:
  - id: fee
    title: The fee
    clause: zhenghe-2017 IV.7.4
    status: law
    source: a fee is paid
    then:
      fee: cost * rate
  - id: flag
    title: Large costs are flagged
    clause: zhenghe-2017 IV.7.4
    status: law
    source: large costs are flagged
    when: cost > 1000
    then:
      flag: true
"""


def write(folder: Path, name: str, text: str) -> Path:
    """A rule file in a rules folder with the clause index (citations are checked against it)."""
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder.parent / "clauses.yaml").exists():
        shutil.copy(RULES / "clauses.yaml", folder.parent / "clauses.yaml")
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def amendment(body: str, version: str = "2018.1", extends: str = "2017.1") -> str:
    return (f'kind: ruleset\nid: demo-fee\nextends: "{extends}"\nversion: "{version}"\nstatus: draft\n'
            f"effective:\n  from: 2018-01-01\n{body}")


# --- the shipped amendment ----------------------------------------------------------------------


def test_the_shipped_amendment_inherits_everything_but_its_one_change() -> None:
    versions = {r.version: r for r in ruleset_versions(PAYMENT, RULES)}
    base, amended = versions["2018.1"], versions["2019.1"]
    assert [r.id for r in amended.rules] == [r.id for r in base.rules]
    assert [t.id for t in amended.tables] == [t.id for t in base.tables]
    values = amended.parameters["county_deductible"].values
    assert [(v.start, v.value) for v in values] == [(dt.date(2018, 1, 1), 500), (dt.date(2019, 1, 1), 600)]
    assert values[0].location.path.endswith("2018.1.yaml") and values[1].location.path.endswith("2019.1.yaml")
    assert amended.rules[0].location.path.endswith("2018.1.yaml")  # an inherited rule points at its file
    assert amended.effective_from == dt.date(2019, 1, 1) and base.effective_until == dt.date(2018, 12, 31)
    assert amended.digest != base.digest


def test_the_shipped_amendment_decides_with_its_new_value() -> None:
    versions = {r.version: r for r in ruleset_versions(PAYMENT, RULES)}
    case = {"institution_kind": "secondary_hospital", "eligible_cost": 10000}
    assert decide(versions["2019.1"], case, dt.date(2019, 3, 1)).outputs["insurance_payment"] == 7050
    assert decide(versions["2018.1"], case, dt.date(2018, 3, 1)).outputs["insurance_payment"] == 7125


def test_diff_of_the_shipped_amendment_shows_only_what_changed() -> None:
    versions = {r.version: r for r in ruleset_versions(PAYMENT, RULES)}
    diff = diff_rulesets(versions["2018.1"], versions["2019.1"])
    assert [p.name for p in diff.parameters] == ["county_deductible"]
    (change,) = diff.parameters[0].values
    assert (change.start, change.old.value, change.new.value) == (dt.date(2019, 1, 1), 500, 600)  # type: ignore[union-attr]
    assert diff.rules == () and diff.tables == ()
    # 2017.1 → 2018.1 copied the county figures with the new version's date: no change shown
    copied = diff_rulesets(versions["2017.1"], versions["2018.1"])
    assert {p.name for p in copied.parameters} == {"township_deductible", "township_payment_ratio"}
    assert not any(line.strip().startswith("value from") and line.split(": ")[1].split(" → ")[0]
                   == line.split(" → ")[1] for line in diff_lines(copied))


def test_the_sites_diff_page_shows_no_false_change() -> None:
    versions = {r.version: r for r in ruleset_versions(PAYMENT, RULES)}
    old, new = versions["2017.1"], versions["2018.1"]
    page = diff_page(diff_rulesets(old, new), old, new)
    assert "county deductible" not in page.lower() and "county payment ratio" not in page.lower()
    assert "township deductible" in page.lower()
    old, new = versions["2018.1"], versions["2019.1"]
    page = diff_page(diff_rulesets(old, new), old, new)
    assert "township deductible" not in page.lower() and "township payment ratio" not in page.lower()
    assert "1 January 2019" in page


# --- merging and its errors -----------------------------------------------------------------------


def test_values_are_appended_and_rules_replaced_added_and_repealed(tmp_path: Path) -> None:
    folder = tmp_path / "demo-fee"
    write(folder, "2017.1.yaml", BASE)
    path = write(folder, "2018.1.yaml", amendment("""\
parameters:
  rate:
    values:
      - from: 2018-01-01
        value: 0.6
rules:
  - id: fee
    title: The fee, with a floor
    clause: zhenghe-2017 IV.7.4
    status: law
    source: a fee is paid, at least 10
    then:
      fee: max(cost * rate, 10)
repeal: [flag]
"""))
    amended = load_ruleset(path)
    assert [v.value for v in amended.parameters["rate"].values] == [0.5, 0.6]
    assert [r.id for r in amended.rules] == ["fee"]
    assert amended.rules[0].title == "The fee, with a floor"
    assert amended.rules[0].location.path == str(path)
    assert decide(amended, {"cost": 10}, dt.date(2018, 6, 1)).outputs["fee"] == 10
    diff = diff_rulesets(load_ruleset(folder / "2017.1.yaml"), amended)
    assert {r.id: r.kind for r in diff.rules} == {"fee": "changed", "flag": "removed"}


@pytest.mark.parametrize(
    ("body", "extends", "where", "fragment"),
    [
        ("", "2016.1", "2018.1.yaml:3:", "no version 2016.1 of demo-fee"),
        ("repeal: [nothing]\n", "2017.1", "2018.1.yaml:8:", "repeal: no rule or table 'nothing'"),
        ("repeal: [flag]\nrules:\n  - {id: flag, title: t, clause: zhenghe-2017 IV.7.4, status: law, source: s, "
         "then: {flag: true}}\n", "2017.1", "2018.1.yaml:8:", "'flag' is both repealed and restated"),
        ("rules:\n  - {id: fee, title: t, clause: zhenghe-2017 IV.7.4, status: law, source: s, "
         "then: {fee: cost * nope}}\n", "2017.1", "2018.1.yaml:", "nope"),
    ],
)
def test_errors_in_an_amendment_point_at_the_amendment(tmp_path: Path, body: str, extends: str, where: str,
                                                      fragment: str) -> None:
    folder = tmp_path / "demo-fee"
    write(folder, "2017.1.yaml", BASE)
    path = write(folder, "2018.1.yaml", amendment(body, extends=extends))
    with pytest.raises(MedunionError) as exc:
        load_ruleset(path) if "nope" not in fragment else decide(load_ruleset(path), {"cost": 1}, dt.date(2018, 2, 1))
    message = str(exc.value)
    assert where in message and fragment in message, message


def test_an_error_in_an_inherited_part_points_at_the_base(tmp_path: Path) -> None:
    folder = tmp_path / "demo-fee"
    write(folder, "2017.1.yaml", BASE.replace("cost * rate", "cost * rat"))
    path = write(folder, "2018.1.yaml", amendment(""))
    with pytest.raises(MedunionError) as exc:
        decide(load_ruleset(path), {"cost": 1}, dt.date(2018, 2, 1))
    assert "2017.1.yaml:" in str(exc.value) and "2018.1.yaml" not in str(exc.value)


def test_a_circle_of_amendments_and_missing_own_fields_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "demo-fee"
    write(folder, "2018.1.yaml", amendment("", version="2018.1", extends="2019.1"))
    write(folder, "2019.1.yaml", amendment("", version="2019.1", extends="2018.1"))
    with pytest.raises(MedunionError, match="extend each other in a circle"):
        load_ruleset(folder / "2018.1.yaml")
    write(folder, "2017.1.yaml", BASE)
    path = write(folder, "2020.1.yaml", 'kind: ruleset\nid: demo-fee\nextends: "2017.1"\nversion: "2020.1"\n')
    with pytest.raises(MedunionError) as exc:
        load_ruleset(path)
    assert "states its own 'status'" in str(exc.value) and "states its own 'effective'" in str(exc.value)


# --- medunion amend -------------------------------------------------------------------------------


def test_amend_writes_a_skeleton_that_loads_and_refuses_to_overwrite(tmp_path: Path) -> None:
    root = tmp_path / "rules"
    shutil.copytree(RULES / PAYMENT, root / PAYMENT)
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    args = ["amend", PAYMENT, "--version", "2020.1", "--from", "2020-01-01", "--rules", str(root)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    written = root / PAYMENT / "2020.1.yaml"
    assert 'extends: "2019.1"' in written.read_text()
    versions = {r.version: r for r in ruleset_versions(PAYMENT, root)}
    assert versions["2019.1"].effective_until == dt.date(2019, 12, 31)
    assert diff_rulesets(versions["2019.1"], versions["2020.1"]).parameters == ()
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "never overwritten" in again.output


def test_check_reports_an_error_in_an_extended_version_once(tmp_path: Path) -> None:
    folder = tmp_path / "demo-fee"
    write(folder, "2017.1.yaml", BASE.replace("cost * rate", "cost * rat"))
    write(folder, "2018.1.yaml", amendment(""))
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["check", str(folder)])
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if "unknown name 'rat'" in line]
    assert len(lines) == 1 and "2017.1.yaml:" in lines[0], result.stdout
