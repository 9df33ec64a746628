"""Evaluate the same syntax tree over whole columns with numpy, for bulk work and appraisal.

Semantics match `scalar.evaluate` row by row, including short-circuits: the right side of
`and`/`or` and the branches of `if` only count on the rows where they would be evaluated,
so a guarded division (`n > 0 and x / n > 0.5`) is not an error in bulk either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
from governance.i18n import N_


@dataclass(frozen=True, slots=True, eq=False)
class Coded:
    """A text column as small integer codes into `labels` (an enum's values, or the distinct texts
    of a column): comparing it with a text is comparing integers, and a text literal is one code,
    never a column of strings. Rows without a value hold some valid code (0); the policy masks them."""

    codes: np.ndarray
    labels: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.codes)

    def decode(self) -> np.ndarray:
        """The texts as an object column (a trailing "" lets an empty label set decode its fillers)."""
        table = np.array([*self.labels, ""], dtype=object)
        return table[self.codes]

    def code_of(self, text: Any) -> int | None:
        try:
            return self.labels.index(text)
        except ValueError:
            return None


def code_dtype(count: int) -> Any:
    """The smallest integer type that holds `count` codes."""
    return np.int8 if count < 127 else np.int16 if count < 32_767 else np.int32


def constant(value: Any) -> np.ndarray:
    """A value as a one-row column: numpy broadcasts it against whole columns, so a literal or a
    parameter is never expanded to the length of the table."""
    if isinstance(value, np.generic):
        array = np.array([value])
        return array.astype("datetime64[D]") if array.dtype.kind == "M" else array
    return np.array([_scalar(value)], dtype=_dtype_of(value))


def as_column(value: Any, length: int) -> np.ndarray:
    """A value as a numpy column of `length` rows: dates become datetime64[D], text becomes object."""
    if isinstance(value, Coded):
        array = value.decode()
    elif isinstance(value, np.ndarray) and value.ndim == 1:
        array = value
    elif hasattr(value, "to_numpy"):
        array = value.to_numpy()
    elif isinstance(value, list | tuple):
        array = np.asarray(value)
    else:
        return np.full(length, _scalar(value), dtype=_dtype_of(value))
    if array.dtype.kind == "M":
        array = array.astype("datetime64[D]", copy=False)
    elif array.dtype.kind in ("U", "S", "T") or (array.dtype.kind == "O" and len(array) and _is_date(array[0])):
        array = _object_column(array)
    if len(array) == 1 and length != 1:
        return np.full(length, array[0], dtype=array.dtype)
    return array


def plain(value: np.ndarray | Coded) -> np.ndarray:
    """A column as numpy values (codes decoded to texts)."""
    return value.decode() if isinstance(value, Coded) else value


def _is_text_column(value: np.ndarray) -> bool:
    return value.dtype.kind == "O" and all(isinstance(v, str) for v in value[:1])


def _encode(texts: np.ndarray, labels: tuple[str, ...]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Text values as codes into `labels`, extended with the texts it lacks."""
    if len(texts) == 1:
        text = texts[0]
        if text in labels:
            return np.array([labels.index(text)]), labels
        return np.array([len(labels)]), (*labels, text)
    import pandas as pd  # only for a text column that is not coded: an output of text read by a later rule

    codes, uniques = pd.factorize(texts, use_na_sentinel=False)
    known = dict(zip(labels, range(len(labels)), strict=True))
    extended = list(labels)
    mapping = np.empty(len(uniques), dtype=np.int64)
    for i, text in enumerate(uniques):
        if text not in known:
            known[text] = len(extended)
            extended.append(text)
        mapping[i] = known[text]
    return mapping[codes], tuple(extended)


def to_coded(value: np.ndarray | Coded) -> Coded:
    """Text values as codes (a column of text that is not coded yet is factorised once)."""
    if isinstance(value, Coded):
        return value
    codes, labels = _encode(np.asarray(value, dtype=object), ())
    return Coded(codes.astype(code_dtype(len(labels)), copy=False), labels)


def unify(a: Any, b: Any) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]] | None:
    """Two text values (at least one coded) as codes into one label set; None if neither is coded
    or the other is not text (then they are compared as plain values)."""
    if isinstance(a, Coded) and isinstance(b, Coded):
        if a.labels == b.labels:
            return a.codes, b.codes, a.labels
        b_codes, labels = _encode(np.array(b.labels or ("",), dtype=object), a.labels)
        return a.codes, b_codes[b.codes], labels
    if isinstance(a, Coded) and isinstance(b, np.ndarray) and _is_text_column(b):
        b_codes, labels = _encode(b, a.labels)
        return a.codes, b_codes, labels
    if isinstance(b, Coded):
        found = unify(b, a)
        return None if found is None else (found[1], found[0], found[2])
    return None


def equal(a: Any, b: Any) -> np.ndarray:
    """`a == b` row by row, on codes where the values are coded texts."""
    codes = unify(a, b)
    if codes is not None:
        return np.asarray(codes[0] == codes[1])
    return np.asarray(plain(a) == plain(b), dtype=bool)


def choose(condition: np.ndarray, then: Any, otherwise: Any) -> Any:
    """`then` where the condition holds, else `otherwise`; coded texts stay coded."""
    codes = unify(then, otherwise)
    if codes is not None:
        dtype = code_dtype(len(codes[2]))
        return Coded(pick(condition, codes[0].astype(dtype, copy=False), codes[1].astype(dtype, copy=False)),
                     codes[2])
    return pick(condition, plain(then), plain(otherwise))


def pick(condition: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`np.where(condition, a, b)`. numpy's `where` branches on every row, which costs most when
    the condition is irregular (as conditions on cases are); booleans and small codes are
    instead blended with bit operations, and two constants are looked up by the condition."""
    condition = np.asarray(condition, dtype=bool)
    if a.dtype == b.dtype and condition.ndim == 1 and len(condition) > 1:
        if a.dtype == np.bool_:
            return b ^ ((a ^ b) & condition)
        if a.dtype.kind in "iu" and a.dtype.itemsize <= 2:
            mask = np.negative(condition.view(np.int8), dtype=a.dtype)  # every bit set where it holds
            return b ^ ((a ^ b) & mask)
        if len(a) == 1 and len(b) == 1:
            return np.array([b[0], a[0]], dtype=a.dtype)[condition.view(np.uint8)]
        if a.dtype.itemsize == 8 and a.dtype.kind in "fiuM" and a.ndim == b.ndim == 1:
            return _blend_words(condition, a, b)
    return np.where(condition, a, b)


_BLOCK = 1 << 14  # rows blended at a time: the temporaries stay in the processor's cache


def _blend_words(condition: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`np.where` for 8-byte values (floats, whole numbers, dates), bit for bit, without a branch
    per row: b ^ ((a ^ b) & mask), a block of rows at a time."""
    n = len(condition)
    out = np.empty(n, dtype=a.dtype)
    bits, a_bits, b_bits = out.view(np.int64), a.view(np.int64), b.view(np.int64)
    flags = condition.view(np.int8)
    mask = np.empty(min(n, _BLOCK), dtype=np.int64)
    change = np.empty(min(n, _BLOCK), dtype=np.int64)
    for start in range(0, n, _BLOCK):
        end = min(start + _BLOCK, n)
        width = end - start
        a_part = a_bits if len(a_bits) == 1 else a_bits[start:end]
        b_part = b_bits if len(b_bits) == 1 else b_bits[start:end]
        np.negative(flags[start:end], out=mask[:width], dtype=np.int64)  # every bit set where it holds
        np.bitwise_xor(a_part, b_part, out=change[:width])
        np.bitwise_and(change[:width], mask[:width], out=change[:width])
        np.bitwise_xor(b_part, change[:width], out=bits[start:end])
    return out


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
    """One walk of a tree over columns. Values are numpy columns of the table's length, one-row
    columns for literals and parameters (numpy broadcasts them), or `Coded` texts."""

    def __init__(self, expr: Expression, columns: Mapping[str, Any], length: int,
                 labels: Sequence[Any] | None = None) -> None:
        self.expr = expr
        self.columns = columns
        self.length = length
        self.labels = labels

    def lookup(self, node: Name) -> Any:
        """The column of a name; a missing one is positioned, as the one-case evaluator does."""
        try:
            return self.columns[node.name]
        except KeyError:
            raise MedunionError(
                error(N_("no column for '{name}' in `{expression}`"), self.expr.location_of(node), name=node.name,
                      expression=printable(self.expr.text))
            ) from None

    def value(self, node: Name) -> np.ndarray | Coded:
        found = self.lookup(node)
        if isinstance(found, Coded):
            return found
        if (isinstance(found, np.ndarray) and found.ndim == 1) or hasattr(found, "to_numpy"):
            return as_column(found, len(found))
        if isinstance(found, list | tuple):
            return as_column(found, self.length)
        return constant(found)

    def compute(self, node: Node, active: np.ndarray) -> np.ndarray | Coded:
        if isinstance(node, Literal):
            return constant(node.value)
        if isinstance(node, Name):
            return self.value(node)
        if isinstance(node, Unary):
            value = plain(self.compute(node.operand, active))
            return np.logical_not(value) if node.op == "not" else -value
        if isinstance(node, Binary):
            return self.binary(node, active)
        if isinstance(node, Membership):
            found = self.membership(node, active)
            return ~found if node.negated else found
        if isinstance(node, Conditional):
            condition = np.asarray(plain(self.compute(node.condition, active)), dtype=bool)
            then = self.compute(node.then, active & condition)
            otherwise = self.compute(node.otherwise, active & ~condition)
            return choose(condition, then, otherwise)
        if isinstance(node, Call):
            return self.call(node, active)
        raise TypeError(node)

    def membership(self, node: Membership, active: np.ndarray) -> np.ndarray:
        operand = self.compute(node.operand, active)
        collection = node.collection
        if isinstance(collection, ListExpr):
            items = [self.compute(item, active) for item in collection.items]
            texts = [item[0] for item in items if isinstance(item, np.ndarray) and len(item) == 1]
            if isinstance(operand, Coded) and len(texts) == len(items):
                return member_of(operand, texts)
            found = np.zeros(1, dtype=bool)
            for item in items:
                found = found | equal(operand, item)
            return found
        values = self.lookup(collection) if isinstance(collection, Name) else None
        if values is None:
            raise TypeError("membership needs a list literal or a list parameter")
        if isinstance(operand, Coded):
            return member_of(operand, list(values))
        return np.isin(operand, np.asarray(list(values), dtype=object))

    def binary(self, node: Binary, active: np.ndarray) -> np.ndarray | Coded:
        op = node.op
        if op == "and":
            left = np.asarray(plain(self.compute(node.left, active)), dtype=bool)
            return left & np.asarray(plain(self.compute(node.right, active & left)), dtype=bool)
        if op == "or":
            left = np.asarray(plain(self.compute(node.left, active)), dtype=bool)
            return left | np.asarray(plain(self.compute(node.right, active & ~left)), dtype=bool)
        left_value = self.compute(node.left, active)
        right_value = self.compute(node.right, active)
        if op == "==":
            return equal(left_value, right_value)
        if op == "!=":
            return ~equal(left_value, right_value)
        left, right = plain(left_value), plain(right_value)
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
            row = int(np.flatnonzero(np.broadcast_to(zero, (self.length,)))[0])
            row = self.labels[row] if self.labels is not None else row
            snippet = printable(self.expr.full_text[node.start : node.end])
            raise EvaluationError(
                error(N_("division by zero in `{snippet}` on row {row}"), self.expr.location_of(node), snippet=snippet,
                      row=row)
            )
        return operation.apply(left, np.where(right == 0, 1, right))  # type: ignore[misc]

    def call(self, node: Call, active: np.ndarray) -> np.ndarray:
        try:
            builtin = BUILTINS[node.function]
        except KeyError:
            raise unknown_call(self.expr, node) from None
        args = [plain(self.compute(arg, active)) for arg in node.args]
        try:
            return builtin.column(*args)
        except (ArithmeticError, ValueError) as problem:
            raise cannot_compute(self.expr, node, problem) from None


def member_of(operand: Coded, texts: list[Any]) -> np.ndarray:
    """Membership of coded texts in a list of texts: one lookup per row in a table of the codes."""
    table = np.zeros(len(operand.labels) + 1, dtype=bool)
    for text in texts:
        code = operand.code_of(text)
        if code is not None:
            table[code] = True
    return table[operand.codes]


def evaluate_values(
    expr: Expression, columns: Mapping[str, Any], length: int, rows: np.ndarray | None = None,
    labels: Sequence[Any] | None = None,
) -> np.ndarray | Coded:
    """The expression's values as the column evaluator keeps them: coded texts stay coded, and a
    value that is the same on every row may be a one-row column (numpy broadcasts it)."""
    active = np.ones(length, dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    result = _Vector(expr, columns, length, labels).compute(expr.tree, active)
    return result if isinstance(result, Coded) else np.asarray(result)


def evaluate_columns(
    expr: Expression, columns: Mapping[str, Any], length: int, rows: np.ndarray | None = None,
    labels: Sequence[Any] | None = None,
) -> np.ndarray:
    """The expression's value on every row; columns may be arrays, Series or scalars.

    `rows` marks the rows whose value matters: errors (division by zero) on the others are
    ignored, as the one-case evaluator would never have evaluated them. `labels` names the
    rows in messages (a DataFrame's index); by default they are numbered from 0.
    """
    result = evaluate_values(expr, columns, length, rows, labels)
    return as_column(result, length)
