"""Expressions as plain language, for readers who do not read expression syntax.

The public pages show each rule's condition as a sentence fragment
(`severity in ['acute', 'severe']` → "severity is acute or severe"). The renderer
walks the core's syntax tree (never the text), so what is shown is what runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from governance.expressions.builtins import BUILTINS
from governance.expressions.operators import ARITHMETIC, BINARY, COMPARISON, EQUALITY, LOGICAL, UNARY
from governance.expressions.parser import parse_expression
from governance.expressions.syntax import (
    Binary,
    Call,
    Conditional,
    Expression,
    ListExpr,
    Literal,
    Membership,
    Name,
    Node,
    Unary,
)

# Units worth saying after a number ("more than 6 months"); others (ratio, score) are not.
_COUNTED_UNITS = {"month", "day", "year", "week", "person", "bed", "visit", "time"}
_UNCOUNTED_UNITS = {"yuan", "%"}


def humanise(name: str) -> str:
    """`months_in_township` → "months in township": names read as words."""
    return name.replace("_", " ").strip()


def format_number(value: float) -> str:
    """Whole numbers without a decimal point, thousands separated: 200000 → "200,000"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1000:
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return text


def format_value(value: object) -> str:
    """A literal value as a reader would write it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, list | tuple):
        return join_words([format_value(v) for v in value], "and")
    if value is None:
        return "—"
    return str(value)


def join_words(parts: list[str], conjunction: str) -> str:
    """["a", "b", "c"] → "a, b or c"."""
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return f"{', '.join(parts[:-1])} {conjunction} {parts[-1]}"


def join_clauses(parts: list[str], conjunction: str) -> str:
    """Join conditions; when a part has its own "and"/"or", commas keep the grouping visible."""
    if len(parts) > 1 and any(" or " in p or " and " in p for p in parts):
        return f"{', '.join(parts[:-1])}, {conjunction} {parts[-1]}"
    return join_words(parts, conjunction)


def with_unit(number: str, value: object, unit: str | None) -> str:
    """Append a counted unit ("6 months", "200,000 yuan"); leave ratios and scores bare."""
    if not unit or isinstance(value, bool) or not isinstance(value, int | float):
        return number
    if unit in _UNCOUNTED_UNITS:
        return f"{number}%" if unit == "%" else f"{number} {unit}"
    if unit in _COUNTED_UNITS:
        plural = not (isinstance(value, int | float) and value == 1)
        return f"{number} {unit}{'s' if plural else ''}"
    return number


class _Renderer:
    def __init__(self, units: Mapping[str, str]) -> None:
        self.units = units

    # conditions -----------------------------------------------------------------------
    def condition(self, node: Node) -> str:
        if isinstance(node, Binary) and node.op in LOGICAL:
            parts = [self._grouped(p, node.op) for p in _flatten(node, node.op)]
            return join_clauses(parts, BINARY[node.op].words)
        if isinstance(node, Unary) and node.op == "not":
            return self.negation(node.operand)
        if isinstance(node, Binary) and node.op in COMPARISON:
            return self.comparison(node.op, node.left, node.right)
        if isinstance(node, Membership):
            return self.membership(node.operand, node.collection, node.negated)
        if isinstance(node, Literal) and isinstance(node.value, bool):
            return "always" if node.value else "never"
        return self.value(node)

    def _grouped(self, node: Node, inside: str) -> str:
        """A nested and/or inside the other one, grouped in words rather than brackets."""
        if isinstance(node, Binary) and node.op in LOGICAL and node.op != inside:
            parts = [self._grouped(p, node.op) for p in _flatten(node, node.op)]
            if node.op == "or":
                return f"either {join_clauses(parts, 'or')}"
            return f"both {join_clauses(parts, 'and')}"
        return self.condition(node)

    def negation(self, node: Node) -> str:
        if isinstance(node, Name):
            return f"not {humanise(node.name)}"
        if isinstance(node, Binary) and node.op in COMPARISON:
            return self.comparison(BINARY[node.op].negation, node.left, node.right)
        if isinstance(node, Membership):
            return self.membership(node.operand, node.collection, not node.negated)
        if isinstance(node, Unary) and node.op == "not":
            return self.condition(node.operand)
        if isinstance(node, Binary) and node.op in LOGICAL:
            parts = [self._grouped(p, node.op) for p in _flatten(node, node.op)]
            if node.op == "and":
                lead = "not both" if len(parts) == 2 else "not all of"
                return f"{lead} {join_clauses(parts, 'and')}"
            if len(parts) == 2:
                return f"neither {parts[0]} nor {parts[1]}"
            return f"none of {join_clauses(parts, 'or')}"
        return f"it is not the case that {self.condition(node)}"

    def comparison(self, op: str, left: Node, right: Node) -> str:
        if op in EQUALITY and isinstance(right, Literal) and isinstance(right.value, bool):
            positive = right.value == (op == "==")
            subject = self.value(left)
            return subject if positive else f"not {subject}"
        unit = self._unit_of(left)
        words = BINARY[op].words
        if isinstance(right, Literal) and isinstance(right.value, dt.date):
            words = BINARY[op].date_words
        return f"{self.value(left)} {words} {self.value(right, unit)}"

    def membership(self, operand: Node, collection: Node, negated: bool) -> str:
        subject = self.value(operand)
        if isinstance(collection, ListExpr):
            items = [self.value(item, self._unit_of(operand)) for item in collection.items]
            if len(items) == 1:
                return f"{subject} {'is not' if negated else 'is'} {items[0]}"
            if negated:
                if len(items) == 2:
                    return f"{subject} is neither {items[0]} nor {items[1]}"
                return f"{subject} is none of {join_words(items, 'or')}"
            return f"{subject} is {join_words(items, 'or')}"
        verb = "is not one of" if negated else "is one of"
        return f"{subject} {verb} the {self.value(collection)}"

    # values and formulas ---------------------------------------------------------------
    def value(self, node: Node, unit: str | None = None) -> str:
        if isinstance(node, Literal):
            return with_unit(format_value(node.value), node.value, unit)
        if isinstance(node, Name):
            return humanise(node.name)
        if isinstance(node, Binary) and node.op in ARITHMETIC:
            return self.arithmetic(node)
        if isinstance(node, Unary) and node.op == "-":
            negate = UNARY[node.op]
            return f"{negate.words}{self._operand(node.operand, negate.precedence)}"
        if isinstance(node, ListExpr):
            return join_words([self.value(item, unit) for item in node.items], "and")
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Conditional):
            return (
                f"{self.value(node.then)} if {self.condition(node.condition)}, "
                f"otherwise {self.value(node.otherwise)}"
            )
        # a condition used as a value (e.g. an output set to a comparison)
        return self.condition(node)

    def arithmetic(self, node: Binary) -> str:
        op = BINARY[node.op]
        left = self._operand(node.left, op.precedence)
        # the right side of a non-associative operator needs brackets at equal precedence: a − (b − c)
        right = self._operand(node.right, op.precedence + (0 if op.associative else 1))
        return f"{left} {op.words} {right}"

    def _operand(self, node: Node, level: int) -> str:
        text = self.value(node)
        if isinstance(node, Binary) and node.op in ARITHMETIC and BINARY[node.op].precedence < level:
            return f"({text})"
        if isinstance(node, Conditional):
            return f"({text})"
        if isinstance(node, Call) and " " in text:
            # "the larger of a and b" or "x, rounded …" inside a product needs its bounds shown
            return f"({text})"
        return text

    def call(self, node: Call) -> str:
        """A call in the words its registry entry gives; a call no wording fits stays as written."""
        args = [self.value(a) for a in node.args]
        builtin = BUILTINS.get(node.function)
        template = builtin.phrase(node.args) if builtin is not None else None
        if template is None:
            return f"{node.function}({', '.join(args)})"
        return template.format(*args, all=join_words(args, "and"))

    def _unit_of(self, node: Node) -> str | None:
        return self.units.get(node.name) if isinstance(node, Name) else None


def _flatten(node: Node, op: str) -> list[Node]:
    """`a and (b and c)` → [a, b, c]: associative chains read as one list."""
    if isinstance(node, Binary) and node.op == op:
        return _flatten(node.left, op) + _flatten(node.right, op)
    return [node]


def _tree(expression: Expression | Node | str | int | float | bool) -> Node:
    if isinstance(expression, Expression):
        return expression.tree
    if isinstance(expression, Node):
        return expression
    return parse_expression(expression).tree


def plain_condition(
    expression: Expression | Node | str, units: Mapping[str, str] | None = None
) -> str:
    """A condition in words: `months_in_township > 6` → "months in township is more than 6".

    `units` maps names to their unit so numbers compared with them can carry it.
    """
    return _Renderer(units or {}).condition(_tree(expression))


def plain_conditions(
    expressions: list[Expression | Node | str], units: Mapping[str, str] | None = None
) -> str:
    """A `when:` list (all must hold) in words; an empty list means the rule always applies."""
    if not expressions:
        return "always"
    renderer = _Renderer(units or {})
    parts = [renderer._grouped(_tree(e), "and") for e in expressions]
    return join_clauses(parts, "and")


def plain_value(
    expression: Expression | Node | str | int | float | bool,
    units: Mapping[str, str] | None = None,
) -> str:
    """A formula or value in words and symbols: `round(a * b, 2)` → "a × b, rounded half up to 2 …"."""
    return _Renderer(units or {}).value(_tree(expression))
