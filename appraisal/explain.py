"""Explanations per unit as data (JSON-ready), plain text and Markdown.

For each indicator: the raw values, the computed value, the target, the method,
the points and why, the clause behind it; the veto if any; and what would lift
the unit a grade. Built from the vectorised results, one dict per unit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from appraisal import methods
from appraisal.scheme import GRADES
from appraisal.score import Appraisal
from appraisal.whatif import WhatIf, what_if
from governance.expressions import render_with_values


def _num(x: Any) -> float | None:
    if x is None:
        return None
    f = float(x)
    return None if math.isnan(f) else round(f, 6)


def _round_towards(value: float, direction: str, up: bool) -> float:
    """Round a required value to 4 decimals without falling short of it."""
    scaled = value * 1e4
    r = math.ceil(scaled - 1e-6) if up else math.floor(scaled + 1e-6)
    del direction
    return r / 1e4


def explain_all(
    app: Appraisal, wi: WhatIf | None = None, on_progress: Callable[[int], None] | None = None
) -> list[dict[str, Any]]:
    """One explanation per scored unit, in rank order; `on_progress(n)` every 1,000 units."""
    scheme = app.scheme
    wi = wi or what_if(app)
    res = app.results.set_index("unit_id")
    cohort = len(res)
    raw_cols = {name: app.raw[name].to_dict() for name in scheme.columns}
    val = {k: app.values[k].to_dict() for k in app.values.columns}
    pts = {k: app.points[k].to_dict() for k in app.points.columns}
    novalue = {k: app.no_value[k].to_dict() for k in app.no_value.columns}
    req = {k: wi.required[k].to_dict() for k in wi.required.columns}
    strict = {k: wi.strict[k].to_dict() for k in wi.strict.columns}
    veto = {k: app.vetoes[k].to_dict() for k in app.vetoes.columns}
    records = res.to_dict(orient="index")
    consequence_ids = [c.id for c in scheme.consequence_fields]
    out: list[dict[str, Any]] = []
    for count, (unit_id, rec) in enumerate(records.items(), start=1):
        if on_progress is not None and count % 1000 == 0:
            on_progress(1000)
        dims = []
        for dim in scheme.dimensions:
            inds = []
            for ind in dim.indicators:
                reads = app.compiled.reads[ind.id]
                raw = {c: _raw_value(scheme.columns[c].type, raw_cols[c][unit_id]) for c in reads}
                value = float(val[ind.id][unit_id])
                item: dict[str, Any] = {
                    "id": ind.id,
                    "title": ind.title,
                    "title_zh": ind.title_zh,
                    "clause": ind.clause,
                    "source": ind.source,
                    "status": ind.status,
                    "note": ind.note,
                    "unit": ind.unit,
                    "direction": ind.direction,
                    "method": ind.method,
                    "raw": raw,
                    "formula": ind.formula,
                    "computed": _computed(app, ind.id, raw) if ind.formula else None,
                    "value": _num(value),
                    "target": ind.target,
                    "floor": ind.floor,
                    "weight": ind.weight,
                }
                if ind.is_veto:
                    hit = bool(veto[ind.id][unit_id])
                    item.update(points=None, max_points=0.0, triggered=hit,
                                why=(f"veto triggered: the grade is capped at {ind.veto_grade} "
                                     "whatever the points") if hit else "veto not triggered")
                elif novalue[ind.id][unit_id]:
                    item.update(points=0.0, max_points=ind.max_points,
                                why="no value (a raw value is missing): 0 points under the "
                                    "scheme's zero-points policy")
                else:
                    p = float(pts[ind.id][unit_id])
                    why = methods.describe(ind, value, p, cohort)
                    item.update(points=round(p, 4), max_points=ind.max_points,
                                why=why)
                inds.append(item)
            dims.append({
                "id": dim.id, "title": dim.title, "title_zh": dim.title_zh, "clause": dim.clause,
                "points": round(float(rec[f"dimension.{dim.id}"]), 4),
                "max_points": sum(i.max_points for i in dim.indicators),
                "indicators": inds,
            })
        vetoes = [
            {"id": i.id, "title": i.title, "clause": i.clause, "caps_grade_at": i.veto_grade}
            for i in scheme.indicators if i.is_veto and veto[i.id][unit_id]
        ]
        out.append({
            "scheme": {"id": scheme.id, "version": scheme.version, "title": scheme.title},
            "data_label": app.label or None,
            "year": app.year,
            "unit": {"id": unit_id, "name": rec["unit_name"], "group": rec["group"] or None},
            "total": round(float(rec["total"]), 4),
            "total_points": scheme.total_points,
            "grade": rec["grade"],
            "grade_by_points": rec["grade_by_points"],
            "rank": int(rec["rank"]),
            "cohort": cohort,
            "rectification_notice": bool(rec["rectification_notice"]),
            "rectification_clause": scheme.rectification_clause,
            "consequences": {c: _plain(rec[c]) for c in consequence_ids},
            "vetoes": vetoes,
            "dimensions": dims,
            "what_if": _what_if_one(app, wi, unit_id, val, req, strict),
        })
    return out


def _plain(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    return x


def _raw_value(kind: str, x: Any) -> Any:
    f = float(x)
    if math.isnan(f):
        return None
    if kind == "boolean":
        return bool(f)
    if kind == "integer":
        return int(f)
    return f


def _computed(app: Appraisal, ind_id: str, raw: dict[str, Any]) -> str | None:
    if any(v is None for v in raw.values()):
        return None
    return render_with_values(app.compiled.expressions[ind_id], raw)


def _what_if_one(
    app: Appraisal, wi: WhatIf, unit_id: str, val: dict, req: dict, strict: dict
) -> dict[str, Any]:
    nxt = wi.next_grade[unit_id]
    if not nxt:
        return {"next_grade": None, "summary": "already in the top grade"}
    gap = float(wi.points_missing[unit_id])
    if wi.blocked_by_veto[unit_id]:
        return {
            "next_grade": nxt, "points_missing": round(gap, 4), "blocked_by_veto": True,
            "summary": f"a veto item caps the grade: no points lift it to {nxt} "
                       "until the vetoed matter is resolved",
            "changes": [],
        }
    changes = []
    for ind in app.scheme.indicators:
        if ind.is_veto:
            continue
        current = val[ind.id][unit_id]
        need = req[ind.id][unit_id]
        if math.isnan(need):
            changes.append({"indicator": ind.id, "title": ind.title, "reachable": False,
                            "why": f"this indicator alone cannot add {gap:.4g} points"})
            continue
        up = ind.direction == "higher" if ind.method != "deduction" else False
        shown = _round_towards(need, ind.direction, up) if math.isfinite(need) else need
        if ind.method == "deduction":
            relation = "at most"
        elif strict[ind.id][unit_id]:
            relation = "more than" if ind.direction == "higher" else "less than"
        else:
            relation = "at least" if ind.direction == "higher" else "at most"
        cur = None if math.isnan(current) else round(float(current), 4)
        change = None if cur is None or not math.isfinite(shown) else round(shown - cur, 4)
        changes.append({
            "indicator": ind.id, "title": ind.title, "reachable": True,
            "current": cur, "required": shown if math.isfinite(shown) else None,
            "relation": relation, "change": change, "unit": ind.unit,
        })
    reachable = [c for c in changes if c["reachable"]]
    summary = (
        f"{gap:.4g} points short of {nxt}; "
        + (f"{len(reachable)} indicator(s) could close the gap alone" if reachable
           else "no single indicator can close the gap alone")
    )
    return {"next_grade": nxt, "points_missing": round(gap, 4), "blocked_by_veto": False,
            "summary": summary, "changes": changes}


def _fmt(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:g}" if abs(x) < 1e6 else f"{x:,.0f}"
    return str(x)


def to_text(exp: dict[str, Any]) -> str:
    """A plain-text letter for one unit."""
    u = exp["unit"]
    lines = []
    if exp.get("data_label"):
        lines.append(f"[{exp['data_label']}]")
    lines += [
        f"{exp['scheme']['title']} ({exp['scheme']['id']} {exp['scheme']['version']}), {exp['year']}",
        f"Unit: {u['name']} ({u['id']})",
        f"Total: {_fmt(exp['total'])} of {_fmt(exp['total_points'])} points; grade {exp['grade']}; "
        f"rank {exp['rank']} of {exp['cohort']}",
    ]
    if exp["grade"] != exp["grade_by_points"]:
        lines.append(f"By points alone the grade would be {exp['grade_by_points']}.")
    for v in exp["vetoes"]:
        lines.append(f"VETO {v['id']} ({v['title']}, {v['clause']}): grade capped at "
                     f"{v['caps_grade_at']}")
    if exp["rectification_notice"]:
        lines.append(f"A rectification notice is due ({exp['rectification_clause']}).")
    if exp["consequences"]:
        lines.append("Consequences: " + ", ".join(
            f"{k} = {_fmt(v)}" for k, v in exp["consequences"].items()))
    for dim in exp["dimensions"]:
        lines.append("")
        lines.append(f"{dim['title']}: {_fmt(dim['points'])} of {_fmt(dim['max_points'])}")
        for ind in dim["indicators"]:
            raw = ", ".join(f"{k} = {_fmt(v)}" for k, v in ind["raw"].items())
            lines.append(f"  - {ind['title']} [{ind['clause']}]")
            lines.append(f"      raw: {raw}")
            if ind["computed"]:
                lines.append(f"      computed: {ind['computed']} = {_fmt(ind['value'])}")
            lines.append(f"      method: {ind['method']}, target {_fmt(ind['target'])}, "
                         f"points {_fmt(ind['points'])} of {_fmt(ind['max_points'])}")
            lines.append(f"      why: {ind['why']}")
            if ind["status"] != "law":
                lines.append(f"      ({ind['status']}: {ind['note']})")
    lines.append("")
    lines.append("What would change the result:")
    lines.extend("  " + s for s in _what_if_lines(exp["what_if"]))
    return "\n".join(lines) + "\n"


def _what_if_lines(w: dict[str, Any]) -> list[str]:
    out = [w["summary"]]
    for c in w.get("changes", []):
        if c["reachable"]:
            if c["required"] is None:
                out.append(f"- {c['title']}: any value gives enough points")
                continue
            delta = "" if c["change"] is None else f" (change {c['change']:+g})"
            out.append(f"- {c['title']}: {c['relation']} {_fmt(c['required'])} "
                       f"{c['unit']}{delta}")
        else:
            out.append(f"- {c['title']}: {c['why']}")
    return out


def to_markdown(exp: dict[str, Any]) -> str:
    """The same explanation as a Markdown page."""
    u = exp["unit"]
    md = []
    if exp.get("data_label"):
        md.append(f"> **{exp['data_label']}**\n")
    md += [
        f"# {u['name']} — {exp['year']}",
        "",
        f"*{exp['scheme']['title']}* (`{exp['scheme']['id']}` {exp['scheme']['version']})",
        "",
        f"**Total {_fmt(exp['total'])} / {_fmt(exp['total_points'])} — grade "
        f"{exp['grade']} — rank {exp['rank']} of {exp['cohort']}**",
        "",
    ]
    for v in exp["vetoes"]:
        md.append(f"- **Veto** {v['title']} (`{v['clause']}`): grade capped at {v['caps_grade_at']}")
    if exp["rectification_notice"]:
        md.append(f"- **Rectification notice** due (`{exp['rectification_clause']}`)")
    for k, v in exp["consequences"].items():
        md.append(f"- {k}: {_fmt(v)}")
    md.append("")
    md.append("| indicator | clause | raw | value | target | method | points | why |")
    md.append("|---|---|---|---|---|---|---|---|")
    for dim in exp["dimensions"]:
        md.append(f"| **{dim['title']}** | {dim['clause'] or ''} | | | | | "
                  f"**{_fmt(dim['points'])} / {_fmt(dim['max_points'])}** | |")
        for ind in dim["indicators"]:
            raw = "<br>".join(f"{k} = {_fmt(v)}" for k, v in ind["raw"].items())
            md.append(
                f"| {ind['title']} | `{ind['clause']}` | {raw} | {_fmt(ind['value'])} | "
                f"{_fmt(ind['target'])} | {ind['method']} | {_fmt(ind['points'])} | "
                f"{ind['why'].replace('|', '/')} |"
            )
    md.append("")
    md.append("## What would change the result")
    md.append("")
    md.extend(_what_if_lines(exp["what_if"]))
    return "\n".join(md) + "\n"


def grade_order(grade: str) -> int:
    return GRADES.index(grade)
