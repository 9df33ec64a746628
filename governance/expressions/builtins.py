"""Every built-in function of the expression language, declared once and registered once.

Modelled on Open Policy Agent's `ast/builtins.go`: one entry per function carries all that
the language knows about it (how many arguments it takes, its type rule, how it computes one
value and a whole column, how it reads in words), so the type checker, both evaluators and
the plain-language pages cannot drift apart, and adding a built-in is adding one entry.
`BUILTINS` is the only list of built-ins; `date('…')` is not one of them, it is a literal
the parser reads.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from governance.diagnostics import MedunionError, Message, error
from governance.expressions.syntax import Call, Expression, Literal, Node, Value
from governance.expressions.valuetypes import DATE, INTEGER, NUMBER, ExpressionType
from governance.i18n import N_
from governance.rounding import round_half_up, round_half_up_columns


@dataclass(frozen=True)
class Mismatch:
    """Why a call is ill-typed; `argument` is the index of the argument to point at (None: the call)."""

    message: Message
    argument: int | None = None


TypeRule = Callable[[Sequence[ExpressionType]], ExpressionType | Mismatch]


@dataclass(frozen=True)
class Phrase:
    """One way to read a call in plain English.

    In `template`, `{0}`, `{1}`, … are the arguments in words and `{all}` is all of them as a
    list ("a, b and c"). The phrase applies when the call has `count` arguments (any number
    if None) and, if `literal` is `(i, v)`, argument i is written as the literal v.
    """

    template: str
    count: int | None = None
    literal: tuple[int, Value] | None = None

    def applies(self, args: Sequence[Node]) -> bool:
        if self.count is not None and len(args) != self.count:
            return False
        if self.literal is None:
            return True
        index, value = self.literal
        return index < len(args) and isinstance(args[index], Literal) and args[index].value == value


@dataclass(frozen=True)
class Builtin:
    """A built-in function: arity, type rule, one-value and column implementations, wording.

    `scalar` takes Python values (int, float, datetime.date) and `column` numpy columns
    (datetime64[D] for dates); on every row they must agree. `wording` is tried in order.
    """

    name: str
    min_args: int
    max_args: int | None  # None: any number
    type_rule: TypeRule
    scalar: Callable[..., Any]
    column: Callable[..., np.ndarray]
    wording: tuple[Phrase, ...]

    def accepts(self, count: int) -> bool:
        return count >= self.min_args and (self.max_args is None or count <= self.max_args)

    def arity(self) -> Message:
        """How many arguments, as a type error states it: "2", "1 to 2", "at least 1"."""
        if self.min_args == self.max_args:
            return Message(str(self.min_args))
        if self.max_args is None:
            return Message(N_("at least {count}"), count=self.min_args)
        return Message(N_("{low} to {high}"), low=self.min_args, high=self.max_args)

    def phrase(self, args: Sequence[Node]) -> str | None:
        """The wording template for a call with these arguments; None if none fits."""
        if not self.accepts(len(args)):
            return None
        return next((p.template for p in self.wording if p.applies(args)), None)


# --- type rules --------------------------------------------------------------------------------


def _expect(types: Sequence[ExpressionType], index: int, kind: str) -> Mismatch | None:
    actual = types[index]
    ok = actual.numeric if kind == "number" else actual.kind == kind
    if ok:
        return None
    return Mismatch(Message(N_("expected {expected}, found {found}"), expected=ExpressionType(kind).describe(),
                            found=actual.describe()), index)


def _numbers_or_dates(name: str) -> TypeRule:
    """min and max: all dates give a date; otherwise every argument must be a number."""

    def rule(types: Sequence[ExpressionType]) -> ExpressionType | Mismatch:
        if all(t.kind == "date" for t in types):
            return DATE
        for index, t in enumerate(types):
            if not t.numeric:
                return Mismatch(Message(N_("{function}() takes numbers or dates, not {type}"), function=name,
                                        type=t.describe()), index)
        return INTEGER if all(t.kind == "integer" for t in types) else NUMBER

    return rule


def _round_type(types: Sequence[ExpressionType]) -> ExpressionType | Mismatch:
    if mismatch := _expect(types, 0, "number"):
        return mismatch
    if len(types) == 2 and types[1].kind != "integer":
        return Mismatch(Message(N_("round()'s digits must be an integer")), 1)
    return NUMBER


def _same_number(types: Sequence[ExpressionType]) -> ExpressionType | Mismatch:
    return _expect(types, 0, "number") or types[0]


def _number_to_integer(types: Sequence[ExpressionType]) -> ExpressionType | Mismatch:
    return _expect(types, 0, "number") or INTEGER


def _date_to_integer(types: Sequence[ExpressionType]) -> ExpressionType | Mismatch:
    return _expect(types, 0, "date") or INTEGER


def _add_months_type(types: Sequence[ExpressionType]) -> ExpressionType | Mismatch:
    if mismatch := _expect(types, 0, "date"):
        return mismatch
    if types[1].kind != "integer":
        return Mismatch(Message(N_("add_months() moves by a whole number of months")), 1)
    return DATE


def _months_between_type(types: Sequence[ExpressionType]) -> ExpressionType | Mismatch:
    return _expect(types, 0, "date") or _expect(types, 1, "date") or INTEGER


# --- one value ---------------------------------------------------------------------------------


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


def _least(*values: Any) -> Any:
    return min(values)


def _greatest(*values: Any) -> Any:
    return max(values)


# attrgetter rather than a Python function: these run once per case, and a frame costs more than the work
_year: Callable[[dt.date], int] = operator.attrgetter("year")
_month: Callable[[dt.date], int] = operator.attrgetter("month")
_day: Callable[[dt.date], int] = operator.attrgetter("day")


# --- whole columns -----------------------------------------------------------------------------


def year_month_day(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Calendar parts of a datetime64[D] column, as int64 columns."""
    months = days.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def add_months_columns(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    year, month, day = year_month_day(days)
    index = (year - 1970) * 12 + (month - 1) + np.asarray(months, dtype=np.int64)
    first = index.astype("datetime64[M]").astype("datetime64[D]")
    following = (index + 1).astype("datetime64[M]").astype("datetime64[D]")
    length = (following - first).astype(np.int64)
    return first + (np.minimum(day, length) - 1).astype("timedelta64[D]")


def months_between_columns(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    start, end = np.broadcast_arrays(start, end)
    sign = np.where(end < start, -1, 1)
    low = np.where(end < start, end, start)
    high = np.where(end < start, start, end)
    y0, m0, _ = year_month_day(low)
    y1, m1, _ = year_month_day(high)
    months = (y1 - y0) * 12 + (m1 - m0)
    months = months - (add_months_columns(low, months) > high).astype(np.int64)
    return sign * months


def _least_columns(*columns: np.ndarray) -> np.ndarray:
    return np.minimum.reduce(np.broadcast_arrays(*columns)) if len(columns) > 1 else columns[0]


def _greatest_columns(*columns: np.ndarray) -> np.ndarray:
    return np.maximum.reduce(np.broadcast_arrays(*columns)) if len(columns) > 1 else columns[0]


def _floor_columns(values: np.ndarray) -> np.ndarray:
    return np.floor(values).astype(np.int64)


def _ceil_columns(values: np.ndarray) -> np.ndarray:
    return np.ceil(values).astype(np.int64)


def _year_columns(days: np.ndarray) -> np.ndarray:
    return year_month_day(days)[0]


def _month_columns(days: np.ndarray) -> np.ndarray:
    return year_month_day(days)[1]


def _day_columns(days: np.ndarray) -> np.ndarray:
    return year_month_day(days)[2]


# --- the registry ------------------------------------------------------------------------------

_WHOLE_NUMBER = "{0}, rounded half up to a whole number"

BUILTINS: Mapping[str, Builtin] = MappingProxyType({b.name: b for b in (
    Builtin("min", 1, None, _numbers_or_dates("min"), _least, _least_columns, (
        Phrase("{0}", count=1),
        Phrase("the smaller of {0} and {1}", count=2),
        Phrase("the smallest of {all}"),
    )),
    Builtin("max", 1, None, _numbers_or_dates("max"), _greatest, _greatest_columns, (
        Phrase("{0}", count=1),
        Phrase("the larger of {0} and {1}", count=2),
        Phrase("the largest of {all}"),
    )),
    # half-up (四舍五入) on the decimal a person reads: 1002.5 → 1003, 1.005 → 1.01, −2.5 → −3
    Builtin("round", 1, 2, _round_type, round_half_up, round_half_up_columns, (
        Phrase(_WHOLE_NUMBER, count=1),
        Phrase(_WHOLE_NUMBER, literal=(1, 0)),
        Phrase("{0}, rounded half up to 1 decimal place", literal=(1, 1)),
        Phrase("{0}, rounded half up to {1} decimal places"),
    )),
    Builtin("abs", 1, 1, _same_number, abs, np.abs, (Phrase("the absolute value of {0}"),)),
    Builtin("floor", 1, 1, _number_to_integer, math.floor, _floor_columns, (Phrase("{0}, rounded down"),)),
    Builtin("ceil", 1, 1, _number_to_integer, math.ceil, _ceil_columns, (Phrase("{0}, rounded up"),)),
    Builtin("add_months", 2, 2, _add_months_type, add_months, add_months_columns, (
        Phrase("{0} plus {1} months"),
    )),
    Builtin("months_between", 2, 2, _months_between_type, months_between, months_between_columns, (
        Phrase("the whole months from {0} to {1}"),
    )),
    Builtin("year", 1, 1, _date_to_integer, _year, _year_columns, (Phrase("the year of {0}"),)),
    Builtin("month", 1, 1, _date_to_integer, _month, _month_columns, (Phrase("the month of {0}"),)),
    Builtin("day", 1, 1, _date_to_integer, _day, _day_columns, (Phrase("the day of the month of {0}"),)),
)})


def unknown_function(name: str) -> Message:
    """The message for a call of a function that is not built in, with the likeliest one meant."""
    close = difflib.get_close_matches(name, list(BUILTINS), n=1)
    if close:
        return Message(N_("unknown function '{function}'; did you mean '{close}'?"), function=name, close=close[0])
    return Message(N_("unknown function '{function}'; known: {known}"), function=name,
                   known=", ".join(sorted(BUILTINS)))


def unknown_call(expr: Expression, node: Call) -> MedunionError:
    """The positioned error for evaluating a call the registry lacks; the type checker refuses
    such calls first, so only an expression evaluated unchecked meets it (never a bare KeyError)."""
    snippet = expr.full_text[node.start : node.end]
    return MedunionError(error(N_("`{snippet}`: {problem}"), expr.location_of(node), snippet=snippet,
                               problem=unknown_function(node.function)))
