"""Expressions back to text, with the actual values written beside each name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from governance.expressions.operators import BINARY, UNARY, Precedence
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

# Read from the operator table once, into plain dicts and names: this runs for every node of every
# explained case.
_LEVEL = {symbol: op.precedence for symbol, op in BINARY.items()}
_UNARY_LEVEL = {symbol: op.precedence for symbol, op in UNARY.items()}
_CONDITIONAL, _COMPARISON, _SUM, _ATOM = (
    Precedence.CONDITIONAL, Precedence.COMPARISON, Precedence.SUM, Precedence.ATOM
)


def format_value(value: Any) -> str:
    """A value as a person reads it: 8500 not 8500.0, dates as ISO, text in quotes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(round(value, 10))  # every digit of an amount, without float noise
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if value is None:
        return "(none)"
    return str(value)


def _precedence(node: Node) -> int:
    if isinstance(node, Binary):
        return _LEVEL[node.op]
    if isinstance(node, Membership):
        return _COMPARISON
    if isinstance(node, Unary):
        return _UNARY_LEVEL[node.op]
    if isinstance(node, Conditional):
        return _CONDITIONAL
    return _ATOM


def to_text(node: Node, values: Mapping[str, Any] | None = None) -> str:
    """Canonical text of a tree; with `values`, each name is followed by its value."""

    def wrap(child: Node, parent_level: int, right: bool = False) -> str:
        text = to_text(child, values)
        level = _precedence(child)
        # comparisons do not chain, so a comparison inside a comparison is always bracketed;
        # arithmetic brackets a same-level right operand: a - (b - c)
        same = level == parent_level and (right or level == _COMPARISON)
        if level < parent_level or (same and level >= _COMPARISON):
            return f"({text})"
        return text

    if isinstance(node, Literal):
        if isinstance(node.value, dt.date):
            return f"date('{node.value.isoformat()}')"
        return format_value(node.value)
    if isinstance(node, Name):
        if values is not None and node.name in values:
            return f"{node.name} (= {format_value(values[node.name])})"
        return node.name
    if isinstance(node, Unary):
        separator = " " if node.op.isalpha() else ""  # `not x`, `-x`
        return node.op + separator + wrap(node.operand, _UNARY_LEVEL[node.op])
    if isinstance(node, Binary):
        level = _LEVEL[node.op]
        return f"{wrap(node.left, level)} {node.op} {wrap(node.right, level, right=True)}"
    if isinstance(node, Membership):
        op = "not in" if node.negated else "in"
        return f"{wrap(node.operand, _SUM)} {op} {to_text(node.collection, values)}"
    if isinstance(node, ListExpr):
        return "[" + ", ".join(to_text(item, values) for item in node.items) + "]"
    if isinstance(node, Call):
        return f"{node.function}(" + ", ".join(to_text(arg, values) for arg in node.args) + ")"
    if isinstance(node, Conditional):
        return (
            f"if {to_text(node.condition, values)} then {to_text(node.then, values)} "
            f"else {to_text(node.otherwise, values)}"
        )
    raise TypeError(node)


def render_with_values(expr: Expression, env: Mapping[str, Any]) -> str:
    """E.g. `eligible_cost (= 10000) * applicable_ratio (= 0.85)`: the formula with its numbers."""
    return to_text(expr.tree, {name: env[name] for name in expr.names() if name in env})
