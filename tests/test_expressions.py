"""The expression language: syntax errors at the exact column, type errors, evaluation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from fixtures.builders import position, rule, write_ruleset

from governance.check import check_ruleset
from governance.diagnostics import Location, MedunionError
from governance.expressions import (
    BOOLEAN,
    DATE,
    INTEGER,
    NUMBER,
    EvaluationError,
    ExpressionType,
    evaluate,
    infer_type,
    parse_expression,
    render_with_values,
)
from governance.load import load_ruleset

SEVERITY = ExpressionType("enum", ("ordinary", "acute", "severe"))
ENV = {
    "x": NUMBER,
    "n": INTEGER,
    "flag": BOOLEAN,
    "day": DATE,
    "severity": SEVERITY,
    "eligible_cost": NUMBER,
}

INPUTS = """inputs:
  x:
    type: number
  n:
    type: integer
  flag:
    type: boolean
  day:
    type: date
  severity:
    type: enum
    values: [ordinary, acute, severe]
outputs:
  y:
    type: number
rules:
"""


def _value(text: str, env: dict[str, Any] | None = None) -> Any:
    return evaluate(parse_expression(text), env or {})


def _errors(exc: pytest.ExceptionInfo[MedunionError]) -> list[str]:
    return [str(d) for d in exc.value.diagnostics]


# --- syntax errors: where they are -----------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "expression", "offset"),
    [
        ('"a = 3"', "a = 3", 2),
        ("x > 3 && n < 2", "x > 3 && n < 2", 6),
        ("'x > 3 and (n < 2'", "x > 3 and (n < 2", 16),  # the missing ')' is noticed at the end
        ('"x > > 3"', "x > > 3", 4),
        ("x < n < 3", "x < n < 3", 6),  # comparisons do not chain
    ],
)
def test_syntax_error_names_the_column_in_the_file(
    tmp_path: Path, when: str, expression: str, offset: int
) -> None:
    path = write_ruleset(tmp_path, INPUTS + rule("r", when, "y: 1"))
    line, column = position(path.read_text(), expression)
    with pytest.raises(MedunionError) as exc:
        load_ruleset(path)
    (message,) = _errors(exc)
    assert message.startswith(f"{path}:{line}:{column + offset}: error: in expression `{expression}`")


def test_equals_sign_error_points_at_the_equals_sign(tmp_path: Path) -> None:
    body = INPUTS + rule("r", '"a = 3"', "y: 1")
    path = write_ruleset(tmp_path, body)
    line, column = position(path.read_text(), "= 3")
    with pytest.raises(MedunionError) as exc:
        load_ruleset(path)
    (message,) = _errors(exc)
    assert message.startswith(f"{path}:{line}:{column}: error: in expression `a = 3`: unexpected character '='")
    assert "use ==" in message


def test_syntax_error_in_a_block_scalar_points_at_the_character(tmp_path: Path) -> None:
    body = INPUTS + rule("r", "|\n      x > 3 and\n        n >= = 2", "y: 1")
    path = write_ruleset(tmp_path, body)
    line, column = position(path.read_text(), "= 2")
    with pytest.raises(MedunionError) as exc:
        load_ruleset(path)
    (message,) = _errors(exc)
    assert message.startswith(f"{path}:{line}:{column}: error: in expression `x > 3 and")
    assert "at character" not in message


def test_type_error_in_a_folded_scalar_points_at_the_name(tmp_path: Path) -> None:
    body = INPUTS + rule("r", ">-\n      x > 3 and\n      severty == 'acute'", "y: 1")
    path = write_ruleset(tmp_path, body)
    line, column = position(path.read_text(), "severty")
    found = [str(d) for d in check_ruleset(load_ruleset(path)) if d.severity == "error"]
    assert found == [f"{path}:{line}:{column}: error: `severty`: unknown name 'severty'; did you mean 'severity'?"]


@pytest.mark.parametrize(
    ("text", "offset", "fragment"),
    [
        ("x >", 3, "expected a value"),
        ("", 0, "empty"),
        ("if x > 1 then 2", 15, "'else'"),
        ("max(1, 2", 8, "')'"),
        ("date('2017-02-30')", 5, "not a date"),
        ("x $ 2", 2, "unexpected character '$'"),
    ],
)
def test_syntax_error_offsets_without_a_file(text: str, offset: int, fragment: str) -> None:
    origin = Location("f.yaml", 7, 10)
    with pytest.raises(MedunionError) as exc:
        parse_expression(text, origin)
    (diagnostic,) = exc.value.diagnostics
    assert diagnostic.location == Location("f.yaml", 7, 10 + offset)
    assert fragment in diagnostic.message


# --- type errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "culprit", "fragment"),
    [
        ("severity == 3", "severity == 3", "cannot compare an enum"),
        ("severity > 'acute'", "severity > 'acute'", "cannot order"),
        ("day + flag > day", "day + flag", "cannot add a date and a boolean"),
        ("day + 1.5 > day", "day + 1.5", "cannot add a date and a number"),
        ("eligble_cost > 0", "eligble_cost", "did you mean 'eligible_cost'?"),
        ("severity == 'acutte'", "'acutte'", "did you mean 'acute'?"),
        ("severity == acute", "acute", "to write the value 'acute', put it in quotes: 'acute'"),
        ("severity in ['acute', 'sever']", "'sever'", "did you mean 'severe'?"),
        ("round(x, 1, 2) > 0", "round(x, 1, 2)", "takes 1 to 2 argument(s), not 3"),
        ("add_months(day) > day", "add_months(day)", "takes 2 argument(s), not 1"),
        ("abs() > 0", "abs()", "takes 1 argument(s), not 0"),
        ("flor(x) > 0", "flor(x)", "did you mean 'floor'?"),
        ("x and flag", "x", "'and' joins conditions"),
        ("not x", "not x", "'not' needs a boolean"),
        ("if x then 1 else 2", "x", "'if' needs a condition"),
        ("if flag then 1 else day", "if flag then 1 else day", "mixes values of different types"),
        ("add_months(day, 1.5) > day", "1.5", "whole number of months"),
    ],
)
def test_type_errors_point_at_the_offending_part(text: str, culprit: str, fragment: str) -> None:
    origin = Location("f.yaml", 3, 11)
    with pytest.raises(MedunionError) as exc:
        infer_type(parse_expression(text, origin), ENV)
    (diagnostic,) = exc.value.diagnostics
    assert fragment in diagnostic.message
    assert f"`{culprit}`" in diagnostic.message
    assert diagnostic.location == Location("f.yaml", 3, 11 + text.index(culprit))


def test_type_error_in_a_file_names_file_line_and_column(tmp_path: Path) -> None:
    body = INPUTS + rule("r", "severity == 3", "y: 1")
    path = write_ruleset(tmp_path, body)
    line, column = position(path.read_text(), "severity == 3")
    found = [str(d) for d in check_ruleset(load_ruleset(path))]
    assert found == [f"{path}:{line}:{column}: error: `severity == 3`: cannot compare an enum "
                     "('ordinary', 'acute', 'severe') with an integer"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x * 2", NUMBER),
        ("n * 2", INTEGER),
        ("n / 2", NUMBER),
        ("day + 30", DATE),
        ("day - day", INTEGER),
        ("add_months(day, n)", DATE),
        ("months_between(day, day)", INTEGER),
        ("floor(x)", INTEGER),
        ("severity in ['acute', 'severe'] or flag", BOOLEAN),
        ("if flag then n else x", NUMBER),
        ("min(day, day + 1)", DATE),
    ],
)
def test_well_typed_expressions(text: str, expected: ExpressionType) -> None:
    assert infer_type(parse_expression(text), ENV) == expected


# --- evaluation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 + 3 * 4", 14),
        ("(2 + 3) * 4", 20),
        ("10 - 4 - 3", 3),
        ("2 - -3", 5),
        ("7 / 2", 3.5),
        ("7 % 3", 1),
        ("-7 % 3", 2),
        ("2 * 3 % 4", 2),
        ("1 + 2 == 3", True),
        ("not 1 > 2 and 2 > 1", True),
        ("true or false and false", True),
        ("(true or false) and false", False),
        ("'acute' in ['acute', 'severe']", True),
        ("'ordinary' in ['acute', 'severe']", False),
        ("3 not in [1, 2]", True),
        ("2 not in [1, 2]", False),
        ("if 8 > 6 then 1 else 0", 1),
        ("if 5 > 6 then 1 else 0", 0),
        ("if false then 1 else if true then 2 else 3", 2),
        ("min(3, 1, 2)", 1),
        ("max(3, 1.5, 2)", 3),
        ("round(8499.996, 2)", 8500.0),
        ("round(2.5)", 3.0),  # half up (四舍五入), in both evaluators: governance/rounding.py
        ("round(3.5)", 4.0),
        ("abs(-3.5)", 3.5),
        ("floor(-1.5)", -2),
        ("ceil(1.2)", 2),
        ("date('2017-12-31') + 1", dt.date(2018, 1, 1)),
        ("date('2017-03-01') - 1", dt.date(2017, 2, 28)),
        ("date('2017-03-01') - date('2017-02-01')", 28),
        ("date('2017-02-01') - date('2017-03-01')", -28),
        ("add_months(date('2017-01-31'), 1)", dt.date(2017, 2, 28)),
        ("add_months(date('2016-01-31'), 1)", dt.date(2016, 2, 29)),
        ("add_months(date('2017-03-31'), -1)", dt.date(2017, 2, 28)),
        ("add_months(date('2017-11-15'), 3)", dt.date(2018, 2, 15)),
        ("months_between(date('2017-01-15'), date('2017-03-15'))", 2),
        ("months_between(date('2017-01-15'), date('2017-03-14'))", 1),
        ("months_between(date('2017-03-15'), date('2017-01-15'))", -2),
        ("months_between(date('2016-07-01'), date('2017-07-01'))", 12),
        ("year(date('2017-05-06')) * 100 + month(date('2017-05-06'))", 201705),
        ("day(date('2017-05-06'))", 6),
    ],
)
def test_evaluation(text: str, expected: Any) -> None:
    result = _value(text)
    assert result == expected
    assert type(result) is type(expected) or {type(result), type(expected)} <= {int, float}


def test_names_are_read_from_the_environment() -> None:
    env = {"eligible_cost": 10000, "applicable_ratio": 0.85}
    expr = parse_expression("round(eligible_cost * applicable_ratio, 2)")
    assert evaluate(expr, env) == 8500.0
    assert render_with_values(expr, env) == "round(eligible_cost (= 10000) * applicable_ratio (= 0.85), 2)"


def test_and_or_if_do_not_evaluate_what_they_skip() -> None:
    env = {"n": 0, "x": 5}
    assert _value("n != 0 and x / n > 1", env) is False
    assert _value("n == 0 or x / n > 1", env) is True
    assert _value("if n == 0 then 0 else x / n", env) == 0


@pytest.mark.parametrize("text", ["x / n", "x % n", "x / (n - 0)"])
def test_division_by_zero_is_an_error_naming_the_expression(text: str) -> None:
    origin = Location("f.yaml", 4, 9)
    with pytest.raises(EvaluationError) as exc:
        evaluate(parse_expression(text, origin), {"x": 5, "n": 0})
    (diagnostic,) = exc.value.diagnostics
    assert diagnostic.message == f"division by zero in `{text}`"
    assert diagnostic.location == origin


def test_conjuncts_split_top_level_and_with_their_text() -> None:
    expr = parse_expression("(x > 1 or flag) and n / (x - 1) > 2 and not flag")
    assert [c.text for c in expr.conjuncts()] == ["(x > 1 or flag)", "n / (x - 1) > 2", "not flag"]
    assert expr.names() == {"x", "flag", "n"}


def test_expressions_are_never_passed_to_python() -> None:
    with pytest.raises(MedunionError):
        parse_expression("__import__('os').system('true')")
    with pytest.raises(MedunionError) as exc:
        infer_type(parse_expression("__import__('os')"), ENV)
    assert "unknown function '__import__'" in str(exc.value)


def test_syntax_error_in_an_escaped_scalar_points_at_the_character(tmp_path: Path) -> None:
    path = write_ruleset(tmp_path, INPUTS + rule("r", "'severity == ''acute'' and x = 3'", "y: 1"))
    line, column = position(path.read_text(), "= 3'")
    with pytest.raises(MedunionError) as exc:
        load_ruleset(path)
    (message,) = _errors(exc)
    expression = "severity == 'acute' and x = 3"
    assert message.startswith(f"{path}:{line}:{column}: error: in expression `{expression}`")
