"""Evaluate an expression for one case, on plain Python values."""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from governance.diagnostics import MedunionError, error
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


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day of month `months` later, clipped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + int(months)
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from start to end: the largest m with add_months(start, m) <= end
    (negative when end is earlier), so the two functions agree at month ends."""
    if end < start:
        return -months_between(end, start)
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if add_months(start, months) > end else months


def round_half_even(value: float, digits: int = 0) -> float:
    """numpy's rounding, so that one case and a whole column round alike."""
    return float(np.round(value, digits))


class EvaluationError(MedunionError):
    """A case that the expression cannot be evaluated on (division by zero)."""


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


class _Evaluator:
    def __init__(self, expr: Expression, env: Mapping[str, Any]) -> None:
        self.expr = expr
        self.env = env

    def compute(self, node: Node) -> Any:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Name):
            try:
                return self.env[node.name]
            except KeyError:
                raise MedunionError(
                    error(f"no value for '{node.name}' in `{self.expr.text}`", self.expr.location_of(node))
                ) from None
        if isinstance(node, Unary):
            value = self.compute(node.operand)
            return (not value) if node.op == "not" else -value
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, ListExpr):
            return [self.compute(item) for item in node.items]
        if isinstance(node, Membership):
            found = self.compute(node.operand) in self.compute(node.collection)
            return not found if node.negated else found
        if isinstance(node, Conditional):
            return self.compute(node.then) if self.compute(node.condition) else self.compute(node.otherwise)
        if isinstance(node, Call):
            return self.call(node)
        raise TypeError(node)

    def binary(self, node: Binary) -> Any:
        op = node.op
        left = self.compute(node.left)
        if op == "and":
            return bool(left) and bool(self.compute(node.right))
        if op == "or":
            return bool(left) or bool(self.compute(node.right))
        right = self.compute(node.right)
        if op in ("==", "!=", "<", "<=", ">", ">="):
            return _compare(op, left, right)
        if isinstance(left, dt.date) or isinstance(right, dt.date):
            if isinstance(left, dt.date) and isinstance(right, dt.date):
                return (left - right).days
            if isinstance(left, dt.date):
                return left + dt.timedelta(days=int(right) if op == "+" else -int(right))
            return right + dt.timedelta(days=int(left))
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if right == 0:
            snippet = self.expr.full_text[node.start : node.end]
            raise EvaluationError(
                error(f"division by zero in `{snippet}`", self.expr.location_of(node))
            )
        if op == "/":
            return left / right
        return left % right

    def call(self, node: Call) -> Any:
        args = [self.compute(arg) for arg in node.args]
        name = node.function
        if name == "min":
            return min(args)
        if name == "max":
            return max(args)
        if name == "round":
            return round_half_even(args[0], int(args[1]) if len(args) > 1 else 0)
        if name == "abs":
            return abs(args[0])
        if name == "floor":
            return math.floor(args[0])
        if name == "ceil":
            return math.ceil(args[0])
        if name == "add_months":
            return add_months(args[0], args[1])
        if name == "months_between":
            return months_between(args[0], args[1])
        if name == "year":
            return args[0].year
        if name == "month":
            return args[0].month
        if name == "day":
            return args[0].day
        raise TypeError(name)


def evaluate(expr: Expression, env: Mapping[str, Any]) -> Any:
    """The value of an expression for one case; names are looked up in `env`."""
    return _Evaluator(expr, env).compute(expr.tree)
