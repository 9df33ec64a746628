"""The decision policy (governance.policy), written once, through both evaluators.

Every test decides the same cases with `decide` (one case, with its trace) and `decide_frame`
(columns) and checks both: exceptions to exceptions, priorities, an output reading an undecided
one (in a condition, in a winning formula, in a table row), collect tables, and, as a property,
that the two agree on every output and on what decided it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest
from fixtures.builders import FIXTURES, ruleset_text
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.bulk import decide_frame
from governance.decide import Decision, decide
from governance.load import build_ruleset
from governance.source import parse_yaml
from governance.values import plain_value

ON = dt.date(2018, 1, 1)


def _rule(rule_id: str, when: str | None, then: str, extra: str = "") -> str:
    when_line = f"    when: {when}\n" if when is not None else ""
    return (f"  - id: {rule_id}\n    title: Rule {rule_id}\n    clause: demo-2017 I.1\n    source: s\n"
            f"{extra}{when_line}    then:\n      {then}\n")


EDGE = build_ruleset(parse_yaml(ruleset_text("""inputs:
  a:
    type: integer
    minimum: 0
    maximum: 6
  b:
    type: boolean
  c:
    type: boolean
  k:
    type: enum
    values: [x, y, z]
parameters:
  p1:
    type: number
    clause: demo-2017 I.1
    status: law
    values:
      - from: 2017-01-01
        value: 2
  p2:
    type: number
    clause: demo-2017 I.1
    status: law
    values:
      - from: 2017-01-01
        value: 3
outputs:
  base:
    type: number
  gate:
    type: number
  total:
    type: number
  shared:
    type: number
    default: 0
  second:
    type: number
    default: -1
  tabled:
    type: number
rules:
""" + _rule("base-small", "a < 3", "base: a * p1")
    + _rule("gate", "[b, base > 1 and c]", "gate: 1")
    + _rule("total-1", "b", "total: p2 + 1")
    + _rule("total-2", "c", "total: if base >= 0 then p2 + 1 else 0")
    + _rule("shared", "a >= 2", "shared: a")
    + _rule("exc-1", "k == 'y'", "shared: 10", "    exception_to: shared\n")
    + _rule("exc-2", "k == 'y' and b", "shared: 20", "    exception_to: exc-1\n")
    + _rule("exc-3", "k == 'z'", "shared: 30", "    exception_to: shared\n")
    + _rule("hi", "b and c", "second: 100", "    priority: 2\n")
    + _rule("mid", "b", "second: 50", "    priority: 1\n")
    + _rule("low", "c", "second: 1")
    + """tables:
  - id: tab
    title: Tab
    clause: demo-2017 I.1
    source: s
    hit: collect
    aggregate: sum
    inputs: [b]
    outputs: [tabled]
    rows:
      - when: [true]
        then: [p1]
      - when: ["-"]
        then: [base]
      - when: ["-"]
        then: [p2]
"""), str(FIXTURES / "edge.yaml")))  # beside the fixtures' clause index


def _source(decision: Decision, name: str) -> str | None:
    """What decided an output, as the column evaluator's `<output>__by` names it."""
    explained = decision.trace.outputs[name]
    by = explained.by
    if by is None:
        return None
    if by.kind == "table":
        return f"{by.id}:{(by.rows or ('',))[0]}"
    return by.id if by.kind == "rule" else "default"


def both(**case: Any) -> tuple[Decision, dict[str, Any], dict[str, Any]]:
    """The one-case decision, and the column evaluator's values and sources for the same case;
    the values must agree."""
    decision = decide(EDGE, case, ON)
    row = decide_frame(EDGE, pd.DataFrame([case]), ON, with_sources=True).iloc[0]
    values = {name: plain_value(row[name]) for name in EDGE.outputs}
    sources = {name: plain_value(row[f"{name}__by"]) for name in EDGE.outputs}
    assert values == pytest.approx(decision.outputs)
    return decision, values, sources


def test_an_exception_to_an_exception_wins_and_sets_aside_both() -> None:
    decision, values, sources = both(a=4, b=True, c=False, k="y")
    assert values["shared"] == 20 and sources["shared"] == "exc-2"
    shared = decision.trace.outputs["shared"]
    assert shared.by is not None and shared.by.id == "exc-2"
    assert shared.overrode == ("shared", "exc-1")
    rules = {r.id: r for r in decision.trace.rules}
    assert rules["shared"].overridden_by == {"shared": ("exc-1", "exc-2")}  # file order
    assert rules["exc-1"].overridden_by == {"shared": ("exc-2",)}
    assert rules["exc-3"].fired is False and rules["exc-3"].overridden_by == {}


def test_without_the_inner_exception_the_outer_one_wins() -> None:
    decision, values, sources = both(a=4, b=False, c=False, k="y")
    assert values["shared"] == 10 and sources["shared"] == "exc-1"
    assert decision.trace.outputs["shared"].overrode == ("shared",)


@pytest.mark.parametrize(
    ("b", "c", "value", "source", "also_fired"),
    [(True, True, 100, "hi", ("mid", "low")), (True, False, 50, "mid", ()), (False, True, 1, "low", ()),
     (False, False, -1, "default", ())],
)
def test_the_highest_priority_standing_rule_wins(b: bool, c: bool, value: int, source: str,
                                                 also_fired: tuple[str, ...]) -> None:
    decision, values, sources = both(a=0, b=b, c=c, k="x")
    assert values["second"] == value and sources["second"] == source
    assert decision.trace.outputs["second"].also_fired == also_fired


def test_a_condition_reading_an_undecided_output_stops_the_rule() -> None:
    decision, values, _ = both(a=4, b=True, c=True, k="x")
    assert values["base"] is None and values["gate"] is None
    gate = next(r for r in decision.trace.rules if r.id == "gate")
    assert gate.fired is False and gate.failed_condition == 1
    blocked = gate.conditions[1]
    assert blocked.value is None
    assert blocked.note is not None and blocked.note.startswith("reads output 'base', which is not decided")
    assert gate.conditions[2].note == "not evaluated: an earlier condition failed"  # `c`, after the split `and`
    assert decision.trace.outputs["gate"].reason.startswith("no rule applies (gate: `base > 1` reads output 'base'")


def test_a_winning_formula_reading_an_undecided_output_leaves_the_output_undecided() -> None:
    decision, values, sources = both(a=4, b=True, c=True, k="x")
    assert values["total"] is None and sources["total"] is None
    total = decision.trace.outputs["total"]
    assert total.decided is False and total.candidates == ("total-2",)
    assert total.reason.startswith("rule 'total-2' reads output 'base', which is not decided")
    decision, values, sources = both(a=1, b=True, c=True, k="x")  # base decided: the winners agree
    assert values["total"] == 4 and sources["total"] == "total-1"
    assert decision.trace.outputs["total"].also_fired == ("total-2",)


@pytest.mark.parametrize(("a", "b", "tabled"), [(1, True, 7), (1, False, 5), (4, True, None)])
def test_a_collect_table_sums_its_matched_rows_or_says_which_could_not_be_read(
    a: int, b: bool, tabled: float | None
) -> None:
    decision, values, _ = both(a=a, b=b, c=False, k="x")
    assert values["tabled"] == tabled
    (table,) = decision.trace.tables
    result = table.results["tabled"]
    if tabled is None:
        assert result.decided is False and result.reason.startswith("reads output 'base'")
    else:
        assert [f.row for f in result.formulas] == list(table.matched)


@settings(max_examples=120, deadline=None)
@given(cases=st.lists(st.fixed_dictionaries({"a": st.integers(0, 6), "b": st.booleans(), "c": st.booleans(),
                                              "k": st.sampled_from(["x", "y", "z"])}), min_size=1, max_size=6))
def test_both_evaluators_agree_on_values_and_on_what_decided_them(cases: list[dict[str, Any]]) -> None:
    frame = decide_frame(EDGE, pd.DataFrame(cases), ON, with_sources=True)
    for position, case in enumerate(cases):
        decision = decide(EDGE, case, ON)
        for name in EDGE.outputs:
            assert plain_value(frame[name].iloc[position]) == pytest.approx(decision.outputs[name]), name
            assert plain_value(frame[f"{name}__by"].iloc[position]) == _source(decision, name), name
