"""Property tests: the one-case and the vectorised evaluators agree.

`evaluate` (one row, Python values) and `evaluate_columns` (whole numpy columns) must give the
same value on every row of every well-typed expression, including guarded divisions that the
vectorised evaluator computes on rows the one-case evaluator never reaches. `decide` and
`decide_frame` must likewise agree, output by output, on every case of a rule set that uses
exceptions, priorities, defaults, outputs reading outputs and all three table hit policies.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fixtures.builders import BENEFITS, FIXTURES, ruleset_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.bulk import decide_frame
from governance.compile import compile_ruleset
from governance.decide import decide
from governance.diagnostics import MedunionError
from governance.expressions import (
    BOOLEAN,
    DATE,
    INTEGER,
    NUMBER,
    ExpressionType,
    evaluate,
    evaluate_columns,
    infer_type,
    parse_expression,
    to_text,
)
from governance.expressions.vector import Coded
from governance.load import build_ruleset, load_ruleset
from governance.source import parse_yaml
from governance.values import plain_value

ENUM = ExpressionType("enum", ("a", "b", "c"))
TYPES = {
    "x": NUMBER, "y": NUMBER, "p": NUMBER, "n": INTEGER, "m": INTEGER,
    "b": BOOLEAN, "c": BOOLEAN, "e": ENUM, "d": DATE, "d2": DATE,
}
PYTHON_TYPES: dict[str, type | tuple[type, ...]] = {
    "number": (int, float), "integer": int, "boolean": bool, "date": dt.date, "enum": str, "string": str,
}
PARAMETER_P = 2.5  # a scalar (parameter-like) value, broadcast by the vectorised evaluator

# --- expression text generators, by result type ------------------------------------------------

small_ints = st.integers(-20, 20).map(str)
decimals = st.integers(-10_000, 10_000).map(lambda i: repr(i / 100))
iso_dates = st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31))


def _maybe_parens(text: str) -> st.SearchStrategy[str]:
    return st.sampled_from([f"({text})", text])


def _binary(sub: st.SearchStrategy[str], ops: list[str]) -> st.SearchStrategy[str]:
    return st.tuples(sub, st.sampled_from(ops), sub).flatmap(
        lambda t: _maybe_parens(f"{t[0]} {t[1]} {t[2]}"))


def integers(depth: int) -> st.SearchStrategy[str]:
    leaves = st.one_of(st.sampled_from(["n", "m"]), small_ints)
    if depth == 0:
        return leaves
    sub = integers(depth - 1)
    return st.one_of(
        leaves,
        _binary(sub, ["+", "-", "*"]),
        st.tuples(st.sampled_from(["floor", "ceil"]), numbers(depth - 1)).map(lambda t: f"{t[0]}({t[1]})"),
        sub.map(lambda s: f"abs({s})"),
        st.lists(sub, min_size=1, max_size=3).flatmap(
            lambda items: st.sampled_from(["min", "max"]).map(lambda f: f"{f}({', '.join(items)})")),
        st.tuples(booleans(depth - 1), sub, sub).map(lambda t: f"(if {t[0]} then {t[1]} else {t[2]})"),
        sub.map(lambda s: f"-({s})"),
    )


def numbers(depth: int) -> st.SearchStrategy[str]:
    leaves = st.one_of(st.sampled_from(["x", "y", "p", "n", "m"]), small_ints, decimals)
    if depth == 0:
        return leaves
    sub = numbers(depth - 1)
    guarded = st.tuples(sub, sub, st.sampled_from(["/", "%"]), sub).map(
        lambda t: f"(if ({t[1]}) != 0 then ({t[0]}) {t[2]} ({t[1]}) else {t[3]})")
    return st.one_of(
        leaves,
        _binary(sub, ["+", "-", "*"]),
        guarded,
        st.tuples(sub, st.integers(0, 3)).map(lambda t: f"round({t[0]}, {t[1]})"),
        sub.map(lambda s: f"abs({s})"),
        st.lists(sub, min_size=1, max_size=3).flatmap(
            lambda items: st.sampled_from(["min", "max"]).map(lambda f: f"{f}({', '.join(items)})")),
        st.tuples(booleans(depth - 1), sub, sub).map(lambda t: f"(if {t[0]} then {t[1]} else {t[2]})"),
        integers(depth - 1),
    )


def dates(depth: int) -> st.SearchStrategy[str]:
    leaves = st.one_of(st.sampled_from(["d", "d2"]), iso_dates.map(lambda d: f"date('{d.isoformat()}')"))
    if depth == 0:
        return leaves
    sub = dates(depth - 1)
    offsets = st.one_of(st.sampled_from(["n", "m"]), small_ints)
    return st.one_of(
        leaves,
        st.tuples(sub, st.sampled_from(["+", "-"]), offsets).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(offsets, sub).map(lambda t: f"({t[0]} + {t[1]})"),
        st.tuples(sub, offsets).map(lambda t: f"add_months({t[0]}, {t[1]})"),
        st.tuples(sub, sub).flatmap(
            lambda t: st.sampled_from(["min", "max"]).map(lambda f: f"{f}({t[0]}, {t[1]})")),
        st.tuples(booleans(depth - 1), sub, sub).map(lambda t: f"(if {t[0]} then {t[1]} else {t[2]})"),
    )


def enums(depth: int) -> st.SearchStrategy[str]:
    if depth == 0:
        return st.just("e")
    return st.one_of(
        st.just("e"),
        st.tuples(booleans(depth - 1), enums(depth - 1), st.sampled_from(["'a'", "'b'", "'c'"])).map(
            lambda t: f"(if {t[0]} then {t[1]} else {t[2]})"),
    )


def booleans(depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(["b", "c", "true", "false"])
    if depth == 0:
        return leaves
    sub = booleans(depth - 1)
    num = numbers(depth - 1)
    dat = dates(depth - 1)
    comparison = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
    values = st.lists(st.sampled_from(["'a'", "'b'", "'c'"]), min_size=1, max_size=3).map(", ".join)
    return st.one_of(
        leaves,
        st.tuples(num, comparison, num).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(dat, comparison, dat).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(dat, dat, comparison, small_ints).map(lambda t: f"({t[0]} - {t[1]} {t[2]} {t[3]})"),
        st.tuples(dat, dat, comparison, small_ints).map(
            lambda t: f"(months_between({t[0]}, {t[1]}) {t[2]} {t[3]})"),
        st.tuples(st.sampled_from(["year", "month", "day"]), dat, comparison, st.integers(1, 2040)).map(
            lambda t: f"({t[0]}({t[1]}) {t[2]} {t[3]})"),
        st.tuples(enums(depth - 1), st.sampled_from(["in", "not in"]), values).map(
            lambda t: f"({t[0]} {t[1]} [{t[2]}])"),
        st.tuples(enums(depth - 1), st.sampled_from(["==", "!="]), st.sampled_from(["'a'", "'b'", "e"])).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(integers(depth - 1), st.sampled_from(["in", "not in"]),
                  st.lists(small_ints, min_size=1, max_size=3)).map(
            lambda t: f"({t[0]} {t[1]} [{', '.join(t[2])}])"),
        # guarded division: never an error in either evaluator
        st.tuples(num, num, num).map(lambda t: f"(({t[1]}) != 0 and ({t[0]}) / ({t[1]}) > {t[2]})"),
        st.tuples(num, num, num).map(lambda t: f"(({t[1]}) == 0 or ({t[0]}) % ({t[1]}) < {t[2]})"),
        sub.map(lambda s: f"(not {s})"),
        _binary(sub, ["and", "or"]),
        st.tuples(sub, sub).map(lambda t: f"({t[0]} == {t[1]})"),
    )


expressions = st.one_of(numbers(2), integers(2), booleans(2), dates(2), enums(2))

rows = st.fixed_dictionaries({
    "x": st.floats(-100, 100, allow_nan=False, width=32).map(float),
    "y": st.integers(-10_000, 10_000).map(lambda i: i / 100),
    "n": st.integers(-20, 20),
    "m": st.sampled_from([0, 0, 1, -1, 7]),  # zero often, to exercise the guards
    "b": st.booleans(),
    "c": st.booleans(),
    "e": st.sampled_from(["a", "b", "c"]),
    "d": iso_dates,
    "d2": iso_dates,
})


def _columns(table: list[dict[str, Any]], ints_as_floats: bool = False, coded: bool = False) -> dict[str, Any]:
    integer = np.float64 if ints_as_floats else np.int64  # bulk evaluation reads integer inputs as floats
    columns: dict[str, Any] = {
        "x": np.array([r["x"] for r in table], dtype=np.float64),
        "y": np.array([r["y"] for r in table], dtype=np.float64),
        "n": np.array([r["n"] for r in table], dtype=integer),
        "m": np.array([r["m"] for r in table], dtype=integer),
        "b": np.array([r["b"] for r in table], dtype=bool),
        "c": np.array([r["c"] for r in table], dtype=bool),
        "e": np.array([r["e"] for r in table], dtype=object),
        "d": np.array([r["d"] for r in table], dtype="datetime64[D]"),
        "d2": np.array([r["d2"] for r in table], dtype="datetime64[D]"),
    }
    if coded:  # as decide_frame holds an enum input: integer codes into its values
        columns["e"] = Coded(np.array([ENUM.values.index(r["e"]) for r in table], dtype=np.int8), ENUM.values)
    columns["p"] = PARAMETER_P
    return columns


def _python(value: Any) -> Any:
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[D]").astype(object)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _same(scalar: Any, vector: Any) -> bool:
    if isinstance(scalar, bool) or isinstance(vector, bool):
        return isinstance(scalar, bool) and isinstance(vector, bool) and scalar == vector
    if isinstance(scalar, int | float) and isinstance(vector, int | float):
        return math.isclose(scalar, vector, rel_tol=1e-12, abs_tol=1e-12)
    return type(scalar) is type(vector) and scalar == vector


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=expressions, table=st.lists(rows, min_size=1, max_size=6), ints_as_floats=st.booleans(),
       coded=st.booleans())
def test_scalar_and_vector_evaluators_agree(text: str, table: list[dict[str, Any]], ints_as_floats: bool,
                                            coded: bool) -> None:
    expr = parse_expression(text)
    kind = infer_type(expr, TYPES)  # the generator only writes well-typed expressions
    expected = [evaluate(expr, {**row, "p": PARAMETER_P}) for row in table]
    for value in expected:  # the static type is the type of every value
        assert isinstance(value, PYTHON_TYPES[kind.kind]) and (kind.kind == "boolean") == isinstance(value, bool)
        assert kind.kind != "enum" or value in kind.values
    actual = evaluate_columns(expr, _columns(table, ints_as_floats, coded), len(table))
    assert len(actual) == len(table)
    for i, (one, column) in enumerate(zip(expected, actual, strict=True)):
        assert _same(one, _python(column)), f"row {i}: {one!r} (evaluate) vs {column!r} (evaluate_columns)"


@settings(max_examples=200, deadline=None)
@given(text=expressions, row=rows)
def test_rendered_text_parses_back_to_the_same_value(text: str, row: dict[str, Any]) -> None:
    expr = parse_expression(text)
    again = parse_expression(to_text(expr.tree))
    env = {**row, "p": PARAMETER_P}
    assert _same(evaluate(expr, env), evaluate(again, env))


def test_unguarded_division_fails_in_both_and_bulk_names_the_first_row() -> None:
    expr = parse_expression("x / m > 1")
    table = [{"x": 1.0, "m": 1}, {"x": 1.0, "m": 0}, {"x": 1.0, "m": 0}]
    with pytest.raises(MedunionError, match="division by zero"):
        evaluate(expr, table[1])
    with pytest.raises(MedunionError, match="division by zero in `x / m` on row 1"):
        evaluate_columns(expr, {"x": np.array([1.0] * 3), "m": np.array([1, 0, 0])}, 3)


# --- decide and decide_frame -------------------------------------------------------------------

_BENEFITS = load_ruleset(BENEFITS)

case_strategy = st.fixed_dictionaries(
    {
        "age": st.integers(0, 120),
        "income": st.one_of(st.integers(0, 10_000), st.integers(0, 1_000_000).map(lambda i: i / 100),
                            st.sampled_from([999, 1000, 4999.99, 5000])),
        "household": st.integers(0, 10),
        "member": st.booleans(),
        "severity": st.sampled_from(["ordinary", "acute", "severe"]),
        "admitted_on": iso_dates.map(dt.date.isoformat),
    },
    optional={"cost": st.integers(0, 100_000).map(lambda i: i / 10)},
)
decision_days = st.sampled_from(
    [dt.date(2017, 1, 1), dt.date(2018, 6, 30), dt.date(2018, 7, 1), dt.date(2021, 3, 15)])


_bulk_python = plain_value


def _agree(ruleset: Any, cases: list[dict[str, Any]], on: dt.date) -> None:
    frame = pd.DataFrame(cases)
    try:
        bulk = decide_frame(ruleset, frame, on)
    except MedunionError as exc:
        bulk_error: MedunionError | None = exc
    else:
        bulk_error = None
    one_by_one = []
    first_error = None
    for case in cases:
        try:
            one_by_one.append(decide(ruleset, case, on).outputs)
        except MedunionError as exc:
            first_error = first_error or exc
            one_by_one.append(None)
    if first_error is not None or bulk_error is not None:
        assert first_error is not None, f"only the bulk evaluator refused: {bulk_error}"
        assert bulk_error is not None, f"only the one-case evaluator refused: {first_error}"
        return
    for position, outputs in enumerate(one_by_one):
        assert outputs is not None
        for name, value in outputs.items():
            other = _bulk_python(bulk[name].iloc[position])
            same = (value is None and other is None) or (
                value is not None and other is not None and _same(value, other))
            assert same, f"case {position}, output {name}: {value!r} (decide) vs {other!r} (bulk)"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases=st.lists(case_strategy, min_size=1, max_size=8), on=decision_days)
def test_decide_and_decide_frame_agree(cases: list[dict[str, Any]], on: dt.date) -> None:
    _agree(_BENEFITS, cases, on)


# Two rules of the same priority that can both fire: equal values are no conflict (5 and 5.0 are the
# same amount), different ones are refused by both evaluators.
_CONFLICTS = build_ruleset(parse_yaml(ruleset_text("""inputs:
  amount:
    type: integer
    minimum: 0
  hardship:
    type: boolean
  veteran:
    type: boolean
outputs:
  grant:
    type: number
    default: 0
rules:
  - id: hardship-grant
    title: Hardship grant
    clause: demo-2017 I.1
    status: law
    source: s
    when: hardship
    then:
      grant: amount
  - id: veteran-grant
    title: Veteran grant
    clause: demo-2017 I.2
    status: law
    source: s
    when: veteran
    then:
      grant: if amount > 50 then 50 else amount * 1.0
"""), str(FIXTURES / "conflicts.yaml")))  # beside the fixtures' clause index, so that it compiles
compile_ruleset(_CONFLICTS)  # a rule set both evaluators refused would make the property below hold vacuously


@settings(max_examples=100, deadline=None)
@given(cases=st.lists(st.fixed_dictionaries({"amount": st.integers(0, 100), "hardship": st.booleans(),
                                              "veteran": st.booleans()}), min_size=1, max_size=5))
def test_conflicts_are_refused_alike(cases: list[dict[str, Any]]) -> None:
    _agree(_CONFLICTS, cases, dt.date(2018, 1, 1))


# Cases with some bad values: the bulk evaluator refuses a frame exactly when the one-case evaluator
# refuses one of its cases, and otherwise both agree on every output.
messy_case_strategy = st.fixed_dictionaries(
    {
        "age": st.one_of(st.integers(0, 120), st.sampled_from(["30", 121, -1, 30.5, 30.0, None, True])),
        "income": st.one_of(st.integers(0, 10_000), st.sampled_from(["9", -0.01, None, False, math.nan])),
        "household": st.integers(0, 10),
        "member": st.one_of(st.booleans(), st.sampled_from([1, 0, "true", None])),
        "severity": st.sampled_from(["ordinary", "acute", "severe", "critical", "Acute"]),
        "admitted_on": st.one_of(iso_dates.map(dt.date.isoformat),
                                 st.sampled_from([20180131, "2018-02-30", "20180131", "2018-1-31"])),
    },
    optional={"cost": st.one_of(st.integers(0, 1000), st.sampled_from([None, "5", -1, math.nan]))},
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases=st.lists(messy_case_strategy, min_size=1, max_size=5), on=decision_days)
def test_bad_cases_are_refused_alike(cases: list[dict[str, Any]], on: dt.date) -> None:
    _agree(_BENEFITS, cases, on)


# Cases with required inputs absent or null: both evaluators leave undecided exactly the outputs
# that need them (and agree on what decided the others). In a frame a case's absent input is a
# null cell, or the whole column is absent when no case gives it.
missing_case_strategy = st.fixed_dictionaries(
    {},
    optional={
        "age": st.one_of(st.integers(0, 120), st.none()),
        "income": st.one_of(st.integers(0, 10_000), st.sampled_from([999, 5000, 4999.99]), st.none(),
                            st.just(math.nan)),
        "household": st.one_of(st.integers(0, 10), st.none()),
        "member": st.one_of(st.booleans(), st.none()),
        "severity": st.one_of(st.sampled_from(["ordinary", "acute", "severe"]), st.none()),
        "admitted_on": st.one_of(iso_dates.map(dt.date.isoformat), st.none()),
        "cost": st.one_of(st.integers(0, 100_000).map(lambda i: i / 10), st.none()),
    },
)


def _source(decision: Any, name: str) -> str | None:
    """What decided an output, as `<output>__by` names it, from the one-case trace."""
    by = decision.trace.outputs[name].by
    if by is None:
        return None
    if by.kind == "table":
        return f"{by.id}:{(by.rows or ('',))[0]}"
    return by.id if by.kind == "rule" else "default"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases=st.lists(missing_case_strategy, min_size=1, max_size=8), on=decision_days)
def test_rows_with_missing_inputs_agree_with_decide(cases: list[dict[str, Any]], on: dt.date) -> None:
    frame = pd.DataFrame(cases, index=range(len(cases)))
    try:
        bulk = decide_frame(_BENEFITS, frame, on, with_sources=True)
    except MedunionError as exc:
        bulk_error: MedunionError | None = exc
    else:
        bulk_error = None
    decisions = []
    first_error = None
    for case in cases:
        try:
            decisions.append(decide(_BENEFITS, case, on))
        except MedunionError as exc:  # a division by zero, a conflict: then both refuse
            first_error = first_error or exc
    if first_error is not None or bulk_error is not None:
        assert first_error is not None, f"only the bulk evaluator refused: {bulk_error}"
        assert bulk_error is not None, f"only the one-case evaluator refused: {first_error}"
        return
    for position, decision in enumerate(decisions):
        for name, value in decision.outputs.items():
            other = _bulk_python(bulk[name].iloc[position])
            same = (value is None and other is None) or (
                value is not None and other is not None and _same(value, other))
            assert same, f"case {position}, output {name}: {value!r} (decide) vs {other!r} (bulk)"
            assert _bulk_python(bulk[f"{name}__by"].iloc[position]) == _source(decision, name), (position, name)
