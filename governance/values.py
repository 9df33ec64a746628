"""Values: checking, coercion and JSON conversion, written once.

Every place a value crosses into the core (a rule file's defaults and parameter values, a
case file, a DataFrame column, a lifecycle event's data) checks it here, and every place a
value leaves (explanations, records, the bulk evaluator's output compared with the one-case
one) converts it here, so the two evaluators and the lifecycle can never disagree on what
"9", NaN or a timestamp means.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import TYPE_CHECKING, Any

import numpy as np

from governance.expressions import ExpressionType
from governance.expressions.limits import MAX_INTEGER

if TYPE_CHECKING:
    import pandas as pd

    from governance.model import Field

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_date(value: Any) -> dt.date | None:
    """A `YYYY-MM-DD` text as a date, or None: only that form, on every Python version
    (3.11's fromisoformat would also take 20180131 and week dates, which pandas reads otherwise)."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def is_missing(value: Any) -> bool:
    """None, NaN (a spreadsheet's empty cell) and pandas' NA/NaT are missing values, everywhere."""
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    # pandas' NA and NaT without importing pandas on the one-case path
    return type(value).__name__ in ("NAType", "NaTType")


def check_value(kind: ExpressionType, value: Any) -> tuple[Any, str | None]:
    """A raw YAML/JSON value converted to its declared type, or the reason it cannot be.

    Strings are never read as numbers ("9" is not 9): durable-rules and careless spreadsheets
    compare such values as text, so they are refused here, before anything is decided.
    """
    name = kind.kind
    if isinstance(value, np.generic):  # a value taken from a DataFrame or numpy array
        value = value.item()
    if name == "boolean":
        return (value, None) if isinstance(value, bool) else (None, f"expected true or false, found {value!r}")
    if name in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, f"expected {kind.describe()}, found {value!r} ({type(value).__name__})"
        if isinstance(value, float) and not math.isfinite(value):
            return None, f"expected {kind.describe()}, found {value!r}: give a finite amount"
        if isinstance(value, int) and abs(value) > MAX_INTEGER:
            return None, (f"{value:.3e} is too large: whole numbers go up to {MAX_INTEGER:,}"
                          + ("; write a larger amount as a decimal (e.g. 1.5e20)" if name == "number" else ""))
        if name == "integer" and isinstance(value, float):
            if not value.is_integer():
                return None, f"expected an integer, found {value!r}"
            value = int(value)
        return value, None
    if name == "date":
        if isinstance(value, dt.datetime):  # a timestamp counts by its day, as in bulk evaluation
            return value.date(), None
        if isinstance(value, dt.date):
            return value, None
        day = iso_date(value)
        return (day, None) if day is not None else (None, f"expected a date YYYY-MM-DD, found {value!r}")
    if name == "enum":
        if value not in kind.values:
            return None, f"{value!r} is not one of: " + ", ".join(kind.values)
        return value, None
    if name == "string":
        return (value, None) if isinstance(value, str) else (None, f"expected text, found {value!r}")
    if name == "list":
        return (list(value), None) if isinstance(value, list) else (None, f"expected a list, found {value!r}")
    return value, None


def out_of_bounds(field: Field, value: Any) -> str | None:
    """Why a typed value lies outside its field's declared minimum or maximum, or None."""
    if field.minimum is not None and value < field.minimum:
        return f"{value} is below the minimum {field.minimum}"
    if field.maximum is not None and value > field.maximum:
        return f"{value} is above the maximum {field.maximum}"
    return None


def check_field(field: Field, value: Any) -> tuple[Any, str | None]:
    """A raw value checked against a declared field: its type, then its bounds."""
    typed, problem = check_value(field.type, value)
    if problem is None:
        problem = out_of_bounds(field, typed)
    return (None, problem) if problem else (typed, None)


def column_problems(field: Field, series: pd.Series) -> list[tuple[int, str]]:
    """(row position, reason) for every value of a column that does not fit its input.

    The same rules as `check_field`, cell by cell, except that a column cell may be a numpy or
    pandas value (a numpy integer is an integer; a Timestamp is a date).
    """
    problems: list[tuple[int, str]] = []
    for i, value in enumerate(series.to_numpy(dtype=object)):
        if is_missing(value):
            if not field.has_default:
                problems.append((i, "missing value"))
            continue
        if field.type.kind == "date" and isinstance(value, np.datetime64):
            continue
        _, reason = check_field(field, value)
        if reason:
            problems.append((i, reason))
    return problems


_PLAIN = frozenset({str, int, float, bool, type(None)})


def json_value(value: Any) -> Any:
    """Values as JSON: dates as ISO strings, numpy scalars as Python numbers."""
    if value.__class__ in _PLAIN:  # most values, on every explained case: no checks needed
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


def same_value_key(value: Any) -> str:
    """A key under which equal values are equal: 5 and 5.0 are the same amount, not a conflict."""
    value = json_value(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(float(value))
    return repr(value)


def plain_value(value: Any) -> Any:
    """A cell of the bulk evaluator's output as the one-case evaluator gives it: None where the
    output is not decided, Python numbers and dates rather than numpy and pandas ones."""
    if is_missing(value):
        return None
    if type(value).__name__ == "Timestamp":
        return value.date()
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[D]").astype(object)
    return value.item() if isinstance(value, np.generic) else value

