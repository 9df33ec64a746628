"""YAML tests beside the rules: the runner's verdicts and reports, and the pytest plugin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.builders import BENEFITS, rule, write_ruleset

from governance.diagnostics import MedunionError
from governance.testing import load_tests, run_tests

BODY = """inputs:
  cost:
    type: number
    minimum: 0
  insured:
    type: boolean
parameters:
  ratio:
    type: number
    clause: demo-2017 I.1
    status: uncertain-reading
    note: The text reads "0.?5"; 0.85 is the likelier reading.
    values:
      - from: 2017-01-01
        value: 0.85
outputs:
  covered:
    type: boolean
    default: false
  reimbursement:
    type: number
rules:
""" + rule("covered", "insured", "covered: true") + rule("reimburse", "covered", "reimbursement: cost * ratio / 3")

CASE = "{cost: 10000, insured: true}"


def _rules(tmp_path: Path, tests: str) -> Path:
    root = tmp_path / "rules"
    write_ruleset(root, BODY)
    folder = root / "demo" / "tests"
    folder.mkdir(parents=True)
    (folder / "cases.yaml").write_text("kind: ruleset-test\nruleset: demo\ntests:\n" + tests, encoding="utf-8")
    return root


def _test(name: str, body: str, inputs: str = CASE) -> str:
    return f"  - name: {name}\n    on: 2017-09-01\n    inputs: {inputs}\n{body}"


def _one_outcome(tmp_path: Path, tests: str) -> tuple[bool, str]:
    outcomes = run_tests([_rules(tmp_path, tests)])
    assert len(outcomes) == 1
    return outcomes[0].passed, outcomes[0].report()


def test_a_passing_test(tmp_path: Path) -> None:
    passed, _ = _one_outcome(tmp_path, _test("covered", "    expect:\n      covered: true\n"))
    assert passed


def test_a_failing_test_reports_expected_actual_and_the_explanation(tmp_path: Path) -> None:
    passed, report = _one_outcome(tmp_path, _test("not covered?", "    expect:\n      covered: false\n"))
    assert not passed
    assert "FAILED not covered?" in report
    assert "covered: expected False, got True" in report
    assert "explanation:" in report
    assert "Rule covered (demo-2017 I.1)" in report  # the rule that decided, from the explanation


def test_the_report_names_the_test_file_and_line(tmp_path: Path) -> None:
    root = _rules(tmp_path, _test("first", "    expect:\n      covered: true\n")
                  + _test("second", "    expect:\n      covered: false\n"))
    (outcome,) = [o for o in run_tests([root]) if not o.passed]
    path = root / "demo" / "tests" / "cases.yaml"
    line = path.read_text().splitlines().index("  - name: second") + 1
    assert outcome.report().startswith(f"{path}:{line}:")


@pytest.mark.parametrize(
    ("expected", "passes"),
    [
        ("{value: 2833.33, tolerance: 0.01}", True),
        ("{value: 2833.3, tolerance: 0.01}", False),
        ("{value: 2833.3, tolerance: 0.05}", True),
        ("2833.33", False),  # without a tolerance, 2833.333... is not 2833.33
    ],
)
def test_tolerance(tmp_path: Path, expected: str, passes: bool) -> None:
    passed, report = _one_outcome(tmp_path, _test("amount", f"    expect:\n      reimbursement: {expected}\n"))
    assert passed is passes, report
    if not passes:
        assert "reimbursement: expected" in report and "got 2833.33333" in report


def test_a_boolean_is_not_a_number(tmp_path: Path) -> None:
    passed, _ = _one_outcome(tmp_path, _test("covered", "    expect:\n      covered: 1\n"))
    assert not passed


def test_expect_error_passes_when_the_case_is_refused_naming_the_field(tmp_path: Path) -> None:
    tests = _test("text for a number", "    expect_error: cost\n", inputs="{cost: '10000', insured: true}")
    passed, report = _one_outcome(tmp_path, tests)
    assert passed, report


def test_expect_error_fails_when_the_case_is_decided(tmp_path: Path) -> None:
    passed, report = _one_outcome(tmp_path, _test("fine case", "    expect_error: cost\n"))
    assert not passed
    assert "expected an error naming 'cost', but it was decided" in report


def test_expect_error_fails_when_another_field_is_named(tmp_path: Path) -> None:
    tests = _test("wrong field", "    expect_error: cost\n", inputs="{cost: 10000, insured: 1}")
    passed, report = _one_outcome(tmp_path, tests)
    assert not passed
    assert "expected an error naming 'cost', but the case was refused" in report
    assert "'insured'" in report


def test_an_unexpected_refusal_is_a_failure(tmp_path: Path) -> None:
    passed, report = _one_outcome(tmp_path, _test("bad", "    expect:\n      covered: true\n",
                                                  inputs="{cost: -5, insured: true}"))
    assert not passed
    assert "expected a decision, but the case was refused" in report and "below the minimum" in report


def test_expect_warning(tmp_path: Path) -> None:
    passes = _test("warned", "    expect:\n      covered: true\n    expect_warning: uncertain reading\n")
    assert _one_outcome(tmp_path / "a", passes)[0]
    fails = _test("warned", "    expect:\n      covered: true\n    expect_warning: something else\n")
    passed, report = _one_outcome(tmp_path / "b", fails)
    assert not passed and "expected a warning mentioning 'something else'" in report


def test_an_unknown_output_is_a_failure(tmp_path: Path) -> None:
    passed, report = _one_outcome(tmp_path, _test("typo", "    expect:\n      coverd: true\n"))
    assert not passed
    assert "'coverd' is not an output of demo" in report


def test_a_malformed_test_file_is_an_error_with_its_position(tmp_path: Path) -> None:
    root = _rules(tmp_path, _test("no expectation", "    expcet:\n      covered: true\n"))
    path = root / "demo" / "tests" / "cases.yaml"
    with pytest.raises(MedunionError) as exc:
        load_tests(path)
    assert any(str(d).startswith(f"{path}:") and "expcet" in str(d) for d in exc.value.diagnostics)


# --- the pytest plugin -------------------------------------------------------------------------


def _pytest(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(root), "-p", "no:cacheprovider", "-rA", "--no-header"],
        capture_output=True, text=True, cwd=root.parent, timeout=300, check=False,
    )


def test_pytest_collects_and_runs_the_yaml_tests(tmp_path: Path) -> None:
    root = _rules(tmp_path, _test("covered when insured", "    expect:\n      covered: true\n")
                  + _test("not covered?", "    expect:\n      covered: false\n"))
    result = _pytest(root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout
    assert "PASSED" in result.stdout and "covered when insured" in result.stdout
    assert "covered: expected False, got True" in result.stdout
    assert "explanation:" in result.stdout


def test_pytest_passes_when_every_yaml_test_passes(tmp_path: Path) -> None:
    root = _rules(tmp_path, _test("covered when insured", "    expect:\n      covered: true\n"))
    result = _pytest(root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_the_fixture_rule_set_tests_pass_through_the_runner() -> None:
    outcomes = run_tests([BENEFITS.parent])
    assert len(outcomes) == 6
    assert [o.report() for o in outcomes if not o.passed] == []


def test_an_impossible_date_in_a_test_file_is_an_error_at_its_position(tmp_path: Path) -> None:
    root = _rules(tmp_path, "  - name: leap\n    on: 2018-02-29\n    inputs: {}\n    expect:\n      covered: true\n")
    path = root / "demo" / "tests" / "cases.yaml"
    with pytest.raises(MedunionError) as exc:
        load_tests(path)
    (diagnostic,) = exc.value.diagnostics
    line = path.read_text().splitlines().index("    on: 2018-02-29") + 1
    assert str(diagnostic).startswith(f"{path}:{line}:9: error: test 'leap': '2018-02-29' is not a valid date")


def test_a_bulk_refusal_fails_that_test_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import governance.testing as testing

    def refuse(*args: object, **kwargs: object) -> None:
        raise MedunionError("row 0, column 'cost': refused")

    monkeypatch.setattr(testing, "decide_frame_with_plan", refuse)
    root = _rules(tmp_path, _test("one", "    expect:\n      covered: true\n")
                  + _test("two", "    expect_error: cost\n", inputs="{cost: '1', insured: true}"))
    first, second = run_tests([root])
    assert not first.passed
    assert "the bulk evaluator refused the case that was decided" in first.report()
    assert second.passed


def test_medunion_test_says_what_differed_in_chinese(tmp_path: Path) -> None:
    """A drafter reads why a test failed in Chinese: the expected and actual values, and a refusal
    with its place in the test file."""
    from typer.testing import CliRunner

    from medunion.cli import app

    root = _rules(tmp_path, _test("not covered?", "    expect:\n      covered: false\n")
                  + _test("bad", "    expect:\n      covered: true\n", inputs="{cost: -5, insured: true}"))
    result = CliRunner().invoke(app, ["test", str(root), "--lang", "zh"])
    assert result.exit_code == 1, result.output
    assert "covered：应为 False，实际为 True" in result.output
    assert "应作出决定，但案例被拒绝：" in result.output and "低于最小值" in result.output
    assert "expected" not in result.output and "was refused" not in result.output
    assert "0 个通过，2 个失败" in result.output  # the summary line is Chinese too
