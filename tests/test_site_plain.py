"""Conditions and formulas in plain language, as the rule pages show them."""

from __future__ import annotations

import pytest

from governance.expressions import parse_expression
from governance.expressions.builtins import BUILTINS
from publication.plain import plain_condition, plain_conditions, plain_value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("severity in ['acute', 'severe']", "severity is acute or severe"),
        ("months_in_township > 6", "months in township is more than 6"),
        ("referral_direction == 'upward'", "referral direction is upward"),
        ("x != 'none'", "x is not none"),
        ("score >= 60", "score is at least 60"),
        ("score <= 60", "score is at most 60"),
        ("score < 60", "score is less than 60"),
        ("not within_association", "not within association"),
        ("within_association == false", "not within association"),
        ("transfer_to_county == true", "transfer to county"),
        ("not months > 6", "months is at most 6"),
        ("not severity in ['acute']", "severity is not acute"),
        ("severity not in ['acute', 'severe']", "severity is neither acute nor severe"),
        ("grade not in ['a', 'b', 'c']", "grade is none of a, b or c"),
        ("severity in severe_grades", "severity is one of the severe grades"),
        ("admitted_on >= date('2017-07-01')", "admitted on is on or after 1 July 2017"),
        ("a and b and c", "a, b and c"),
        ("a and (b or c)", "a, and either b or c"),
        ("(a and b) or c", "both a and b, or c"),
        (
            "not within_primary_scope or severity in ['acute', 'dangerous', 'severe']",
            "not within primary scope, or severity is acute, dangerous or severe",
        ),
        ("not (rectified and in_place)", "not both rectified and in place"),
        ("not (a or b)", "neither a nor b"),
        ("not (a or b or c)", "none of a, b or c"),
        ("true", "always"),
    ],
)
def test_conditions_read_as_words(text: str, expected: str) -> None:
    assert plain_condition(text) == expected


def test_no_expression_syntax_survives_in_a_condition() -> None:
    text = "(not within_primary_scope) or severity in ['acute', 'severe'] and months != 3"
    words = plain_condition(text)
    for syntax in ("==", "!=", "[", "]", "'", "_", "(", ")"):
        assert syntax not in words, (syntax, words)


def test_units_follow_numbers_compared_with_a_named_quantity() -> None:
    assert (
        plain_condition("months_in_township > 6", {"months_in_township": "month"})
        == "months in township is more than 6 months"
    )
    assert plain_condition("cost >= 200000", {"cost": "yuan"}) == "cost is at least 200,000 yuan"
    # a ratio is not a counted unit: "0.85 ratio" would read wrong
    assert plain_condition("share > 0.85", {"share": "ratio"}) == "share is more than 0.85"


def test_a_when_list_reads_as_all_of_its_conditions() -> None:
    conditions = [
        parse_expression("referral_direction == 'upward'"),
        parse_expression("not within_primary_scope or severity in ['acute', 'severe']"),
    ]
    assert plain_conditions(conditions) == (
        "referral direction is upward, and either not within primary scope, "
        "or severity is acute or severe"
    )
    assert plain_conditions([]) == "always"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "round(eligible_cost * applicable_ratio, 2)",
            "eligible cost × applicable ratio, rounded half up to 2 decimal places",
        ),
        ("round(x)", "x, rounded half up to a whole number"),
        ("(a + b) * c", "(a + b) × c"),
        ("a - (b - c)", "a − (b − c)"),
        ("a * b + c", "a × b + c"),
        ("min(a, 200000)", "the smaller of a and 200,000"),
        ("max(cost - deductible, 0) * ratio", "(the larger of cost − deductible and 0) × ratio"),
        ("round(a, 2) + 1", "(a, rounded half up to 2 decimal places) + 1"),
        ("max(a, b, c)", "the largest of a, b and c"),
        ("if x > 6 then 1 else 0", "1 if x is more than 6, otherwise 0"),
        ("add_months(start, 6)", "start plus 6 months"),
        ("months_between(a, b)", "the whole months from a to b"),
        ("round(x, 0)", "x, rounded half up to a whole number"),
        ("round(x, 1)", "x, rounded half up to 1 decimal place"),
        ("round(x, n)", "x, rounded half up to n decimal places"),
        ("min(a)", "a"),
        ("max(a, b)", "the larger of a and b"),
        ("min(a, b, c)", "the smallest of a, b and c"),
        ("abs(x - y)", "the absolute value of x − y"),
        ("floor(x)", "x, rounded down"),
        ("ceil(x)", "x, rounded up"),
        ("year(d)", "the year of d"),
        ("month(d)", "the month of d"),
        ("day(d)", "the day of the month of d"),
        ("frobnicate(a, 2)", "frobnicate(a, 2)"),  # not a built-in: shown as written
        ("0.85", "0.85"),
        ("-x", "−x"),
    ],
)
def test_formulas_read_with_words_and_symbols(text: str, expected: str) -> None:
    assert plain_value(text) == expected


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_every_builtin_reads_in_words_with_all_its_arguments(name: str) -> None:
    builtin = BUILTINS[name]
    for count in range(builtin.min_args, (builtin.max_args or 3) + 1):
        arguments = [f"argument_{i}" for i in range(count)]
        words = plain_value(f"{name}({', '.join(arguments)})")
        assert f"{name}(" not in words and "{" not in words, words
        for i in range(count):
            assert f"argument {i}" in words, (i, words)
