"""Cells of a data file turned into the values the rules read, and the cells that cannot be.

A CSV has no types: every cell is text, and a cell for a number, boolean or date input is read
from its text here (`12000`, `true`/`false`/`1`/`0`, `2017-09-01`); an empty cell is a null.
Parquet columns are typed and pass as they are. What does not fit (text that is no number,
a value out of bounds, an unknown enum value) is listed by row position with its reason, in
the core's own words (`governance.values.column_problems`), and the row is rejected; a null is
never a problem here: the outputs that need it stay undecided (the core decides that).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from governance.diagnostics import Message
from governance.i18n import N_
from governance.model import Field
from governance.values import column_problems, is_missing

TRUE_TEXT = ("true", "1")
FALSE_TEXT = ("false", "0")


@dataclass(frozen=True)
class CellProblem:
    position: int  # 0-based within the frame checked
    column: str  # the input's name (the caller shows the file's header)
    value: str  # the cell as written
    reason: str


def _text_cells(series: pd.Series) -> np.ndarray:
    """Which cells hold text (a CSV's are all text; a DataFrame's object column may mix)."""
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        return series.notna().to_numpy()
    if series.dtype == object:
        return np.fromiter((isinstance(v, str) for v in series.to_numpy(dtype=object)), bool, len(series))
    return np.zeros(len(series), dtype=bool)


def _from_text(field: Field, text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The typed values of text cells (a typed column: float, nullable boolean or datetime, so
    the core's check takes its whole-column path) and a mask of the cells whose text is no such
    value. Null cells stay null and are not marked."""
    kind = field.type.kind
    given = text.notna()
    if field.type.numeric:
        values = pd.to_numeric(text, errors="coerce").astype("float64")
        return values, values.isna() & given
    if kind == "boolean":
        lowered = text.str.strip().str.lower()
        values = pd.Series(pd.NA, index=text.index, dtype="boolean")
        values[lowered.isin(TRUE_TEXT).fillna(False).to_numpy(dtype=bool)] = True
        values[lowered.isin(FALSE_TEXT).fillna(False).to_numpy(dtype=bool)] = False
        return values, values.isna() & given
    if kind == "date":
        values = pd.to_datetime(text.str.strip(), format="%Y-%m-%d", errors="coerce")
        return values, values.isna() & given
    return text, pd.Series(False, index=text.index)


def _expected(field: Field, raw: str) -> Message:
    """Why a text cell is not a value of its input, as a catalog message (shown in English and Chinese)."""
    kind = field.type.kind
    if kind == "boolean":
        return Message(N_("expected true or false (or 1 or 0), found {value}"), value=repr(raw))
    if kind == "date":
        return Message(N_("expected a date YYYY-MM-DD, found {value}"), value=repr(raw))
    return Message(N_("expected {expected}, found {value}"), expected=field.type.describe(), value=repr(raw))


def typed_column(field: Field, series: pd.Series, text_cells: bool = True
                 ) -> tuple[pd.Series, list[CellProblem]]:
    """A column as the input's values, and every cell that does not fit it.

    With `text_cells`, text in a number, boolean or date column is read as a CSV's cell would be;
    without, cells pass to the core's check as they are (a Parquet column is typed).
    """
    problems: list[CellProblem] = []
    series = series.reset_index(drop=True)
    typed = series
    unreadable = np.zeros(len(series), dtype=bool)
    if text_cells and field.type.kind in ("number", "integer", "boolean", "date"):
        if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
            typed, bad = _from_text(field, series)  # a CSV's column: text or null, read whole
            unreadable = bad.to_numpy(dtype=bool)
        elif (text := _text_cells(series)).any():
            cells = series[text].astype(str)
            values, bad = _from_text(field, cells)
            typed = series.astype(object).copy()
            typed[text] = values.astype(object).where(values.notna(), None).to_numpy(dtype=object)
            unreadable[np.flatnonzero(text)[bad.to_numpy(dtype=bool)]] = True
        for position in np.flatnonzero(unreadable):
            raw = str(series.iat[position])
            problems.append(CellProblem(int(position), field.name, raw, _expected(field, raw)))
    checked = typed
    if unreadable.any():  # the core's check sees only the cells that were read
        checked = typed.where(~unreadable, None)
    for position, reason in column_problems(field, checked):
        if is_missing(checked.iat[position]):
            continue  # a null is not a problem (contracts: the outputs that need it stay undecided)
        problems.append(CellProblem(int(position), field.name, str(series.iat[position]), reason))
    return typed, problems
