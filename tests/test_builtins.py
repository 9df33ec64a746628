"""The one registry of built-in functions and the one operator table.

Every built-in is declared once (arity, type rule, one-value and column implementations,
wording); these tests hold each entry to all of its parts, check that its two implementations
agree row by row, and that a function outside the registry is a positioned error, never a
bare KeyError. The operator table is checked the same way: what the parser reads, the
renderer writes back, and the reference documents.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
import string
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.diagnostics import Location, MedunionError
from governance.expressions import (
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
from governance.expressions.builtins import BUILTINS, Builtin, Mismatch
from governance.expressions.operators import ARITHMETIC, BINARY, COMPARISON, LOGICAL, UNARY
from governance.expressions.syntax import Binary, Name

ROOT = Path(__file__).resolve().parents[1]
ARGUMENT_KINDS = (INTEGER, NUMBER, DATE)
MOST_ARGUMENTS = 3  # variadic built-ins are tried with up to this many


def _counts(builtin: Builtin) -> range:
    return range(builtin.min_args, (builtin.max_args or MOST_ARGUMENTS) + 1)


def _signatures(builtin: Builtin) -> list[tuple[tuple[ExpressionType, ...], ExpressionType]]:
    """Every tuple of integer/number/date arguments the type rule accepts, with its result type."""
    accepted = []
    for count in _counts(builtin):
        for kinds in itertools.product(ARGUMENT_KINDS, repeat=count):
            result = builtin.type_rule(kinds)
            if isinstance(result, ExpressionType):
                accepted.append((kinds, result))
    return accepted


# --- every entry has all its parts -------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_every_builtin_declares_arity_type_rule_implementations_and_wording(name: str) -> None:
    builtin = BUILTINS[name]
    assert builtin.name == name
    assert builtin.min_args >= 0
    assert builtin.max_args is None or builtin.max_args >= builtin.min_args
    assert callable(builtin.scalar) and callable(builtin.column)
    assert _signatures(builtin), f"{name}() accepts no arguments of any type"
    for count in _counts(builtin):
        args = tuple(Name(0, 1, f"a{i}") for i in range(count))
        template = builtin.phrase(args)
        assert template, f"{name}() with {count} argument(s) has no wording"
        fields = {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}
        assert fields <= {str(i) for i in range(count)} | {"all"}, (name, template)


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_a_wrong_number_of_arguments_is_refused_with_the_arity(name: str) -> None:
    builtin = BUILTINS[name]
    count = builtin.max_args + 1 if builtin.max_args is not None else builtin.min_args - 1
    if count < 0:
        pytest.skip(f"{name}() takes any number of arguments")
    text = f"{name}({', '.join(['x'] * count)})"
    with pytest.raises(MedunionError) as exc:
        infer_type(parse_expression(text), {"x": NUMBER})
    assert f"{name}() takes {builtin.arity()} argument(s), not {count}" in str(exc.value)


def test_a_type_rule_points_at_the_argument_it_refuses() -> None:
    origin = Location("f.yaml", 2, 5)
    text = "add_months(d, x) > d"
    with pytest.raises(MedunionError) as exc:
        infer_type(parse_expression(text, origin), {"d": DATE, "x": NUMBER})
    (diagnostic,) = exc.value.diagnostics
    assert diagnostic.location == origin.shifted(text.index("x)"))
    assert BUILTINS["add_months"].type_rule((DATE, NUMBER)) == Mismatch(
        "add_months() moves by a whole number of months", 1)


# --- the two implementations agree ------------------------------------------------------------

_VALUES = {
    "integer": st.integers(-20, 20),
    "number": st.one_of(st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)),
    "date": st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
}
_PYTHON = {"integer": int, "number": (int, float), "date": dt.date}


def _column(kind: str, values: list[Any], ints_as_floats: bool) -> np.ndarray:
    if kind == "date":
        return np.array(values, dtype="datetime64[D]")
    if kind == "integer":
        return np.array(values, dtype=np.float64 if ints_as_floats else np.int64)
    return np.array(values, dtype=np.float64)


def _same(one: Any, column: Any) -> bool:
    if isinstance(column, np.datetime64):
        column = column.astype("datetime64[D]").astype(object)
    elif isinstance(column, np.generic):
        column = column.item()
    if isinstance(one, dt.date) or isinstance(column, dt.date):
        return type(one) is type(column) and one == column
    return math.isclose(one, column, rel_tol=1e-12, abs_tol=1e-12)


@pytest.mark.parametrize("name", sorted(BUILTINS))
@settings(max_examples=150, deadline=None)
@given(data=st.data(), rows=st.integers(1, 5), ints_as_floats=st.booleans())
def test_scalar_and_column_implementations_agree(
    name: str, data: st.DataObject, rows: int, ints_as_floats: bool
) -> None:
    builtin = BUILTINS[name]
    kinds, result = data.draw(st.sampled_from(_signatures(builtin)), label="signature")
    table = [[data.draw(_VALUES[k.kind]) for k in kinds] for _ in range(rows)]
    ones = [builtin.scalar(*row) for row in table]
    for one in ones:  # the type rule tells the truth about the value
        assert isinstance(one, _PYTHON[result.kind]) and not isinstance(one, bool), (one, result)
    columns = [_column(k.kind, [row[i] for row in table], ints_as_floats) for i, k in enumerate(kinds)]
    column = np.asarray(builtin.column(*columns))
    assert column.shape == (rows,)
    for row, one, value in zip(table, ones, column, strict=True):
        assert _same(one, value), f"{name}{tuple(row)}: {one!r} one by one, {value!r} as a column"


# --- a function outside the registry -----------------------------------------------------------


def test_an_unknown_function_is_a_type_error_at_its_position() -> None:
    origin = Location("f.yaml", 9, 3)
    text = "x + frobnicate(x, 2) > 1"
    with pytest.raises(MedunionError) as exc:
        infer_type(parse_expression(text, origin), {"x": NUMBER})
    (diagnostic,) = exc.value.diagnostics
    assert diagnostic.location == origin.shifted(text.index("frobnicate"))
    assert "unknown function 'frobnicate'; known: " + ", ".join(sorted(BUILTINS)) in diagnostic.message


def test_evaluating_an_unchecked_unknown_function_is_a_positioned_error_not_a_key_error() -> None:
    origin = Location("f.yaml", 4, 7)
    expr = parse_expression("1 + mx(x, 2)", origin)
    for run in (lambda: evaluate(expr, {"x": 1}), lambda: evaluate_columns(expr, {"x": np.array([1, 2])}, 2)):
        with pytest.raises(MedunionError) as exc:
            run()
        (diagnostic,) = exc.value.diagnostics
        assert "unknown function 'mx'; did you mean 'max'?" in diagnostic.message
        assert diagnostic.location == origin.shifted(4)


# --- one operator table ------------------------------------------------------------------------


@pytest.mark.parametrize("symbol", sorted(BINARY))
def test_every_binary_operator_parses_renders_and_reads_in_words(symbol: str) -> None:
    op = BINARY[symbol]
    tree = parse_expression(f"a {symbol} b").tree
    assert isinstance(tree, Binary) and tree.op == symbol
    assert to_text(tree) == f"a {symbol} b"
    assert op.words
    if symbol in COMPARISON:
        assert op.date_words and BINARY[op.negation].negation == symbol
    if symbol in ARITHMETIC:
        assert op.verb
    assert (op.apply is None) == (symbol in LOGICAL)  # the evaluators short-circuit and/or themselves


@pytest.mark.parametrize("symbol", sorted(COMPARISON))
@given(left=st.integers(-3, 3), right=st.integers(-3, 3))
def test_a_comparison_negation_holds_exactly_when_the_comparison_does_not(symbol: str, left: int, right: int) -> None:
    negated = BINARY[symbol].negation
    assert evaluate(parse_expression(f"not {left} {symbol} {right}"), {}) == evaluate(
        parse_expression(f"{left} {negated} {right}"), {})


_CHAINABLE = sorted(set(BINARY) - COMPARISON)


@pytest.mark.parametrize(("first", "second"), list(itertools.product(_CHAINABLE, repeat=2)))
def test_operators_bind_by_their_declared_precedence(first: str, second: str) -> None:
    tree = parse_expression(f"a {first} b {second} c").tree
    assert isinstance(tree, Binary)
    if BINARY[second].precedence > BINARY[first].precedence:
        assert (tree.op, tree.right.op) == (first, second)  # type: ignore[attr-defined]
    else:  # equal precedence associates to the left
        assert (tree.op, tree.left.op) == (second, first)  # type: ignore[attr-defined]
    assert parse_expression(to_text(tree)).tree == tree


def test_unary_operators_parse_and_render() -> None:
    for symbol in UNARY:
        text = f"{symbol} a" if symbol.isalpha() else f"{symbol}a"
        assert to_text(parse_expression(text).tree) == text


# --- the reference documents what the registry holds -------------------------------------------


def _expressions_section() -> str:
    text = (ROOT / "docs" / "reference" / "ruleset-format.md").read_text(encoding="utf-8")
    start = text.index("## Expressions")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_the_format_reference_names_every_builtin_and_no_other() -> None:
    code = " ".join(re.findall(r"`([^`]+)`", _expressions_section()))
    documented = set(re.findall(r"\b([a-z_]+)\(", code))
    assert documented == set(BUILTINS) | {"date"}  # date('…') is a literal the parser reads


def test_the_format_reference_names_every_operator() -> None:
    code = set(" ".join(re.findall(r"`([^`]+)`", _expressions_section())).split())
    assert set(BINARY) | set(UNARY) <= code
