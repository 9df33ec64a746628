"""Evaluate the same syntax tree over whole columns with numpy, for bulk work and appraisal.

Semantics match `scalar.evaluate` row by row, including short-circuits: the right side of
`and`/`or` and the branches of `if` only count on the rows where they would be evaluated,
so a guarded division (`n > 0 and x / n > 0.5`) is not an error in bulk either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from governance.diagnostics import MedunionError, error
from governance.expressions.builtins import BUILTINS, unknown_call
from governance.expressions.operators import BINARY, COMPARISON
from governance.expressions.parser import printable
from governance.expressions.scalar import EvaluationError, cannot_compute
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


def as_column(value: Any, length: int) -> np.ndarray:
    """A value as a numpy column: dates become datetime64[D], text becomes object."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        array = value
    elif hasattr(value, "to_numpy"):
        array = value.to_numpy()
    elif isinstance(value, list | tuple):
        array = np.asarray(value)
    else:
        return np.full(length, _scalar(value), dtype=_dtype_of(value))
    if array.dtype.kind == "M":
        return array.astype("datetime64[D]")
    if array.dtype.kind in ("U", "S", "T") or (array.dtype.kind == "O" and len(array) and _is_date(array[0])):
        return _object_column(array)
    return array


def _is_date(value: Any) -> bool:
    return isinstance(value, dt.date)


def _object_column(array: np.ndarray) -> np.ndarray:
    if len(array) and _is_date(array[0]):
        return np.asarray(array, dtype="datetime64[D]")
    return np.asarray(array, dtype=object)


def _scalar(value: Any) -> Any:
    if isinstance(value, dt.date):
        return np.datetime64(value, "D")
    return value


def _dtype_of(value: Any) -> Any:
    if isinstance(value, bool):
        return bool
    if isinstance(value, int):
        return np.int64
    if isinstance(value, float):
        return np.float64
    if isinstance(value, dt.date):
        return "datetime64[D]"
    return object


class _Vector:
    def __init__(self, expr: Expression, columns: Mapping[str, Any], length: int,
                 labels: Sequence[Any] | None = None) -> None:
        self.expr = expr
        self.columns = columns
        self.length = length
        self.labels = labels

    def column(self, value: Any) -> np.ndarray:
        return as_column(value, self.length)

    def lookup(self, node: Name) -> Any:
        """The column of a name; a missing one is positioned, as the one-case evaluator does."""
        try:
            return self.columns[node.name]
        except KeyError:
            raise MedunionError(
                error(f"no column for '{node.name}' in `{printable(self.expr.text)}`", self.expr.location_of(node))
            ) from None

    def compute(self, node: Node, active: np.ndarray) -> np.ndarray:
        if isinstance(node, Literal):
            return self.column(node.value)
        if isinstance(node, Name):
            return self.column(self.lookup(node))
        if isinstance(node, Unary):
            value = self.compute(node.operand, active)
            return np.logical_not(value) if node.op == "not" else -value
        if isinstance(node, Binary):
            return self.binary(node, active)
        if isinstance(node, Membership):
            operand = self.compute(node.operand, active)
            collection = node.collection
            if isinstance(collection, ListExpr):
                items = [self.compute(item, active) for item in collection.items]
                found = np.zeros(self.length, dtype=bool)
                for item in items:
                    found |= np.asarray(operand == item, dtype=bool)
            else:
                values = self.lookup(collection) if isinstance(collection, Name) else None
                if values is None:
                    raise TypeError("membership needs a list literal or a list parameter")
                found = np.isin(operand, np.asarray(list(values), dtype=object))
            return ~found if node.negated else found
        if isinstance(node, Conditional):
            condition = np.asarray(self.compute(node.condition, active), dtype=bool)
            then = self.compute(node.then, active & condition)
            otherwise = self.compute(node.otherwise, active & ~condition)
            return np.where(condition, then, otherwise)
        if isinstance(node, Call):
            return self.call(node, active)
        raise TypeError(node)

    def binary(self, node: Binary, active: np.ndarray) -> np.ndarray:
        op = node.op
        left = self.compute(node.left, active)
        if op == "and":
            left = np.asarray(left, dtype=bool)
            return left & np.asarray(self.compute(node.right, active & left), dtype=bool)
        if op == "or":
            left = np.asarray(left, dtype=bool)
            return left | np.asarray(self.compute(node.right, active & ~left), dtype=bool)
        right = self.compute(node.right, active)
        operation = BINARY[op]
        if op in COMPARISON:
            return np.asarray(operation.apply(left, right), dtype=bool)  # type: ignore[misc]
        try:
            left_date = left.dtype.kind == "M"
            right_date = right.dtype.kind == "M"
            if left_date and right_date:
                return (left - right).astype(np.int64)
            if left_date:
                delta = right.astype("timedelta64[D]")
                return left + delta if op == "+" else left - delta
            if right_date:
                return right + left.astype("timedelta64[D]")
            if not operation.divides:
                return operation.apply(left, right)  # type: ignore[misc]
        except (ArithmeticError, ValueError) as problem:
            raise cannot_compute(self.expr, node, problem) from None
        zero = (right == 0) & active
        if zero.any():
            row = int(np.flatnonzero(zero)[0])
            row = self.labels[row] if self.labels is not None else row
            snippet = printable(self.expr.full_text[node.start : node.end])
            raise EvaluationError(
                error(f"division by zero in `{snippet}` on row {row}", self.expr.location_of(node))
            )
        return operation.apply(left, np.where(right == 0, 1, right))  # type: ignore[misc]

    def call(self, node: Call, active: np.ndarray) -> np.ndarray:
        try:
            builtin = BUILTINS[node.function]
        except KeyError:
            raise unknown_call(self.expr, node) from None
        args = [self.compute(arg, active) for arg in node.args]
        try:
            return builtin.column(*args)
        except (ArithmeticError, ValueError) as problem:
            raise cannot_compute(self.expr, node, problem) from None


def evaluate_columns(
    expr: Expression, columns: Mapping[str, Any], length: int, rows: np.ndarray | None = None,
    labels: Sequence[Any] | None = None,
) -> np.ndarray:
    """The expression's value on every row; columns may be arrays, Series or scalars.

    `rows` marks the rows whose value matters: errors (division by zero) on the others are
    ignored, as the one-case evaluator would never have evaluated them. `labels` names the
    rows in messages (a DataFrame's index); by default they are numbered from 0.
    """
    active = np.ones(length, dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    result = _Vector(expr, columns, length, labels).compute(expr.tree, active)
    return as_column(result, length) if np.ndim(result) == 0 else np.asarray(result)
