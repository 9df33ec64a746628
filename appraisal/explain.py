"""Explanations per unit as data (JSON-ready), plain text and Markdown.

For each indicator: the raw values, the computed value, the target, the method,
the points and why, the clause behind it; the veto if any; and what would lift
the unit a grade. Built from the vectorised results, one dict per unit.
"""

from __future__ import annotations

import gc
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from appraisal import methods
from appraisal.scheme import GRADES
from appraisal.score import Appraisal
from appraisal.whatif import WhatIf, what_if
from governance.expressions import format_value, render_with_values


def _num(x: Any) -> float | None:
    if x is None:
        return None
    f = float(x)
    return None if math.isnan(f) else round(f, 6)


def _round_towards(value: float, up: bool) -> float:
    """Round a required value to 4 decimals without falling short of it."""
    scaled = value * 1e4
    r = math.ceil(scaled - 1e-6) if up else math.floor(scaled + 1e-6)
    return r / 1e4


def _column(values: Any, kind: str) -> list[Any]:
    """A numeric column as plain Python values (None for missing), typed like its column."""
    arr = np.asarray(values, dtype=float)
    missing = np.isnan(arr).tolist()
    if kind == "boolean":
        items = (arr != 0).tolist()
    elif kind == "integer":
        items = np.nan_to_num(arr).astype(np.int64).tolist()
    else:
        items = arr.tolist()
    return [None if m else v for v, m in zip(items, missing, strict=True)]


def _computed_template(app: Appraisal, ind_id: str) -> tuple[str, list[str]] | None:
    """The formula rendered once with markers, so each unit only substitutes its numbers."""
    expr = app.compiled.expressions[ind_id]
    names = sorted(expr.names())
    markers = {n: _Marker(f"\x00{i}\x00") for i, n in enumerate(names)}
    return render_with_values(expr, markers), names


class _Marker:
    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


def _fill(template: tuple[str, list[str]], raw: dict[str, Any]) -> str | None:
    text, names = template
    for i, name in enumerate(names):
        value = raw.get(name)
        if value is None:
            return None
        text = text.replace(f"\x00{i}\x00", format_value(value))
    return text


def explain_all(
    app: Appraisal, wi: WhatIf | None = None, on_progress: Callable[[int], None] | None = None
) -> list[dict[str, Any]]:
    """One explanation per scored unit, in rank order; `on_progress(n)` every 1,000 units.

    Columns are turned into plain lists once (in rank order), so the per-unit loop
    only builds dicts and strings.
    """
    scheme = app.scheme
    wi = wi or what_if(app)
    res = app.results
    n = len(res)
    order = app.values.index.get_indexer(res["unit_id"])
    raw_cols = {
        name: _column(app.raw[name].to_numpy(dtype=float)[order], col.type)
        for name, col in scheme.columns.items()
    }
    val = {k: app.values[k].to_numpy(dtype=float)[order].tolist() for k in app.values.columns}
    val6 = {k: np.round(app.values[k].to_numpy(dtype=float)[order], 6).tolist()
            for k in app.values.columns}
    pts = {k: app.points[k].to_numpy(dtype=float)[order].tolist() for k in app.points.columns}
    pts4 = {k: np.round(app.points[k].to_numpy(dtype=float)[order], 4).tolist()
            for k in app.points.columns}
    novalue = {k: app.no_value[k].to_numpy()[order].tolist() for k in app.no_value.columns}
    veto = {k: app.vetoes[k].to_numpy()[order].tolist() for k in app.vetoes.columns}
    wif = {
        "next": wi.next_grade.to_numpy()[order].tolist(),
        "gap": wi.points_missing.to_numpy(dtype=float)[order].tolist(),
        "blocked": wi.blocked_by_veto.to_numpy()[order].tolist(),
        "req": {k: wi.required[k].to_numpy(dtype=float)[order].tolist()
                for k in wi.required.columns},
        "strict": {k: wi.strict[k].to_numpy()[order].tolist() for k in wi.strict.columns},
        "scored": [i for i in scheme.indicators if not i.is_veto],
    }
    cols = {c: res[c].tolist() for c in ("unit_id", "unit_name", "group", "total", "grade",
                                         "grade_by_points", "rank", "rectification_notice")}
    dim_points = {d.id: np.round(res[f"dimension.{d.id}"].to_numpy(dtype=float), 4).tolist()
                  for d in scheme.dimensions}
    totals = np.round(res["total"].to_numpy(dtype=float), 4).tolist()
    max_points = {i.id: i.max_points for i in scheme.indicators}
    consequences = {c.id: [_plain(x) for x in res[c.id].tolist()]
                    for c in scheme.consequence_fields}
    templates = {i.id: _computed_template(app, i.id) for i in scheme.indicators if i.formula}
    static = {
        i.id: {"id": i.id, "title": i.title, "title_zh": i.title_zh, "clause": i.clause,
               "source": i.source, "status": i.status, "note": i.note, "unit": i.unit,
               "direction": i.direction, "method": i.method, "formula": i.formula,
               "target": i.target, "floor": i.floor, "weight": i.weight}
        for i in scheme.indicators
    }
    why = {i.id: methods.describer(i, n) for i in scheme.indicators}
    dim_max = {d.id: sum(i.max_points for i in d.indicators) for d in scheme.dimensions}
    veto_inds = [i for i in scheme.indicators if i.is_veto]
    header = {"scheme": {"id": scheme.id, "version": scheme.version, "title": scheme.title},
              "data_label": app.label or None, "year": app.year}

    def one(k: int) -> dict[str, Any]:
        dims = []
        for dim in scheme.dimensions:
            inds = []
            for ind in dim.indicators:
                raw = {c: raw_cols[c][k] for c in app.compiled.reads[ind.id]}
                value = val[ind.id][k]
                item = dict(static[ind.id])
                item["raw"] = raw
                item["computed"] = _fill(templates[ind.id], raw) if ind.formula else None
                item["value"] = None if value != value else val6[ind.id][k]
                if ind.is_veto:
                    hit = bool(veto[ind.id][k])
                    item.update(points=None, max_points=0.0, triggered=hit,
                                why=(f"veto triggered: the grade is capped at {ind.veto_grade} "
                                     "whatever the points") if hit else "veto not triggered")
                elif novalue[ind.id][k]:
                    item.update(points=0.0, max_points=max_points[ind.id],
                                why="no value (a raw value is missing): 0 points under the "
                                    "scheme's zero-points policy")
                else:
                    p = pts[ind.id][k]
                    item.update(points=pts4[ind.id][k], max_points=max_points[ind.id],
                                why=why[ind.id](value, p))
                inds.append(item)
            dims.append({
                "id": dim.id, "title": dim.title, "title_zh": dim.title_zh, "clause": dim.clause,
                "points": dim_points[dim.id][k],
                "max_points": dim_max[dim.id],
                "indicators": inds,
            })
        vetoes = [
            {"id": i.id, "title": i.title, "clause": i.clause, "caps_grade_at": i.veto_grade}
            for i in veto_inds if veto[i.id][k]
        ]
        return {
            **header,
            "unit": {"id": cols["unit_id"][k], "name": cols["unit_name"][k],
                     "group": cols["group"][k] or None},
            "total": totals[k],
            "total_points": scheme.total_points,
            "grade": cols["grade"][k],
            "grade_by_points": cols["grade_by_points"][k],
            "rank": int(cols["rank"][k]),
            "cohort": n,
            "rectification_notice": bool(cols["rectification_notice"][k]),
            "rectification_clause": scheme.rectification_clause,
            "consequences": {c: v[k] for c, v in consequences.items()},
            "vetoes": vetoes,
            "dimensions": dims,
            "what_if": _what_if_one(app, wif, k, val),
        }

    out: list[dict[str, Any]] = []
    collecting = gc.isenabled()
    gc.disable()  # millions of new acyclic dicts: the cycle collector would rescan them all
    try:
        for k in range(n):
            if on_progress is not None and (k + 1) % 1000 == 0:
                on_progress(1000)
            out.append(one(k))
    finally:
        if collecting:
            gc.enable()
    return out


def _plain(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    return x


def _what_if_one(app: Appraisal, wif: dict[str, Any], k: int, val: dict) -> dict[str, Any]:
    """The what-if part of one unit's explanation, from the cohort-wide what-if lists."""
    nxt = wif["next"][k]
    if not nxt:
        return {"next_grade": None, "summary": "already in the top grade"}
    gap = wif["gap"][k]
    if wif["blocked"][k]:
        return {
            "next_grade": nxt, "points_missing": round(gap, 4), "blocked_by_veto": True,
            "summary": f"a veto item caps the grade: no points lift it to {nxt} "
                       "until the vetoed matter is resolved",
            "changes": [],
        }
    changes = []
    for ind in wif["scored"]:
        current = val[ind.id][k]
        need = wif["req"][ind.id][k]
        if need != need:
            changes.append({"indicator": ind.id, "title": ind.title, "reachable": False,
                            "why": f"this indicator alone cannot add {gap:.4g} points"})
            continue
        up = ind.direction == "higher" if ind.method != "deduction" else False
        shown = _round_towards(need, up) if math.isfinite(need) else need
        if ind.method == "deduction":
            relation = "at most"
        elif wif["strict"][ind.id][k]:
            relation = "more than" if ind.direction == "higher" else "less than"
        else:
            relation = "at least" if ind.direction == "higher" else "at most"
        cur = None if current != current else round(float(current), 4)
        change = None if cur is None or not math.isfinite(shown) else round(shown - cur, 4)
        changes.append({
            "indicator": ind.id, "title": ind.title, "reachable": True,
            "current": cur, "required": shown if math.isfinite(shown) else None,
            "relation": relation, "change": change, "unit": ind.unit,
            "computed_from": list(app.compiled.reads[ind.id]) if ind.formula else None,
        })
    reachable = sum(1 for c in changes if c["reachable"])
    summary = (
        f"{gap:.4g} points short of {nxt}; "
        + (f"{reachable} indicator(s) could close the gap alone" if reachable
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


def _what_if_lines(w: dict[str, Any], esc: Callable[[Any], str] = str) -> list[str]:
    """The what-if part as lines; `esc` escapes the scheme's texts (Markdown) or not (text)."""
    out = [esc(w["summary"])]
    for c in w.get("changes", []):
        title = esc(c["title"])
        if c["reachable"]:
            if c["required"] is None:
                out.append(f"- {title}: any value gives enough points")
                continue
            delta = "" if c["change"] is None else f" (change {c['change']:+g})"
            source = (f"; computed from {', '.join(esc(n) for n in c['computed_from'])}"
                      if c.get("computed_from") else "")
            out.append(f"- {title}: {c['relation']} {_fmt(c['required'])} "
                       f"{esc(c['unit'])}{delta}{source}")
        else:
            out.append(f"- {title}: {esc(c['why'])}")
    return out


_MD_BACKSLASH = re.compile(r"[\\`*\[\]|]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|(?<=www)\.", re.IGNORECASE)
_MD_ENTITY = {"~": "&#126;", "@": "&#64;", "://": "&#58;//"}


def md_text(value: Any) -> str:
    """Text from the data or the scheme, safe in Markdown: `<`, `>` and `&` as entities (no
    HTML); a backslash before the characters of links, emphasis, code and tables; and bare
    URLs, e-mail addresses and strike-through broken with entities (which CommonMark and
    Python-Markdown both show as the character), so no renderer makes a link; on one line."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_BACKSLASH.sub(lambda m: "\\" + m.group(0), text)
    for plain, entity in _MD_ENTITY.items():
        text = text.replace(plain, entity)
    return text


def md_code(value: Any) -> str:
    """Text as a Markdown code span: shown literally; a backtick could only close it early."""
    return "`" + " ".join(str(value).replace("`", "'").split()) + "`"


def to_markdown(exp: dict[str, Any]) -> str:
    """The same explanation as a Markdown page; every text from the data or the scheme is
    escaped (`md_text`), so a unit name cannot become HTML, a link or emphasis."""
    u = exp["unit"]
    md = []
    if exp.get("data_label"):
        md.append(f"> **{md_text(exp['data_label'])}**\n")
    md += [
        f"# {md_text(u['name'])} — {exp['year']}",
        "",
        f"*{md_text(exp['scheme']['title'])}* ({md_code(exp['scheme']['id'])} "
        f"{md_text(exp['scheme']['version'])})",
        "",
        f"**Total {_fmt(exp['total'])} / {_fmt(exp['total_points'])} — grade "
        f"{exp['grade']} — rank {exp['rank']} of {exp['cohort']}**",
        "",
    ]
    for v in exp["vetoes"]:
        md.append(f"- **Veto** {md_text(v['title'])} ({md_code(v['clause'])}): grade capped at "
                  f"{v['caps_grade_at']}")
    if exp["rectification_notice"]:
        md.append(f"- **Rectification notice** due ({md_code(exp['rectification_clause'])})")
    for k, v in exp["consequences"].items():
        md.append(f"- {md_text(k)}: {md_text(_fmt(v))}")
    md.append("")
    md.append("| indicator | clause | raw | value | target | method | points | why |")
    md.append("|---|---|---|---|---|---|---|---|")
    for dim in exp["dimensions"]:
        md.append(f"| **{md_text(dim['title'])}** | {md_text(dim['clause'] or '')} | | | | | "
                  f"**{_fmt(dim['points'])} / {_fmt(dim['max_points'])}** | |")
        for ind in dim["indicators"]:
            raw = "<br>".join(f"{md_text(k)} = {_fmt(v)}" for k, v in ind["raw"].items())
            md.append(
                f"| {md_text(ind['title'])} | {md_code(ind['clause'])} | {raw} | {_fmt(ind['value'])} | "
                f"{_fmt(ind['target'])} | {md_text(ind['method'])} | {_fmt(ind['points'])} | "
                f"{md_text(ind['why'].replace('|', '/'))} |"
            )
    md.append("")
    md.append("## What would change the result")
    md.append("")
    md.extend(_what_if_lines(exp["what_if"], md_text))
    return "\n".join(md) + "\n"


def grade_order(grade: str) -> int:
    return GRADES.index(grade)
