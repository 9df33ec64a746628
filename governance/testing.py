"""Tests written beside the rules (rules/<id>/tests/*.yaml): load, run, report.

Each test is run through both evaluators, the one-case reference and the bulk one, so the
tests that pin the law also pin the two evaluators to each other.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from governance.bulk import decide_frame_with_plan
from governance.compile import Plan, plan_for
from governance.decide import decide_with_plan
from governance.diagnostics import Location, MedunionError, error, has_errors
from governance.explain import render_text
from governance.load import kind_of, load_rulesets, ruleset_in_force, yaml_files
from governance.model import RuleSet
from governance.schema import validate
from governance.source import load_yaml
from governance.trace import DecisionTrace
from governance.values import json_value, plain_value


@dataclass(frozen=True)
class RuleTest:
    name: str
    ruleset_id: str
    on: dt.date
    inputs: dict[str, Any]
    expect: dict[str, Any]
    expect_error: str | None
    expect_warning: str | None
    location: Location
    rules_dir: Path


@dataclass
class TestOutcome:
    test: RuleTest
    passed: bool
    failures: list[str] = field(default_factory=list)
    trace: DecisionTrace | None = None  # of the one-case decision, when the case was decided

    def report(self) -> str:
        lines = [f"{self.test.location}: FAILED {self.test.name}"]
        lines += [f"  {f}" for f in self.failures]
        if self.trace is not None:
            lines += ["  explanation:"] + ["    " + line for line in render_text(self.trace).splitlines()]
        return "\n".join(lines)


def load_tests(path: str | Path) -> list[RuleTest]:
    """The tests of one file; the rule set is looked up in the folder above `tests/`."""
    doc = load_yaml(path)
    problems = validate(doc, "ruleset-test")
    if has_errors(problems):
        raise MedunionError(problems)
    path = Path(path)
    rules_dir = path.parent.parent if path.parent.name == "tests" else path.parent
    found = []
    bad_dates = []
    for i, spec in enumerate(doc.data["tests"]):
        try:
            on = dt.date.fromisoformat(spec["on"])
        except ValueError:
            bad_dates.append(error(f"test '{spec['name']}': {spec['on']!r} is not a valid date; write YYYY-MM-DD",
                                   doc.locate(("tests", i, "on"))))
            continue
        found.append(RuleTest(
            name=spec["name"], ruleset_id=doc.data["ruleset"], on=on,
            inputs=spec["inputs"], expect=spec.get("expect", {}), expect_error=spec.get("expect_error"),
            expect_warning=spec.get("expect_warning"), location=doc.locate(("tests", i)), rules_dir=rules_dir,
        ))
    if bad_dates:
        raise MedunionError(bad_dates)
    return found


def _matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict) and "value" in expected:
        tolerance = float(expected.get("tolerance", 0))
        return actual is not None and not isinstance(actual, bool) and math.isclose(
            float(actual), float(expected["value"]), abs_tol=tolerance, rel_tol=0)
    if isinstance(expected, bool) or expected is None or isinstance(actual, bool):
        return expected is actual or (expected == actual and type(expected) is type(actual))
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return math.isclose(float(actual), float(expected), rel_tol=0, abs_tol=1e-9)
    return json_value(expected) == json_value(actual)


def _bulk_value(value: Any) -> Any:
    return json_value(plain_value(value))


class _Rulesets:
    """Rule sets by folder, loaded once per run (their plans are cached by content, see `plan_for`)."""

    def __init__(self) -> None:
        self.cache: dict[Path, dict[str, list[RuleSet]]] = {}

    def plan(self, test: RuleTest) -> Plan:
        groups = self.cache.get(test.rules_dir)
        if groups is None:
            groups = self.cache[test.rules_dir] = load_rulesets(test.rules_dir)
        if test.ruleset_id not in groups:
            raise MedunionError(error(
                f"test names rule set '{test.ruleset_id}', which is not in {test.rules_dir}", test.location))
        return plan_for(ruleset_in_force(groups[test.ruleset_id], test.on))


def run_test(test: RuleTest, rulesets: _Rulesets | None = None) -> TestOutcome:
    """Decide the test's case with both evaluators and compare with what the test expects."""
    try:
        plan = (rulesets or _Rulesets()).plan(test)
    except MedunionError as exc:
        if test.expect_error and test.expect_error in str(exc):
            return TestOutcome(test, True)
        return TestOutcome(test, False, [f"cannot run: {exc}"])
    try:
        decision = decide_with_plan(plan, test.inputs, test.on)
    except MedunionError as exc:
        if test.expect_error and test.expect_error in str(exc):
            return TestOutcome(test, True)
        wanted = f"expected an error naming '{test.expect_error}'" if test.expect_error else "expected a decision"
        return TestOutcome(test, False, [f"{wanted}, but the case was refused: {exc}"])
    if test.expect_error:
        return TestOutcome(test, False, [f"expected an error naming '{test.expect_error}', but it was decided: "
                                         f"{decision.outputs}"], decision.trace)
    failures = []
    for name, expected in test.expect.items():
        if name not in decision.outputs:
            failures.append(f"'{name}' is not an output of {plan.ruleset.id} (outputs: "
                            + ", ".join(decision.outputs) + ")")
            continue
        actual = decision.outputs[name]
        if not _matches(expected, actual):
            failures.append(f"{name}: expected {json_value(expected)!r}, got {json_value(actual)!r}")
    if test.expect_warning and not any(test.expect_warning in w for w in decision.trace.warnings):
        failures.append(f"expected a warning mentioning '{test.expect_warning}', got "
                        f"{list(decision.trace.warnings)}")
    try:
        bulk = decide_frame_with_plan(plan, pd.DataFrame([test.inputs]), test.on).iloc[0]
    except MedunionError as exc:  # one test's disagreement must not stop the others
        failures.append(f"the bulk evaluator refused the case that was decided: {exc}")
        return TestOutcome(test, False, failures, decision.trace)
    for name, value in decision.outputs.items():
        if not _matches(json_value(value), _bulk_value(bulk[name])) and not (
            value is None and _bulk_value(bulk[name]) is None):
            failures.append(f"the bulk evaluator disagrees on {name}: {json_value(value)!r} "
                            f"(one case) vs {_bulk_value(bulk[name])!r} (bulk)")
    return TestOutcome(test, not failures, failures, decision.trace)


def test_files(paths: list[str | Path]) -> list[Path]:
    """The YAML files with `kind: ruleset-test` under the given paths."""
    found = []
    named = {Path(p) for p in paths if Path(p).is_file()}  # a file named on the command line is never skipped
    for path in yaml_files(paths):
        if path in named or path.parent.name == "tests" or "test" in path.name:
            try:
                doc = load_yaml(path)
            except MedunionError:
                found.append(path)  # reported when loaded
                continue
            if kind_of(doc) == "ruleset-test":
                found.append(path)
            elif path in named:
                raise MedunionError(error("not a rule-set test: a test file starts with `kind: ruleset-test`",
                                          doc.locate(("kind",))))
    return found


def run_tests(paths: list[str | Path]) -> list[TestOutcome]:
    rulesets = _Rulesets()
    outcomes = []
    for path in test_files(paths):
        for test in load_tests(path):
            outcomes.append(run_test(test, rulesets))
    return outcomes
