"""The typed decision trace: what callers read from `Decision.trace`, and the explanation JSON
and the letter made from it alone."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from fixtures.builders import BENEFITS

from governance.decide import decide
from governance.explain import render_markdown, render_text
from governance.load import load_ruleset
from governance.model import RuleSet
from governance.trace import (
    ConditionTrace,
    DecidedBy,
    DecisionTrace,
    FormulaTrace,
    OutputTrace,
    RulesetTrace,
    RuleTrace,
    to_json,
)

ON = dt.date(2018, 8, 1)
CASE = {"age": 30, "income": 500, "household": 1, "member": True, "severity": "acute",
        "admitted_on": "2018-01-31", "cost": 1000}


@pytest.fixture(scope="module")
def benefits() -> RuleSet:
    return load_ruleset(BENEFITS)


def test_the_trace_holds_what_callers_read(benefits: RuleSet) -> None:
    decision = decide(benefits, CASE, ON)
    trace = decision.trace
    assert isinstance(trace, DecisionTrace)
    assert trace.inputs["admitted_on"] == "2018-01-31"  # JSON-ready
    assert [r.id for r in trace.rules] == [r.id for r in benefits.rules]
    member = next(r for r in trace.rules if r.id == "member-ratio")
    assert (member.title, member.clause, member.fired) == (benefits.rule("member-ratio").title,  # type: ignore[union-attr]
                                                           "demo-2017 I.2", True)
    assert all(isinstance(w, str) for w in trace.warnings) and any("poverty_line" in w for w in trace.warnings)
    assert any("member_ratio" in n for n in trace.notes)
    assert trace.outputs["ratio"].by == DecidedBy("rule", "member-ratio", member.title, member.title_zh,
                                                  member.clause, benefits.rule("member-ratio").source)  # type: ignore[union-attr]
    assert set(decision.decided) == {name for name, o in trace.outputs.items() if o.decided}


def test_the_explanation_is_made_from_the_trace(benefits: RuleSet) -> None:
    decision = decide(benefits, CASE, ON)
    assert decision.explanation == to_json(decision.trace)
    assert json.loads(json.dumps(decision.explanation)) == decision.explanation


def test_every_expression_read_is_shown_with_its_values(benefits: RuleSet) -> None:
    trace = decide(benefits, CASE, ON).trace
    for rule in trace.rules:
        for condition in rule.conditions:
            assert (condition.with_values is None) == (condition.value is None)
    payment = trace.outputs["payment"].formula
    assert payment is not None and payment.with_values is not None
    assert "cost (= 1000)" in payment.with_values and "ratio (= 0.8)" in payment.with_values


def test_changing_the_explanation_leaves_the_trace_alone(benefits: RuleSet) -> None:
    decision = decide(benefits, CASE, ON)
    decision.explanation["outputs"]["ratio"]["overrode"].append("something")
    decision.explanation["inputs"]["age"] = 99
    assert decision.trace.outputs["ratio"].overrode == ("base-ratio",)
    assert decision.trace.inputs["age"] == 30
    assert to_json(decision.trace)["inputs"]["age"] == 30


def _hand_made() -> DecisionTrace:
    """A trace written by hand: the JSON and the words need no evaluator."""
    by = DecidedBy("rule", "r1", "Pay the grant", None, "demo I.1", "The plan says so.")
    rule = RuleTrace("r1", "Pay the grant", None, "demo I.1", "The plan says so.", True,
                     (ConditionTrace("age >= 18", True, "age (= 30) >= 18"),), None, None, 0, ("grant",))
    outputs = {
        "grant": OutputTrace("grant", "yuan", None, True, 500, by,
                             FormulaTrace("500", "500", 500), (), (), ("r2",)),
        "bonus": OutputTrace("bonus", "yuan", None, False, None, reason="no rule applies (no rule sets it)"),
    }
    ruleset = RulesetTrace("demo", "Demo", None, "1.0", "adopted", "Test County", dt.date(2017, 1, 1), None,
                           "rules/demo/1.0.yaml", ("demo",))
    return DecisionTrace(ruleset, dt.date(2018, 1, 1), {"age": 30}, outputs, (rule,), (), {}, (), ())


def test_a_hand_made_trace_gives_the_json_and_the_words() -> None:
    trace = _hand_made()
    data: dict[str, Any] = to_json(trace)
    assert list(data) == ["format", "ruleset", "on", "inputs", "outputs", "rules", "tables", "parameters",
                          "warnings", "notes"]
    assert list(data["outputs"]["grant"]) == ["unit", "description", "decided", "value", "by", "formula",
                                              "overrode", "also_fired", "readings"]
    assert list(data["outputs"]["bonus"]) == ["unit", "description", "decided", "value", "reason", "candidates",
                                              "readings"]
    assert data["rules"][0]["conditions"] == [
        {"expression": "age >= 18", "with_values": "age (= 30) >= 18", "value": True}]
    letter = render_text(trace)
    assert "- grant: 500 yuan\n  because of rule 'Pay the grant' (demo I.1):" in letter
    assert "- bonus: not decided \u2014 no rule applies (no rule sets it)" in letter
    assert "| grant | 500 yuan | Pay the grant | demo I.1 |" in render_markdown(trace)
