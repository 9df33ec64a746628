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
import inspect
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
from appraisal.labels import data_label_text, grade_name, heading, pair, yes_no
from appraisal.messages import shown_all
from appraisal.report_html import write_html
from appraisal.safe_cells import neutral_text, write_csv
from appraisal.scheme import GRADES, Scheme
from appraisal.score import Appraisal
from appraisal.stability import Stability
from governance.i18n import N_, localised_title, translator

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


def _unit_name(exp: dict[str, Any], lang: str) -> str:
    """The unit's name as the reader reads it: its Chinese name in Chinese, where known."""
    unit = exp["unit"]
    return (unit.get("name_zh") or unit["name"]) if lang == "zh" else unit["name"]


def _indicator_rows(exp: dict[str, Any], lang: str = "en") -> Iterator[tuple[Any, ...]]:
    uid, name = exp["unit"]["id"], _unit_name(exp, lang)
    for dim in exp["dimensions"]:
        for ind in dim["indicators"]:
            yield (uid, name, ind["id"], ind["clause"],
                   json.dumps(ind["raw"], ensure_ascii=False, allow_nan=False),
                   ind["value"], ind["points"], ind["max_points"], ind["why"])


def _what_if_rows(exp: dict[str, Any], lang: str = "en") -> Iterator[tuple[Any, ...]]:
    w = exp["what_if"]
    base = (exp["unit"]["id"], _unit_name(exp, lang), exp["grade"], w.get("next_grade"),
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
    headings: Sequence[str] | None = None
    """What the header row shows ("得分 Score"); the codes in `columns` when None."""
    words: dict[str, dict[str, str]] = field(default_factory=dict)
    """Text cells shown in the reader's words, by column code: {"grade": {"excellent": "优秀 excellent"}}."""
    lang: str | None = None
    """Booleans as 是/否 or yes/no in this language; native TRUE/FALSE cells when None."""


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


def write_book(path: Path, sheets: Iterable[Any], progress: Progress | None = None,
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
            if isinstance(sheet, Sheet):
                _write_sheet(book, sheet, header, two, fills, red, label_cell, progress)
            else:  # a sheet laid out by its own module (the scoring sheet): it writes itself
                sheet.write_into(book)
    finally:
        book.close()
    return path


def _width(text: str) -> int:
    """Columns a text needs: a Chinese character is as wide as two Latin ones."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0x2E80)


def _write_sheet(book: Any, sheet: Sheet, header: Any, two: Any, fills: dict[str, Any], red: Any,
                 label_cell: tuple[str, int, int] | None, progress: Progress | None) -> None:
    ws = book.add_worksheet(sheet.name)
    columns = list(sheet.columns)
    shown = list(sheet.headings) if sheet.headings is not None else columns
    for c, name in enumerate(shown):
        ws.write_string(0, c, neutral_text(str(name)), header)
    number_cols = {c for c, n in enumerate(columns) if n in sheet.numbers}
    grade_col = columns.index(sheet.grade) if sheet.grade in columns else -1
    words = {c: sheet.words[n] for c, n in enumerate(columns) if n in sheet.words}
    lang = sheet.lang
    widths = [min(_width(str(n)), 40) + 2 for n in shown]
    label = (label_cell[1], label_cell[2]) if label_cell and label_cell[0] == sheet.name else None
    write_string, write_number, write_boolean = ws.write_string, ws.write_number, ws.write_boolean
    r = 0
    for r, row in enumerate(sheet.rows, start=1):
        for c, raw in enumerate(row):
            value = _cell_value(raw)
            if value is None:
                continue
            if c in words and isinstance(value, str):
                value = words[c].get(value, value)
            if r <= 200:
                widths[c] = max(widths[c], _width(str(value)) + 2)
            if isinstance(value, bool):
                if lang is None:
                    write_boolean(r, c, value)
                else:
                    write_string(r, c, yes_no(value, lang))
            elif isinstance(value, (int, float)):
                fmt = two if c in number_cols else None
                if math.isfinite(value):
                    write_number(r, c, value, fmt)
                else:
                    write_string(r, c, str(value))
            else:
                text = neutral_text(str(value))
                if c == grade_col:
                    write_string(r, c, text, fills.get(str(raw)))
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


SHEET_NAMES: dict[str, str] = {
    "About": N_("sheet: About"), "Summary": N_("sheet: Summary"), "Scores": N_("sheet: Scores"),
    "Explanations": N_("sheet: Explanations"), "What would change": N_("sheet: What would change"),
    "Indicators": N_("sheet: Indicators"), "Rejected rows": N_("sheet: Rejected rows"),
    "Missing values": N_("sheet: Missing values"), "Stability": N_("sheet: Stability"),
    "Stability by unit": N_("sheet: Stability by unit"), "Threshold sensitivity": N_("sheet: Threshold sensitivity"),
    "Summary by cohort": N_("sheet: Summary by cohort"),
}
"""The workbook's sheets by their English names, with the msgid of their Chinese names (成绩,
指标明细 …; "sheet: …" keeps them apart from the same words elsewhere). Every name, in either
language, is at most 31 characters and has none of []:*?/\\ (Excel's rule)."""

_ABOUT_FIELDS: dict[str, str] = {
    "data": N_("Data"), "scheme": N_("Scheme"), "version": N_("Version"), "title": N_("Title"),
    "jurisdiction": N_("Jurisdiction"), "year": N_("Year"), "status": N_("Status"),
    "rectification below": N_("Rectification below"), "notes": N_("Notes"), "full tables": N_("Full tables"),
    "long listings": N_("Long listings"), "language": N_("Language"),
}

def sheet_name(name: str, lang: str) -> str:
    """A sheet's name in the reader's language (成绩 / Scores)."""
    if lang == "en" or name not in SHEET_NAMES:
        return name[:31]
    return translator(lang).gettext(SHEET_NAMES[name])[:31]


def _about(app: Appraisal, extra: Sequence[tuple[str, str]] = (), lang: str = "en") -> pd.DataFrame:
    scheme = app.scheme
    _ = translator(lang).gettext
    title = localised_title(scheme.title, scheme.title_zh, lang)
    place = localised_title(scheme.jurisdiction, getattr(scheme, "jurisdiction_zh", None), lang)
    below = f"{grade_name(scheme.rectification_below, scheme, lang)} ({scheme.rectification_clause})"
    fields = [("data", data_label_text(app.label, lang) or _("as supplied")), ("scheme", scheme.id),
              ("version", scheme.version), ("title", title), ("jurisdiction", place), ("year", app.year),
              ("status", scheme.status), ("rectification below", below),
              ("notes", "; ".join(shown_all(app.notes, lang))), *extra]
    rows = [(pair(translator("zh").gettext(_ABOUT_FIELDS[k]), _ABOUT_FIELDS[k], lang) if k in _ABOUT_FIELDS
             else k, v) for k, v in fields]
    return pd.DataFrame(rows, columns=["field", "value"])


def _headings(columns: Sequence[str], scheme: Scheme, lang: str) -> list[str]:
    """The header row: "得分 Score" in Chinese, "Score" in English; the About sheet's value column
    is its content, and a `unit` beside an indicator (not a unit id) its unit of measure."""
    about = list(columns) == ["field", "value"]
    measure = "indicator" in columns or "method" in columns
    return [heading("about_value" if c == "value" and about else "unit_of_measure" if c == "unit" and measure else c,
                    scheme, lang) for c in columns]


def _words(scheme: Scheme, lang: str, vetoes: Iterable[str] = ()) -> dict[str, dict[str, str]]:
    """Text cells in the reader's words: grades ("优秀 excellent") and the vetoes that fired."""
    grades = {g: grade_name(g, scheme, lang) for g in {*GRADES, *(b.grade for b in scheme.grades)}}
    titles = {i.id: localised_title(i.title, i.title_zh, lang) for i in scheme.indicators}
    sep = "；" if lang == "zh" else "; "
    vetoed = {v: sep.join(titles.get(part, part) for part in v.split(";")) for v in vetoes if v}
    return {"grade": grades, "grade_by_points": grades, "next_grade": grades, "veto_grade": grades,
            "vetoed_by": vetoed}


def officer_sheet(name: str, frame: pd.DataFrame, scheme: Scheme, lang: str, limit: int | None = None,
                  **kw: Any) -> Sheet:
    """A sheet of a frame for officers: its name and header row in the reader's language, grades
    and booleans in words (优秀 excellent, 是/否)."""
    sheet = frame_sheet(sheet_name(name, lang), frame, limit, **kw)
    sheet.headings = _headings(sheet.columns, scheme, lang)
    vetoes = frame["vetoed_by"].astype(str).unique() if "vetoed_by" in frame.columns else ()
    sheet.words = {**_words(scheme, lang, vetoes), **sheet.words}
    sheet.lang = lang
    return sheet


def scores_frame(res: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The Scores sheet's table: in Chinese the rank, the id and the Chinese name come first."""
    if lang != "zh":
        return res
    first = [c for c in ("rank", "unit_id", "unit_name_zh", "unit_name") if c in res.columns]
    return res[first + [c for c in res.columns if c not in first]]


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
    progress: Progress | None = None, lang: str = "zh",
) -> Path:
    """The Excel workbook, in the officers' language (Chinese by default, English beside it in the
    headers). `rows` (each unit's indicator and what-if rows) gives the full workbook, with a
    scoring sheet (考核评分表) per unit for runs up to `SCORESHEET_UNITS`; without them (a large
    run) it holds the summaries and names the Parquet files instead."""
    from appraisal.scoresheet import SCORESHEET_UNITS, scoresheet_sheets

    _ = translator(lang).gettext
    scheme = app.scheme
    res = app.results
    rejected = app.validated.rejected
    if not len(rejected):
        rejected = pd.DataFrame({"row": [], "unit_id": [], "column": [], "value": [], "reason": []})
    filled = app.validated.filled
    numeric = frozenset(c for c in res.columns if c == "total" or c.startswith(("points.", "dimension.", "value.")))
    extra: list[tuple[str, str]] = []
    if rows is None:
        extra = [("full tables", _("{units} units are more than the workbook holds in full ({limit}): every unit's "
                                   "scores are in results.parquet and results.csv, each unit's indicators and "
                                   "what-if in explanations.parquet").format(units=f"{len(res):,}",
                                                                             limit=f"{FULL_WORKBOOK_UNITS:,}"))]
        if len(rejected) > SHEET_ROWS or len(filled) > SHEET_ROWS:
            extra.append(("long listings", _("the first {limit} rejected rows and missing values are here; "
                                             "rejected.csv and results.json hold them all").format(
                                                 limit=f"{SHEET_ROWS:,}")))

    def sheet(name: str, frame: pd.DataFrame, limit: int | None = None, **kw: Any) -> Sheet:
        return officer_sheet(name, frame, scheme, lang, limit, **kw)

    about = sheet("About", _about(app, extra, lang), widths={"value": 60, "field": 24})
    sheets: list[Sheet] = [about, sheet("Summary", grade_summary(app))]
    if rows is not None:
        sheets.append(sheet("Scores", scores_frame(res, lang), numbers=numeric, grade="grade"))
        explained = Sheet(sheet_name("Explanations", lang), EXPLANATION_COLUMNS, _localised_rows(rows[0], scheme,
                          lang), frozenset({"value", "points"}), widths={"why": 70, "raw": 40},
                          headings=_headings(EXPLANATION_COLUMNS, scheme, lang), lang=lang)
        sheets.append(explained)
        vetoes = res["vetoed_by"].astype(str).unique()
        sheets.append(Sheet(sheet_name("What would change", lang), WHAT_IF_COLUMNS,
                            _localised_rows(rows[1], scheme, lang, WHAT_IF_COLUMNS),
                            widths={"summary": 50}, headings=_headings(WHAT_IF_COLUMNS, scheme, lang),
                            words=_words(scheme, lang, vetoes), lang=lang))
        if len(res) <= SCORESHEET_UNITS:
            sheets.extend(scoresheet_sheets(app, explanations, lang))
    sheets.append(sheet("Indicators", indicator_summary(app, explanations), widths={"note": 50, "title": 40}))
    limit = None if rows is not None else SHEET_ROWS
    sheets.append(sheet("Rejected rows", rejected, limit, widths={"reason": 50, "reason_zh": 40, "value": 30}))
    if len(filled):
        sheets.append(sheet("Missing values", filled, limit))
    if stab is not None:
        sheets.append(sheet("Stability", stab.one_at_a_time))
        if rows is not None:
            by_unit = stab.unit_grade_change_share.rename("share_of_draws_changing_grade")
            sheets.append(sheet("Stability by unit", by_unit.rename_axis("unit_id").reset_index()))
    sensitivity = getattr(app, "sensitivity", None)
    if isinstance(sensitivity, pd.DataFrame) and len(sensitivity):
        sheets.append(sheet("Threshold sensitivity", sensitivity))
    return write_book(path, sheets, progress, (about.name, 1, 1) if app.label else None)


def _localised_rows(rows: Iterable[tuple[Any, ...]], scheme: Scheme, lang: str,
                    columns: Sequence[str] = EXPLANATION_COLUMNS) -> Iterator[tuple[Any, ...]]:
    """A sheet's rows with the indicator named as the reader reads it (its Chinese title in
    Chinese); the code stays in the explanation JSON."""
    titles = {i.id: localised_title(i.title, i.title_zh, lang) for i in scheme.indicators}
    at = list(columns).index("indicator")
    for row in rows:
        yield (*row[:at], titles.get(row[at], row[at]), *row[at + 1:])


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
                        progress: Progress | None, lang: str = "zh") -> tuple[list[Path], dict[str, str],
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
                md.write_text(to_markdown(exp, lang), encoding="utf-8")
                txt.write_text(to_text(exp, lang), encoding="utf-8")
                links[uid] = f"explanations/{stem}.md"
                written += [md, txt]
            ind_rows.extend(_indicator_rows(exp, lang))
            wi_rows.extend(_what_if_rows(exp, lang))
            if progress is not None and (k + 1) % 1000 == 0:
                progress("writing explanations", 1000, total)
        if total:
            handle.write("\n]")
    if progress is not None and total % 1000:
        progress("writing explanations", total % 1000, total)
    return [expl_json, *written], links, (ind_rows, wi_rows)


def write_all(
    out_dir: Path, app: Appraisal, explanations: Explanations, stab: Stability | None,
    per_unit_files: bool = True, progress: Progress | None = None, lang: str = "zh",
) -> list[Path]:
    """Everything into `out_dir`; returns the paths written. A run above `FULL_WORKBOOK_UNITS`
    units gets Parquet tables and a summary workbook instead of per-unit files (module doc).
    `lang`: the language of the officers' outputs (workbook, report, per-unit files); the CSV,
    JSON and Parquet keep their column codes, with the Chinese labels as data beside them."""
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
        files, links, rows = _write_explanations(out_dir, explanations, per_unit_files, progress, lang)
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
    written.append(write_workbook(out_dir / "appraisal.xlsx", app, explanations, stab, rows, progress, lang))
    step("writing the report")
    html_language = {"lang": lang} if "lang" in inspect.signature(write_html).parameters else {}
    written.append(write_html(out_dir / "report.html", app, explanations, stab, links, outputs_note,
                              **html_language))
    return written


def _stability_dict(stab: Stability | None, full: bool) -> dict[str, Any] | None:
    """The stability figures; a large run's per-unit shares are in results.parquet instead."""
    if stab is None:
        return None
    out = stab.to_dict()
    if not full:
        out["unit_grade_change_share"] = "results.parquet, column stability.grade_change_share"
    return out
