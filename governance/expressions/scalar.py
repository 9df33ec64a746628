"""Evaluate an expression for one case, on plain Python values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from governance.diagnostics import MedunionError, error
from governance.expressions.builtins import BUILTINS, unknown_call
from governance.expressions.operators import BINARY, COMPARISON
from governance.expressions.parser import printable
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
from governance.i18n import N_


class EvaluationError(MedunionError):
    """A case that the expression cannot be evaluated on (division by zero, a date out of range)."""


def cannot_compute(expr: Expression, node: Node, problem: Exception) -> EvaluationError:
    """A computation Python refused (a date past 9999, a number too large for a decimal, floor of an
    infinity), positioned at the part of the expression that asked for it."""
    snippet = printable(expr.full_text[node.start : node.end])
    return EvaluationError(error(N_("cannot compute `{snippet}`: {problem}"), expr.location_of(node), snippet=snippet,
                                 problem=problem))  # Python's own words, in English


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
                    error(N_("no value for '{name}' in `{expression}`"), self.expr.location_of(node), name=node.name,
                          expression=printable(self.expr.text))
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
        operation = BINARY[op]
        if op in COMPARISON:
            return bool(operation.apply(left, right))  # type: ignore[misc]
        try:
            if isinstance(left, dt.date) or isinstance(right, dt.date):
                if isinstance(left, dt.date) and isinstance(right, dt.date):
                    return (left - right).days
                if isinstance(left, dt.date):
                    return left + dt.timedelta(days=int(right) if op == "+" else -int(right))
                return right + dt.timedelta(days=int(left))
            if operation.divides and right == 0:
                snippet = printable(self.expr.full_text[node.start : node.end])
                raise EvaluationError(
                    error(N_("division by zero in `{snippet}`"), self.expr.location_of(node), snippet=snippet)
                )
            return operation.apply(left, right)  # type: ignore[misc]
        except (ArithmeticError, ValueError) as problem:
            raise cannot_compute(self.expr, node, problem) from None

    def call(self, node: Call) -> Any:
        try:
            builtin = BUILTINS[node.function]
        except KeyError:
            raise unknown_call(self.expr, node) from None
        args = [self.compute(arg) for arg in node.args]
        try:
            return builtin.scalar(*args)
        except (ArithmeticError, ValueError) as problem:
            raise cannot_compute(self.expr, node, problem) from None


def evaluate(expr: Expression, env: Mapping[str, Any]) -> Any:
    """The value of an expression for one case; names are looked up in `env`."""
    return _Evaluator(expr, env).compute(expr.tree)
