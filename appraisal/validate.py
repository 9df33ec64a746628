"""Reading the yearly input table and checking every row before anything is scored.

A rejected row is reported with its row number (as a spreadsheet shows it: the
header is row 1), the column and the reason; it is never dropped in silence.
What happens to a missing value is the scheme's explicit policy per column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from appraisal.messages import Message, shown_all
from appraisal.read import TEMPORAL, DateCell, PercentCell, RefusedCell, officer_text, read_input
from appraisal.scheme import Column, Scheme
from appraisal.units import UnitRegister, scheme_register
from governance.diagnostics import MedunionError, error
from governance.i18n import N_

_TRUE = {"true", "yes", "1", "y", "t", "是", "有"}
_FALSE = {"false", "no", "0", "n", "f", "否", "无", "無"}
"""What an officer types for true and false: 是/否 (yes/no) and 有/无 (there is / there is none),
beside the English words and 1/0; full-width forms (ＹＥＳ, １) are read by `officer_text` first."""
_FLAGS = {w: 1.0 for w in _TRUE} | {w: 0.0 for w in _FALSE} | {"1.0": 1.0, "0.0": 0.0}
KEY_COLUMNS = ("unit_id", "year")
OPTIONAL_KEYS = ("unit_name", "cohort")
"""Columns a table may have beside the scheme's: the unit's name (shown when no register names
it) and the cohort (the group of units scored together, e.g. the county of member units)."""


@dataclass
class ValidatedData:
    """Accepted rows (numeric columns as float) plus everything that was refused or filled."""

    frame: pd.DataFrame
    rejected: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    missing_units: list[str] = field(default_factory=list)
    filled: pd.DataFrame = field(default_factory=pd.DataFrame)
    register: UnitRegister | None = None


_CODED_HEADER = re.compile(r"^(?P<label>.*?)[\s(（]*(?P<code>[A-Za-z_][A-Za-z0-9_]*)[)）]?$")


def scheme_headers(scheme: Scheme, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The table with each header the scheme knows by another name renamed to its code: the
    Chinese template's "上转患者数 referrals_up", "上转患者数（referrals_up）", or the Chinese name
    alone ("上转患者数", "单位编码", "年度"). A header already a code stays; two headers naming the
    same column are refused (which one holds the data cannot be told)."""
    from appraisal.labels import heading

    codes = [*KEY_COLUMNS, *scheme.columns, *OPTIONAL_KEYS]
    labels: dict[str, str] = {}
    for code in codes:
        col = scheme.columns.get(code)
        label = col.label_zh if col is not None else heading(code, scheme, "zh", both=False)
        if label and label != code:
            labels[_header_key(label)] = code
    renamed: dict[str, str] = {}
    for header in frame.columns:
        text = str(header)
        if text in codes:
            continue
        key = _header_key(text)
        match = _CODED_HEADER.match(key)
        code = None
        if match and match.group("code") in codes and (
                not match.group("label") or labels.get(match.group("label")) == match.group("code")):
            code = match.group("code")
        elif key in labels:
            code = labels[key]
        if code is not None:
            renamed[header] = code
    if not renamed:
        return frame, []
    targets = [renamed.get(h, str(h)) for h in frame.columns]
    twice = sorted({t for t in targets if targets.count(t) > 1 and t in codes})
    if twice:
        sources = {t: [str(h) for h in frame.columns if renamed.get(h, str(h)) == t] for t in twice}
        raise MedunionError(error(
            N_("the header names the column(s) {columns}: which one holds the data cannot be told; keep one"),
            columns="; ".join(f"{t} as {', '.join(repr(h) for h in hs)}" for t, hs in sources.items())))
    first = next(iter(renamed.items()))
    note = Message(N_("{count} header(s) read as the scheme's columns by their Chinese names (e.g. {header} → "
                      "{column})"), count=len(renamed), header=first[0], column=first[1])
    return frame.rename(columns=renamed), [note]


def _header_key(text: str) -> str:
    """A header as compared: full-width forms as ASCII, spaces (and line breaks) as one space."""
    import unicodedata

    return " ".join(unicodedata.normalize("NFKC", text).split())


def read_table(path: str | Path) -> tuple[pd.DataFrame, int]:
    """Raw table from CSV, Excel or Parquet, and the row number of its first data row.

    Cells that cannot be read plainly stay in the table as markers (`appraisal.read`), which
    `validate_rows` reads or rejects with their cell reference; `read_input` also gives the
    notes on how the file was read (its encoding, its sheet).
    """
    table = read_input(path)
    return table.frame, table.first_row


_MISSING_WORDS = frozenset({"", "nan", "none", "na", "null"})


def _is_missing(
    raw: pd.Series, candidates: np.ndarray | None = None, words: frozenset[str] = _MISSING_WORDS
) -> np.ndarray:
    """Empty cells, NaN/None and the words people type for 'no value'.

    `candidates` limits the text check to cells that are not numbers (the usual few).
    """
    values = raw.to_numpy(dtype=object)
    missing = np.asarray(pd.isna(values), dtype=bool)
    look = ~missing if candidates is None else candidates & ~missing
    texts = np.zeros(values.shape, dtype=bool)
    if look.any():
        texts[look] = [isinstance(v, str) for v in values[look]]
    if texts.any():
        idx = np.flatnonzero(texts)
        found = pd.Index(values[idx].astype(str)).str.strip().str.lower()
        missing[idx] |= np.asarray(found.isin(list(words)), dtype=bool)
    return missing


def _parse_boolean(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """1.0/0.0 for true/false words, bools and 0/1; a bad flag where it is none of these."""
    values = np.array(
        [1.0 if v is True else 0.0 if v is False else _FLAGS.get(str(v).strip().lower(), np.nan)
         for v in raw.to_numpy(dtype=object)],
        dtype=float,
    )
    return values, np.isnan(values)


def _officer_forms(series: pd.Series, candidates: np.ndarray) -> tuple[pd.Series, list[int]]:
    """`series` with its text cells among `candidates` (those the plain parse could not read) as
    `officer_text` reads them, and the positions so rewritten. The raw series is kept for the
    rejection report, so a refused cell is shown as the officer typed it."""
    idx = np.flatnonzero(candidates)
    if not len(idx) or series.dtype.kind in "biufcmM":  # text is object or (pandas 3) str dtype
        return series, []
    values = series.to_numpy(dtype=object)
    readable: np.ndarray | None = None
    changed: list[int] = []
    for i in idx:
        cell = values[i]
        if isinstance(cell, str):
            plain = officer_text(cell)
            if plain != cell.strip():
                if readable is None:
                    readable = values.copy()
                readable[i] = plain
                changed.append(int(i))
    if readable is None:
        return series, []
    return pd.Series(readable, index=series.index, dtype=object), changed


_MISGROUPED = re.compile(r"[+-]?\d[\d,]*,[\d,]*(?:\.\d+)?\s*%?")


def _not_a_number_reason(readable: pd.Series, bad: np.ndarray) -> str | pd.Series:
    """Why a cell is not a number; for '5,20,00' (separators not between groups of three, or a
    decimal comma) it says how to write it rather than only 'expected a number'."""
    plain = Message(N_("wrong type: expected a number"))
    idx = np.flatnonzero(bad)
    if not len(idx) or readable.dtype.kind in "biufcmM":
        return plain
    values = readable.to_numpy(dtype=object)
    reasons = pd.Series([plain] * len(values), dtype=object)
    for i in idx:
        if isinstance(values[i], str) and _MISGROUPED.fullmatch(values[i].strip()):
            reasons.iloc[i] = Message(N_("wrong type: expected a number: thousands separators go between groups "
                                         "of three digits (52,000 or 1,234.5); write the number without them, "
                                         "and a decimal point, not a comma"))
    return reasons


_EMPTY = frozenset({""})
_PERCENT_TEXT = re.compile(r"\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*%\s*")
_MARKERS = (RefusedCell, DateCell, PercentCell)


def _odd_cells(series: pd.Series, candidates: np.ndarray, percent_text: bool = True) -> dict[int, Any]:
    """Cells among `candidates` that are not plain values: reader markers, dates and times,
    and (for number columns) text such as '22%'. Only cells that failed to parse are looked at."""
    idx = np.flatnonzero(candidates)
    if not len(idx) or (series.dtype != object and not percent_text):
        return {}
    values = series.to_numpy(dtype=object)
    found: dict[int, Any] = {}
    for i in idx:
        v = values[i]
        if isinstance(v, (*_MARKERS, *TEMPORAL, np.datetime64, np.timedelta64)) or (
            percent_text and isinstance(v, str) and _PERCENT_TEXT.fullmatch(v)
        ):
            found[int(i)] = v
    return found


def _is_percent_unit(col: Column) -> bool:
    """A number column whose declared unit is percent: 22% means 22 in it."""
    unit = col.unit.strip().lower()
    return "%" in unit or "percent" in unit or "per cent" in unit


def _temporal_column(scheme_id: str, name: str, series: pd.Series, wanted: str) -> MedunionError:
    return MedunionError(error(
        N_("column '{name}' holds dates or times ({dtype}), not numbers; the scheme {scheme} reads it as "
           "{wanted}: write the numbers themselves (a date is never read as a number)"),
        name=name, dtype=series.dtype, scheme=scheme_id, wanted=wanted))


def _is_temporal_dtype(series: pd.Series) -> bool:
    return series.dtype.kind in "mM" or isinstance(series.dtype, pd.PeriodDtype)


def _percent_of(cell: Any) -> tuple[float, float, str]:
    """(percent points, ratio, how it looked) of a percent cell or a '22%' text."""
    if isinstance(cell, PercentCell):
        return cell.points, cell.value, f"{cell.cell} ({cell})"
    number = _PERCENT_TEXT.fullmatch(cell)
    assert number is not None
    points = float(number.group(1))
    return points, float(Decimal(number.group(1)) / 100), f"'{cell.strip()}'"


def _read_cell(cell: Any, name: str, col: Column) -> tuple[float | None, str]:
    """A cell the plain parse could not read: (its number, '') when what the officer meant is
    certain, else (None, the reason it is refused and what to do)."""
    if isinstance(cell, RefusedCell):
        return None, cell.reason
    if isinstance(cell, DateCell):
        return None, Message(N_("{cell} holds a date or time ({value}), not a number: check the cell's format "
                                "in Excel and type the number ({unit})"), cell=cell.cell, value=str(cell),
                             unit=col.unit)
    if col.type == "boolean":
        what = f"{cell.cell} ({cell})" if isinstance(cell, PercentCell) else f"'{cell}'"
        return None, Message(N_("{what} is a percentage; column {name} is true or false"), what=what, name=name)
    points, ratio, what = _percent_of(cell)
    if col.type == "percent" or (col.type in ("number", "integer") and _is_percent_unit(col)):
        return points, ""
    if col.type == "ratio":
        return ratio, ""
    return None, Message(N_("{what} is a percentage, but column {name} is not a percent ({type}, in {unit}): "
                            "say which you mean: remove the % and type the number of {unit}"),
                         what=what, name=name, type=col.type, unit=col.unit)


def _key_cell_reason(cell: Any, name: str) -> str:
    """Why a marked cell in unit_id or year cannot be read."""
    if isinstance(cell, RefusedCell):
        return cell.reason
    where = getattr(cell, "cell", "the cell")
    if name == "year":
        template = (N_("{cell} holds a date or time ({value}), not a year: type the year as a number, e.g. 2019")
                    if isinstance(cell, DateCell) else
                    N_("{cell} holds a number formatted as a percentage ({value}), not a year: type the year as a "
                       "number, e.g. 2019"))
    else:
        template = (N_("{cell} holds a date or time ({value}), not a unit id") if isinstance(cell, DateCell)
                    else N_("{cell} holds a number formatted as a percentage ({value}), not a unit id"))
    return Message(template, cell=where, value=str(cell))


def _blank_rows(raw: pd.DataFrame, no_year: np.ndarray) -> np.ndarray:
    """Rows with no value at all (an empty line inside the table): skipped, and said so.
    Only rows without a year are looked at, so a long table costs next to nothing."""
    blank = no_year.copy()
    for name in raw.columns:
        if not blank.any():
            break
        blank &= _is_missing(raw[name], blank, words=_EMPTY)
    return blank


def _row_list(rows: np.ndarray, limit: int = 10) -> str:
    shown = ", ".join(map(str, rows[:limit].tolist()))
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def validate_rows(
    scheme: Scheme, raw: pd.DataFrame, year: int, first_row: int = 2,
    register: UnitRegister | None = None,
) -> ValidatedData:
    """Check every row of `raw` for `year`; keep the good ones, report the rest with reasons.

    `register`: the units expected (default: the scheme's own list, if it has one); without one,
    every unit id in the data is a unit. A table with no year column is the year appraised.
    """
    register = register or scheme_register(scheme)
    raw, early_notes = scheme_headers(scheme, raw)
    if "year" not in raw.columns and "unit_id" in raw.columns:
        raw = raw.assign(year=year)
        early_notes.append(Message(N_("the data has no year column: every row is taken as {year}"), year=year))
    absent = [c for c in (*KEY_COLUMNS, *scheme.columns) if c not in raw.columns]
    if absent:
        raise MedunionError(
            error(
                N_("the data has no column(s) {absent}; the scheme {scheme} needs {needed} (use `medunion template`)"),
                absent=", ".join(absent), scheme=scheme.id, needed=", ".join((*KEY_COLUMNS, *scheme.columns)),
            )
        )
    raw = raw.reset_index(drop=True)
    n = len(raw)
    rows = np.arange(n) + first_row
    problems: list[pd.DataFrame] = []
    notes: list[str] = early_notes
    cohorts = "cohort" in raw.columns
    cohort_text = raw["cohort"].astype(str).str.strip().to_numpy(dtype=object) if cohorts else None
    for name in ("year", *scheme.columns):
        if _is_temporal_dtype(raw[name]):
            raise _temporal_column(scheme.id, name, raw[name], "a year" if name == "year" else
                                   f"a {scheme.columns[name].type} in {scheme.columns[name].unit}")

    def reject(mask: np.ndarray, column: str, reason: str | pd.Series, values: pd.Series) -> None:
        if mask.any():
            # an object column, so each reason stays the `Message` it is (pandas would make it plain text)
            if isinstance(reason, pd.Series):
                reasons = reason.to_numpy(dtype=object)[mask]
            else:
                reasons = np.empty(int(mask.sum()), dtype=object)
                reasons.fill(reason)  # not np.full, which would read the Message as a numpy string
            found = pd.DataFrame(
                {
                    "row": rows[mask],
                    "unit_id": raw["unit_id"].astype(str).to_numpy()[mask],
                    "column": column,
                    "value": values.astype(str).to_numpy()[mask],
                    "reason": pd.Series(reasons, dtype=object),
                }
            )
            if cohort_text is not None:
                found.insert(2, "cohort", cohort_text[mask])
            problems.append(found)

    def refuse_cells(cells: dict[int, str], column: str, values: pd.Series, where: np.ndarray) -> np.ndarray:
        """Reject the rows of cells that cannot be read (with the reason of each); their mask."""
        mask = np.zeros(n, dtype=bool)
        if not cells:
            return mask
        mask[list(cells)] = True
        reasons = pd.Series([""] * n, dtype=object)
        reasons.iloc[list(cells)] = list(cells.values())
        reject(mask & where, column, reasons, values)
        return mask

    year_raw = raw["year"]
    year_num = np.array(pd.to_numeric(year_raw, errors="coerce"), dtype=float)
    year_readable, retyped = _officer_forms(year_raw, np.isnan(year_num))
    if retyped:  # a year typed in full-width digits (２０１９)
        year_num[retyped] = pd.to_numeric(year_readable.iloc[retyped], errors="coerce").to_numpy(dtype=float)
    blank = _blank_rows(raw, np.isnan(year_num))
    if blank.any():
        notes.append(Message(N_("{count} empty row(s) skipped: row(s) {rows}"), count=int(blank.sum()),
                             rows=_row_list(rows[blank])))
    year_odd = _odd_cells(year_raw, np.isnan(year_num) & ~blank, percent_text=False)
    if any(isinstance(v, (*TEMPORAL, np.datetime64, np.timedelta64)) for v in year_odd.values()):
        raise _temporal_column(scheme.id, "year", year_raw, "a year")
    year_marked = refuse_cells({i: _key_cell_reason(v, "year") for i, v in year_odd.items()}, "year",
                               year_raw, ~blank)
    bad_year = ~blank & ~year_marked & (np.isnan(year_num) | (year_num != np.floor(np.nan_to_num(year_num))))
    reject(bad_year, "year", Message(N_("year is missing or not a whole number")), year_raw)
    bad_year |= year_marked
    other_year = ~blank & ~bad_year & (year_num != year)
    if other_year.any():
        notes.append(Message(N_("{count} row(s) of other years were not part of {year}"),
                             count=int(other_year.sum()), year=year))
    in_year = ~blank & ~bad_year & ~other_year

    unit = raw["unit_id"].astype(str).str.strip()
    unit_odd = _odd_cells(raw["unit_id"], in_year, percent_text=False)
    unit_marked = refuse_cells({i: _key_cell_reason(v, "unit_id") for i, v in unit_odd.items()}, "unit_id",
                               raw["unit_id"], in_year)
    unit_missing = _is_missing(raw["unit_id"]) & ~unit_marked
    unit_np = unit.to_numpy(dtype=object)
    if register is not None:
        known = pd.Index(sorted(register.ids))
        unknown = in_year & ~unit_missing & ~unit_marked & (known.get_indexer(unit_np) < 0)
    else:
        unknown = np.zeros(n, dtype=bool)
    reject(unit_missing & in_year, "unit_id", Message(N_("unit_id is missing")), raw["unit_id"])
    if register is not None:
        reject(unknown, "unit_id", register.unknown_reason, raw["unit_id"])
    cohort_missing = np.zeros(n, dtype=bool)
    if cohorts:
        cohort_missing = in_year & _is_missing(raw["cohort"])
        reject(cohort_missing, "cohort", Message(N_("the cohort is missing: say which cohort (county) the unit "
                                                    "belongs to")), raw["cohort"])
    candidate = in_year & ~unit_missing & ~unknown & ~unit_marked & ~cohort_missing
    key = unit if cohort_text is None else pd.Series(cohort_text, dtype=object) + "\x1f" + unit
    counts = key[candidate].value_counts()
    dup = candidate & key.map(counts).fillna(0).gt(1).to_numpy()
    if dup.any():
        where = pd.Series(rows[dup]).groupby(key[dup].to_numpy()).agg(
            lambda r: ", ".join(map(str, r))
        )
        template = (N_("duplicate unit: the same unit of the same cohort appears in rows {rows}") if cohorts
                    else N_("duplicate unit: the same unit appears in rows {rows}"))
        reason = pd.Series([Message(template, rows=found) for found in key.map(where).fillna("")], dtype=object)
        reject(dup, "unit_id", reason, raw["unit_id"])

    parsed: dict[str, np.ndarray] = {}
    fill_records: list[pd.DataFrame] = []
    for name, col in scheme.columns.items():
        series = raw[name]
        if col.type == "boolean":
            values, bad = _parse_boolean(series)
            readable, retyped = _officer_forms(series, bad & ~blank)
            if retyped:
                values[retyped] = _parse_boolean(readable.iloc[retyped])[0]
                bad = np.isnan(values)
            odd = _odd_cells(readable, bad & ~blank, percent_text=True)
        else:
            values = np.array(pd.to_numeric(series, errors="coerce"), dtype=float)
            readable, retyped = _officer_forms(series, np.isnan(values) & ~blank)
            if retyped:
                values[retyped] = pd.to_numeric(readable.iloc[retyped], errors="coerce").to_numpy(dtype=float)
            odd = _odd_cells(readable, np.isnan(values) & ~blank)
        if any(isinstance(v, (*TEMPORAL, np.datetime64, np.timedelta64)) for v in odd.values()):
            raise _temporal_column(scheme.id, name, series, f"a {col.type} in {col.unit}")
        refused: dict[int, str] = {}
        read: list[int] = []
        for i, cell in odd.items():
            number, reason = _read_cell(cell, name, col)
            if number is None:
                refused[i] = reason
            else:
                values[i] = number
                read.append(i)
        handled = refuse_cells(refused, name, series, in_year)
        handled[read] = True
        shown = [i for i in read if in_year[i]]
        if shown:
            first = odd[shown[0]]
            template = (N_("{name}: {count} percentage cell(s) read as a ratio (e.g. {example} → {value})")
                        if col.type == "ratio" else
                        N_("{name}: {count} percentage cell(s) read as percent points (e.g. {example} → {value})"))
            example = f"{first.cell}: {first}" if isinstance(first, PercentCell) else f"'{first.strip()}'"
            notes.append(Message(template, name=name, count=len(shown), example=example,
                                 value=f"{values[shown[0]]:g}"))
        typed = [i for i in retyped if in_year[i] and not np.isnan(values[i])]
        if typed:
            notes.append(Message(N_("{name}: {count} cell(s) with thousands separators or full-width characters "
                                    "read (e.g. row {row}: '{typed}' → {value})"), name=name, count=len(typed),
                                 row=rows[typed[0]], typed=str(series.iloc[typed[0]]).strip(),
                                 value=f"{values[typed[0]]:g}"))
        if col.type == "boolean":
            bad &= ~handled
            missing = _is_missing(series, bad)
            bad &= ~missing
            reject(in_year & bad, name, Message(N_("wrong type: expected true or false")), series)
        else:
            missing = _is_missing(series, np.isnan(values)) & ~handled
            bad = np.isnan(values) & ~missing & ~handled
            reject(in_year & bad, name, _not_a_number_reason(readable, in_year & bad), series)
            ok = ~np.isnan(values)
            if col.type == "integer":
                frac = ok & (values != np.floor(np.nan_to_num(values)))
                reject(in_year & frac, name, Message(N_("wrong type: expected a whole number (a count)")), series)
            low, high = col.bounds
            if low is not None:
                below = ok & (values < low)
                what = Message(N_("negative count")) if col.type == "integer" and low == 0 else Message(
                    N_("below the minimum {minimum}"), minimum=f"{low:g}")
                reject(in_year & below, name, what, series)
            if high is not None:
                above = ok & (values > high)
                what = (Message(N_("a rate above 100%")) if col.type == "percent" else
                        Message(N_("a ratio above 1")) if col.type == "ratio" else
                        Message(N_("above the maximum {maximum}"), maximum=f"{high:g}"))
                reject(in_year & above, name, what, series)
        if col.missing == "reject":
            reject(in_year & missing, name, Message(N_("missing value (the scheme rejects it)")), series)
        elif missing.any():
            fill = in_year & missing
            if col.missing == "zero-value":
                values = np.where(missing, 0.0, values)
            fill_records.append(
                pd.DataFrame({"row": rows[fill], "unit_id": unit.to_numpy()[fill], "column": name,
                              "policy": col.missing})
            )
        parsed[name] = np.where(missing & (col.missing != "zero-value"), np.nan, values)

    for name, col in scheme.columns.items():
        if col.not_above and col.not_above in parsed:
            part, whole = parsed[name], parsed[col.not_above]
            low, high = scheme.columns[col.not_above].bounds
            whole_ok = np.ones(len(raw), dtype=bool)  # a bad whole is reported on its own
            if low is not None:
                whole_ok &= whole >= low
            if high is not None:
                whole_ok &= whole <= high
            over = in_year & whole_ok & (part > whole)  # NaN compares false
            if over.any():
                reasons = pd.Series([Message(N_("more than {column} ({value})"), column=col.not_above, value=f"{w:g}")
                                     if hit else "" for w, hit in zip(whole, over, strict=True)], dtype=object)
                reject(over, name, reasons, raw[name])
    rejected = (
        pd.concat(problems, ignore_index=True).sort_values(["row", "column"], kind="stable")
        if problems
        else pd.DataFrame(columns=["row", "unit_id", "column", "value", "reason"])
    ).reset_index(drop=True)
    # the reason in both languages: rejected.csv is read by officers (Chinese) and by tools (English)
    rejected.insert(rejected.columns.get_loc("reason") + 1, "reason_zh", shown_all(rejected["reason"], "zh"))
    bad_rows = set(rejected["row"].tolist())
    keep = in_year & ~np.isin(rows, np.fromiter(bad_rows, dtype=rows.dtype, count=len(bad_rows)))
    frame = pd.DataFrame({"unit_id": unit.to_numpy()[keep], "year": year, "_row": rows[keep]})
    for extra in OPTIONAL_KEYS:
        if extra in raw.columns:
            frame[extra] = raw[extra].map(_plain_text).to_numpy(dtype=object)[keep]
    for name, values in parsed.items():
        frame[name] = values[keep]
    filled = (
        pd.concat(fill_records, ignore_index=True)
        if fill_records
        else pd.DataFrame(columns=["row", "unit_id", "column", "policy"])
    )
    filled = filled[~filled["row"].isin(bad_rows)].reset_index(drop=True)
    ignored = [c for c in raw.columns
               if c not in scheme.columns and c not in KEY_COLUMNS and c not in OPTIONAL_KEYS]
    if ignored:
        notes.append(Message(N_("columns not used by the scheme: {columns}"), columns=", ".join(map(str, ignored))))
    present = set(frame["unit_id"]) | set(rejected["unit_id"])
    missing_units = [u.id for u in register.units if u.id not in present] if register is not None else []
    if missing_units:
        notes.append(Message(N_("{count} unit(s) of {source} have no row for {year}: {units}"),
                             count=len(missing_units), source=register.source, year=year,
                             units=_id_list(missing_units)))
    return ValidatedData(frame.reset_index(drop=True), rejected, notes, missing_units, filled, register)


def _plain_text(value: Any) -> str:
    """A name or cohort cell as text ('' for an empty cell)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _id_list(ids: list[str], limit: int = 20) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")
