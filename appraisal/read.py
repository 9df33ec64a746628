"""Reading the officer's file as the officer meant it: CSV, Excel or Parquet.

The reader knows no scheme, so it never guesses what a cell means. A value it can read
plainly becomes a plain value; a cell it cannot read plainly is kept in place as a marker
(`RefusedCell`, `DateCell`, `PercentCell`) that names the cell, and row validation, which
knows what each column means, decides: a percent-formatted 0.22 in a percent column is 22,
a formula without a saved value rejects its row with the cell reference. A file that cannot
be read at all (empty, headers only, corrupt, unknown type) is refused with one line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from appraisal.messages import Message
from governance.diagnostics import Location, MedunionError, error
from governance.i18n import N_
from governance.textfile import decode_text

TEMPORAL = (dt.datetime, dt.date, dt.time, dt.timedelta)
"""Python values openpyxl and pyarrow give for dates, times and durations."""


@dataclass(frozen=True)
class FileLocation(Location):
    """A whole file as the place of a diagnostic: printed `path: error: ...` (no line of a
    binary file means anything)."""

    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return self.path


def file_error(path: str | Path, message: str, **args: Any) -> MedunionError:
    """The one-line refusal of a data file: `path: error: message` (a catalog template filled with
    `args`, shown in the reader's language)."""
    return MedunionError(error(message, FileLocation(str(path)), **args))


@dataclass(frozen=True, eq=False)
class RefusedCell:
    """A cell that has no value the reader may use (a formula without a saved value, part of
    merged cells, a formula error); `reason` says which cell and what to do."""

    cell: str
    reason: str
    shown: str = ""

    def __str__(self) -> str:
        return self.shown


@dataclass(frozen=True, eq=False)
class DateCell:
    """A spreadsheet cell holding a date, time or duration: never silently a number."""

    cell: str
    value: Any

    def __str__(self) -> str:
        value = self.value
        if isinstance(value, dt.datetime) and value.time() == dt.time(0):
            value = value.date()
        return value.isoformat() if hasattr(value, "isoformat") else str(value)


@dataclass(frozen=True, eq=False)
class PercentCell:
    """A number shown with a percent format: Excel stores 22% as 0.22."""

    cell: str
    value: float

    @property
    def points(self) -> float:
        """The percent the officer typed (0.22 → 22), without float noise (22.000000000000004)."""
        return percent_points(self.value)

    def __str__(self) -> str:
        return f"{self.points:g}%"


Marker = RefusedCell | DateCell | PercentCell


def percent_points(value: float) -> float:
    """value × 100 in decimal, so 0.07 becomes 7 and not 7.000000000000001."""
    return float(Decimal(repr(float(value))) * 100)


_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
"""Full-width ASCII forms (U+FF01-FF5E: ０-９ ， ． ％ － ＋ ｙｅｓ) and the ideographic space, as
a Chinese input method types them, to their ASCII forms. Only this block: NFKC would also
turn ² into 2 or ① into 1, which no officer means as a digit of the number."""

_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?(?:\s*%)?")
"""A number with thousands separators as Excel's Chinese (and English) locale writes it: the
separator between groups of exactly three digits, before the decimal point only."""


def officer_text(text: str) -> str:
    """A text cell in the plain form the number and true/false parsers read, as a Chinese
    officer meant it: full-width digits and punctuation become ASCII ('５２，０００．５' →
    '52,000.5'), and thousands separators between groups of three are dropped ('52,000' →
    '52000'). Anything else stays as typed, so '5,20,00' still fails to parse and its row is
    rejected with the row and column."""
    plain = text.translate(_FULL_WIDTH).strip()
    if "," in plain and _GROUPED.fullmatch(plain):
        plain = plain.replace(",", "")
    return plain


@dataclass
class InputTable:
    """The raw table as read: one row per data row (blank rows inside kept, so row numbers
    stay those the officer sees), and notes on how it was read."""

    frame: pd.DataFrame
    first_row: int
    path: Path
    notes: list[str] = field(default_factory=list)


def read_input(path: str | Path) -> InputTable:
    """Read a CSV, Excel or Parquet file; refuse with one line what cannot be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise file_error(path, N_("no such data file"))
    if path.is_dir():
        raise file_error(path, N_("is a folder, not a data file"))
    if suffix not in (".csv", ".xlsx", ".xlsm", ".parquet"):
        raise file_error(path, N_("unsupported data file type '{suffix}': use .csv, .xlsx or .parquet"), suffix=suffix)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise file_error(path, N_("cannot read the file: {reason}"), reason=exc.strerror) from None
    if size == 0:
        raise file_error(path, N_("the file is empty (0 bytes): nothing to appraise"))
    if suffix == ".csv":
        table = _read_csv(path)
    elif suffix == ".parquet":
        table = _read_parquet(path)
    else:
        table = _read_excel(path)
    if not len(table.frame.columns):
        raise file_error(path, N_("the file has no columns: nothing to appraise"))
    if not len(table.frame):
        raise file_error(path, N_("the file has a header row but no data rows: nothing to appraise"))
    return table


def _duplicates(names: list[str]) -> list[str]:
    return [n for n, k in Counter(n for n in names if n).items() if k > 1]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _trim_blank_tail(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop blank rows at the end only (a spreadsheet's formatted but empty rows, a CSV's
    trailing empty lines); blank rows inside stay, so the row numbers stay the officer's."""
    values = frame.to_numpy(dtype=object)
    end = len(values)
    while end and all(_blank(v) for v in values[end - 1]):
        end -= 1
    return frame.iloc[:end]


# --- CSV --------------------------------------------------------------------------------------

def decode_csv(raw: bytes, path: Path) -> tuple[str, str]:
    """The text and the encoding's name: UTF-8 (with or without BOM), else GB18030 (GBK), by the
    rule every reader of text data shares (`governance.textfile.decode_text`); what is neither is
    refused rather than read as mojibake."""
    found = decode_text(raw)
    if isinstance(found, Message):  # why the bytes are not text medunion reads
        raise file_error(path, found)
    text, encoding = found
    return text, encoding.label


def _read_csv(path: Path) -> InputTable:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise file_error(path, N_("cannot read the file: {reason}"), reason=exc.strerror) from None
    text, encoding = decode_csv(raw, path)
    if not text.strip():
        raise file_error(path, N_("the file has no text: nothing to appraise"))
    try:
        # newline="": a header ended by a lone CR (old Mac "CSV (Macintosh)") is a line, not an error
        header = next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error as exc:  # a header cell over csv's field limit (131,072 characters)
        raise file_error(path, N_("cannot read it as CSV: {detail}"), detail=exc) from None
    dupes = _duplicates([h.strip() for h in header])
    if dupes:
        raise file_error(path, N_("the header names the column(s) {columns} more than once: "
                                  "which one holds the data cannot be told; keep one"), columns=", ".join(dupes))
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, comment=None,
                            skip_blank_lines=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        detail = " ".join(str(exc).split())
        raise file_error(path, N_("cannot read it as CSV: {detail}"), detail=detail) from None
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas takes a first data row with one field too many as an index and shifts every value
        # one column left; refuse instead of scoring the wrong columns
        raise file_error(path, N_("line 2 has more fields than the header has columns ({count}); every row "
                                  "needs one field per column: remove the extra field or name its column"),
                         count=len(header))
    frame.columns = [str(c).strip() for c in frame.columns]
    return InputTable(_trim_blank_tail(frame), 2, path, [Message(N_("{file} read as {encoding} text"), file=path.name,
                                                                 encoding=encoding)])


# --- Parquet ----------------------------------------------------------------------------------

def _read_parquet(path: Path) -> InputTable:
    """Typed columns as pandas reads them; date and time columns stay typed so validation can
    refuse them by name (pandas would turn a timestamp into nanoseconds)."""
    import pyarrow as pa

    try:
        frame = pd.read_parquet(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        detail = " ".join(str(exc).split())
        raise file_error(path, N_("cannot read it as Parquet: {detail}"), detail=detail) from None
    frame.columns = [str(c) for c in frame.columns]
    dupes = _duplicates(list(frame.columns))
    if dupes:
        raise file_error(path, N_("the column(s) {columns} appear more than once"), columns=", ".join(dupes))
    return InputTable(frame.reset_index(drop=True), 1, path)


# --- Excel ------------------------------------------------------------------------------------

_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def is_percent_format(number_format: str | None) -> bool:
    """True when Excel scales the value by 100 to show it: a `%` outside quoted text,
    backslash escapes and [colour/condition] brackets (`0"%"` shows 22 as "22%" unscaled)."""
    if not number_format or "%" not in number_format:
        return False
    return "%" in _QUOTED.sub("", number_format)


_PLAIN_SHEET = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def _ref(sheet: str, coordinate: str) -> str:
    """A cell reference as Excel writes it: Sheet1!C7, 'SYNTHETIC data'!C7."""
    name = sheet if _PLAIN_SHEET.fullmatch(sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"{name}!{coordinate}"


def _load_workbook(path: Path, data_only: bool) -> Any:
    import openpyxl

    try:
        return openpyxl.load_workbook(path, data_only=data_only)
    except Exception as exc:  # openpyxl raises zip, XML, key and value errors alike on a broken file
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise file_error(path, N_("cannot read it as an Excel workbook ({detail}): "
                                  "open it in Excel and save it as .xlsx"), detail=detail) from None


def _plain(value: Any) -> Any:
    """The value pandas' own Excel reader gives: whole floats as int, empty as ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _read_excel(path: Path) -> InputTable:
    """The first sheet, header in row 1, each cell looked at on its own (see module doc)."""
    from openpyxl.cell.cell import MergedCell
    from openpyxl.utils import get_column_letter

    wb = _load_workbook(path, data_only=True)
    if not wb.worksheets:
        raise file_error(path, N_("the workbook has no worksheet"))
    ws = wb.worksheets[0]
    title = ws.title
    notes = [Message(N_("read sheet '{sheet}' of {file} (the first of {count} sheets; the others are not read)"),
                     sheet=title, file=path.name, count=len(wb.worksheets)) if len(wb.worksheets) > 1 else
             Message(N_("read sheet '{sheet}' of {file}"), sheet=title, file=path.name)]
    grid = [list(row) for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column)]
    if not grid or all(c.value in (None, "") and not isinstance(c, MergedCell) for row in grid for c in row):
        raise file_error(path, N_("the sheet '{sheet}' is empty: nothing to appraise"), sheet=title)
    merged: dict[tuple[int, int], str] = {}
    for rng in ws.merged_cells.ranges:
        if rng.min_row == 1 and rng.max_col > rng.min_col:
            raise file_error(path, N_("{cells}: merged cells in the header row: unmerge them so each column has "
                                      "its own name"), cells=_ref(title, rng.coord))
        for r in range(max(rng.min_row, 2), rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                merged[(r, c)] = _ref(title, rng.coord)
    width = len(grid[0])
    headers: list[str] = []
    for idx, cell in enumerate(grid[0], start=1):
        name = "" if cell.value is None else str(cell.value).strip()
        headers.append(name or f"(no header, column {get_column_letter(idx)})")
    named = [h for h, cell in zip(headers, grid[0], strict=True) if cell.value not in (None, "")]
    if not named:
        raise file_error(path, N_("row 1 of the sheet '{sheet}' is empty: the first row must name the columns"),
                         sheet=title)
    dupes = _duplicates(headers)  # with the placeholders: a header may be written as one of them
    if dupes:
        raise file_error(path, N_("the header row of '{sheet}' names the column(s) {columns} more than once: "
                                  "which one holds the data cannot be told; keep one"), sheet=title,
                         columns=", ".join(dupes))
    pending: list[tuple[int, int]] = []  # empty cells that may be formulas without a saved value
    rows: list[list[Any]] = []
    for r, row in enumerate(grid[1:], start=2):
        values: list[Any] = []
        for c, cell in enumerate(row, start=1):
            ref = _ref(title, f"{get_column_letter(c)}{r}")
            value = cell.value
            if (r, c) in merged:
                values.append(RefusedCell(
                    ref, Message(N_("{cell} is part of the merged cells {range}: unmerge the cells and give each "
                                    "row its own value"), cell=ref, range=merged[(r, c)]),
                    "" if value is None else str(value)))
            elif value is None:
                pending.append((r, c))
                values.append("")
            elif cell.data_type == "e":
                values.append(RefusedCell(ref, Message(N_("{cell} shows the error {value}: correct the formula in "
                                                          "Excel"), cell=ref, value=value), str(value)))
            elif isinstance(value, TEMPORAL):
                values.append(DateCell(ref, value))
            elif (isinstance(value, (int, float)) and not isinstance(value, bool)
                  and is_percent_format(cell.number_format)):
                values.append(PercentCell(ref, float(value)))
            else:
                values.append(_plain(value))
        rows.append(values)
    if pending:
        _mark_formulas_without_value(path, title, pending, rows)
    frame = pd.DataFrame(rows, columns=headers, dtype=object) if rows else pd.DataFrame(columns=headers)
    frame = _trim_blank_tail(frame)
    keep = [h for h, cell in zip(headers, grid[0], strict=True)
            if cell.value not in (None, "") or frame[h].map(lambda v: v != "").any()]
    if len(keep) < width:
        frame = frame[keep]
    return InputTable(frame.reset_index(drop=True), 2, path, notes)


def _mark_formulas_without_value(path: Path, title: str, pending: list[tuple[int, int]],
                                 rows: list[list[Any]]) -> None:
    """Empty cells that hold a formula: Excel saved no result (or another program wrote the
    file), and openpyxl computes none; read as empty they would score 0 in silence."""
    from openpyxl.utils import get_column_letter

    formulas = _load_workbook(path, data_only=False).worksheets[0]
    for r, c in pending:
        formula = formulas.cell(row=r, column=c).value
        if formula is None or formula == "":
            continue
        text = formula if isinstance(formula, str) else getattr(formula, "text", None) or "a formula"
        ref = _ref(title, f"{get_column_letter(c)}{r}")
        rows[r - 2][c - 1] = RefusedCell(
            ref, Message(N_("{cell} holds the formula {formula} without a saved value: open the file in Excel and "
                            "save it so formulas have values"), cell=ref, formula=text), str(text))
