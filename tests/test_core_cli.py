"""`medunion check`, `decide` and `test`, through the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from fixtures.builders import COVERED_BODY, position, write_ruleset
from typer.testing import CliRunner

from medunion.commands.rules import register

BODY = COVERED_BODY


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def _run(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _case(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- check -------------------------------------------------------------------------------------


def test_check_exits_0_on_clean_rules(app: typer.Typer, tmp_path: Path) -> None:
    write_ruleset(tmp_path / "rules", BODY)
    code, out, err = _run(app, "check", tmp_path / "rules")
    assert code == 0, out + err
    assert "0 error(s)" in err


def test_check_exits_1_and_prints_path_line_col(app: typer.Typer, tmp_path: Path) -> None:
    path = write_ruleset(tmp_path / "rules", BODY.replace("when: insured", "when: insured = true"))
    line, column = position(path.read_text(), "= true")
    code, out, err = _run(app, "check", tmp_path / "rules")
    assert code == 1
    assert f"{path}:{line}:{column}: error: in expression `insured = true`" in out
    assert "1 error(s)" in err


def test_check_reports_semantic_errors(app: typer.Typer, tmp_path: Path) -> None:
    path = write_ruleset(tmp_path / "rules", BODY.replace("cost * 0.5", "cots * 0.5"))
    line, column = position(path.read_text(), "cots")
    code, out, _ = _run(app, "check", path)
    assert code == 1
    assert f"{path}:{line}:{column}: error: `cots`: unknown name 'cots'; did you mean 'cost'?" in out


def test_check_reports_yaml_errors(app: typer.Typer, tmp_path: Path) -> None:
    path = write_ruleset(tmp_path / "rules", BODY + "  - id: [broken\n")
    code, out, _ = _run(app, "check", path)
    assert code == 1
    assert f"{path}:" in out and "error: YAML syntax" in out


def test_check_a_missing_path(app: typer.Typer, tmp_path: Path) -> None:
    code, _, err = _run(app, "check", tmp_path / "nowhere")
    assert code == 1
    assert "no such file or folder" in err


# --- decide ------------------------------------------------------------------------------------


def test_decide_json_is_valid_json(app: typer.Typer, tmp_path: Path) -> None:
    path = write_ruleset(tmp_path / "rules", BODY)
    case = _case(tmp_path, "cost: 1000\ninsured: true\n")
    code, out, err = _run(app, "decide", path, "--on", "2017-09-01", "--case", case, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["outputs"]["reimbursement"]["value"] == 500
    assert data["outputs"]["covered"]["by"]["id"] == "covered"


def test_decide_by_id_and_folder(app: typer.Typer, tmp_path: Path) -> None:
    write_ruleset(tmp_path / "rules", BODY)
    case = _case(tmp_path, "inputs:\n  cost: 1000\n  insured: false\n")
    code, out, err = _run(app, "decide", "demo", "--on", "2017-09-01", "--case", case, "--format", "json",
                          "--rules", tmp_path / "rules")
    assert code == 0, err
    assert json.loads(out)["outputs"]["covered"]["value"] is False
    code, out, err = _run(app, "decide", tmp_path / "rules" / "demo", "--on", "2017-09-01", "--case", case)
    assert code == 0, err
    assert "covered: no" in out


@pytest.mark.parametrize("output_format", ["text", "markdown"])
def test_decide_text_and_markdown(app: typer.Typer, tmp_path: Path, output_format: str) -> None:
    path = write_ruleset(tmp_path / "rules", BODY)
    case = _case(tmp_path, "cost: 1000\ninsured: true\n")
    code, out, err = _run(app, "decide", path, "--on", "2017-09-01", "--case", case, "--format", output_format)
    assert code == 0, err
    assert "reimbursement" in out and "500" in out and "demo-2017 I.1" in out


def test_decide_refuses_a_bad_case_naming_the_field(app: typer.Typer, tmp_path: Path) -> None:
    path = write_ruleset(tmp_path / "rules", BODY)
    case = _case(tmp_path, "cost: '1000'\ninsured: true\n")
    code, out, err = _run(app, "decide", path, "--on", "2017-09-01", "--case", case, "--format", "json")
    assert code == 1
    assert out == ""
    assert "field 'cost'" in err


def test_decide_refuses_a_bad_date(app: typer.Typer, tmp_path: Path) -> None:
    path = write_ruleset(tmp_path / "rules", BODY)
    case = _case(tmp_path, "cost: 1000\ninsured: true\n")
    code, _, err = _run(app, "decide", path, "--on", "2017-02-30", "--case", case)
    assert code != 0
    assert "not a date" in err


# --- test --------------------------------------------------------------------------------------


def _with_tests(tmp_path: Path, expected: str) -> Path:
    root = tmp_path / "rules"
    write_ruleset(root, BODY)
    (root / "demo" / "tests").mkdir()
    (root / "demo" / "tests" / "cases.yaml").write_text(
        "kind: ruleset-test\nruleset: demo\ntests:\n"
        "  - name: insured\n    on: 2017-09-01\n    inputs: {cost: 1000, insured: true}\n"
        f"    expect:\n      reimbursement: {expected}\n", encoding="utf-8")
    return root


def test_test_exits_0_when_all_pass(app: typer.Typer, tmp_path: Path) -> None:
    code, out, _ = _run(app, "test", _with_tests(tmp_path, "500"))
    assert code == 0
    assert "1 passed, 0 failed" in out


def test_test_exits_non_zero_on_a_failure_and_shows_why(app: typer.Typer, tmp_path: Path) -> None:
    code, out, _ = _run(app, "test", _with_tests(tmp_path, "400"))
    assert code == 1
    assert "0 passed, 1 failed" in out
    assert "reimbursement: expected 400, got 500" in out
    assert "explanation:" in out


def test_test_with_no_tests_is_a_failure(app: typer.Typer, tmp_path: Path) -> None:
    write_ruleset(tmp_path / "rules", BODY)
    code, out, _ = _run(app, "test", tmp_path / "rules")
    assert code == 1
    assert "0 passed, 0 failed" in out


def test_check_a_test_file_naming_an_unknown_rule_set(app: typer.Typer, tmp_path: Path) -> None:
    root = _with_tests(tmp_path, "500")
    path = root / "demo" / "tests" / "cases.yaml"
    path.write_text(path.read_text().replace("ruleset: demo", "ruleset: demos"), encoding="utf-8")
    (root / "other" / "tests").mkdir(parents=True)
    moved = root / "other" / "tests" / "cases.yaml"
    path.rename(moved)
    code, out, _ = _run(app, "check", root)
    assert code == 1
    assert f"{moved}:4:5: error: test 'insured' names unknown rule set 'demos'" in out


def test_the_installed_medunion_command(tmp_path: Path) -> None:
    path = write_ruleset(tmp_path / "rules", BODY.replace("when: insured", "when: insured = true"))
    line, column = position(path.read_text(), "= true")
    command = Path(sys.executable).with_name("medunion")
    result = subprocess.run([str(command), "check", str(path)], capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 1, result.stderr
    assert f"{path}:{line}:{column}: error: in expression" in result.stdout


@pytest.mark.parametrize(("on", "version", "amount"), [("2017-12-31", "1.0", 500), ("2018-01-01", "2.0", 600)])
def test_decide_by_id_picks_the_version_in_force(
    app: typer.Typer, tmp_path: Path, on: str, version: str, amount: int
) -> None:
    root = tmp_path / "rules"
    write_ruleset(root, BODY, version="1.0", until="2017-12-31")
    write_ruleset(root, BODY.replace("cost * 0.5", "cost * 0.6"), version="2.0", start="2018-01-01")
    case = _case(tmp_path, "cost: 1000\ninsured: true\n")
    code, out, err = _run(app, "decide", "demo", "--on", on, "--case", case, "--format", "json", "--rules", root)
    assert code == 0, err
    data = json.loads(out)
    assert data["ruleset"]["version"] == version
    assert data["outputs"]["reimbursement"]["value"] == amount


def test_decide_before_any_version_is_refused(app: typer.Typer, tmp_path: Path) -> None:
    write_ruleset(tmp_path / "rules", BODY)
    case = _case(tmp_path, "cost: 1000\ninsured: true\n")
    code, _, err = _run(app, "decide", "demo", "--on", "2016-06-01", "--case", case, "--rules", tmp_path / "rules")
    assert code == 1
    assert "no version of demo is in force on 2016-06-01" in err


# --- diff ----------------------------------------------------------------------------------------

PARAMETER_BODY = """parameters:
  rate:
    type: number
    clause: demo-2017 I.1
    status: law
    values:
{values}
inputs:
  cost:
    type: number
outputs:
  fee:
    type: number
rules:
  - id: fee
    title: The fee
    clause: demo-2017 I.1
    status: law
    source: The plan says so.
    then:
      fee: cost * rate
"""


def _values(*pairs: tuple[str, float]) -> str:
    return "\n".join(f"      - {{from: {day}, value: {value}, reference: plan}}" for day, value in pairs)


def test_diff_between_versions_with_copied_values_reports_no_change(app: typer.Typer, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    write_ruleset(rules, PARAMETER_BODY.format(values=_values(("2017-01-01", 0.5), ("2017-07-01", 0.6))),
                  version="2017.1", start="2017-01-01", until="2017-12-31")
    write_ruleset(rules, PARAMETER_BODY.format(values=_values(("2018-01-01", 0.6))), version="2018.1",
                  start="2018-01-01")
    code, out, err = _run(app, "diff", "demo", "--rules", rules)
    assert code == 0, out + err
    assert out.splitlines() == ["demo: 2017.1 → 2018.1", "  effective from: 2017-01-01 → 2018-01-01",
                                "  effective until: 2017-12-31 → —"]
    write_ruleset(rules, PARAMETER_BODY.format(values=_values(("2019-01-01", 0.7))), version="2019.1",
                  start="2019-01-01")
    code, out, _ = _run(app, "diff", "demo", "--rules", rules, "--from", "2018.1", "--to", "2019.1")
    assert "    value from 2019-01-01: 0.6 → 0.7" in out.splitlines()
