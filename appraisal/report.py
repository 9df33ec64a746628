"""Outputs people use: results.csv, JSON, per-unit explanations, an Excel workbook, HTML.

A run of up to `FULL_WORKBOOK_UNITS` units gets everything: the workbook's sheets for scores,
each unit's indicators, what-if, rejected rows, stability and the indicators; the explanation
JSON; one Markdown and one text file per unit. A larger run (a province or the country) gets the
same numbers as Parquet tables (`results.parquet`, `explanations.parquet`), and a workbook of
summaries (grades, indicators, rejected rows, stability): a spreadsheet of a million rows is
neither writable in reasonable time nor readable; one unit's explanation is still there on
demand (`Explanations.unit`). Workbooks are written by xlsxwriter in constant-memory mode, row
by row, every text cell as a string neutralised by `appraisal.safe_cells` (never a formula).
The HTML report has the charts and the first `REPORT_ROWS` units by rank. A data label
(SYNTHETIC) is repeated on every output so example figures are never mistaken for real ones.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd

from appraisal.explain import Explanations, to_markdown, to_text
from appraisal.report_html import write_html
from appraisal.safe_cells import neutral_text, write_csv
from appraisal.scheme import GRADES
from appraisal.score import Appraisal
from appraisal.stability import Stability

FULL_WORKBOOK_UNITS = 10_000
"""Above this many scored units the workbook holds summaries, Parquet the full tables, and no
per-unit files or explanation JSON are written. A full workbook has about 150 cells a unit, and
xlsxwriter writes some 140,000 cells a second here: 10,000 units take about ten seconds."""

SHEET_ROWS = 10_000
"""Most rows of a long listing (rejected rows, missing values) in a summary workbook; the CSV
holds them all."""

GRADE_FILL = {"excellent": "#C6EFCE", "good": "#DDEBF7", "pass": "#FFF2CC", "fail": "#F8CBAD"}
_HEADER_COLOUR = "#1F4E78"

Progress = Callable[[str, int, int], None]
"""progress(step description, advance, total) — total 0 means an unsized step."""


def full_outputs(units: int) -> bool:
    """Whether a run of this many units gets the full workbook and the per-unit files."""
    return units <= FULL_WORKBOOK_UNITS


# --- tables built from the explanations ------------------------------------------------------

EXPLANATION_COLUMNS = ["unit_id", "unit_name", "indicator", "clause", "raw", "value", "points",
                       "max_points", "why"]
"""The workbook's Explanations sheet: the indicator's title, method, target and status are in
its Indicators sheet once, not repeated on every unit's row."""

WHAT_IF_COLUMNS = ["unit_id", "unit_name", "grade", "next_grade", "points_missing", "summary",
                   "indicator", "current", "relation", "required", "change", "unit"]


def _indicator_rows(exp: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    uid, name = exp["unit"]["id"], exp["unit"]["name"]
    for dim in exp["dimensions"]:
        for ind in dim["indicators"]:
            yield (uid, name, ind["id"], ind["clause"],
                   json.dumps(ind["raw"], ensure_ascii=False, allow_nan=False),
                   ind["value"], ind["points"], ind["max_points"], ind["why"])


def _what_if_rows(exp: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    w = exp["what_if"]
    base = (exp["unit"]["id"], exp["unit"]["name"], exp["grade"], w.get("next_grade"),
            w.get("points_missing"), w["summary"])
    changes = [c for c in w.get("changes", []) if c["reachable"]]
    if not changes:
        yield (*base, None, None, None, None, None, None)
    for c in changes:
        yield (*base, c["indicator"], c["current"], c["relation"], c["required"], c["change"], c["unit"])


def indicator_rows(explanations: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Long table: one row per unit and indicator, with the why and the clause."""
    return pd.DataFrame([r for e in explanations for r in _indicator_rows(e)], columns=EXPLANATION_COLUMNS)


def what_if_rows(explanations: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per unit and indicator that alone would lift it a grade (or one row saying why none)."""
    return pd.DataFrame([r for e in explanations for r in _what_if_rows(e)], columns=WHAT_IF_COLUMNS)


# --- workbooks -------------------------------------------------------------------------------

@dataclass
class Sheet:
    """One worksheet to write: a header and rows in order (constant-memory mode writes each row
    once, top to bottom). `numbers` are columns shown with two decimals; `grade` a column
    coloured by grade; `widths` fixed widths by header."""

    name: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]
    numbers: frozenset[str] = frozenset()
    grade: str | None = None
    widths: dict[str, int] = field(default_factory=dict)
    note: str | None = None


def frame_sheet(name: str, frame: pd.DataFrame, limit: int | None = None, **kw: Any) -> Sheet:
    """A sheet of a frame's rows (the first `limit`, if given), read one row at a time."""
    shown = frame if limit is None else frame.head(limit)
    return Sheet(name, [str(c) for c in shown.columns], shown.itertuples(index=False, name=None), **kw)


def _cell_value(value: Any) -> Any:
    """A value as a workbook cell: None for missing, Python numbers and bools, text as it is."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def write_book(path: Path, sheets: Iterable[Sheet], progress: Progress | None = None,
               label_cell: tuple[str, int, int] | None = None) -> Path:
    """An .xlsx written by xlsxwriter in constant-memory mode: each row goes to disk as it is
    written, so memory does not grow with the rows. Text is written with `write_string` after
    `neutral_text` (a formula-like text gets a leading quote), so no cell is ever a formula;
    numbers with `write_number` (an infinity as the text 'inf'). `label_cell` (sheet, row, col)
    is shown bold red: the SYNTHETIC label."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})
    try:
        header = book.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": _HEADER_COLOUR,
                                  "text_wrap": True, "valign": "top"})
        two = book.add_format({"num_format": "0.00"})
        fills = {g: book.add_format({"bg_color": c}) for g, c in GRADE_FILL.items()}
        red = book.add_format({"bold": True, "font_color": "#C00000"})
        for sheet in sheets:
            _write_sheet(book, sheet, header, two, fills, red, label_cell, progress)
    finally:
        book.close()
    return path


def _write_sheet(book: Any, sheet: Sheet, header: Any, two: Any, fills: dict[str, Any], red: Any,
                 label_cell: tuple[str, int, int] | None, progress: Progress | None) -> None:
    ws = book.add_worksheet(sheet.name)
    columns = list(sheet.columns)
    for c, name in enumerate(columns):
        ws.write_string(0, c, neutral_text(name), header)
    number_cols = {c for c, n in enumerate(columns) if n in sheet.numbers}
    grade_col = columns.index(sheet.grade) if sheet.grade in columns else -1
    widths = [len(str(n)) + 2 for n in columns]
    label = (label_cell[1], label_cell[2]) if label_cell and label_cell[0] == sheet.name else None
    write_string, write_number, write_boolean = ws.write_string, ws.write_number, ws.write_boolean
    r = 0
    for r, row in enumerate(sheet.rows, start=1):
        for c, raw in enumerate(row):
            value = _cell_value(raw)
            if value is None:
                continue
            if r <= 200:
                widths[c] = max(widths[c], len(str(value)) + 2)
            if isinstance(value, bool):
                write_boolean(r, c, value)
            elif isinstance(value, (int, float)):
                fmt = two if c in number_cols else None
                if math.isfinite(value):
                    write_number(r, c, value, fmt)
                else:
                    write_string(r, c, str(value))
            else:
                text = neutral_text(str(value))
                if c == grade_col:
                    write_string(r, c, text, fills.get(text))
                elif label == (r, c):
                    write_string(r, c, text, red)
                else:
                    write_string(r, c, text)
        if progress is not None and r % 10_000 == 0:
            progress("writing the workbook", 10_000, 0)
    for c, name in enumerate(columns):
        ws.set_column(c, c, sheet.widths.get(name, min(max(10, widths[c]), 60)))
    ws.freeze_panes(1, 1)
    if columns:
        ws.autofilter(0, 0, max(r, 1), len(columns) - 1)


def _about(app: Appraisal, extra: Sequence[tuple[str, str]] = ()) -> pd.DataFrame:
    fields = [("data", app.label or "as supplied"), ("scheme", app.scheme.id), ("version", app.scheme.version),
              ("title", app.scheme.title), ("jurisdiction", app.scheme.jurisdiction), ("year", app.year),
              ("status", app.scheme.status),
              ("rectification below", f"{app.scheme.rectification_below} ({app.scheme.rectification_clause})"),
              ("notes", "; ".join(app.notes)), *extra]
    return pd.DataFrame(fields, columns=["field", "value"])


def grade_summary(app: Appraisal) -> pd.DataFrame:
    """Units by grade, by the cohort (or group) column when the results have one, else all."""
    res = app.results
    by = next((c for c in ("cohort", "group") if c in res.columns and (res[c].astype(str) != "").any()), None)
    keys = res[by].astype(str) if by else pd.Series("all", index=res.index)
    rows = []
    for key, part in res.groupby(keys.to_numpy(), sort=True):
        counts = part["grade"].value_counts()
        total = part["total"].to_numpy(dtype=float)
        rows.append({by or "cohort": key, "units": len(part), **{g: int(counts.get(g, 0)) for g in GRADES},
                     "vetoed": int((part["vetoed_by"].astype(str) != "").sum()),
                     "rectification_notices": int(part["rectification_notice"].sum()),
                     "mean_total": round(float(total.mean()), 4), "min_total": round(float(total.min()), 4),
                     "median_total": round(float(np.median(total)), 4), "max_total": round(float(total.max()), 4)})
    return pd.DataFrame(rows)


def indicator_summary(app: Appraisal, explanations: Explanations) -> pd.DataFrame:
    """Each indicator's metadata once, with how the units fared on it."""
    meta = explanations.indicators()
    mean_points, full, none = [], [], []
    for ind in app.scheme.indicators:
        missing = app.no_value[ind.id].to_numpy(dtype=bool)
        none.append(int(missing.sum()))
        if ind.is_veto:
            mean_points.append(None)
            full.append(int(app.vetoes[ind.id].to_numpy(dtype=bool).sum()))
            continue
        pts = app.points[ind.id].to_numpy(dtype=float)
        mean_points.append(round(float(pts.mean()), 4) if len(pts) else None)
        full.append(int((pts >= ind.max_points - 1e-9).sum()))
    meta["mean_points"] = mean_points
    meta["units_at_full_points_or_vetoed"] = full
    meta["units_without_value"] = none
    return meta


def write_workbook(
    path: Path, app: Appraisal, explanations: Explanations, stab: Stability | None,
    rows: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]] | None = None,
    progress: Progress | None = None,
) -> Path:
    """The Excel workbook. `rows` (each unit's indicator and what-if rows) gives the full workbook;
    without them (a large run) it holds the summaries and names the Parquet files instead."""
    res = app.results
    rejected = app.validated.rejected
    if not len(rejected):
        rejected = pd.DataFrame({"row": [], "unit_id": [], "column": [], "value": [], "reason": []})
    filled = app.validated.filled
    numeric = frozenset(c for c in res.columns if c == "total" or c.startswith(("points.", "dimension.", "value.")))
    extra: list[tuple[str, str]] = []
    if rows is None:
        extra = [("full tables", f"{len(res):,} units are more than the workbook holds in full "
                                 f"({FULL_WORKBOOK_UNITS:,}): every unit's scores are in results.parquet and "
                                 "results.csv, each unit's indicators and what-if in explanations.parquet")]
        if len(rejected) > SHEET_ROWS or len(filled) > SHEET_ROWS:
            extra.append(("long listings", f"the first {SHEET_ROWS:,} rejected rows and missing values are here; "
                                           "rejected.csv and results.json hold them all"))
    sheets: list[Sheet] = [
        frame_sheet("About", _about(app, extra), widths={"value": 60}),
        frame_sheet("Summary", grade_summary(app)),
    ]
    if rows is not None:
        sheets.append(frame_sheet("Scores", res, numbers=numeric, grade="grade"))
        sheets.append(Sheet("Explanations", EXPLANATION_COLUMNS, rows[0], frozenset({"value", "points"}),
                            widths={"why": 70, "raw": 40}))
        sheets.append(Sheet("What would change", WHAT_IF_COLUMNS, rows[1], widths={"summary": 50}))
    sheets.append(frame_sheet("Indicators", indicator_summary(app, explanations), widths={"note": 50, "title": 40}))
    limit = None if rows is not None else SHEET_ROWS
    sheets.append(frame_sheet("Rejected rows", rejected, limit, widths={"reason": 50, "value": 30}))
    if len(filled):
        sheets.append(frame_sheet("Missing values", filled, limit))
    if stab is not None:
        sheets.append(frame_sheet("Stability", stab.one_at_a_time))
        if rows is not None:
            by_unit = stab.unit_grade_change_share.rename("share_of_draws_changing_grade")
            sheets.append(frame_sheet("Stability by unit", by_unit.rename_axis("unit_id").reset_index()))
    sensitivity = getattr(app, "sensitivity", None)
    if isinstance(sensitivity, pd.DataFrame) and len(sensitivity):
        sheets.append(frame_sheet("Threshold sensitivity", sensitivity))
    return write_book(path, sheets, progress, ("About", 1, 1) if app.label else None)


# --- JSON, Parquet and the folder -------------------------------------------------------------

def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with None, not NaN, for a missing number (NaN is not JSON)."""
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def _dumps(data: Any) -> str:
    """Strict JSON: a NaN that slipped through is an error here, not a broken file later."""
    return json.dumps(data, ensure_ascii=False, indent=1, default=_jsonable, allow_nan=False)


def _dumps_line(data: Any) -> str:
    """Strict JSON on one line: the explanation JSON holds one unit a line, which the C encoder
    writes ten times faster than an indented one (indenting is done in Python)."""
    return json.dumps(data, ensure_ascii=False, default=_jsonable, allow_nan=False)


def _jsonable(x: Any) -> Any:
    if hasattr(x, "item"):
        return x.item()
    return str(x)


_SAFE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,100}")


def unit_file_stem(unit_id: str) -> str:
    """The file name (without suffix) of a unit's explanation: the id itself when it is a
    plain name (scheme ids always are), else a slug with a hash, so no id can leave the folder."""
    if _SAFE_STEM.fullmatch(unit_id):
        return unit_id
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", unit_id).strip("_-")[:60] or "unit"
    return f"{slug}-{hashlib.sha256(unit_id.encode('utf-8')).hexdigest()[:10]}"


def _results_table(app: Appraisal, explanations: Explanations, stab: Stability | None) -> pd.DataFrame:
    """results.parquet: the results, plus each unit's what-if and stability share."""
    out = app.results.copy()
    wi = explanations.wi
    ids = out["unit_id"]
    out["what_if.next_grade"] = wi.next_grade.reindex(ids).to_numpy()
    out["what_if.points_missing"] = wi.points_missing.reindex(ids).to_numpy()
    out["what_if.blocked_by_veto"] = wi.blocked_by_veto.reindex(ids).to_numpy()
    if stab is not None:
        out["stability.grade_change_share"] = stab.unit_grade_change_share.reindex(ids).to_numpy()
    return out


def write_parquet(frame: pd.DataFrame, path: Path, metadata: dict[str, Any] | None = None) -> Path:
    """A Parquet file; `metadata` (JSON) goes into the file's key-value metadata under 'medunion'."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    if metadata is not None:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               b"medunion": _dumps(metadata).encode("utf-8")})
    pq.write_table(table, path)
    return path


def _write_explanations(out_dir: Path, explanations: Explanations, per_unit_files: bool,
                        progress: Progress | None) -> tuple[list[Path], dict[str, str],
                                                            tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """One pass over the units: explanations.json (streamed, one unit's dict a line), each
    unit's Markdown and text, and the rows of the workbook's Explanations and What-if sheets."""
    written: list[Path] = []
    links: dict[str, str] = {}
    ind_rows: list[tuple[Any, ...]] = []
    wi_rows: list[tuple[Any, ...]] = []
    folder = out_dir / "explanations"
    if per_unit_files:
        folder.mkdir(exist_ok=True)
    total = len(explanations)
    expl_json = out_dir / "explanations.json"
    with expl_json.open("w", encoding="utf-8") as handle:
        handle.write("[" if total else "[]")
        for k, exp in enumerate(explanations):
            handle.write(",\n" if k else "\n")
            handle.write(_dumps_line(exp))
            if per_unit_files:
                uid = exp["unit"]["id"]
                stem = unit_file_stem(uid)
                md, txt = folder / f"{stem}.md", folder / f"{stem}.txt"
                md.write_text(to_markdown(exp), encoding="utf-8")
                txt.write_text(to_text(exp), encoding="utf-8")
                links[uid] = f"explanations/{stem}.md"
                written += [md, txt]
            ind_rows.extend(_indicator_rows(exp))
            wi_rows.extend(_what_if_rows(exp))
            if progress is not None and (k + 1) % 1000 == 0:
                progress("writing explanations", 1000, total)
        if total:
            handle.write("\n]")
    if progress is not None and total % 1000:
        progress("writing explanations", total % 1000, total)
    return [expl_json, *written], links, (ind_rows, wi_rows)


def write_all(
    out_dir: Path, app: Appraisal, explanations: Explanations, stab: Stability | None,
    per_unit_files: bool = True, progress: Progress | None = None,
) -> list[Path]:
    """Everything into `out_dir`; returns the paths written. A run above `FULL_WORKBOOK_UNITS`
    units gets Parquet tables and a summary workbook instead of per-unit files (module doc)."""
    if not isinstance(explanations, Explanations):
        raise TypeError("write_all takes the run's Explanations (appraisal.explain.explain_all)")
    out_dir.mkdir(parents=True, exist_ok=True)
    full = full_outputs(len(app.results))
    step = (lambda what: progress(what, 0, 0)) if progress else (lambda what: None)
    written: list[Path] = []
    step("writing results.csv")
    results_csv = out_dir / "results.csv"
    write_csv(app.results, results_csv)
    rejected_csv = out_dir / "rejected.csv"
    write_csv(app.validated.rejected, rejected_csv)
    written += [results_csv, rejected_csv]
    indicators = _records(explanations.indicators())
    step("writing results.json")
    payload = {
        "data_label": app.label or None,
        "scheme": {"id": app.scheme.id, "version": app.scheme.version},
        "year": app.year,
        "notes": app.notes,
        "results": _records(app.results) if full else None,
        "results_file": None if full else "results.parquet",
        "indicators": indicators,
        "rejected": _records(app.validated.rejected),
        "missing_values": _records(app.validated.filled),
        "stability": _stability_dict(stab, full),
        "provisional": getattr(app, "provisional_reason", None),
        "units_expected_without_row": app.validated.missing_units,
        "threshold_sensitivity": (_records(app.sensitivity)
                                  if isinstance(getattr(app, "sensitivity", None), pd.DataFrame) else None),
    }
    results_json = out_dir / "results.json"
    results_json.write_text(_dumps(payload), encoding="utf-8")
    written.append(results_json)
    links: dict[str, str] = {}
    rows = None
    outputs_note = None
    if full:
        files, links, rows = _write_explanations(out_dir, explanations, per_unit_files, progress)
        written += files
    else:
        step("writing Parquet tables")
        meta = {"scheme": payload["scheme"], "year": app.year, "data_label": payload["data_label"]}
        written.append(write_parquet(_results_table(app, explanations, stab), out_dir / "results.parquet", meta))
        written.append(write_parquet(explanations.table(), out_dir / "explanations.parquet",
                                     {**meta, "indicators": indicators}))
        outputs_note = (f"{len(app.results):,} units are more than {FULL_WORKBOOK_UNITS:,}: the workbook holds "
                        "summaries; every unit's scores are in results.parquet and results.csv, each unit's "
                        "indicators and what-if in explanations.parquet; no per-unit files are written.")
    step("writing the workbook")
    written.append(write_workbook(out_dir / "appraisal.xlsx", app, explanations, stab, rows, progress))
    step("writing the report")
    written.append(write_html(out_dir / "report.html", app, explanations, stab, links, outputs_note))
    return written


def _stability_dict(stab: Stability | None, full: bool) -> dict[str, Any] | None:
    """The stability figures; a large run's per-unit shares are in results.parquet instead."""
    if stab is None:
        return None
    out = stab.to_dict()
    if not full:
        out["unit_grade_change_share"] = "results.parquet, column stability.grade_change_share"
    return out
