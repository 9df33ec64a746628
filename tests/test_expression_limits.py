"""The expression language's stated limits: refused at the exact character, never a crash.

A drafter's one bad expression must give one positioned error, not a RecursionError that
takes down `medunion check` of a whole folder, every decision and the site build. The limits
are in governance/expressions/limits.py; tests/hostile/expressions.yaml lists hostile inputs
with the error each must give.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from fixtures.builders import position, rule, write_ruleset

from governance.diagnostics import Location, MedunionError
from governance.expressions import (
    BOOLEAN,
    DATE,
    INTEGER,
    NUMBER,
    STRING,
    EvaluationError,
    ExpressionType,
    evaluate,
    evaluate_columns,
    infer_type,
    parse_expression,
    render_with_values,
    to_text,
)
from governance.expressions.limits import FRAMES_PER_LEVEL, MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH
from governance.load import load_ruleset
from publication.plain import plain_condition, plain_value

CORPUS = Path(__file__).parent / "hostile" / "expressions.yaml"
ORIGIN = Location("hostile.yaml", 1, 1)
_KINDS = {"number": NUMBER, "integer": INTEGER, "boolean": BOOLEAN, "date": DATE, "string": STRING}


def _corpus() -> tuple[dict[str, ExpressionType], list[dict[str, Any]]]:
    data = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    names = {
        name: ExpressionType("enum", tuple(kind)) if isinstance(kind, list) else _KINDS[kind]
        for name, kind in data["names"].items()
    }
    return names, data["expressions"]


NAMES, ENTRIES = _corpus()
VALUES: dict[str, Any] = {"a": 2.5, "n": 3, "flag": True, "day": dt.date(2020, 2, 29), "severity": "acute"}


def _text(entry: dict[str, Any]) -> str:
    times = entry.get("times", 1)
    items = ""
    if "items" in entry:
        item, count = entry["items"]
        items = ", ".join([item] * count)
    return entry.get("prefix", "") * times + entry["text"] + items + entry.get("suffix", "") * times


def _reason(message: str) -> str:
    """The message after the quoted expression or part (`in expression `…`: ` or `` `…`: ``)."""
    return re.sub(r"^(?:in expression )?`.*?`: ", "", message, count=1, flags=re.DOTALL)


def _columns(length: int = 2) -> dict[str, Any]:
    return {
        name: np.array([value] * length, dtype="datetime64[D]" if isinstance(value, dt.date) else None)
        for name, value in VALUES.items()
    }


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["name"] for e in ENTRIES])
def test_hostile_expressions_give_the_stated_error_or_none(entry: dict[str, Any]) -> None:
    text = _text(entry)
    try:
        expr = parse_expression(text, ORIGIN)
        kind = infer_type(expr, NAMES)
    except MedunionError as exc:
        assert not entry.get("accepted"), f"refused: {exc}"
        (diagnostic,) = exc.diagnostics
        assert _reason(diagnostic.message).startswith(entry["message"]), diagnostic.message[-300:]
        assert diagnostic.location == Location("hostile.yaml", 1, entry["column"])
        str(diagnostic).encode("utf-8")  # printable as it is: a NUL or lone surrogate is escaped
        return
    assert entry.get("accepted"), f"accepted, but expected: {entry['message']}"
    assert kind == _KINDS[entry["type"]]
    evaluate(expr, VALUES)
    evaluate_columns(expr, _columns(), 2)
    canonical = to_text(expr.tree)
    assert to_text(parse_expression(canonical).tree) == canonical  # what `diff` compares reads back
    render_with_values(expr, VALUES)
    plain_condition(expr) if kind == BOOLEAN else plain_value(expr)


# --- each construct: accepted at the limit, refused one level past it, where it crosses ----------

_D = MAX_EXPRESSION_DEPTH


class Nesting:
    """`copies` copies of prefix and suffix around `inner`; each copy is `levels` levels deep, and
    the copy that crosses the limit is refused at its character `crossing`."""

    def __init__(self, prefix: str, inner: str, suffix: str, levels: int = 1, crossing: int = 0) -> None:
        self.prefix, self.inner, self.suffix, self.levels, self.crossing = prefix, inner, suffix, levels, crossing

    def text(self, copies: int) -> str:
        return self.prefix * copies + self.inner + self.suffix * copies

    @property
    def deepest(self) -> str:
        return self.text(_D // self.levels)


_NESTINGS = {
    "brackets": Nesting("(", "a", ")"),
    "not": Nesting("not ", "flag", ""),
    "unary minus": Nesting("-", "a", ""),
    "calls": Nesting("abs(", "a", ")"),
    "calls of several arguments": Nesting("max(1, ", "a", ")"),
    "lists": Nesting("[", "1", "]"),
    "if in the condition": Nesting("if ", "flag", " then flag else flag"),
    "if in a branch": Nesting("if flag then ", "1", " else 2"),
    "a sum": Nesting("a + ", "a", "", crossing=2),  # a chain is too deep at its 65th operator
    "an 'or'": Nesting("flag or ", "flag", "", crossing=5),
    "a right-nested difference": Nesting("a - (", "a", ")", levels=2, crossing=2),  # the '-', then the bracket
}


@pytest.mark.parametrize("nesting", _NESTINGS.values(), ids=list(_NESTINGS))
def test_each_construct_nests_to_the_limit_and_no_further(nesting: Nesting) -> None:
    copies = _D // nesting.levels
    parse_expression(nesting.text(copies))
    with pytest.raises(MedunionError) as exc:
        parse_expression(nesting.text(copies + 1), ORIGIN)
    (diagnostic,) = exc.value.diagnostics
    assert "nested more than 64 levels deep" in diagnostic.message
    column = len(nesting.prefix) * copies + nesting.crossing + 1
    assert diagnostic.location == Location("hostile.yaml", 1, column)


def test_a_deep_operand_of_an_operator_is_refused_at_the_operator() -> None:
    """64 brackets are the limit; an operator around them makes 65 levels, and is the place."""
    text = "(" * _D + "a" + ")" * _D + " + 1"
    with pytest.raises(MedunionError) as exc:
        parse_expression(text, ORIGIN)
    assert exc.value.diagnostics[0].location == Location("hostile.yaml", 1, text.index("+") + 1)


def test_the_length_limit_counts_characters_and_points_past_the_last_allowed() -> None:
    parse_expression("a" * MAX_EXPRESSION_LENGTH)
    with pytest.raises(MedunionError) as exc:
        parse_expression("a" * MAX_EXPRESSION_LENGTH + "a", ORIGIN)
    (diagnostic,) = exc.value.diagnostics
    assert diagnostic.location == Location("hostile.yaml", 1, MAX_EXPRESSION_LENGTH + 1)
    assert len(diagnostic.message) < 300  # the message quotes only the beginning


def test_an_over_deep_expression_in_a_rule_file_is_one_error_at_its_line_and_column(tmp_path: Path) -> None:
    """The reviewer's case: one 500-term sum in one rule file, loaded as `check` loads it."""
    inputs = "inputs:\n  x:\n    type: number\noutputs:\n  y:\n    type: number\nrules:\n"
    total = " + ".join(["x"] * 500)
    path = write_ruleset(tmp_path, inputs + rule("r", "x > 0", f"y: {total}"))
    with pytest.raises(MedunionError) as exc:
        load_ruleset(path)
    (diagnostic,) = exc.value.diagnostics
    line, column = position(path.read_text(), total)
    assert diagnostic.location == Location(str(path), line, column + len("x + ") * _D + 2)
    assert "nested more than 64 levels deep" in diagnostic.message


# --- no walker recurses without bound -------------------------------------------------------------


@contextmanager
def _frames(budget: int) -> Iterator[None]:
    """Allow only `budget` more Python frames than the caller has (RecursionError past it)."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + budget)
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


_DEEPEST = {
    **{name: nesting.deepest for name, nesting in _NESTINGS.items() if name != "lists"},
    "lists": "a in [" + "if flag then " * (_D - 2) + "a" + " else a" * (_D - 2) + "]",
    "every level in turn": "(flag or flag and a == a + a * -(" * (_D // 8) + "a" + "))" * (_D // 8),
}


@pytest.mark.parametrize("text", _DEEPEST.values(), ids=list(_DEEPEST))
def test_every_walker_stays_within_a_few_frames_per_level(text: str) -> None:
    """Parsing, type checking, both evaluators, both renderers, the site's plain wording, and
    Python's own ==, hash and repr of the tree: at the deepest accepted nesting, none needs more
    than FRAMES_PER_LEVEL frames a level, far below the recursion limit of 1000."""
    budget = FRAMES_PER_LEVEL * MAX_EXPRESSION_DEPTH + 30
    assert budget < 500
    with _frames(budget):
        expr = parse_expression(text)
    walks: list[Callable[[], object]] = [
        lambda: to_text(expr.tree),
        lambda: render_with_values(expr, VALUES),
        lambda: plain_condition(expr),
        lambda: plain_value(expr),
        lambda: expr == parse_expression(text),
        lambda: hash(expr.tree),
        lambda: repr(expr.tree),
    ]
    try:
        infer_type(expr, NAMES)
    except MedunionError:
        pass  # `-(flag or …)` does not type; the walks below need no types
    else:
        walks += [lambda: evaluate(expr, VALUES), lambda: evaluate_columns(expr, _columns(), 2)]
    walks.append(lambda: infer_type(expr, NAMES))
    for walk in walks:
        with _frames(budget), suppress(MedunionError):
            walk()


# --- evaluation failures are positioned, in both evaluators ---------------------------------------


@pytest.mark.parametrize(
    ("text", "culprit", "fragment"),
    [
        ("day + n", "day + n", "date value out of range"),
        ("add_months(day, n)", "add_months(day, n)", "out of range"),
        ("floor(a * 1e308 * 10)", "floor(a * 1e308 * 10)", "infinity"),
    ],
)
def test_a_result_out_of_range_is_an_evaluation_error_at_its_part(text: str, culprit: str, fragment: str) -> None:
    expr = parse_expression(text, ORIGIN)
    infer_type(expr, NAMES)
    with pytest.raises(EvaluationError) as exc:
        evaluate(expr, {**VALUES, "day": dt.date(9999, 12, 1), "n": 10**6})
    (diagnostic,) = exc.value.diagnostics
    assert diagnostic.location == Location("hostile.yaml", 1, text.index(culprit) + 1)
    assert f"cannot compute `{culprit}`" in diagnostic.message and fragment in diagnostic.message


def test_round_to_absurd_digits_in_a_column_is_an_evaluation_error() -> None:
    expr = parse_expression("round(a, n)", ORIGIN)
    with pytest.raises(EvaluationError) as exc:
        evaluate_columns(expr, {"a": np.array([1.5, 2.5]), "n": np.array([2**62, 2**62])}, 2)
    assert exc.value.diagnostics[0].location == ORIGIN


def test_a_missing_column_is_a_positioned_error_not_a_key_error() -> None:
    """As the one-case evaluator says which name has no value, so does the column evaluator."""
    for text, name in (("a + b > 1", "b"), ("n in codes", "codes")):
        expr = parse_expression(text, ORIGIN)
        with pytest.raises(MedunionError) as exc:
            evaluate_columns(expr, {"a": np.array([1.0]), "n": np.array([1])}, 1)
        (diagnostic,) = exc.value.diagnostics
        assert f"no column for '{name}'" in diagnostic.message
        assert diagnostic.location == Location("hostile.yaml", 1, text.index(name) + 1)


def test_the_format_reference_states_each_limit() -> None:
    """Drafters read the limits in docs/reference/ruleset-format.md; its numbers are the code's."""
    from governance.expressions.limits import MAX_INTEGER

    text = (Path(__file__).parents[1] / "docs" / "reference" / "ruleset-format.md").read_text(encoding="utf-8")
    section = text[text.index("### Limits") : text.index("\n## ", text.index("### Limits"))]
    assert f"| {MAX_EXPRESSION_LENGTH:,} characters" in section
    assert f"| {MAX_EXPRESSION_DEPTH} levels" in section
    assert f"{MAX_INTEGER:,}" in section
    assert f"refused at its {MAX_EXPRESSION_DEPTH + 1}th `+`" in section
