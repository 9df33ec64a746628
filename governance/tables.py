"""Decision-table cells: parsing a cell into a test, applying it to one value or a column,
and splitting a column's domain into pieces so overlaps and gaps can be proved."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from governance.diagnostics import Location, MedunionError, error
from governance.expressions import ExpressionType, parse_expression
from governance.expressions.operators import BINARY
from governance.expressions.syntax import ListExpr, Literal
from governance.expressions.vector import Coded, constant, equal, member_of
from governance.i18n import N_
from governance.model import CellTest, Field

_INTERVAL = re.compile(r"^\s*([\[(])\s*(.+?)\s*,\s*(.+?)\s*([\])])\s*$")
_COMPARE = re.compile(r"^\s*(==|!=|<=|>=|<|>)\s*(.+)$")
_MEMBER = re.compile(r"^\s*(not\s+in|in)\s+(.+)$")


def _literal(text: str, location: Location | None, cell: str) -> Any:
    try:
        node = parse_expression(text).tree
    except MedunionError:
        node = None
    if not isinstance(node, Literal):
        raise MedunionError(
            error(
                N_("table cell `{cell}`: `{text}` is not a literal value; cells compare with numbers, "
                   "'quoted text', true/false or date('YYYY-MM-DD')"),
                location, cell=cell, text=text,
            )
        )
    return node.value


def parse_cell(raw: Any, location: Location | None = None) -> CellTest:
    """`-`, `< 6`, `[0, 6)`, `'acute'`, `in ['a', 'b']` and friends (see the format reference)."""
    if isinstance(raw, float) and not math.isfinite(raw):  # `.nan` would match nothing, silently
        raise MedunionError(error(N_("table cell `{cell}`: not a finite number; write `-` for any value"), location,
                                  cell=raw))
    if isinstance(raw, bool | int | float):
        return CellTest(text=str(raw).lower(), kind="compare", op="==", value=raw, location=location)
    text = str(raw).strip()
    if text in ("-", "any", ""):
        return CellTest(text="-", kind="any", location=location)
    match = _MEMBER.match(text)
    if match:
        try:
            node = parse_expression(match.group(2)).tree
        except MedunionError:
            node = None
        if not isinstance(node, ListExpr) or not all(isinstance(i, Literal) for i in node.items):
            raise MedunionError(
                error(N_("table cell `{cell}`: 'in' needs a list of literals, e.g. in ['a', 'b']"), location, cell=text)
            )
        items = tuple(i.value for i in node.items if isinstance(i, Literal))
        return CellTest(text=text, kind="member", items=items, negated=match.group(1) != "in",
                        location=location)
    match = _INTERVAL.match(text)
    if match:
        low = _literal(match.group(2), location, text)
        high = _literal(match.group(3), location, text)
        low_closed, high_closed = match.group(1) == "[", match.group(4) == "]"
        try:
            empty = low > high or (low == high and not (low_closed and high_closed))
        except TypeError:
            raise MedunionError(error(
                N_("table cell `{cell}`: the interval's ends {low} and {high} are not of one type"),
                location, cell=text, low=repr(low), high=repr(high))) from None
        if empty:
            raise MedunionError(error(
                N_("table cell `{cell}`: the interval contains no value (check its ends and brackets)"), location,
                cell=text))
        return CellTest(text=text, kind="interval", low=low, high=high,
                        low_closed=low_closed, high_closed=high_closed, location=location)
    match = _COMPARE.match(text)
    if match:
        return CellTest(text=text, kind="compare", op=match.group(1),
                        value=_literal(match.group(2), location, text), location=location)
    return CellTest(text=text, kind="compare", op="==", value=_literal(text, location, text),
                    location=location)


def _compare(op: str, left: Any, right: Any) -> Any:
    """A cell's comparison, computed by the operator table that the expressions use too."""
    apply = BINARY[op].apply
    assert apply is not None  # comparisons always compute; only and/or short-circuit
    return apply(left, right)


def cell_matches(cell: CellTest, value: Any) -> bool:
    """Whether one value passes a cell's test."""
    if cell.kind == "any":
        return True
    if cell.kind == "compare":
        return bool(_compare(cell.op, value, cell.value))
    if cell.kind == "interval":
        low_ok = value >= cell.low if cell.low_closed else value > cell.low
        high_ok = value <= cell.high if cell.high_closed else value < cell.high
        return bool(low_ok and high_ok)
    found = value in cell.items
    return not found if cell.negated else found


def _vector_value(value: Any) -> Any:
    return np.datetime64(value, "D") if isinstance(value, dt.date) else value


def cell_matches_column(cell: CellTest, column: np.ndarray | Coded) -> np.ndarray:
    """The same test over a whole column (a column of coded texts is tested on its codes)."""
    if cell.kind == "any":
        return np.ones(len(column), dtype=bool)
    if isinstance(column, Coded):
        if cell.kind == "compare" and cell.op in ("==", "!="):
            found = equal(column, constant(cell.value))
            return found if cell.op == "==" else ~found
        if cell.kind == "member":
            found = member_of(column, list(cell.items))
            return ~found if cell.negated else found
        column = column.decode()
    if cell.kind == "compare":
        return np.asarray(_compare(cell.op, column, _vector_value(cell.value)), dtype=bool)
    if cell.kind == "interval":
        low, high = _vector_value(cell.low), _vector_value(cell.high)
        low_ok = column >= low if cell.low_closed else column > low
        high_ok = column <= high if cell.high_closed else column < high
        return np.asarray(low_ok & high_ok, dtype=bool)
    found = np.zeros(len(column), dtype=bool)
    for item in cell.items:
        found |= np.asarray(column == _vector_value(item), dtype=bool)
    return ~found if cell.negated else found


def cell_literal_types(cell: CellTest) -> list[Any]:
    """The literals a cell compares with, for type checks against its column."""
    if cell.kind == "compare":
        return [cell.value]
    if cell.kind == "interval":
        return [cell.low, cell.high]
    if cell.kind == "member":
        return list(cell.items)
    return []


@dataclass(frozen=True)
class Piece:
    """A part of a column's domain on which every cell of the table is either true or false."""

    label: str
    sample: Any


def _numeric_label(name: str, low: Any, high: Any, low_in: bool, high_in: bool) -> str:
    if low == high:
        return f"{name} = {low}"
    left = "[" if low_in else "("
    right = "]" if high_in else ")"
    low_text = "-inf" if low is None else str(low)
    high_text = "+inf" if high is None else str(high)
    return f"{name} in {left}{low_text}, {high_text}{right}"


def domain_pieces(
    name: str, kind: ExpressionType, cells: list[CellTest], declared: Field | None
) -> list[Piece]:
    """Split the domain of a column at every boundary the cells mention.

    Numbers and dates become points and open intervals between them (skipping intervals
    with no integer for integer columns); enums and booleans become their values; text
    becomes its literals plus 'anything else'.
    """
    if kind.kind == "boolean":
        return [Piece(f"{name} = true", True), Piece(f"{name} = false", False)]
    if kind.kind == "enum":
        return [Piece(f"{name} = '{v}'", v) for v in kind.values]
    literals = [v for cell in cells for v in cell_literal_types(cell)]
    if kind.kind == "string":
        values = sorted({str(v) for v in literals})
        return [Piece(f"{name} = '{v}'", v) for v in values] + [
            Piece(f"{name} is another text", "\u0000other")
        ]
    is_date = kind.kind == "date"
    integral = kind.kind == "integer" or is_date
    points = sorted({(v.toordinal() if is_date else v) for v in literals if not isinstance(v, bool)})
    minimum = declared.minimum if declared is not None else None
    maximum = declared.maximum if declared is not None else None
    if kind.kind == "integer":  # an integer column only takes whole values: split at the integers around 6.5
        points = sorted({math.floor(p) for p in points} | {math.ceil(p) for p in points})
        minimum = math.ceil(minimum) if minimum is not None else None
        maximum = math.floor(maximum) if maximum is not None else None
    if minimum is not None:
        points = sorted({p for p in points if p >= minimum} | {minimum})
    if maximum is not None:
        points = sorted({p for p in points if p <= maximum} | {maximum})

    def convert(value: Any) -> Any:
        return dt.date.fromordinal(int(value)) if is_date else value

    def show(value: Any) -> Any:
        return None if value is None else (convert(value).isoformat() if is_date else value)

    if not points:
        return [Piece(f"{name} (any value)", convert(0))]
    # Open stretches between consecutive points, plus the unbounded ends the declaration allows.
    edges: list[Any] = [None if minimum is None else points[0], *points, None if maximum is None else points[-1]]
    pieces: list[Piece] = []
    for i, (low, high) in enumerate(itertools.pairwise(edges)):
        bounded_out = (i == 0 and minimum is not None) or (i == len(edges) - 2 and maximum is not None)
        sample = None if bounded_out else _sample_between(low, high, integral)
        if sample is not None:
            label = _numeric_label(name, show(low), show(high), False, False)
            pieces.append(Piece(label, convert(sample)))
        if i < len(points):
            point = points[i]
            pieces.append(Piece(_numeric_label(name, show(point), show(point), True, True), convert(point)))
    return pieces


def _sample_between(low: Any, high: Any, integral: bool) -> Any:
    """A value strictly between two boundaries (None for 'unbounded'), or None if none exists."""
    if low is None and high is None:
        return 0
    if low is None:
        return (high - 1) if integral else high - 1.0
    if high is None:
        return (low + 1) if integral else low + 1.0
    if integral:
        candidate = math.floor(low) + 1
        return candidate if candidate < high else None
    return (low + high) / 2
