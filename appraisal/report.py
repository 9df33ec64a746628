"""Outputs people use: results.csv, JSON, per-unit explanations, an Excel workbook, HTML.

The workbook has sheets for scores, indicator explanations, what-if, rejected
rows, stability and the scheme; the HTML report has the charts (distribution
of totals, each unit's points by dimension). A data label (SYNTHETIC) is
repeated on every output so example figures are never mistaken for real ones.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from appraisal.explain import to_markdown, to_text
from appraisal.safe_cells import neutralise_workbook, write_csv
from appraisal.score import Appraisal
from appraisal.stability import Stability

GRADE_FILL = {"excellent": "C6EFCE", "good": "DDEBF7", "pass": "FFF2CC", "fail": "F8CBAD"}
_HEADER = PatternFill("solid", fgColor="1F4E78")


def indicator_rows(explanations: list[dict[str, Any]]) -> pd.DataFrame:
    """Long table: one row per unit and indicator, with the why and the clause."""
    rows = []
    for exp in explanations:
        for dim in exp["dimensions"]:
            for ind in dim["indicators"]:
                rows.append({
                    "unit_id": exp["unit"]["id"], "unit_name": exp["unit"]["name"],
                    "dimension": dim["title"], "indicator": ind["id"], "title": ind["title"],
                    "clause": ind["clause"], "raw": json.dumps(ind["raw"], ensure_ascii=False, allow_nan=False),
                    "value": ind["value"], "target": ind["target"], "method": ind["method"],
                    "points": ind["points"], "max_points": ind["max_points"], "why": ind["why"],
                    "status": ind["status"],
                })
    return pd.DataFrame(rows)


def what_if_rows(explanations: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for exp in explanations:
        w = exp["what_if"]
        base = {"unit_id": exp["unit"]["id"], "unit_name": exp["unit"]["name"],
                "grade": exp["grade"], "next_grade": w.get("next_grade"),
                "points_missing": w.get("points_missing"), "summary": w["summary"]}
        changes = [c for c in w.get("changes", []) if c["reachable"]]
        if not changes:
            rows.append(base)
        for c in changes:
            rows.append({**base, "indicator": c["indicator"], "current": c["current"],
                         "relation": c["relation"], "required": c["required"],
                         "change": c["change"], "unit": c["unit"]})
    return pd.DataFrame(rows)


def _format_sheet(ws, widths: dict[str, int] | None = None) -> None:
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEADER
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "B2"
    for idx, col in enumerate(ws.iter_cols(min_row=1, max_row=min(ws.max_row, 200)), start=1):
        header = str(col[0].value or "")
        longest = max(len(str(c.value)) if c.value is not None else 0 for c in col)
        width = (widths or {}).get(header, min(max(10, longest + 2), 60))
        ws.column_dimensions[get_column_letter(idx)].width = width
    ws.auto_filter.ref = ws.dimensions


def write_workbook(
    path: Path, app: Appraisal, explanations: list[dict[str, Any]], stab: Stability | None
) -> Path:
    """The formatted Excel workbook."""
    scores = app.results.copy()
    about = pd.DataFrame({
        "field": ["data", "scheme", "version", "title", "jurisdiction", "year", "status",
                  "rectification below", "notes"],
        "value": [app.label or "as supplied", app.scheme.id, app.scheme.version, app.scheme.title,
                  app.scheme.jurisdiction, app.year, app.scheme.status,
                  f"{app.scheme.rectification_below} ({app.scheme.rectification_clause})",
                  "; ".join(app.notes)],
    })
    rejected = app.validated.rejected
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        about.to_excel(xw, sheet_name="About", index=False)
        scores.to_excel(xw, sheet_name="Scores", index=False)
        indicator_rows(explanations).to_excel(xw, sheet_name="Explanations", index=False)
        what_if_rows(explanations).to_excel(xw, sheet_name="What would change", index=False)
        (rejected if len(rejected) else pd.DataFrame({"row": [], "unit_id": [], "column": [],
                                                      "value": [], "reason": []})
         ).to_excel(xw, sheet_name="Rejected rows", index=False)
        if len(app.validated.filled):
            app.validated.filled.to_excel(xw, sheet_name="Missing values", index=False)
        if stab is not None:
            stab.one_at_a_time.to_excel(xw, sheet_name="Stability", index=False)
            by_unit = stab.unit_grade_change_share.rename("share_of_draws_changing_grade")
            by_unit.rename_axis("unit_id").reset_index().to_excel(
                xw, sheet_name="Stability by unit", index=False)
        book = xw.book
        for ws in book.worksheets:
            _format_sheet(ws, {"why": 70, "summary": 50, "reason": 50, "value": 60}
                          if ws.title in ("About", "Explanations") else None)
        ws = book["Scores"]
        headers = [c.value for c in ws[1]]
        g = headers.index("grade") + 1
        for row in ws.iter_rows(min_row=2):
            fill = GRADE_FILL.get(str(row[g - 1].value))
            if fill:
                row[g - 1].fill = PatternFill("solid", fgColor=fill)
            for cell, name in zip(row, headers, strict=False):
                if isinstance(name, str) and (name.startswith(("points.", "dimension.", "value."))
                                              or name == "total"):
                    cell.number_format = "0.00"
        if app.label:
            book["About"]["B2"].font = Font(bold=True, color="C00000")
        neutralise_workbook(book)
    return path


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def charts(app: Appraisal) -> dict[str, str]:
    """Base64 PNGs: distribution of totals with grade bands; points by dimension per unit."""
    res = app.results
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.hist(res["total"], bins=min(20, max(5, len(res))), color="#2E75B6", edgecolor="white")
    for band in app.scheme.grades:
        if band.min > 0:
            ax.axvline(band.min, color="#C00000", linestyle="--", linewidth=1)
            ax.text(band.min, ax.get_ylim()[1] * 0.95, f" {band.grade}", color="#C00000",
                    fontsize=8, va="top")
    ax.set_xlabel("total points")
    ax.set_ylabel("units")
    ax.set_title(f"Distribution of totals, {app.year}" + (" (SYNTHETIC)" if app.label else ""))
    dist = _png(fig)
    dims = [d for d in app.scheme.dimensions if d.weight > 0]
    shown = res.head(40)
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(shown) + 1.5))
    left = pd.Series(0.0, index=shown.index)
    for dim in dims:
        vals = shown[f"dimension.{dim.id}"]
        ax.barh(shown["unit_name"], vals, left=left, label=dim.title)
        left = left + vals
    ax.invert_yaxis()
    ax.set_xlabel("points")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("Points by dimension" + (" (first 40 by rank)" if len(res) > 40 else "")
                 + (" (SYNTHETIC)" if app.label else ""))
    by_dim = _png(fig)
    return {"distribution": dist, "dimensions": by_dim}


@dataclass(frozen=True)
class _Cell:
    """One table cell of the HTML report: text (escaped by the template) and an optional link."""

    text: str
    href: str | None = None


def _cell_text(value: Any) -> str:
    """A value as the report shows it: numbers to 2 decimals, nothing for a missing one."""
    if value is None or (isinstance(value, (float, np.floating)) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        return f"{value:.2f}"
    if isinstance(value, np.generic):
        return str(value.item())
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value)


def _table(frame: pd.DataFrame, max_rows: int | None = 500,
           links: dict[str, str] | None = None) -> dict[str, Any]:
    """Columns and cells for the template's table macro; `links` adds an explanation column."""
    shown = frame if max_rows is None else frame.head(max_rows)
    columns = [str(c) for c in shown.columns]
    rows = [[_Cell(_cell_text(v)) for v in record] for record in shown.itertuples(index=False, name=None)]
    if links is not None:
        columns.append("explanation")
        for row, uid in zip(rows, shown["unit_id"], strict=True):
            href = links.get(uid)
            row.append(_Cell(str(uid), quote(href)) if href else _Cell(""))
    return {"columns": columns, "rows": rows}


@functools.lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    """The report templates, autoescaped: a unit name is text, never markup or script."""
    return jinja2.Environment(loader=jinja2.PackageLoader("appraisal", "templates"),
                              autoescape=jinja2.select_autoescape(), undefined=jinja2.StrictUndefined)


def write_html(
    path: Path, app: Appraisal, explanations: list[dict[str, Any]], stab: Stability | None,
    explanation_links: dict[str, str] | None = None,
) -> Path:
    """A self-contained HTML report with the charts embedded."""
    res = app.results
    cols = ["rank", "unit_id", "unit_name", "total", "grade", "vetoed_by",
            "rectification_notice", *[c.id for c in app.scheme.consequence_fields],
            *[f"dimension.{d.id}" for d in app.scheme.dimensions if d.weight > 0]]
    rejected = app.validated.rejected
    stability_view = None
    if stab is not None:
        stability_view = {
            "delta": f"{stab.delta:.0%}", "draws": stab.joint_draws,
            "max_grade_changes": stab.joint_max_grade_changes,
            "mean_grade_changes": f"{stab.joint_mean_grade_changes:.2f}",
            "max_rank_changes": stab.joint_max_rank_changes,
            "table": _table(stab.one_at_a_time),
        }
    body = _templates().get_template("report.html").render(
        title=app.scheme.title, year=app.year, label=app.label, scheme_id=app.scheme.id,
        version=app.scheme.version, status=app.scheme.status, scored=len(res),
        grades=json.dumps(res["grade"].value_counts().to_dict(), allow_nan=False),
        rejected_rows=rejected["row"].nunique() if len(rejected) else 0,
        notes=app.notes, charts=charts(app),
        scores=_table(res[cols], None, explanation_links or None),
        rejected=_table(rejected) if len(rejected) else None,
        stability=stability_view,
    )
    path.write_text(body, encoding="utf-8")
    return path


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with None, not NaN, for a missing number (NaN is not JSON)."""
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def _dumps(data: Any) -> str:
    """Strict JSON: a NaN that slipped through is an error here, not a broken file later."""
    return json.dumps(data, ensure_ascii=False, indent=1, default=_jsonable, allow_nan=False)


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


def write_all(
    out_dir: Path, app: Appraisal, explanations: list[dict[str, Any]], stab: Stability | None,
    per_unit_files: bool = True,
) -> list[Path]:
    """Everything into `out_dir`; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    results_csv = out_dir / "results.csv"
    write_csv(app.results, results_csv)
    rejected_csv = out_dir / "rejected.csv"
    write_csv(app.validated.rejected, rejected_csv)
    written += [results_csv, rejected_csv]
    payload = {
        "data_label": app.label or None,
        "scheme": {"id": app.scheme.id, "version": app.scheme.version},
        "year": app.year,
        "notes": app.notes,
        "results": _records(app.results),
        "rejected": _records(app.validated.rejected),
        "missing_values": _records(app.validated.filled),
        "stability": stab.to_dict() if stab is not None else None,
    }
    results_json = out_dir / "results.json"
    results_json.write_text(_dumps(payload), encoding="utf-8")
    expl_json = out_dir / "explanations.json"
    expl_json.write_text(_dumps(explanations), encoding="utf-8")
    written += [results_json, expl_json]
    links: dict[str, str] = {}
    if per_unit_files:
        folder = out_dir / "explanations"
        folder.mkdir(exist_ok=True)
        for exp in explanations:
            uid = exp["unit"]["id"]
            stem = unit_file_stem(uid)
            md = folder / f"{stem}.md"
            md.write_text(to_markdown(exp), encoding="utf-8")
            txt = folder / f"{stem}.txt"
            txt.write_text(to_text(exp), encoding="utf-8")
            links[uid] = f"explanations/{stem}.md"
            written += [md, txt]
    written.append(write_workbook(out_dir / "appraisal.xlsx", app, explanations, stab))
    written.append(write_html(out_dir / "report.html", app, explanations, stab, links))
    return written
