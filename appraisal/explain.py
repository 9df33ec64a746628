"""Explanations per unit as data (JSON-ready), plain text and Markdown.

For each indicator: the raw values, the computed value, the target, the method,
the points and why, the clause behind it; the veto if any; and what would lift
the unit a grade.

A run keeps its explanations as columns (`Explanations`): the cohort's values, points and
what-if arrays in rank order, with each indicator's metadata (clause, title, method,
parameters) held once. One unit's explanation dict is built only when it is asked for
(`explanations.unit(id)`, `explanations[k]`, or iterating, which writing the per-unit files
of a small run does), so a run of a million units costs no more than its arrays.
`table()` gives the same numbers as one long frame (a row per unit and indicator) for
Parquet and tools.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

import numpy as np
import pandas as pd

from appraisal import methods
from appraisal.labels import data_label_text
from appraisal.messages import shown
from appraisal.scheme import GRADES, Indicator
from appraisal.score import Appraisal
from appraisal.whatif import WhatIf, what_if
from governance.expressions import format_value, render_with_values
from governance.i18n import N_, format_boolean, localised_title, translator
from governance.rounding import round_half_up, round_half_up_columns


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


class _RawColumn:
    """A raw input column in rank order, typed like its scheme column; None where missing."""

    def __init__(self, values: np.ndarray, kind: str) -> None:
        arr = np.asarray(values, dtype=float)
        self.missing = np.isnan(arr)
        if kind == "boolean":
            self.data: np.ndarray = arr != 0
        elif kind == "integer":
            self.data = np.nan_to_num(arr).astype(np.int64)
        else:
            self.data = arr

    def at(self, k: int) -> Any:
        return None if self.missing.item(k) else self.data.item(k)


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


def indicator_metadata(ind: Indicator) -> dict[str, Any]:
    """What every unit's explanation says of an indicator, whatever the unit: held once per run."""
    return {"id": ind.id, "title": ind.title, "title_zh": ind.title_zh, "clause": ind.clause,
            "source": ind.source, "status": ind.status, "note": ind.note, "unit": ind.unit,
            "direction": ind.direction, "method": ind.method, "formula": ind.formula,
            "target": ind.target, "floor": ind.floor, "weight": ind.weight,
            "given_as": ind.given_as or None,
            "figures": [{"field": f.field, "parameter": f.parameter, "value": f.value, "status": f.status,
                         "source": f.source, "reading": f.reading} for f in ind.figures]}


class Explanations(Sequence[dict[str, Any]]):
    """Every scored unit's explanation, in rank order, kept as columns.

    `len()`, indexing and iteration give the same dicts the explanation JSON holds, each built
    when it is asked for; `unit(id)` finds one unit; `table()` and `indicators()` give the
    numbers and the shared indicator metadata as frames.
    """

    def __init__(self, app: Appraisal, wi: WhatIf | None = None) -> None:
        self.app = app
        self.wi = wi if wi is not None else what_if(app)
        self._n = len(app.results)

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, k: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, k: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, k: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(k, slice):
            return [self._one(i) for i in range(*k.indices(self._n))]
        if k < 0:
            k += self._n
        if not 0 <= k < self._n:
            raise IndexError(f"explanation {k} of {self._n}")
        return self._one(k)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for k in range(self._n):
            yield self._one(k)

    def position(self, unit_id: str) -> int:
        """The rank-order position of a unit; KeyError when it was not scored."""
        return int(self._ids_index.get_loc(unit_id))

    def unit(self, unit_id: str) -> dict[str, Any]:
        """One unit's explanation, built now."""
        return self._one(self.position(unit_id))

    @functools.cached_property
    def _ids_index(self) -> pd.Index:
        return pd.Index(self._c.unit_id)

    def indicators(self) -> pd.DataFrame:
        """Each indicator's metadata once (clause, title, method, parameters), in scheme order."""
        scheme = self.app.scheme
        rows = []
        for dim in scheme.dimensions:
            for ind in dim.indicators:
                rows.append({**indicator_metadata(ind), "dimension": dim.id,
                             "max_points": ind.max_points, "veto_grade": ind.veto_grade,
                             "reads": ", ".join(self.app.compiled.reads[ind.id])})
        return pd.DataFrame(rows)

    def table(self) -> pd.DataFrame:
        """One row per unit and indicator, in rank order then scheme order: the value, the points,
        whether it had no value or fired a veto, and the value that alone would lift the unit a
        grade (what-if). The texts (clause, title, method) are in `indicators()`, not repeated."""
        c = self._c
        inds = self.app.scheme.indicators
        n, m = self._n, len(inds)
        nan = np.full(n, np.nan)
        no = np.zeros(n, dtype=bool)

        def stack(get: Callable[[Indicator], np.ndarray]) -> np.ndarray:
            return np.column_stack([get(i) for i in inds]).ravel() if m else np.zeros(0)

        return pd.DataFrame({
            "unit_id": np.repeat(c.unit_id, m),
            "rank": np.repeat(c.rank, m),
            "indicator": pd.Categorical.from_codes(np.tile(np.arange(m), n), [i.id for i in inds]),
            "value": stack(lambda i: c.val[i.id]),
            "points": stack(lambda i: nan if i.is_veto else c.pts[i.id]),
            "max_points": stack(lambda i: np.full(n, 0.0 if i.is_veto else i.max_points)),
            "no_value": stack(lambda i: c.novalue[i.id]),
            "veto_triggered": stack(lambda i: c.veto[i.id] if i.is_veto else no),
            "what_if_required": stack(lambda i: nan if i.is_veto else c.req[i.id]),
            "what_if_strict": stack(lambda i: no if i.is_veto else c.strict[i.id]),
        })

    @functools.cached_property
    def _c(self) -> _Columns:
        return _Columns(self.app, self.wi)

    def _one(self, k: int) -> dict[str, Any]:
        """Unit `k`'s explanation (rank order)."""
        c = self._c
        app, scheme = self.app, self.app.scheme
        dims = []
        for dim in scheme.dimensions:
            inds = []
            for ind in dim.indicators:
                raw = {name: c.raw[name].at(k) for name in app.compiled.reads[ind.id]}
                value = c.val[ind.id].item(k)
                item = dict(c.static[ind.id])
                item["raw"] = raw
                item["computed"] = _fill(c.templates[ind.id], raw) if ind.formula else None
                item["value"] = None if value != value else c.val6[ind.id].item(k)
                if ind.is_veto:
                    hit = bool(c.veto[ind.id].item(k))
                    item.update(points=None, max_points=0.0, triggered=hit,
                                why=(f"veto triggered: the grade is capped at {ind.veto_grade} "
                                     "whatever the points") if hit else "veto not triggered")
                elif c.novalue[ind.id].item(k):
                    item.update(points=0.0, max_points=ind.max_points,
                                why="no value (a raw value is missing): 0 points under the "
                                    "scheme's zero-points policy")
                else:
                    p = c.pts[ind.id].item(k)
                    item.update(points=c.pts4[ind.id].item(k), max_points=ind.max_points,
                                why=c.why[ind.id](value, p))
                inds.append(item)
            dims.append({
                "id": dim.id, "title": dim.title, "title_zh": dim.title_zh, "clause": dim.clause,
                "points": c.dim_points[dim.id].item(k),
                "max_points": c.dim_max[dim.id],
                "indicators": inds,
            })
        vetoes = [
            {"id": i.id, "title": i.title, "title_zh": i.title_zh, "clause": i.clause, "caps_grade_at": i.veto_grade}
            for i in c.veto_inds if c.veto[i.id].item(k)
        ]
        return {
            **c.header,
            "unit": {"id": c.unit_id.item(k), "name": c.unit_name.item(k),
                     "name_zh": c.unit_name_zh.item(k) or None, "group": c.group.item(k) or None},
            "total": c.totals.item(k),
            "total_points": scheme.total_points,
            "grade": c.grade.item(k),
            "grade_zh": c.grade_zh.get(c.grade.item(k)),
            "grade_by_points": c.grade_by_points.item(k),
            "grade_titles_zh": c.grade_zh,
            "consequence_labels_zh": c.labels_zh,
            "rank": int(c.rank.item(k)),
            "cohort": self._n,
            "rectification_notice": bool(c.notice.item(k)),
            "rectification_clause": scheme.rectification_clause,
            "rectification_status": scheme.rectification_status,
            "cohort_name": app.cohort,
            "provisional": c.provisional,
            "consequences": {f: _plain(v.item(k)) for f, v in c.consequences.items()},
            "vetoes": vetoes,
            "dimensions": dims,
            "what_if": _what_if_one(app, c, k),
        }


class _Columns:
    """The arrays one explanation reads, in rank order, and what is the same for every unit."""

    def __init__(self, app: Appraisal, wi: WhatIf) -> None:
        scheme = app.scheme
        res = app.results
        n = len(res)
        order = app.values.index.get_indexer(res["unit_id"])

        def ranked(frame: pd.DataFrame, name: str, dtype: Any = float) -> np.ndarray:
            return frame[name].to_numpy(dtype=dtype)[order]

        self.raw = {name: _RawColumn(ranked(app.raw, name), col.type) for name, col in scheme.columns.items()}
        self.val = {k: ranked(app.values, k) for k in app.values.columns}
        self.val6 = {k: np.round(v, 6) for k, v in self.val.items()}
        self.pts = {k: ranked(app.points, k) for k in app.points.columns}
        self.pts4 = {k: round_half_up_columns(v, 4) for k, v in self.pts.items()}  # points: 四舍五入
        self.novalue = {k: ranked(app.no_value, k, bool) for k in app.no_value.columns}
        self.veto = {k: ranked(app.vetoes, k, bool) for k in app.vetoes.columns}
        self.next_grade = wi.next_grade.to_numpy(dtype=object)[order]
        self.gap = wi.points_missing.to_numpy(dtype=float)[order]
        self.blocked = wi.blocked_by_veto.to_numpy(dtype=bool)[order]
        self.req = {k: ranked(wi.required, k) for k in wi.required.columns}
        self.strict = {k: ranked(wi.strict, k, bool) for k in wi.strict.columns}
        self.scored = [i for i in scheme.indicators if not i.is_veto]
        self.unit_id = res["unit_id"].to_numpy(dtype=object)
        self.unit_name = res["unit_name"].to_numpy(dtype=object)
        self.unit_name_zh = (res["unit_name_zh"] if "unit_name_zh" in res.columns
                             else pd.Series("", index=res.index)).fillna("").to_numpy(dtype=object)
        self.group = res["group"].to_numpy(dtype=object)
        self.grade = res["grade"].to_numpy(dtype=object)
        self.grade_by_points = res["grade_by_points"].to_numpy(dtype=object)
        self.rank = res["rank"].to_numpy()
        self.notice = res["rectification_notice"].to_numpy(dtype=bool)
        self.dim_points = {d.id: round_half_up_columns(res[f"dimension.{d.id}"].to_numpy(dtype=float), 4)
                           for d in scheme.dimensions}
        self.totals = round_half_up_columns(res["total"].to_numpy(dtype=float), 4)
        self.consequences = {c.id: res[c.id].to_numpy() for c in scheme.consequence_fields}
        self.templates = {i.id: _computed_template(app, i.id) for i in scheme.indicators if i.formula}
        self.static = {i.id: indicator_metadata(i) for i in scheme.indicators}
        self.why = {i.id: methods.describer(i, n) for i in scheme.indicators}
        self.dim_max = {d.id: sum(i.max_points for i in d.indicators) for d in scheme.dimensions}
        self.veto_inds = [i for i in scheme.indicators if i.is_veto]
        self.provisional = app.provisional_reason  # the same for every unit: once, not per unit
        self.header = {"scheme": {"id": scheme.id, "version": scheme.version, "title": scheme.title,
                                  "title_zh": scheme.title_zh},
                       "data_label": app.label or None, "year": app.year}
        self.grade_zh = {b.grade: b.title_zh for b in scheme.grades if b.title_zh}
        self.labels_zh = {c.id: c.label_zh for c in scheme.consequence_fields if c.label_zh}


def explain_all(
    app: Appraisal, wi: WhatIf | None = None, on_progress: Callable[[int], None] | None = None
) -> Explanations:
    """The explanations of every scored unit, in rank order, as columns (see `Explanations`):
    no unit's dict is built here. `on_progress(n)` is told once the arrays are ready."""
    explanations = Explanations(app, wi)
    explanations._c  # noqa: B018 - the arrays now, so a missing column fails here, not mid-write
    if on_progress is not None:
        on_progress(len(explanations))
    return explanations


def _plain(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    return x


def _what_if_one(app: Appraisal, c: _Columns, k: int) -> dict[str, Any]:
    """The what-if part of one unit's explanation, from the cohort-wide what-if arrays."""
    nxt = c.next_grade.item(k)
    if not nxt:
        return {"next_grade": None, "summary": "already in the top grade"}
    gap = c.gap.item(k)
    if c.blocked.item(k):
        return {
            "next_grade": nxt, "points_missing": round_half_up(gap, 4), "blocked_by_veto": True,
            "summary": f"a veto item caps the grade: no points lift it to {nxt} "
                       "until the vetoed matter is resolved",
            "changes": [],
        }
    changes = []
    for ind in c.scored:
        current = c.val[ind.id].item(k)
        need = c.req[ind.id].item(k)
        if need != need:
            changes.append({"indicator": ind.id, "title": ind.title, "title_zh": ind.title_zh, "reachable": False,
                            "why": f"this indicator alone cannot add {gap:.4g} points"})
            continue
        up = ind.direction == "higher" if ind.method != "deduction" else False
        shown = _round_towards(need, up) if math.isfinite(need) else need
        if ind.method == "deduction":
            relation = "at most"
        elif c.strict[ind.id].item(k):
            relation = "more than" if ind.direction == "higher" else "less than"
        else:
            relation = "at least" if ind.direction == "higher" else "at most"
        cur = None if current != current else round(float(current), 4)
        change = None if cur is None or not math.isfinite(shown) else round(shown - cur, 4)
        changes.append({
            "indicator": ind.id, "title": ind.title, "title_zh": ind.title_zh, "reachable": True,
            "current": cur, "required": shown if math.isfinite(shown) else None,
            "relation": relation, "change": change, "unit": ind.unit,
            "computed_from": list(app.compiled.reads[ind.id]) if ind.formula else None,
        })
    reachable = sum(1 for ch in changes if ch["reachable"])
    summary = (
        f"{gap:.4g} points short of {nxt}; "
        + (f"{reachable} indicator(s) could close the gap alone" if reachable
           else "no single indicator can close the gap alone")
    )
    return {"next_grade": nxt, "points_missing": round_half_up(gap, 4), "blocked_by_veto": False,
            "summary": summary, "changes": changes}


def _fmt(x: Any, lang: str = "en") -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return format_boolean(x, lang)
    if isinstance(x, float):
        return f"{x:g}" if abs(x) < 1e6 else f"{x:,.0f}"
    return str(x)


def _words(exp: dict[str, Any], lang: str) -> tuple[Callable[[str], str], Callable[[str | None], str],
                                                     Callable[[dict[str, Any]], str]]:
    """gettext, a grade's name and an item's title in `lang`: 优秀 and the Chinese title in Chinese."""
    gettext = translator(lang).gettext
    titles = exp.get("grade_titles_zh") or {}

    def grade(g: str | None) -> str:
        if g is None:
            return "-"
        if lang == "zh":
            return titles.get(g) or gettext(_GRADE_WORDS.get(g, g))
        return g

    def title(item: dict[str, Any]) -> str:
        return localised_title(item.get("title") or "", item.get("title_zh"), lang)

    return gettext, grade, title


_GRADE_WORDS = {"excellent": N_("excellent"), "good": N_("good"), "pass": N_("pass"), "fail": N_("fail")}
_ENGLISH_QUOTE = N_("(English translation of the plan)")
"""The label of a quoted source: the plan's own words are Chinese; the text here is a translation."""


def to_text(exp: dict[str, Any], lang: str = "en") -> str:
    """A plain-text letter for one unit, in `lang` (the officers' Chinese, or English)."""
    _, grade, title = _words(exp, lang)
    u = exp["unit"]
    lines = []
    if exp.get("data_label"):
        lines.append(f"[{data_label_text(exp['data_label'], lang)}]")
    scheme_title = localised_title(exp["scheme"]["title"], exp["scheme"].get("title_zh"), lang)
    name = (u.get("name_zh") or u["name"]) if lang == "zh" else u["name"]
    lines += [
        f"{scheme_title} ({exp['scheme']['id']} {exp['scheme']['version']}), {exp['year']}",
        _("Unit: {name} ({id})").format(name=name, id=u["id"]),
        _("Total: {total} of {points} points; grade {grade}; rank {rank} of {units}").format(
            total=_fmt(exp["total"]), points=_fmt(exp["total_points"]), grade=grade(exp["grade"]),
            rank=exp["rank"], units=exp["cohort"]),
    ]
    if exp["grade"] != exp["grade_by_points"]:
        lines.append(_("By points alone the grade would be {grade}.").format(grade=grade(exp["grade_by_points"])))
    for v in exp["vetoes"]:
        lines.append(_("VETO {id} ({title}, {clause}): grade capped at {grade}").format(
            id=v["id"], title=title(v), clause=v["clause"], grade=grade(v["caps_grade_at"])))
    if exp.get("provisional"):
        lines.append(_("PROVISIONAL: {reason}").format(reason=shown(exp["provisional"], lang)))
    if exp["rectification_notice"]:
        reading = "" if exp.get("rectification_status", "law") == "law" else f"; {exp['rectification_status']}"
        lines.append(_("A rectification notice is due ({clause}).").format(
            clause=exp["rectification_clause"] + reading))
    if exp["consequences"]:
        labels = exp.get("consequence_labels_zh") or {}
        lines.append(_("Consequences: {list}").format(list=", ".join(
            f"{labels.get(k, k) if lang == 'zh' else k} = {_fmt(v, lang)}" for k, v in exp["consequences"].items())))
    for dim in exp["dimensions"]:
        lines.append("")
        lines.append(_("{title}: {points} of {max}").format(title=title(dim), points=_fmt(dim["points"]),
                                                            max=_fmt(dim["max_points"])))
        for ind in dim["indicators"]:
            raw = ", ".join(f"{k} = {_fmt(v, lang)}" for k, v in ind["raw"].items())
            lines.append(f"  - {title(ind)} [{ind['clause']}]")
            lines.append("      " + _("raw: {values}").format(values=raw))
            if ind.get("given_as"):
                lines.append("      " + _("given: {how}").format(how=ind["given_as"]))
            for fig in ind.get("figures", []):
                lines.append("      " + _("{field} {value} from {parameter} ({status}; {source})").format(
                    field=fig["field"], value=_fmt(fig["value"]), parameter=fig["parameter"], status=fig["status"],
                    source=fig["source"]))
            if ind["computed"]:
                lines.append("      " + _("computed: {formula} = {value}").format(formula=ind["computed"],
                                                                                  value=_fmt(ind["value"])))
            lines.append("      " + _("method: {method}, target {target}, points {points} of {max}").format(
                method=ind["method"], target=_fmt(ind["target"]), points=_fmt(ind["points"]),
                max=_fmt(ind["max_points"])))
            lines.append("      " + _("why: {why}").format(why=ind["why"]))
            if ind.get("source"):
                lines.append("      " + _("source: “{text}” {label}").format(text=ind["source"],
                                                                          label=_(_ENGLISH_QUOTE)))
            if ind["status"] != "law":
                lines.append(f"      ({ind['status']}: {ind['note']})")
    lines.append("")
    lines.append(_("What would change the result:"))
    lines.extend("  " + s for s in _what_if_lines(exp["what_if"], lang=lang))
    return "\n".join(lines) + "\n"


def _what_if_lines(w: dict[str, Any], esc: Callable[[Any], str] = str, lang: str = "en") -> list[str]:
    """The what-if part as lines; `esc` escapes the scheme's texts (Markdown) or not (text)."""
    _ = translator(lang).gettext
    out = [esc(w["summary"])]
    for c in w.get("changes", []):
        title = esc(localised_title(c["title"], c.get("title_zh"), lang))
        if c["reachable"]:
            if c["required"] is None:
                out.append("- " + _("{title}: any value gives enough points").format(title=title))
                continue
            delta = "" if c["change"] is None else " " + _("(change {change})").format(change=f"{c['change']:+g}")
            source = ("; " + _("computed from {columns}").format(columns=", ".join(esc(n) for n in c["computed_from"]))
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


def to_markdown(exp: dict[str, Any], lang: str = "en") -> str:
    """The same explanation as a Markdown page, in `lang`; every text from the data or the scheme
    is escaped (`md_text`), so a unit name cannot become HTML, a link or emphasis."""
    _, grade, title = _words(exp, lang)
    u = exp["unit"]
    md = []
    if exp.get("data_label"):
        md.append(f"> **{md_text(data_label_text(exp['data_label'], lang))}**\n")
    name = (u.get("name_zh") or u["name"]) if lang == "zh" else u["name"]
    scheme_title = localised_title(exp["scheme"]["title"], exp["scheme"].get("title_zh"), lang)
    md += [
        f"# {md_text(name)} — {exp['year']}",
        "",
        f"*{md_text(scheme_title)}* ({md_code(exp['scheme']['id'])} "
        f"{md_text(exp['scheme']['version'])})",
        "",
        "**" + _("Total {total} / {points} — grade {grade} — rank {rank} of {units}").format(
            total=_fmt(exp["total"]), points=_fmt(exp["total_points"]), grade=md_text(grade(exp["grade"])),
            rank=exp["rank"], units=exp["cohort"]) + "**",
        "",
    ]
    for v in exp["vetoes"]:
        md.append("- " + _("**Veto** {title} ({clause}): grade capped at {grade}").format(
            title=md_text(title(v)), clause=md_code(v["clause"]), grade=md_text(grade(v["caps_grade_at"]))))
    if exp.get("provisional"):
        md.append("- " + _("**Provisional**: {reason}").format(reason=md_text(shown(exp["provisional"], lang))))
    if exp["rectification_notice"]:
        reading = "" if exp.get("rectification_status", "law") == "law" else f", {exp['rectification_status']}"
        md.append("- " + _("**Rectification notice** due ({clause})").format(
            clause=md_code(exp["rectification_clause"]) + reading))
    labels = exp.get("consequence_labels_zh") or {}
    for k, v in exp["consequences"].items():
        md.append(f"- {md_text(labels.get(k, k) if lang == 'zh' else k)}: {md_text(_fmt(v, lang))}")
    md.append("")
    md.append("| " + " | ".join(_(h) for h in _MD_HEADINGS) + " |")
    md.append("|---|---|---|---|---|---|---|---|")
    for dim in exp["dimensions"]:
        md.append(f"| **{md_text(title(dim))}** | {md_text(dim['clause'] or '')} | | | | | "
                  f"**{_fmt(dim['points'])} / {_fmt(dim['max_points'])}** | |")
        for ind in dim["indicators"]:
            raw = "<br>".join(f"{md_text(k)} = {_fmt(v, lang)}" for k, v in ind["raw"].items())
            md.append(
                f"| {md_text(title(ind))} | {md_code(ind['clause'])} | {raw} | {_fmt(ind['value'])} | "
                f"{_fmt(ind['target'])} | {md_text(ind['method'])} | {_fmt(ind['points'])} | "
                f"{md_text(ind['why'].replace('|', '/'))} |"
            )
    forms = [(ind, fig) for dim in exp["dimensions"] for ind in dim["indicators"]
             for fig in [None, *ind.get("figures", [])] if fig is not None or ind.get("given_as")]
    if forms:
        md.append("")
        for ind, fig in forms:
            if fig is None:
                md.append(f"- {md_text(title(ind))}: {md_text(ind['given_as'])}")
            else:
                md.append(f"- {md_text(title(ind))}: " + _(
                    "{field} {value} from {parameter} ({status}; {source})").format(
                    field=md_text(fig["field"]), value=_fmt(fig["value"]), parameter=md_code(fig["parameter"]),
                    status=md_text(fig["status"]), source=md_text(fig["source"])))
    quoted = [ind for dim in exp["dimensions"] for ind in dim["indicators"] if ind.get("source")]
    if quoted:
        md.append("")
        md.append("## " + _("Sources quoted"))
        md.append("")
        for ind in quoted:
            md.append(f"- {md_text(title(ind))} ({md_code(ind['clause'])}): “{md_text(ind['source'])}” "
                      f"{md_text(_(_ENGLISH_QUOTE))}")
    md.append("")
    md.append("## " + _("What would change the result"))
    md.append("")
    md.extend(_what_if_lines(exp["what_if"], md_text, lang))
    return "\n".join(md) + "\n"


_MD_HEADINGS = (N_("indicator"), N_("clause"), N_("raw"), N_("value"), N_("target"), N_("method"), N_("points"),
                N_("why"))


def grade_order(grade: str) -> int:
    return GRADES.index(grade)
