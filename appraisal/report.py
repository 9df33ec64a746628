"""Outputs people use: results.csv, JSON, per-unit explanations, an Excel workbook, HTML.

The workbook has sheets for scores, indicator explanations, what-if, rejected
rows, stability and the scheme; the HTML report has the charts (distribution
of totals, each unit's points by dimension). A data label (SYNTHETIC) is
repeated on every output so example figures are never mistaken for real ones.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from appraisal.explain import to_markdown, to_text
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
                    "clause": ind["clause"], "raw": json.dumps(ind["raw"], ensure_ascii=False),
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


def _table(frame: pd.DataFrame, max_rows: int = 500) -> str:
    return frame.head(max_rows).to_html(index=False, border=0, classes="t", na_rep="",
                                        float_format=lambda x: f"{x:.2f}")


def write_html(
    path: Path, app: Appraisal, explanations: list[dict[str, Any]], stab: Stability | None,
    explanation_links: dict[str, str] | None = None,
) -> Path:
    """A self-contained HTML report with the charts embedded."""
    pics = charts(app)
    res = app.results
    cols = ["rank", "unit_id", "unit_name", "total", "grade", "vetoed_by",
            "rectification_notice", *[c.id for c in app.scheme.consequence_fields],
            *[f"dimension.{d.id}" for d in app.scheme.dimensions if d.weight > 0]]
    table = res[cols].copy()
    if explanation_links:
        table["explanation"] = [
            f'<a href="{explanation_links[u]}">{html.escape(u)}</a>' if u in explanation_links
            else "" for u in table["unit_id"]
        ]
    banner = (f'<p class="label">{html.escape(app.label)}</p>' if app.label else "")
    counts = res["grade"].value_counts().to_dict()
    stab_html = ""
    if stab is not None:
        stab_html = (
            f"<h2>Stability of the ranking (weights ±{stab.delta:.0%})</h2>"
            f"<p>Joint random moves of all weights ({stab.joint_draws} seeded draws): at most "
            f"{stab.joint_max_grade_changes} unit(s) change grade (mean "
            f"{stab.joint_mean_grade_changes:.2f}); at most {stab.joint_max_rank_changes} change "
            "rank.</p>" + _table(stab.one_at_a_time)
        )
    rejected = app.validated.rejected
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(app.scheme.title)} — {app.year}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; max-width: 1200px; }}
.label {{ background: #C00000; color: white; padding: .5em 1em; font-weight: bold; }}
table.t {{ border-collapse: collapse; font-size: 13px; }}
table.t td, table.t th {{ border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; }}
table.t th {{ background: #1F4E78; color: white; }}
</style></head><body>
{banner}
<h1>{html.escape(app.scheme.title)} — {app.year}</h1>
<p><code>{app.scheme.id}</code> version {app.scheme.version} ({app.scheme.status});
{len(res)} unit(s) scored; grades: {html.escape(json.dumps(counts))};
{rejected['row'].nunique() if len(rejected) else 0} row(s) rejected.</p>
<ul>{''.join(f'<li>{html.escape(n)}</li>' for n in app.notes)}</ul>
<h2>Distribution of totals</h2>
<img alt="distribution of totals" src="data:image/png;base64,{pics['distribution']}">
<h2>Points by dimension</h2>
<img alt="points by dimension" src="data:image/png;base64,{pics['dimensions']}">
<h2>Scores</h2>
{table.to_html(index=False, border=0, classes="t", escape=False, float_format=lambda x: f"{x:.2f}")}
<h2>Rejected rows</h2>
{_table(rejected) if len(rejected) else "<p>None.</p>"}
{stab_html}
</body></html>
"""
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


def write_all(
    out_dir: Path, app: Appraisal, explanations: list[dict[str, Any]], stab: Stability | None,
    per_unit_files: bool = True,
) -> list[Path]:
    """Everything into `out_dir`; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    results_csv = out_dir / "results.csv"
    app.results.to_csv(results_csv, index=False)
    rejected_csv = out_dir / "rejected.csv"
    app.validated.rejected.to_csv(rejected_csv, index=False)
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
            md = folder / f"{uid}.md"
            md.write_text(to_markdown(exp), encoding="utf-8")
            txt = folder / f"{uid}.txt"
            txt.write_text(to_text(exp), encoding="utf-8")
            links[uid] = f"explanations/{uid}.md"
            written += [md, txt]
    written.append(write_workbook(out_dir / "appraisal.xlsx", app, explanations, stab))
    written.append(write_html(out_dir / "report.html", app, explanations, stab, links))
    return written
