"""The HTML report of an appraisal run: self-contained, from autoescaped templates, charts embedded.

Split from `appraisal.report` (which writes the folder and calls `write_html`), so the report a
meeting reads and the workbook and tables can change apart.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import math
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

from appraisal.explain import Explanations
from appraisal.fonts import chart_context
from appraisal.score import Appraisal
from appraisal.stability import Stability
from governance.rounding import round_half_up

REPORT_ROWS = 500
"""Most units (by rank) in the HTML report's score table; results.csv holds them all."""


# --- charts ------------------------------------------------------------------------------------

def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def charts(app: Appraisal) -> dict[str, str]:
    """Base64 PNGs: distribution of totals with grade bands; points by dimension per unit.

    Unit names and dimension titles are often Chinese: drawn with the CJK font of
    `appraisal.fonts` (in an rc_context, so no global setting changes)."""
    with chart_context():
        return _charts(app)


def _charts(app: Appraisal) -> dict[str, str]:
    res = app.results
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.hist(res["total"].to_numpy(dtype=float), bins=min(20, max(5, len(res))), color="#2E75B6",
            edgecolor="white")
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
        return f"{round_half_up(value, 2):.2f}"  # points and values half up (四舍五入), as people round
    if isinstance(value, np.generic):
        return str(value.item())
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value)


def _table(frame: pd.DataFrame, max_rows: int | None = REPORT_ROWS,
           links: dict[str, str] | None = None, what: str = "rows", where: str = "") -> dict[str, Any]:
    """Columns and cells for the template's table macro (at most `max_rows`, with a note saying
    where the rest is); `links` adds an explanation column."""
    shown = frame if max_rows is None else frame.head(max_rows)
    columns = [str(c) for c in shown.columns]
    rows = [[_Cell(_cell_text(v)) for v in record] for record in shown.itertuples(index=False, name=None)]
    if links is not None:
        columns.append("explanation")
        for row, uid in zip(rows, shown["unit_id"], strict=True):
            href = links.get(uid)
            row.append(_Cell(str(uid), quote(href)) if href else _Cell(""))
    note = (f"The first {len(shown):,} of {len(frame):,} {what}; {where} holds them all."
            if len(shown) < len(frame) else None)
    return {"columns": columns, "rows": rows, "note": note}


@functools.lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    """The report templates, autoescaped: a unit name is text, never markup or script."""
    return jinja2.Environment(loader=jinja2.PackageLoader("appraisal", "templates"),
                              autoescape=jinja2.select_autoescape(), undefined=jinja2.StrictUndefined)


def write_html(
    path: Path, app: Appraisal, explanations: Explanations, stab: Stability | None,
    explanation_links: dict[str, str] | None = None, outputs_note: str | None = None,
) -> Path:
    """A self-contained HTML report with the charts embedded; long tables are cut at `REPORT_ROWS`."""
    res = app.results
    cols = ["rank", "unit_id", "unit_name", "total", "grade", "vetoed_by",
            "rectification_notice", *[c.id for c in app.scheme.consequence_fields],
            *[f"dimension.{d.id}" for d in app.scheme.dimensions if d.weight > 0]]
    cols = [c for c in cols if c in res.columns]
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
        notes=app.notes, charts=charts(app), outputs_note=outputs_note,
        scores=_table(res[cols], REPORT_ROWS, explanation_links or None, "units by rank", "results.csv"),
        rejected=_table(rejected, REPORT_ROWS, None, "rejections", "rejected.csv") if len(rejected) else None,
        stability=stability_view,
        sensitivity=(_table(app.sensitivity) if isinstance(getattr(app, "sensitivity", None), pd.DataFrame)
                     and len(app.sensitivity) else None),
        provisional=getattr(app, "provisional_reason", None),
        absent=app.validated.missing_units,
    )
    path.write_text(body, encoding="utf-8")
    return path


