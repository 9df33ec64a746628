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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from governance.diagnostics import Message
from governance.expressions import ExpressionType
from governance.expressions.limits import MAX_INTEGER
from governance.expressions.vector import Coded, code_dtype
from governance.i18n import N_

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


def check_value(kind: ExpressionType, value: Any) -> tuple[Any, Message | None]:
    """A raw YAML/JSON value converted to its declared type, or the reason it cannot be (a
    `Message`: English text that a diagnostic shows in the reader's language).

    Strings are never read as numbers ("9" is not 9): durable-rules and careless spreadsheets
    compare such values as text, so they are refused here, before anything is decided.
    """
    name = kind.kind
    if isinstance(value, np.generic):  # a value taken from a DataFrame or numpy array
        value = value.item()
    if name == "boolean":
        return (value, None) if isinstance(value, bool) else (
            None, Message(N_("expected true or false, found {value}"), value=repr(value)))
    if name in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, Message(N_("expected {expected}, found {value} ({type})"), expected=kind.describe(),
                                 value=repr(value), type=type(value).__name__)
        if isinstance(value, float) and not math.isfinite(value):
            return None, Message(N_("expected {expected}, found {value}: give a finite amount"),
                                 expected=kind.describe(), value=repr(value))
        if isinstance(value, int) and abs(value) > MAX_INTEGER:
            if name == "number":
                return None, Message(N_("{value} is too large: whole numbers go up to {largest}; write a larger "
                                        "amount as a decimal (e.g. 1.5e20)"), value=f"{value:.3e}",
                                     largest=f"{MAX_INTEGER:,}")
            return None, Message(N_("{value} is too large: whole numbers go up to {largest}"), value=f"{value:.3e}",
                                 largest=f"{MAX_INTEGER:,}")
        if name == "integer" and isinstance(value, float):
            if not value.is_integer():
                return None, Message(N_("expected an integer, found {value}"), value=repr(value))
            value = int(value)
        return value, None
    if name == "date":
        if isinstance(value, dt.datetime):  # a timestamp counts by its day, as in bulk evaluation
            return value.date(), None
        if isinstance(value, dt.date):
            return value, None
        day = iso_date(value)
        return (day, None) if day is not None else (
            None, Message(N_("expected a date YYYY-MM-DD, found {value}"), value=repr(value)))
    if name == "enum":
        if value not in kind.values:
            return None, Message(N_("{value} is not one of: {values}"), value=repr(value),
                                 values=", ".join(kind.values))
        return value, None
    if name == "string":
        return (value, None) if isinstance(value, str) else (
            None, Message(N_("expected text, found {value}"), value=repr(value)))
    if name == "list":
        return (list(value), None) if isinstance(value, list) else (
            None, Message(N_("expected a list, found {value}"), value=repr(value)))
    return value, None


def out_of_bounds(field: Field, value: Any) -> Message | None:
    """Why a typed value lies outside its field's declared minimum or maximum, or None."""
    if field.minimum is not None and value < field.minimum:
        return Message(N_("{value} is below the minimum {minimum}"), value=value, minimum=field.minimum)
    if field.maximum is not None and value > field.maximum:
        return Message(N_("{value} is above the maximum {maximum}"), value=value, maximum=field.maximum)
    return None


def check_field(field: Field, value: Any) -> tuple[Any, Message | None]:
    """A raw value checked against a declared field: its type, then its bounds."""
    typed, problem = check_value(field.type, value)
    if problem is None:
        problem = out_of_bounds(field, typed)
    return (None, problem) if problem else (typed, None)


@dataclass(frozen=True, slots=True)
class CheckedColumn:
    """A column of cases checked against its input all at once: its values as the column evaluator
    holds them (float64, bool, datetime64[D], or texts as `Coded`), the rows without a usable
    value (null cells, and the bad cells; None when there are none), and every bad cell with its
    reason."""

    values: np.ndarray | Coded
    missing: np.ndarray | None
    problems: list[tuple[int, Message]]


def column_problems(field: Field, series: pd.Series) -> list[tuple[int, Message]]:
    """(row position, reason) for every value of a column that does not fit its input.

    The same rules as `check_field`, except that a column cell may be a numpy or pandas value
    (a numpy integer is an integer; a Timestamp is a date). A null cell is not a problem: it is
    a missing input, which blocks only what reads it.
    """
    return check_column(field, series).problems


def check_column(field: Field, series: pd.Series) -> CheckedColumn:
    """A column checked by whole columns. Each type's fast path accepts only cells that
    `check_field` accepts, with the same value; every other cell that is not null (rare: a
    bad value, or a column of mixed Python objects) is then checked by `check_field` itself,
    which words the reason, so the two can never disagree."""
    import pandas as pd  # the core's one-case path does not need pandas

    kind = field.type.kind
    checker = {"boolean": _booleans, "number": _numbers, "integer": _numbers, "date": _dates,
               "enum": _texts, "string": _texts}.get(kind, _anything)
    values, missing, doubtful = checker(field, series, pd)
    if missing is not None and _objects(series.dtype):
        missing, odd = _truly_missing(series.to_numpy(), missing)
        if odd is not None:
            doubtful = odd if doubtful is None else doubtful | odd
    problems: list[tuple[int, Message]] = []
    if field.type.numeric and (field.minimum is not None or field.maximum is not None):
        doubtful = _out_of_bounds(field, values, missing, doubtful)
    if doubtful is not None and doubtful.any():
        positions = np.flatnonzero(doubtful)
        raw = series.iloc[positions].to_numpy(dtype=object)
        values = values.copy() if isinstance(values, np.ndarray) else values
        bad: list[int] = []
        refused: dict[tuple[type, str], Message] = {}  # a value refused again is worded once
        for position, cell in zip(positions.tolist(), raw, strict=True):
            key = (type(cell), repr(cell))  # as the reason quotes it: -0.0 is not 0.0, Decimal('1.0') not '1.00'
            reason = refused.get(key)
            if reason is None:
                typed, reason = _check_cell(field, cell)
                if reason is not None:
                    refused[key] = reason
            if reason is None:
                values = _store(values, position, typed)
            else:
                problems.append((position, reason))
                bad.append(position)
        if bad:
            missing = np.zeros(len(series), dtype=bool) if missing is None else missing.copy()
            missing[bad] = True  # not decided on: the caller refuses the rows or the frame
    return CheckedColumn(values, missing if missing is not None and missing.any() else None, problems)


def _check_cell(field: Field, cell: Any) -> tuple[Any, Message | None]:
    if field.type.kind == "date" and isinstance(cell, np.datetime64) and not np.isnat(cell):
        return cell.astype("datetime64[D]").astype(object), None  # as a numpy date, any unit
    return check_field(field, cell)


def _store(values: np.ndarray | Coded, position: int, typed: Any) -> np.ndarray | Coded:
    if isinstance(values, Coded):  # a text the fast path left to check_field, which took it
        code = values.code_of(typed)
        labels = values.labels if code is not None else (*values.labels, typed)
        codes = values.codes.astype(code_dtype(len(labels)))  # a copy: the caller's codes stay as they were
        codes[position] = code if code is not None else len(labels) - 1
        return Coded(codes, labels)
    if values.dtype.kind == "M":
        values[position] = np.datetime64(typed, "D")
    else:
        values[position] = typed
    return values


def _truly_missing(cells: np.ndarray, missing: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """pandas also takes numpy's NaT and Decimal('NaN') for null; `is_missing` (the one-case rule)
    does not: those cells are values to check, not missing ones."""
    odd = [i for i in np.flatnonzero(missing).tolist() if not is_missing(cells[i])]
    if not odd:
        return missing, None
    missing = missing.copy()
    missing[odd] = False
    doubtful = np.zeros(len(cells), dtype=bool)
    doubtful[odd] = True
    return missing, doubtful


def _out_of_bounds(field: Field, values: Any, missing: np.ndarray | None, doubtful: np.ndarray | None
                   ) -> np.ndarray | None:
    outside = np.zeros(len(values), dtype=bool)
    with np.errstate(invalid="ignore"):
        if field.minimum is not None:
            outside |= values < field.minimum
        if field.maximum is not None:
            outside |= values > field.maximum
    if missing is not None:
        outside &= ~missing
    if not outside.any():
        return doubtful
    return outside if doubtful is None else doubtful | outside


Checked = tuple[Any, "np.ndarray | None", "np.ndarray | None"]  # values, missing, doubtful


def _objects(dtype: Any) -> bool:
    """A numpy object column (Python values of any type), not pandas' text or another extension type."""
    return isinstance(dtype, np.dtype) and dtype.kind == "O"


def _nulls(series: pd.Series) -> np.ndarray | None:
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "biu":  # numpy's have no nulls
        return None
    missing = series.isna().to_numpy()
    return missing if missing.any() else None


def _others(series: pd.Series, missing: np.ndarray | None) -> np.ndarray:
    return np.ones(len(series), dtype=bool) if missing is None else ~missing


def _booleans(field: Field, series: pd.Series, pd: Any) -> Checked:
    dtype = series.dtype
    if dtype == np.bool_:
        return series.to_numpy(), None, None
    missing = _nulls(series)
    if pd.api.types.is_bool_dtype(dtype):  # pandas' boolean, or Arrow's
        return series.to_numpy(dtype=bool, na_value=False), missing, None
    values = np.zeros(len(series), dtype=bool)
    if _objects(dtype):
        cells = series.to_numpy()
        if pd.api.types.infer_dtype(cells, skipna=True) == "boolean":  # only bool and numpy.bool_
            if missing is not None:  # None, NaN or pd.NA: never compared (pd.NA == True is NA)
                cells = cells.copy()
                cells[missing] = False
            return cells.astype(bool), missing, None
    return values, missing, _others(series, missing)


def _numbers(field: Field, series: pd.Series, pd: Any) -> Checked:
    dtype = series.dtype
    api = pd.api.types
    n = len(series)
    if api.is_bool_dtype(dtype) or not (api.is_numeric_dtype(dtype) or _objects(dtype)):
        missing = _nulls(series)
        return np.zeros(n, dtype=np.float64), missing, _others(series, missing)
    if api.is_integer_dtype(dtype):
        missing = _nulls(series)
        if dtype.kind == "u" or str(dtype).startswith("uint") or str(dtype).startswith("UInt"):
            whole = series.to_numpy(dtype=np.uint64, na_value=0)
            doubtful = whole > np.uint64(MAX_INTEGER)  # compared as integers: 2**63 is 2**63 - 1 as a float
            values = whole.astype(np.float64)
        else:
            whole = series.to_numpy(dtype=np.int64, na_value=0)
            doubtful = whole == np.iinfo(np.int64).min  # its size is 2**63, one more than allowed
            values = whole.astype(np.float64)
        return values, missing, doubtful if doubtful.any() else None
    if api.is_float_dtype(dtype):
        plain = dtype == np.float64  # no copy then: the column is never written to
        values = series.to_numpy() if plain else series.to_numpy(dtype=np.float64, na_value=np.nan)
        odd = ~np.isfinite(values)  # NaN (missing), or an infinity (refused)
        missing = doubtful = None
        if odd.any():
            missing = np.isnan(values)
            doubtful = odd & ~missing
        if field.type.kind == "integer":
            with np.errstate(invalid="ignore"):
                fraction = np.isfinite(values) & (values != np.floor(values))
            doubtful = fraction if doubtful is None else doubtful | fraction
        missing = missing if missing is not None and missing.any() else None
        return values, missing, doubtful if doubtful is not None and doubtful.any() else None
    cells = series.to_numpy()
    missing = _nulls(series)
    if pd.api.types.infer_dtype(cells, skipna=True) in ("integer", "floating", "mixed-integer-float"):
        try:
            filled = cells if missing is None else np.where(missing, 0, cells)
            values = filled.astype(np.float64)
        except (OverflowError, TypeError, ValueError):  # a whole number too large for a float
            return np.zeros(n, dtype=np.float64), missing, _others(series, missing)
        with np.errstate(invalid="ignore"):
            doubtful = ~np.isfinite(values) | (np.abs(values) >= 2.0**63)  # large whole numbers: checked one by one
            if field.type.kind == "integer":
                doubtful |= values != np.floor(values)
        if missing is not None:
            doubtful &= ~missing
        return values, missing, doubtful if doubtful.any() else None
    return np.zeros(n, dtype=np.float64), missing, _others(series, missing)


_ISO_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"


def _dates(field: Field, series: pd.Series, pd: Any) -> Checked:
    dtype = series.dtype
    api = pd.api.types
    n = len(series)
    empty = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    if api.is_datetime64_any_dtype(dtype):
        if getattr(dtype, "tz", None) is not None:  # a timestamp counts by its own day, as Timestamp.date()
            series = series.dt.tz_localize(None)
        days = series.to_numpy().astype("datetime64[D]")
        missing = np.isnat(days)
        return days, missing if missing.any() else None, None
    missing = _nulls(series)
    if api.is_string_dtype(dtype) and not _objects(dtype):
        return _iso_days(series, missing, pd)
    if not _objects(dtype):  # numbers, booleans, Arrow dates: checked one by one
        return empty, missing, _others(series, missing)
    cells = series.to_numpy()
    kind = api.infer_dtype(cells, skipna=True)
    if kind == "string":
        return _iso_days(series, missing, pd)
    if kind in ("date", "datetime", "datetime64"):
        try:
            filled = cells if missing is None else np.where(missing, None, cells)
            if kind == "date":
                days = np.asarray(filled, dtype="datetime64[D]")
            else:
                stamps = pd.to_datetime(pd.Series(filled))
                if getattr(stamps.dtype, "tz", None) is not None:
                    stamps = stamps.dt.tz_localize(None)
                days = stamps.to_numpy().astype("datetime64[D]")
        except (TypeError, ValueError, OverflowError):
            return empty, missing, _others(series, missing)
        doubtful = np.isnat(days) if missing is None else np.isnat(days) & ~missing
        return days, missing, doubtful if doubtful.any() else None
    return empty, missing, _others(series, missing)


def _iso_days(series: pd.Series, missing: np.ndarray | None, pd: Any) -> Checked:
    """Texts of the form YYYY-MM-DD parsed at once; any other text is checked one by one."""
    shaped = series.str.fullmatch(_ISO_DAY).fillna(False).to_numpy(dtype=bool)
    days = pd.to_datetime(series.where(shaped), format="%Y-%m-%d", errors="coerce").to_numpy()
    days = days.astype("datetime64[D]")
    doubtful = np.isnat(days)
    if missing is not None:
        doubtful &= ~missing
    return days, missing, doubtful if doubtful.any() else None


def _texts(field: Field, series: pd.Series, pd: Any) -> Checked:
    """Texts as integer codes: an enum's into its values, free text into the column's own texts."""
    enum = field.type.kind == "enum"
    if enum and _arrow_texts(series.dtype, pd):
        return _arrow_enum(field, series)
    labels: list[str] = list(field.type.values) if enum else []
    position = {label: i for i, label in enumerate(labels)}
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # an unhashable cell (a list): the column is read cell by cell
        return _texts_cell_by_cell(field, series, labels, position)
    table = np.zeros(len(uniques) + 1, dtype=np.int64)  # the last entry is for nulls (code -1)
    good = np.ones(len(uniques) + 1, dtype=bool)
    for i, text in enumerate(uniques):
        if isinstance(text, np.str_):
            text = str(text)
        if not isinstance(text, str) or (enum and text not in position):
            good[i] = False  # worded cell by cell
            continue
        if text not in position:
            position[text] = len(labels)
            labels.append(text)
        table[i] = position[text]
    coded = Coded(table[codes].astype(code_dtype(len(labels))), tuple(labels))
    missing = codes < 0
    doubtful = None if good.all() else ~good[codes]
    return coded, missing if missing.any() else None, doubtful


def _texts_cell_by_cell(field: Field, series: pd.Series, labels: list[str], position: dict[str, int]) -> Checked:
    cells = series.to_numpy(dtype=object)
    codes = np.zeros(len(cells), dtype=np.int64)
    missing = np.zeros(len(cells), dtype=bool)
    doubtful = np.zeros(len(cells), dtype=bool)
    for i, cell in enumerate(cells):
        if is_missing(cell):
            missing[i] = True
            continue
        text, reason = check_field(field, cell)
        if reason is not None:
            doubtful[i] = True  # worded again, and refused, by check_column
            continue
        if text not in position:
            position[text] = len(labels)
            labels.append(text)
        codes[i] = position[text]
    coded = Coded(codes.astype(code_dtype(len(labels))), tuple(labels))
    return coded, missing if missing.any() else None, doubtful if doubtful.any() else None


def _arrow_texts(dtype: Any, pd: Any) -> bool:
    """pandas' text held by Arrow (pandas 3's default `str`, or an ArrowDtype of strings)."""
    if isinstance(dtype, pd.StringDtype):
        return dtype.storage == "pyarrow"
    arrow_type = getattr(dtype, "pyarrow_dtype", None)
    return arrow_type is not None and str(arrow_type) in ("string", "large_string", "string_view")


def _arrow_enum(field: Field, series: pd.Series) -> Checked:
    """An enum column held by Arrow, looked up in the enum's values by Arrow's hash kernel."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.chunked_array([pa.array(series.array)]) if len(series) else pa.chunked_array([], pa.string())
    labels = field.type.values
    found = pc.index_in(array, value_set=pa.array(labels, type=array.type))
    dtype = code_dtype(len(labels))
    codes = pc.fill_null(found, 0).cast(pa.from_numpy_dtype(dtype)).combine_chunks().to_numpy()
    coded = Coded(codes, labels)
    missing = array.is_null().to_numpy(zero_copy_only=False) if array.null_count else None
    if found.null_count == array.null_count:
        return coded, missing, None
    unknown = found.is_null().to_numpy(zero_copy_only=False)
    return coded, missing, unknown if missing is None else unknown & ~missing


def _anything(field: Field, series: pd.Series, pd: Any) -> Checked:
    missing = _nulls(series)
    return np.empty(len(series), dtype=object), missing, _others(series, missing)


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

