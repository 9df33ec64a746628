"""Reading the yearly input table and checking every row before anything is scored.

A rejected row is reported with its row number (as a spreadsheet shows it: the
header is row 1), the column and the reason; it is never dropped in silence.
What happens to a missing value is the scheme's explicit policy per column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from appraisal.scheme import Scheme
from governance.diagnostics import MedunionError, error

_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}
KEY_COLUMNS = ("unit_id", "year")


@dataclass
class ValidatedData:
    """Accepted rows (numeric columns as float) plus everything that was refused or filled."""

    frame: pd.DataFrame
    rejected: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    missing_units: list[str] = field(default_factory=list)
    filled: pd.DataFrame = field(default_factory=pd.DataFrame)


def read_table(path: str | Path) -> tuple[pd.DataFrame, int]:
    """Raw table from CSV, Excel or Parquet, and the row number of its first data row."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise MedunionError(error(f"no such data file: {path}"))
    if suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, comment=None), 2
    if suffix in (".xlsx", ".xlsm"):
        frame = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl",
                              keep_default_na=False)
        return frame, 2
    if suffix == ".parquet":
        return pd.read_parquet(path), 1
    raise MedunionError(error(f"unsupported data file type '{suffix}': use .csv, .xlsx or .parquet"))


_MISSING_WORDS = frozenset({"", "nan", "none", "na", "null"})


def _is_missing(raw: pd.Series, candidates: np.ndarray | None = None) -> np.ndarray:
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
        words = pd.Index(values[idx].astype(str)).str.strip().str.lower()
        missing[idx] |= np.asarray(words.isin(list(_MISSING_WORDS)), dtype=bool)
    return missing


def _parse_boolean(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """1.0/0.0 for true/false words, bools and 0/1; a bad flag where it is none of these."""
    lookup = {w: 1.0 for w in _TRUE} | {w: 0.0 for w in _FALSE}
    lookup |= {"1.0": 1.0, "0.0": 0.0}
    values = np.array(
        [1.0 if v is True else 0.0 if v is False else lookup.get(str(v).strip().lower(), np.nan)
         for v in raw.to_numpy(dtype=object)],
        dtype=float,
    )
    return values, np.isnan(values)


def validate_rows(
    scheme: Scheme, raw: pd.DataFrame, year: int, first_row: int = 2
) -> ValidatedData:
    """Check every row of `raw` for `year`; keep the good ones, report the rest with reasons."""
    absent = [c for c in (*KEY_COLUMNS, *scheme.columns) if c not in raw.columns]
    if absent:
        raise MedunionError(
            error(
                f"the data has no column(s) {', '.join(absent)}; the scheme {scheme.id} needs "
                f"{', '.join((*KEY_COLUMNS, *scheme.columns))} (use `medunion template`)"
            )
        )
    raw = raw.reset_index(drop=True)
    rows = np.arange(len(raw)) + first_row
    problems: list[pd.DataFrame] = []
    notes: list[str] = []

    def reject(mask: np.ndarray, column: str, reason: str | pd.Series, values: pd.Series) -> None:
        if mask.any():
            reasons = reason[mask] if isinstance(reason, pd.Series) else reason
            problems.append(
                pd.DataFrame(
                    {
                        "row": rows[mask],
                        "unit_id": raw["unit_id"].astype(str).to_numpy()[mask],
                        "column": column,
                        "value": values.astype(str).to_numpy()[mask],
                        "reason": reasons,
                    }
                )
            )

    year_raw = raw["year"]
    year_num = pd.to_numeric(year_raw, errors="coerce").to_numpy(dtype=float)
    bad_year = np.isnan(year_num) | (year_num != np.floor(np.nan_to_num(year_num)))
    reject(bad_year, "year", "year is missing or not a whole number", year_raw)
    other_year = ~bad_year & (year_num != year)
    if other_year.any():
        notes.append(f"{int(other_year.sum())} row(s) of other years were not part of {year}")
    in_year = ~bad_year & ~other_year

    unit = raw["unit_id"].astype(str).str.strip()
    unit_missing = _is_missing(raw["unit_id"])
    known = {u.id for u in scheme.units}
    unit_np = unit.to_numpy(dtype=object)
    unknown = in_year & ~unit_missing & (pd.Index(sorted(known)).get_indexer(unit_np) < 0)
    reject(unit_missing & in_year, "unit_id", "unit_id is missing", raw["unit_id"])
    reject(unknown, "unit_id", f"unknown unit: not a unit of {scheme.id}", raw["unit_id"])
    candidate = in_year & ~unit_missing & ~unknown
    counts = unit[candidate].value_counts()
    dup = candidate & unit.map(counts).fillna(0).gt(1).to_numpy()
    if dup.any():
        where = pd.Series(rows[dup]).groupby(unit[dup].to_numpy()).agg(
            lambda r: ", ".join(map(str, r))
        )
        reason = "duplicate unit: the same unit appears in rows " + unit.map(where).fillna("")
        reject(dup, "unit_id", reason, raw["unit_id"])

    parsed: dict[str, np.ndarray] = {}
    fill_records: list[pd.DataFrame] = []
    for name, col in scheme.columns.items():
        series = raw[name]
        if col.type == "boolean":
            values, bad = _parse_boolean(series)
            missing = _is_missing(series, bad)
            bad &= ~missing
            reject(in_year & bad, name, "wrong type: expected true or false", series)
        else:
            values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
            missing = _is_missing(series, np.isnan(values))
            bad = np.isnan(values) & ~missing
            reject(in_year & bad, name, "wrong type: expected a number", series)
            ok = ~np.isnan(values)
            if col.type == "integer":
                frac = ok & (values != np.floor(np.nan_to_num(values)))
                reject(in_year & frac, name, "wrong type: expected a whole number (a count)", series)
            low, high = col.bounds
            if low is not None:
                below = ok & (values < low)
                what = "negative count" if col.type == "integer" and low == 0 else (
                    f"below the minimum {low:g}"
                )
                reject(in_year & below, name, what, series)
            if high is not None:
                above = ok & (values > high)
                what = {"percent": "a rate above 100%", "ratio": "a ratio above 1"}.get(
                    col.type, f"above the maximum {high:g}"
                )
                reject(in_year & above, name, what, series)
        if col.missing == "reject":
            reject(in_year & missing, name, "missing value (the scheme rejects it)", series)
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
                reasons = pd.Series(whole).map(lambda w: f"{w:g}")
                reject(over, name, f"more than {col.not_above} (" + reasons + ")", raw[name])
    rejected = (
        pd.concat(problems, ignore_index=True).sort_values(["row", "column"], kind="stable")
        if problems
        else pd.DataFrame(columns=["row", "unit_id", "column", "value", "reason"])
    ).reset_index(drop=True)
    bad_rows = set(rejected["row"].tolist())
    keep = in_year & ~np.isin(rows, np.fromiter(bad_rows, dtype=rows.dtype, count=len(bad_rows)))
    frame = pd.DataFrame({"unit_id": unit.to_numpy()[keep], "year": year, "_row": rows[keep]})
    for name, values in parsed.items():
        frame[name] = values[keep]
    filled = (
        pd.concat(fill_records, ignore_index=True)
        if fill_records
        else pd.DataFrame(columns=["row", "unit_id", "column", "policy"])
    )
    filled = filled[~filled["row"].isin(bad_rows)].reset_index(drop=True)
    ignored = [c for c in raw.columns if c not in scheme.columns and c not in KEY_COLUMNS]
    if ignored:
        notes.append(f"columns not used by the scheme: {', '.join(map(str, ignored))}")
    present = set(frame["unit_id"]) | set(rejected["unit_id"])
    missing_units = [u.id for u in scheme.units if u.id not in present]
    if missing_units:
        notes.append(f"{len(missing_units)} unit(s) of the scheme have no row for {year}")
    return ValidatedData(frame.reset_index(drop=True), rejected, notes, missing_units, filled)
