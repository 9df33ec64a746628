"""Rounding half up (四舍五入): the scalar and column rules, the built-in, and where amounts are shown."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from governance.expressions import evaluate, evaluate_columns, parse_expression
from governance.expressions.builtins import BUILTINS
from governance.rounding import MAX_DIGITS, amount_text, round_half_up, round_half_up_columns


def _same(a: float, b: float) -> bool:
    """Equal as floats, NaN equal to NaN, and the sign of a zero kept."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (1002.5, 0, 1003.0),  # banker's rounding gave 1002
        (1003.5, 0, 1004.0),
        (0.125, 2, 0.13),  # half-even gives 0.12
        (1.005, 2, 1.01),  # stored as 1.00499999…; read as 1.005
        (2.675, 2, 2.68),  # stored as 2.67499999…
        (8499.995, 2, 8500.0),
        (0.5, 0, 1.0),
        (1.4999999999999998, 0, 1.0),  # not a half: the printed decimal is below it
        (-2.5, 0, -3.0),  # a half away from zero
        (-0.125, 2, -0.13),
        (-1.005, 2, -1.01),
        (1250.0, -2, 1300.0),
        (1249.99, -2, 1200.0),
        (-150.0, -2, -200.0),
        (12_345_678_901.125, 2, 12_345_678_901.13),  # a county's fund in yuan, to the fen
        (4_503_599_627_370_495.5, 0, 4_503_599_627_370_496.0),  # just below 2**52
        (1e300, 2, 1e300),  # no digit below the place: unchanged
        (1.5e308, 2, 1.5e308),  # numpy's rounding overflowed this to inf
        (123.456, 400, 123.456),  # numpy's rounding gave NaN
        (123.456, -400, 0.0),
        (5e-324, 2, 0.0),
    ],
)
def test_half_up_on_the_printed_decimal(value: float, digits: int, expected: float) -> None:
    assert _same(round_half_up(value, digits), expected)
    assert _same(float(round_half_up_columns(np.array([value]), np.array([digits]))[0]), expected)


def test_nan_and_infinities_come_back_unchanged_as_before() -> None:
    for value in (math.nan, math.inf, -math.inf):
        assert _same(round_half_up(value, 2), value)
        assert _same(float(np.round(value, 2)), value)  # what round() gave before
    column = round_half_up_columns(np.array([math.nan, math.inf, -math.inf, 2.5]), np.array([0]))
    expected = [math.nan, math.inf, -math.inf, 3.0]
    assert all(_same(a, b) for a, b in zip(column.tolist(), expected, strict=True))


def test_a_negative_amount_below_half_a_unit_is_a_negative_zero_in_both() -> None:
    assert _same(round_half_up(-0.4), -0.0)
    assert _same(float(round_half_up_columns(np.array([-0.4]))[0]), -0.0)


def test_digits_beyond_the_bound_are_refused_in_both() -> None:
    with pytest.raises(OverflowError):
        round_half_up(1.5, MAX_DIGITS + 1)
    with pytest.raises(OverflowError):
        round_half_up_columns(np.array([1.5]), np.array([-MAX_DIGITS - 1]))


def test_digits_per_row() -> None:
    values = np.array([2.5, 0.125, 1.005, 1250.0, -2.5])
    digits = np.array([0, 2, 2, -2, 0])
    expected = [3.0, 0.13, 1.01, 1300.0, -3.0]
    assert round_half_up_columns(values, digits).tolist() == expected
    assert [round_half_up(v, d) for v, d in zip(values.tolist(), digits.tolist(), strict=True)] == expected


_FLOATS = st.floats(allow_nan=True, allow_infinity=True)
_AMOUNTS = st.integers(-10**12, 10**12).map(lambda fen: fen / 1000)  # three decimals: a half at 2 digits is common
_HALVES = st.integers(-10**9, 10**9).map(lambda n: n + 0.5)


@settings(max_examples=400, deadline=None)
@given(values=st.lists(st.one_of(_FLOATS, _AMOUNTS, _HALVES), min_size=1, max_size=40),
       digits=st.integers(-25, 25))
@example(values=[1.005, 2.675, 0.125, 1002.5, -2.5, 0.0, -0.0], digits=2)
@example(values=[1e16 + 2, 2.0**52 + 1, 4_503_599_627_370_495.5], digits=0)
def test_the_column_agrees_with_the_scalar_on_every_value(values: list[float], digits: int) -> None:
    column = round_half_up_columns(np.array(values, dtype=np.float64), np.array([digits]))
    for value, rounded in zip(values, column.tolist(), strict=True):
        assert _same(rounded, round_half_up(value, digits)), (value, digits)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.one_of(_FLOATS, _AMOUNTS, _HALVES), min_size=1, max_size=20),
       digits=st.lists(st.integers(-6, 6), min_size=1, max_size=20))
def test_the_column_agrees_with_the_scalar_when_digits_vary_by_row(values: list[float], digits: list[int]) -> None:
    size = min(len(values), len(digits))
    column = round_half_up_columns(np.array(values[:size]), np.array(digits[:size]))
    for value, places, rounded in zip(values[:size], digits[:size], column.tolist(), strict=True):
        assert _same(rounded, round_half_up(value, places)), (value, places)


@settings(max_examples=300, deadline=None)
@given(fen=st.integers(-10**13, 10**13), digits=st.integers(0, 3))
def test_a_decimal_written_with_more_places_rounds_as_on_paper(fen: int, digits: int) -> None:
    """The printed decimal x (digits + 1 places) rounds as a person does: look at the last digit."""
    value = fen / 10 ** (digits + 1)
    magnitude, last = divmod(abs(fen), 10)
    expected = math.copysign((magnitude + (last >= 5)) / 10**digits, fen)
    assert _same(round_half_up(value, digits), expected)


def test_the_builtin_rounds_half_up_in_both_evaluators() -> None:
    assert BUILTINS["round"].scalar is round_half_up and BUILTINS["round"].column is round_half_up_columns
    expr = parse_expression("round(cost * ratio, 2)")
    assert evaluate(expr, {"cost": 2005, "ratio": 0.5}) == 1002.5
    assert evaluate(parse_expression("round(cost * ratio)"), {"cost": 2005, "ratio": 0.5}) == 1003.0
    columns = evaluate_columns(expr, {"cost": np.array([0.25, 2.01, 1000.0]), "ratio": np.array([0.5])}, 3)
    assert columns.tolist() == [0.13, 1.01, 500.0]  # 0.125 → 0.13, 1.005 → 1.01


def test_the_builtin_says_half_up_in_words() -> None:
    assert all("half up" in phrase.template for phrase in BUILTINS["round"].wording)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1234567.125, "1,234,567.13"),
        (1002.5, "1,002.50"),
        (1.005, "1.01"),
        (-2.675, "-2.68"),
        (0.0, "0.00"),
        (math.inf, "inf"),
        (math.nan, "nan"),
    ],
)
def test_amounts_are_shown_to_the_fen_half_up(value: float, text: str) -> None:
    assert amount_text(value) == text


def test_the_impact_report_and_page_show_amounts_half_up() -> None:
    from medunion.impact_report import amount, signed
    from publication.pages.impact import _signed

    assert amount(0.125) == "0.13" and signed(1.005) == "+1.01" and signed(-2.675) == "-2.68"
    assert _signed(1234.565) == "+1,234.57"


def test_appraisal_points_in_words_are_rounded_half_up() -> None:
    from appraisal.report_html import _cell_text

    assert _cell_text(0.125) == "0.13" and _cell_text(np.float64(2.675)) == "2.68"
