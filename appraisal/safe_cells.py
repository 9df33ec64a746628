"""Spreadsheet and CSV cells that cannot inject: the one place every writer neutralises text.

Unit names come from schemes and unit ids and values from officers' files; opened in Excel,
a text such as `=HYPERLINK("http://x","y")` would be a live formula. Following OWASP's
CSV-injection guidance, text starting with `=`, `+`, `-`, `@`, tab or carriage return is
prefixed with a single quote; in a workbook it is also written as a string cell, never a
formula. Numbers stay numbers, and so does text that is only a number ("-3" as rejected).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutral_text(text: str) -> str:
    """`text`, with a leading `'` when a spreadsheet would read it as a formula."""
    if text.startswith(TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def neutral(value: Any) -> Any:
    """Any cell value: text neutralised, everything else (numbers, bools, None) as it is."""
    return neutral_text(value) if isinstance(value, str) else value


def neutral_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell and column name neutralised; numeric columns untouched."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            out[name] = column.map(neutral, na_action="ignore")
    out.columns = [neutral(c) for c in out.columns]
    return out


def neutralise_workbook(book: Any) -> None:
    """Every cell of every sheet of an openpyxl workbook, just before it is saved: text is
    neutralised and written as a string; no cell is left as a formula."""
    from openpyxl.cell.cell import MergedCell

    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell, MergedCell):
                    continue
                value = cell.value
                if isinstance(value, str):
                    safe = neutral_text(value)
                    if safe != value or cell.data_type == "f":
                        cell.value = safe
                        cell.data_type = "s"
                elif cell.data_type == "f":  # a formula object (array or data-table formula)
                    cell.value = neutral_text(str(getattr(value, "text", value)))
                    cell.data_type = "s"


def write_csv(frame: pd.DataFrame, path: Any) -> None:
    """A CSV whose text fields cannot inject (see the module doc); same columns and numbers."""
    neutral_frame(frame).to_csv(path, index=False)
