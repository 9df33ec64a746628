"""Tests written beside the rules (rules/<id>/tests/*.yaml): load, run, report.

Each test is run through both evaluators, the one-case reference and the bulk one, so the
tests that pin the law also pin the two evaluators to each other.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from governance.bulk import decide_frame_with_plan
from governance.compile import Plan, plan_for
from governance.decide import decide_with_plan
from governance.diagnostics import Diagnostic, Location, MedunionError, Message, error, has_errors, joined, said
from governance.explain import render_text, said_in
from governance.i18n import N_, translator
from governance.load import kind_of, load_rulesets, ruleset_in_force, yaml_files
from governance.model import RuleSet
from governance.schema import validate
from governance.source import NodePath, SourceDocument, load_yaml
from governance.trace import DecisionTrace
from governance.values import check_field, check_value, json_value, plain_value


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

    def report(self, lang: str = "en") -> str:
        """A failed test: where, what differed, and the decision's letter, in `lang`."""
        t = translator(lang)
        lines = [f"{self.test.location}: " + t.gettext(N_("FAILED {name}")).format(name=self.test.name)]
        lines += [f"  {said_in(f, t)}" for f in self.failures]
        if self.trace is not None:
            lines += ["  " + t.gettext(N_("explanation:"))]
            lines += ["    " + line for line in render_text(self.trace, lang).splitlines()]
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
            bad_dates.append(error(N_("test '{test}': {value} is not a valid date; write YYYY-MM-DD"),
                                   doc.locate(("tests", i, "on")), test=spec["name"], value=repr(spec["on"])))
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
                N_("test names rule set '{ruleset}', which is not in {folder}"), test.location,
                ruleset=test.ruleset_id, folder=test.rules_dir))
        return plan_for(ruleset_in_force(groups[test.ruleset_id], test.on))


def _refusal(exc: MedunionError) -> Message:
    """A refusal's diagnostics as one message, each still shown in the reader's language."""
    return joined([Message(N_("{where}{message}"), where=f"{d.location}: " if d.location else "", message=said(d))
                   for d in exc.diagnostics], N_("{first}; {rest}"))


def run_test(test: RuleTest, rulesets: _Rulesets | None = None) -> TestOutcome:
    """Decide the test's case with both evaluators and compare with what the test expects.

    Each failure is a `Message` (English text keeping its template), so `medunion test` shows it
    in the reader's language."""
    try:
        plan = (rulesets or _Rulesets()).plan(test)
    except MedunionError as exc:
        if test.expect_error and test.expect_error in str(exc):
            return TestOutcome(test, True)
        return TestOutcome(test, False, [Message(N_("cannot run: {problem}"), problem=_refusal(exc))])
    try:
        decision = decide_with_plan(plan, test.inputs, test.on)
    except MedunionError as exc:
        if test.expect_error and test.expect_error in str(exc):
            return TestOutcome(test, True)
        if test.expect_error:
            return TestOutcome(test, False, [Message(
                N_("expected an error naming '{error}', but the case was refused: {problem}"),
                error=test.expect_error, problem=_refusal(exc))])
        return TestOutcome(test, False, [Message(N_("expected a decision, but the case was refused: {problem}"),
                                                 problem=_refusal(exc))])
    if test.expect_error:
        return TestOutcome(test, False, [Message(N_("expected an error naming '{error}', but it was decided: "
                                                    "{outputs}"), error=test.expect_error,
                                                 outputs=decision.outputs)], decision.trace)
    failures: list[str] = []
    for name, expected in test.expect.items():
        if name not in decision.outputs:
            failures.append(Message(N_("'{name}' is not an output of {ruleset} (outputs: {outputs})"), name=name,
                                    ruleset=plan.ruleset.id, outputs=", ".join(decision.outputs)))
            continue
        actual = decision.outputs[name]
        if not _matches(expected, actual):
            failures.append(Message(N_("{name}: expected {expected}, got {actual}"), name=name,
                                    expected=repr(json_value(expected)), actual=repr(json_value(actual))))
    if test.expect_warning and not any(test.expect_warning in w for w in decision.trace.warnings):
        failures.append(Message(N_("expected a warning mentioning '{warning}', got {warnings}"),
                                warning=test.expect_warning, warnings=list(decision.trace.warnings)))
    try:
        bulk = decide_frame_with_plan(plan, pd.DataFrame([test.inputs]), test.on).iloc[0]
    except MedunionError as exc:  # one test's disagreement must not stop the others
        failures.append(Message(N_("the bulk evaluator refused the case that was decided: {problem}"),
                                problem=_refusal(exc)))
        return TestOutcome(test, False, failures, decision.trace)
    for name, value in decision.outputs.items():
        if not _matches(json_value(value), _bulk_value(bulk[name])) and not (
            value is None and _bulk_value(bulk[name]) is None):
            failures.append(Message(N_("the bulk evaluator disagrees on {name}: {single} (one case) vs {bulk} (bulk)"),
                                    name=name, single=repr(json_value(value)), bulk=repr(_bulk_value(bulk[name]))))
    return TestOutcome(test, not failures, failures, decision.trace)


def check_test_file(path: str | Path, rulesets: dict[str, list[RuleSet]] | None = None) -> list[Diagnostic]:
    """The tests of one file checked against the rule set they name, without running them: every
    input a declared input with a value of its type, every expected output declared, its expected
    value of the output's type. Each problem at its file:line:column.

    `rulesets` are the rule sets already loaded (by id); one not among them is read from the
    folder above `tests/`. A test that expects an error may give wrong inputs on purpose: only
    its expected outputs are checked.
    """
    doc = load_yaml(path)
    problems = validate(doc, "ruleset-test")
    if has_errors(problems):
        return problems
    path = Path(path)
    ruleset_id = doc.data["ruleset"]
    versions = (rulesets or {}).get(ruleset_id)
    if versions is None:
        rules_dir = path.parent.parent if path.parent.name == "tests" else path.parent
        try:
            versions = load_rulesets(rules_dir).get(ruleset_id)
        except MedunionError as exc:  # the rule set's own problems are reported where it is checked
            return [error(N_("the tests cannot be checked: rule set '{ruleset}' does not load ({problem})"),
                          doc.locate(("ruleset",)), ruleset=ruleset_id,
                          problem=said(exc.diagnostics[0]) if exc.diagnostics else exc)]
        if versions is None:
            return [error(N_("no rule set '{ruleset}' in {folder}; name the rule set these tests are for"),
                          doc.locate(("ruleset",)), ruleset=ruleset_id, folder=rules_dir)]
    found: list[Diagnostic] = []
    for i, spec in enumerate(doc.data["tests"]):
        where = ("tests", i)
        try:
            on = dt.date.fromisoformat(spec["on"])
            ruleset = ruleset_in_force(versions, on)
        except ValueError:
            continue  # load_tests reports the bad date
        except MedunionError as exc:
            if not spec.get("expect_error"):
                found.append(error(N_("test '{test}': {problem}"), doc.locate((*where, "on")), test=spec["name"],
                                   problem=said(exc.diagnostics[0])))
            continue
        if not spec.get("expect_error"):
            found.extend(_check_inputs(doc, where, spec, ruleset))
        found.extend(_check_expected(doc, where, spec, ruleset))
    return found


def _check_inputs(doc: SourceDocument, where: NodePath, spec: dict[str, Any], ruleset: RuleSet) -> list[Diagnostic]:
    found = []
    for name, value in (spec.get("inputs") or {}).items():
        field = ruleset.inputs.get(name)
        if field is None:
            close = difflib.get_close_matches(str(name), list(ruleset.inputs), n=1)
            at = doc.locate_key((*where, "inputs", name))
            if close:
                found.append(error(N_("test '{test}': '{name}' is not an input of {ruleset} {version}; did you mean "
                                      "'{close}'?"), at, test=spec["name"], name=name, ruleset=ruleset.id,
                                   version=ruleset.version, close=close[0]))
            else:
                found.append(error(N_("test '{test}': '{name}' is not an input of {ruleset} {version}; inputs: "
                                      "{known}"), at, test=spec["name"], name=name, ruleset=ruleset.id,
                                   version=ruleset.version, known=", ".join(ruleset.inputs)))
            continue
        if value is None:  # a missing value blocks only what needs it
            continue
        _, problem = check_field(field, value)
        if problem:
            found.append(error(N_("test '{test}': input '{name}': {problem}"),
                               doc.locate((*where, "inputs", name)), test=spec["name"], name=name, problem=problem))
    return found


def _check_expected(doc: SourceDocument, where: NodePath, spec: dict[str, Any], ruleset: RuleSet
                    ) -> list[Diagnostic]:
    found = []
    for name, expected in (spec.get("expect") or {}).items():
        field = ruleset.outputs.get(name)
        at = (*where, "expect", name)
        if field is None:
            close = difflib.get_close_matches(str(name), list(ruleset.outputs), n=1)
            if close:
                found.append(error(N_("test '{test}': '{name}' is not an output of {ruleset} {version}; did you mean "
                                      "'{close}'?"), doc.locate_key(at), test=spec["name"], name=name,
                                   ruleset=ruleset.id, version=ruleset.version, close=close[0]))
            else:
                found.append(error(N_("test '{test}': '{name}' is not an output of {ruleset} {version}; outputs: "
                                      "{known}"), doc.locate_key(at), test=spec["name"], name=name,
                                   ruleset=ruleset.id, version=ruleset.version, known=", ".join(ruleset.outputs)))
            continue
        if expected is None:  # expected undecided
            continue
        if isinstance(expected, dict):
            problem = _tolerance_problem(field.type.numeric, expected)
            if problem:
                found.append(error(N_("test '{test}': expected '{name}': {problem}"), doc.locate(at),
                                   test=spec["name"], name=name, problem=problem))
            continue
        _, problem = check_value(field.type, expected)
        if problem:
            if field.type.kind == "enum":  # the problem lists an enum's values
                found.append(error(N_("test '{test}': expected '{name}': {problem}"), doc.locate(at),
                                   test=spec["name"], name=name, problem=problem))
            else:
                found.append(error(N_("test '{test}': expected '{name}' ({type}): {problem}"), doc.locate(at),
                                   test=spec["name"], name=name, type=field.type.describe(), problem=problem))
    return found


def _tolerance_problem(numeric: bool, expected: dict[str, Any]) -> Message | None:
    """Why `{value: .., tolerance: ..}` cannot be compared with the output, or None."""
    if not numeric:
        return Message(N_("`{value, tolerance}` compares numbers, but the output is not a number"))
    unknown = set(expected) - {"value", "tolerance"}
    if unknown:
        return Message(N_("write `{{value: N, tolerance: T}}` (unknown: {unknown})"),
                       unknown=", ".join(map(str, unknown)))
    if "value" not in expected:
        return Message(N_("write `{value: N, tolerance: T}`"))
    for key in ("value", "tolerance"):
        item = expected.get(key, 0)
        if isinstance(item, bool) or not isinstance(item, int | float):
            return Message(N_("{key} must be a number, found {value}"), key=key, value=repr(item))
    return None


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
                raise MedunionError(error(N_("not a rule-set test: a test file starts with `kind: ruleset-test`"),
                                          doc.locate(("kind",))))
    return found


def run_tests(paths: list[str | Path]) -> list[TestOutcome]:
    rulesets = _Rulesets()
    outcomes = []
    for path in test_files(paths):
        for test in load_tests(path):
            outcomes.append(run_test(test, rulesets))
    return outcomes
