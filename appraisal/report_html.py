"""The HTML appraisal report: self-contained, from autoescaped templates, charts embedded, in
Chinese by default (English beside it where space allows) or in English.

Split from `appraisal.report` (which writes the folder and calls `write_html`), so the report a
meeting reads and the workbook and tables can change apart. The report's own words are English
msgids (`N_`) translated through the gettext catalog (catalog part `report.po`); the scheme's
labels (`title_zh` of indicators, dimensions and grades, units' Chinese names) are data and are
shown as the scheme gives them (`appraisal.labels`). Every value reaches the template as text
already formatted for the reader (是/否, grouped numbers, 2020年3月31日), never as a Python
object, so no dict, True/False, None or nan can appear on the page.
"""

from __future__ import annotations

import base64
import functools
import io
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from appraisal import labels
from appraisal.explain import Explanations
from appraisal.fonts import chart_context
from appraisal.messages import shown as in_language
from appraisal.scheme import GradeBand, Indicator, Scheme, reading_status
from appraisal.score import Appraisal
from appraisal.stability import Stability
from governance.i18n import N_, Translator, format_boolean, format_date, format_number, localised_digits, translator
from governance.rounding import round_half_up
from governance.trace import SOURCE_LABEL, SOURCE_LABEL_ZH

REPORT_ROWS = 500
"""Most units (by rank) in the HTML report's score and values tables; results.csv holds them all."""


# --- the report's words ------------------------------------------------------------------------

@dataclass(frozen=True)
class Said:
    """A phrase of the report in the reader's language; in a Chinese report its English beside it
    (`en`), shown smaller, so a reader of either language follows a meeting's copy."""

    text: str
    en: str | None = None


def say(tr: Translator, message: str, both: bool = True, **args: Any) -> Said:
    """`message` (an English msgid, `{fields}` filled after translation) in the reader's language."""
    english = message.format(**args) if args else message
    if tr.lang == "en":
        return Said(english)
    text = tr.gettext(message)
    text = text.format(**args) if args else text
    return Said(text, english if both and text != english else None)


STATUS_WORDS: dict[str, str] = {
    "law": N_("the plan's"),
    "drafter-reading": N_("drafter's choice"),
    "uncertain-reading": N_("uncertain reading"),
    "unstated": N_("drafter's choice (the scheme file states no source)"),
}
"""How a figure's status reads in the report: law is what the plan says; the others are readings."""

METHOD_WORDS: dict[str, str] = {
    "linear": N_("graded line from the floor to the target"),
    "steps": N_("steps: points at each threshold"),
    "ratio": N_("in proportion to the target"),
    "percentile": N_("rank within the cohort (percentile)"),
    "deduction": N_("points deducted per occurrence"),
    "veto": N_("veto item"),
}

DIRECTION_WORDS: dict[str, str] = {"higher": N_("higher is better"), "lower": N_("lower is better")}

FORM_WORDS: dict[str, str] = {
    "rate": N_("the published rate"),
    "parts": N_("computed from the counts"),
    "value": N_("the value as given"),
}

SCHEME_STATUS_WORDS: dict[str, str] = {"draft": N_("draft"), "adopted": N_("adopted")}

KIND_WORDS: dict[str, str] = {"indicator": N_("indicator"), "grade band": N_("grade band")}

_CUT_NOTES: dict[str, str] = {
    "units": N_("The first {shown} of {total} units by rank; {where} holds them all."),
    "rejections": N_("The first {shown} of {total} rejections; {where} holds them all."),
    "rows": N_("The first {shown} of {total} rows; {where} holds them all."),
}


def _status_word(tr: Translator, status: str) -> Said:
    return say(tr, STATUS_WORDS.get(status, STATUS_WORDS["unstated"]))


# --- numbers and cells -------------------------------------------------------------------------

def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def _number(value: float, lang: str) -> str:
    """Points and values to 2 decimals, half up (四舍五入, as people round), digits grouped."""
    rounded = Decimal(repr(round_half_up(float(value), 2))).quantize(Decimal("0.01"))  # exact: nothing rounds again
    return localised_digits(format(rounded, ",.2f"), lang)


def _whole(value: int, lang: str) -> str:
    """A whole number, digits grouped as the language groups them (1,130)."""
    return localised_digits(format(int(value), ","), lang)


def _figure(value: float, lang: str) -> str:
    """A threshold or weight as the scheme states it (90, 2.5, 0.95), digits grouped, no padding."""
    number = round_half_up(float(value), 6)
    return format_number(int(number) if number == int(number) else number, lang)


def _unit_suffix(unit: str, lang: str, bracket: bool = False) -> str:
    """A figure's unit: % for percent; otherwise the scheme's (English) unit word, in English only:
    the Chinese indicator title already says what is counted."""
    if unit.strip().lower() in ("percent", "%"):
        return "（%）" if bracket and lang == "zh" else (" (%)" if bracket else "%")
    if lang == "en" and unit.strip():
        return f" ({unit})" if bracket else f" {unit}"
    return ""


def _value_text(value: float, lang: str) -> str:
    """An indicator's value: a count as a whole number (1,130), a rate or ratio to 2 decimals."""
    if value == int(value) and abs(value) < 1e15:
        return _whole(int(value), lang)
    return _number(value, lang)


def _cell_text(value: Any, lang: str = "zh") -> str:
    """A value as the report shows it: 是/否, numbers to 2 decimals, nothing for a missing one."""
    if _missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return format_boolean(bool(value), lang)
    if isinstance(value, (float, np.floating)):
        return _number(value, lang)
    if isinstance(value, (int, np.integer)):
        return _whole(int(value), lang)
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


@dataclass(frozen=True)
class _Cell:
    """One table cell of the HTML report: text (escaped by the template), an optional link, and an
    optional id shown small beside a name (a unit's name, then its id)."""

    text: str
    href: str | None = None
    sub: str | None = None
    number: bool = False


@dataclass(frozen=True)
class _Table:
    columns: list[str]
    rows: list[list[_Cell]]
    note: Said | None = None


def _cell(value: Any, lang: str) -> _Cell:
    numeric = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    return _Cell(_cell_text(value, lang), number=numeric and not _missing(value))


def _unit_cell(unit_id: Any, name_zh: Any, name: Any, lang: str) -> _Cell:
    """A unit by its name in the reader's language, its id beside it: 东平镇卫生院（zhenghe-dongping-thc）."""
    uid = str(unit_id)
    zh = name_zh if isinstance(name_zh, str) and name_zh.strip() else None
    en = name if isinstance(name, str) and name.strip() else None
    shown = (zh or en) if lang == "zh" else (en or zh)
    if not shown or shown == uid:
        return _Cell(uid)
    return _Cell(shown, sub=f"（{uid}）" if lang == "zh" else f" ({uid})")


def _limit(max_rows: int | None) -> int:
    """The rows a table shows: `REPORT_ROWS` (read when the report is written) unless told."""
    return REPORT_ROWS if max_rows is None else max_rows


def _cut_note(tr: Translator, shown: int, total: int, what: str, where: str) -> Said | None:
    if shown >= total:
        return None
    return say(tr, _CUT_NOTES[what], shown=format_number(shown, tr.lang), total=format_number(total, tr.lang),
               where=where)


def _plain_table(tr: Translator, scheme: Scheme, frame: pd.DataFrame, what: str = "rows", where: str = "",
                 max_rows: int | None = None) -> _Table:
    """A frame as it is (rejected rows, stability, sensitivity): headings from `appraisal.labels`."""
    lang = tr.lang
    shown = frame.head(_limit(max_rows))
    columns = [labels.heading(str(c), scheme, lang) for c in shown.columns]
    titles = {i.id: i for i in scheme.indicators}
    rows = []
    for record in shown.to_dict(orient="records"):
        row = []
        for key, value in record.items():
            if key == "indicator" and value in titles:
                row.append(_Cell(_indicator_name(titles[value], lang)))
            elif key == "threshold" and isinstance(value, str):
                row.append(_Cell(threshold_name(tr, scheme, value)))
            elif key == "status" and isinstance(value, str):
                row.append(_Cell(_joined(_status_word(tr, value or "unstated"))))
            elif key == "reason" and not _missing(value):
                row.append(_Cell(in_language(value, lang)))  # a rejection's reason, in Chinese where it has a template
            elif key == "kind" and value in KIND_WORDS:
                row.append(_Cell(_pair(tr, KIND_WORDS[value])))
            else:
                row.append(_cell(value, lang))
        rows.append(row)
    return _Table(columns, rows, _cut_note(tr, len(shown), len(frame), what, where))


def _joined(said: Said) -> str:
    """A phrase and its English in one string ("起草人设定 drafter's choice"), for a table cell."""
    return f"{said.text} {said.en}" if said.en else said.text


_THRESHOLD_WORDS: dict[str, str] = {"floor": N_("floor"), "target": N_("target"), "cap": N_("cap")}
_STEP = re.compile(r"steps\[(\d+)\]\.at")
_BAND = re.compile(r"grade (\w+) from")


def threshold_name(tr: Translator, scheme: Scheme, code: str) -> str:
    """A threshold of the sensitivity table as officers name it ("转诊档案完整率：第 1 档" for
    `referral_file_completeness.steps[0].at`, "合格：下限" for a grade band's lower bound); a code
    it does not know, unchanged."""
    lang = tr.lang
    band = _BAND.fullmatch(code)
    if band:
        return say(tr, N_("{grade}: lower bound"), both=False,
                   grade=labels.grade_name(band.group(1), scheme, lang, both=False)).text
    ind_id, _, field = code.partition(".")
    titles = {i.id: i for i in scheme.indicators}
    if ind_id not in titles:
        return code
    name = _indicator_name(titles[ind_id], lang)
    step = _STEP.fullmatch(field)
    if step:
        what = say(tr, N_("step {number}"), both=False, number=int(step.group(1)) + 1).text
    elif field in _THRESHOLD_WORDS:
        what = say(tr, _THRESHOLD_WORDS[field], both=False).text
    else:
        return code
    return say(tr, N_("{indicator}: {threshold}"), both=False, indicator=name, threshold=what).text


def _pair(tr: Translator, message: str, both: bool = True) -> str:
    return _joined(say(tr, message, both))


def _indicator_name(ind: Indicator, lang: str) -> str:
    return (ind.title_zh or ind.title) if lang == "zh" else ind.title


# --- the score table and the values used -------------------------------------------------------

def _name_zh_column(res: pd.DataFrame) -> pd.Series:
    """Units' Chinese names: the results' `unit_name_zh` (from the data, the register or the scheme,
    `appraisal.score`); results without it give none, and each unit is shown by its name."""
    if "unit_name_zh" in res.columns:
        return res["unit_name_zh"]
    return pd.Series([None] * len(res), index=res.index, dtype=object)


def score_table(tr: Translator, app: Appraisal, links: dict[str, str] | None,
                max_rows: int | None = None) -> _Table:
    """Rank, unit, total, grade, veto, rectification, consequences and points by dimension."""
    lang, scheme, res = tr.lang, app.scheme, app.results
    consequence = [c.id for c in scheme.consequence_fields if c.id in res.columns]
    dims = [f"dimension.{d.id}" for d in scheme.dimensions if d.weight > 0 and f"dimension.{d.id}" in res.columns]
    codes = ["rank", "unit", "total", "grade", "vetoed_by", "rectification_notice", *consequence, *dims]
    columns = [labels.heading(c, scheme, lang) for c in codes]
    if links is not None:
        columns.append(_pair(tr, N_("Explanation")))
    shown = res.head(_limit(max_rows))
    names_zh = _name_zh_column(res).head(_limit(max_rows)).tolist()
    titles = {i.id: i for i in scheme.indicators}
    grades = {g: labels.grade_name(str(g), scheme, lang) for g in shown["grade"].unique()}
    data = {c: shown[c].tolist() for c in ("rank", "unit_id", "unit_name", "total", "grade", "vetoed_by",
                                           "rectification_notice", *consequence, *dims)}
    rows = []
    for k, uid in enumerate(data["unit_id"]):
        vetoed_by = data["vetoed_by"][k]
        vetoes = [] if _missing(vetoed_by) else [v for v in str(vetoed_by or "").split(";") if v]
        row = [_cell(data["rank"][k], lang), _unit_cell(uid, names_zh[k], data["unit_name"][k], lang),
               _cell(data["total"][k], lang), _Cell(grades[data["grade"][k]]),
               _Cell(("、" if lang == "zh" else ", ").join(
                   _indicator_name(titles[v], lang) if v in titles else v for v in vetoes)),
               _cell(bool(data["rectification_notice"][k]), lang)]
        row += [_cell(data[c][k], lang) for c in (*consequence, *dims)]
        if links is not None:
            href = links.get(uid)
            row.append(_Cell(str(uid), quote(href)) if href else _Cell(""))
        rows.append(row)
    return _Table(columns, rows, _cut_note(tr, len(shown), len(res), "units", "results.csv"))


def values_table(tr: Translator, app: Appraisal, max_rows: int | None = None) -> _Table:
    """Each unit's indicator values, the figures its points were computed from (a veto as 是/否)."""
    lang, scheme, res = tr.lang, app.scheme, app.results
    inds = [i for i in scheme.indicators if f"value.{i.id}" in res.columns]
    columns = [labels.heading("unit", scheme, lang),
               *[_indicator_name(i, lang) + _unit_suffix(i.unit, lang, bracket=True) for i in inds]]
    shown = res.head(_limit(max_rows))
    names_zh = _name_zh_column(res).head(_limit(max_rows)).tolist()
    yes_no = {i.id for i in inds if i.is_veto and getattr(scheme.columns.get(i.value or ""), "type", "") == "boolean"}
    values = {i.id: shown[f"value.{i.id}"].tolist() for i in inds}
    rows = []
    for k, (uid, name) in enumerate(zip(shown["unit_id"].tolist(), shown["unit_name"].tolist(), strict=True)):
        row = [_unit_cell(uid, names_zh[k], name, lang)]
        for ind in inds:
            value = values[ind.id][k]
            if _missing(value):
                row.append(_Cell("—"))
            elif ind.id in yes_no:
                row.append(_Cell(format_boolean(bool(value), lang)))
            else:
                row.append(_Cell(_value_text(float(value), lang), number=True))
        rows.append(row)
    return _Table(columns, rows, _cut_note(tr, len(shown), len(res), "units", "results.csv"))


def grade_table(tr: Translator, app: Appraisal) -> _Table:
    """Units per grade, best grade first, with each grade's share of the units scored."""
    lang, scheme = tr.lang, app.scheme
    counts = app.results["grade"].value_counts()
    total = len(app.results)
    order = [b.grade for b in scheme.grades]
    order += sorted(str(g) for g in counts.index if g not in order)
    rows = []
    for grade in order:
        n = int(counts.get(grade, 0))
        share = f"{format_number(round_half_up(100 * n / total, 1), lang)}%" if total else "—"
        rows.append([_Cell(labels.grade_name(grade, scheme, lang)), _Cell(format_number(n, lang), number=True),
                     _Cell(share, number=True)])
    rows.append([_Cell(_pair(tr, N_("All units"))), _Cell(format_number(total, lang), number=True),
                 _Cell("100%" if total else "—", number=True)])
    return _Table([labels.heading("grade", scheme, lang), _pair(tr, N_("Number of units")),
                   _pair(tr, N_("Share"))], rows)


# --- indicators, thresholds and grade bands ----------------------------------------------------

@dataclass(frozen=True)
class FigureRow:
    """One figure an indicator is scored by (its weight, floor, target, a step…), with where it comes
    from: the plan (law), a drafter's choice, or an uncertain reading, and the words saying so."""

    item: Said
    value: str
    status: str
    status_words: Said
    source: str
    reading: str


def _own_status(ind: Indicator) -> str:
    return reading_status(ind.status)


def indicator_figures(tr: Translator, ind: Indicator) -> list[FigureRow]:
    """The weight and every threshold of an indicator, each with its status: a figure taken from a
    parameter carries the parameter's status, source and reading; any other, the indicator's own
    status (its source and note are the indicator's, shown once beside the table)."""
    lang = tr.lang
    by_field = {f.field: f for f in ind.figures}
    rows: list[FigureRow] = []

    def add(item: Said, value: str, field: str | None = None) -> None:
        fig = by_field.get(field or "")
        if fig is not None:
            status, source, reading = fig.status, fig.source, fig.reading or ""
        else:  # the indicator's own figure: its source and note are shown once, above the table
            status, source, reading = _own_status(ind), "", ""
        rows.append(FigureRow(item, value, status, _status_word(tr, status), source, reading))

    unit = _unit_suffix(ind.unit, lang)
    if not ind.is_veto:
        add(say(tr, N_("Weight (points)")), _figure(ind.weight, lang))
    if ind.floor is not None:
        add(say(tr, N_("Floor: no points at or beyond it")), _figure(ind.floor, lang) + unit, "floor")
    if ind.target is not None and ind.method != "percentile":
        add(say(tr, N_("Target: full points")), _figure(ind.target, lang) + unit, "target")
    if ind.cap is not None and ind.method == "ratio":
        add(say(tr, N_("Cap on the ratio to the target")), _figure(ind.cap, lang), "cap")
    for k, step in enumerate(ind.steps):
        add(say(tr, N_("Step {number}: points from this value"), number=k + 1),
            say(tr, N_("{value} → {points} points"), both=False, value=_figure(step.at, lang) + unit,
                points=_figure(step.points, lang)).text, f"steps[{k}].at")
    if ind.per_occurrence is not None:
        add(say(tr, N_("Points deducted per occurrence")), _figure(ind.per_occurrence, lang))
    if ind.max_deduction is not None:
        add(say(tr, N_("Most points deducted")), _figure(ind.max_deduction, lang))
    if ind.is_veto and ind.veto_grade:
        add(say(tr, N_("Grade at most, when it applies")), labels.grade_name(ind.veto_grade, None, lang))
    return rows


def band_status(band: GradeBand) -> str:
    """A grade band carries no status in the scheme format: no plan in the project sets a band, so
    the report marks it the drafter's (drafter's choice, stated as such)."""
    return str(getattr(band, "status", None) or "unstated")


@dataclass(frozen=True)
class _IndicatorView:
    title: str
    title_en: str | None
    code: str
    facts: list[tuple[Said, str]]
    formula: str | None
    figures: list[FigureRow]
    source: str | None
    """The plan's sentence the indicator rests on: the English translation, labelled as such."""
    note: str | None
    """The drafter's note: why the figures are what they are."""


@dataclass(frozen=True)
class _DimensionView:
    title: str
    title_en: str | None
    weight: str
    clause: str
    indicators: list[_IndicatorView]


def indicator_views(tr: Translator, scheme: Scheme) -> list[_DimensionView]:
    """Per dimension, per indicator: its title, how its value is computed and its figures."""
    lang = tr.lang
    out = []
    for dim in scheme.dimensions:
        views = []
        for ind in dim.indicators:
            facts = [(say(tr, N_("Method")), _pair(tr, METHOD_WORDS.get(ind.method, ind.method), both=False)),
                     (say(tr, N_("Direction")), _pair(tr, DIRECTION_WORDS.get(ind.direction, ind.direction),
                                                      both=False)),
                     (say(tr, N_("Clause")), ind.clause)]
            if ind.form:
                facts.append((say(tr, N_("Data given as")), _pair(tr, FORM_WORDS.get(ind.form, ind.form),
                                                                  both=False)))
            formula = ind.formula if ind.formula is not None else ind.value
            views.append(_IndicatorView(
                _indicator_name(ind, lang), ind.title if lang == "zh" and ind.title_zh else None, ind.id,
                facts, formula, indicator_figures(tr, ind), ind.source, ind.note))
        out.append(_DimensionView(
            (dim.title_zh or dim.title) if lang == "zh" else dim.title,
            dim.title if lang == "zh" and dim.title_zh else None,
            _figure(dim.weight, lang), dim.clause or "", views))
    return out


def band_table(tr: Translator, scheme: Scheme) -> _Table:
    """The grade bands: the totals each grade takes, and the status of each lower bound."""
    lang = tr.lang
    rows = []
    for band in scheme.grades:
        upper = (say(tr, N_("{low} to below {high}"), both=False, low=_figure(band.min, lang),
                     high=_figure(band.max, lang)).text if band.max is not None
                 else say(tr, N_("{low} and above"), both=False, low=_figure(band.min, lang)).text)
        status = band_status(band)
        said = _status_word(tr, status)
        rows.append([_Cell(labels.grade_name(band.grade, scheme, lang)), _Cell(upper),
                     _Cell(_joined(said))])
    rectification = _status_word(tr, scheme.rectification_status)
    rows.append([_Cell(_pair(tr, N_("Rectification notice"))),
                 _Cell(say(tr, N_("below {grade}"), both=False,
                           grade=labels.grade_name(scheme.rectification_below, scheme, lang, both=False)).text
                       + f" ({scheme.rectification_clause})"),
                 _Cell(_joined(rectification))])
    return _Table([labels.heading("grade", scheme, lang), _pair(tr, N_("Total points")),
                   labels.heading("status", scheme, lang)], rows)


# --- charts ------------------------------------------------------------------------------------

def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def charts(app: Appraisal, lang: str = "zh") -> dict[str, str]:
    """Base64 PNGs: distribution of totals with grade bands; points by dimension per unit.

    Titles, axes, the legend (dimension titles), grade names and unit names are Chinese in a
    Chinese report: drawn with the CJK font of `appraisal.fonts` (in an rc_context, so no global
    setting changes)."""
    with chart_context():
        return _charts(app, lang)


def _charts(app: Appraisal, lang: str = "zh") -> dict[str, str]:
    return {name: _png(fig) for name, fig in chart_figures(app, lang).items()}


def chart_figures(app: Appraisal, lang: str = "zh") -> dict[str, Any]:
    """The report's two matplotlib figures, not yet saved (the tests read their texts and fonts);
    draw them inside `appraisal.fonts.chart_context()`."""
    tr = translator(lang)
    _ = tr.gettext
    scheme, res = app.scheme, app.results
    synthetic = _(" (SYNTHETIC)") if app.label else ""
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.hist(res["total"].to_numpy(dtype=float), bins=min(20, max(5, len(res))), color="#2E75B6",
            edgecolor="white")
    for band in scheme.grades:
        if band.min > 0:
            ax.axvline(band.min, color="#C00000", linestyle="--", linewidth=1)
            ax.text(band.min, ax.get_ylim()[1] * 0.95, " " + labels.grade_name(band.grade, scheme, lang, both=False),
                    color="#C00000", fontsize=8, va="top")
    ax.set_xlabel(_("total points"))
    ax.set_ylabel(_("units"))
    ax.set_title(_("Distribution of totals, {year}").format(year=app.year) + synthetic)
    figures = {"distribution": fig}
    dims = [d for d in scheme.dimensions if d.weight > 0]
    shown = res.head(40)
    names = [_unit_name(uid, zh, name, lang) for uid, zh, name in
             zip(shown["unit_id"], _name_zh_column(res).head(40), shown["unit_name"], strict=True)]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(shown) + 1.5))
    left = pd.Series(0.0, index=shown.index)
    for dim in dims:
        vals = shown[f"dimension.{dim.id}"]
        ax.barh(names, vals, left=left, label=(dim.title_zh or dim.title) if lang == "zh" else dim.title)
        left = left + vals
    ax.invert_yaxis()
    ax.set_xlabel(_("points"))
    if dims:
        ax.legend(fontsize=7, loc="lower right")
    ax.set_title(_("Points by dimension") + (_(" (first 40 by rank)") if len(res) > 40 else "") + synthetic)
    figures["dimensions"] = fig
    return figures


def _unit_name(unit_id: Any, name_zh: Any, name: Any, lang: str) -> str:
    cell = _unit_cell(unit_id, name_zh, name, lang)
    return cell.text


# --- the page ----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    """The report templates, autoescaped: a unit name is text, never markup or script."""
    return jinja2.Environment(loader=jinja2.PackageLoader("appraisal", "templates"),
                              autoescape=jinja2.select_autoescape(), undefined=jinja2.StrictUndefined)


_HEADINGS: dict[str, str] = {
    "grades": N_("Grades"),
    "distribution": N_("Distribution of totals"),
    "dimensions": N_("Points by dimension"),
    "scores": N_("Scores"),
    "indicators": N_("Indicators and thresholds"),
    "bands": N_("Grade bands"),
    "values_used": N_("Values used, per unit"),
    "rejected": N_("Rejected rows"),
    "sensitivity": N_("Threshold sensitivity (each threshold ±5%)"),
    "notes": N_("Notes"),
    "data_label": N_("Data"),
    "scheme": N_("Scheme"),
    "version": N_("Version"),
    "status": N_("Status"),
    "jurisdiction": N_("Jurisdiction"),
    "year": N_("Year appraised"),
    "in_force": N_("In force"),
    "scored": N_("Units scored"),
    "rows_rejected": N_("Rows rejected"),
    "formula": N_("How the value is computed"),
    "plan_text": N_("The plan's words"),
    "drafter_note": N_("Note on the figures"),
    "see_above": N_("the indicator's, above"),
    "item": N_("Figure"),
    "value": N_("Value"),
    "figure_status": N_("Set by"),
    "source": N_("Source and reading"),
    "none": N_("No row was rejected."),
    "weight": N_("Weight"),
    "provisional": N_("Provisional"),
    "absent": N_("Units expected but absent from the data"),
    "figures_note": N_("Every threshold and weight is marked: the plan's (set by the plan itself), drafter's "
                       "choice (set by the drafter of this scheme where the plan gives no figure) or uncertain "
                       "reading (the plan's words allow more than one figure). Quoted sources are English "
                       "translations of the plans."),
    "values_note": N_("The value of each indicator the points were computed from; — where the unit had no value."),
    "sensitivity_note": N_("Units whose grade changes if one threshold (an indicator's floor, target or step, or a "
                           "grade band's lower bound) moves by 5% down or up, all else as it is."),
}


def _stability_view(tr: Translator, app: Appraisal, stab: Stability | None) -> dict[str, Any] | None:
    if stab is None:
        return None
    lang = tr.lang
    return {
        "heading": say(tr, N_("Stability of the ranking (weights ±{delta})"), delta=f"{stab.delta:.0%}"),
        "text": say(tr, N_("Joint random moves of all weights ({draws} seeded draws): at most {grades} unit(s) "
                           "change grade (mean {mean}); at most {ranks} change rank."),
                    draws=format_number(stab.joint_draws, lang),
                    grades=format_number(stab.joint_max_grade_changes, lang),
                    mean=_number(stab.joint_mean_grade_changes, lang),
                    ranks=format_number(stab.joint_max_rank_changes, lang)),
        "table": _plain_table(tr, app.scheme, stab.one_at_a_time),
    }


def _rejections(rejected: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The rejected rows with one reason column in the reader's language: in Chinese the
    `reason_zh` the validation gives, else the reason's own translation."""
    if "reason_zh" not in rejected.columns:
        return rejected
    shown = rejected.drop(columns=["reason_zh"])
    if lang == "zh" and "reason" in shown.columns:
        given = rejected["reason_zh"].where(rejected["reason_zh"].notna() & (rejected["reason_zh"] != ""))
        shown["reason"] = given.fillna(rejected["reason"]).astype(object)
    return shown


def report_title(tr: Translator, scheme: Scheme, year: int) -> str:
    """"政和县医联体成员单位年度绩效考核 2019年度考核报告", or the English title and year."""
    name = (scheme.title_zh or scheme.title) if tr.lang == "zh" else scheme.title
    return say(tr, N_("{scheme} — appraisal report {year}"), both=False, scheme=name, year=year).text


def _summary(tr: Translator, app: Appraisal, headings: dict[str, Said]) -> list[tuple[Said, str]]:
    scheme, lang = app.scheme, tr.lang
    until = format_date(scheme.effective_until, lang) if scheme.effective_until else _pair(tr, N_("open"), False)
    in_force = say(tr, N_("{start} to {end}"), both=False, start=format_date(scheme.effective_from, lang),
                   end=until).text
    rejected = app.validated.rejected
    status = _pair(tr, SCHEME_STATUS_WORDS.get(scheme.status, scheme.status))
    fields = [(headings["scheme"], f"{(scheme.title_zh or scheme.title) if lang == 'zh' else scheme.title} "
                                   f"({scheme.id})"),
              (headings["version"], scheme.version), (headings["status"], status),
              (headings["jurisdiction"], scheme.jurisdiction), (headings["in_force"], in_force),
              (headings["year"], str(app.year)),
              (headings["scored"], format_number(len(app.results), lang)),
              (headings["rows_rejected"],
               format_number(int(rejected["row"].nunique()) if len(rejected) else 0, lang))]
    if app.label:
        fields.insert(0, (headings["data_label"], app.label))
    return fields


def render(app: Appraisal, explanations: Explanations | None, stab: Stability | None,
           explanation_links: dict[str, str] | None = None, outputs_note: str | None = None,
           lang: str = "zh") -> str:
    """The report's HTML text in `lang` (zh: Chinese with English beside it; en: English)."""
    tr = translator(lang)
    lang = tr.lang
    rejected = app.validated.rejected
    headings = {key: say(tr, message) for key, message in _HEADINGS.items()}
    sensitivity = getattr(app, "sensitivity", None)
    provisional = getattr(app, "provisional_reason", None)
    absent = list(app.validated.missing_units or [])
    return _templates().get_template("report.html").render(
        lang_tag="zh-CN" if lang == "zh" else "en",
        title=report_title(tr, app.scheme, app.year),
        label=app.label, h=headings,
        summary=_summary(tr, app, headings),
        grades=grade_table(tr, app),
        notes=[in_language(note, lang) for note in app.notes], charts=charts(app, lang),
        outputs_note=in_language(outputs_note, lang) if outputs_note else None,
        scores=score_table(tr, app, explanation_links or None),
        values=values_table(tr, app),
        dimensions=indicator_views(tr, app.scheme),
        bands=band_table(tr, app.scheme),
        rejected=(_plain_table(tr, app.scheme, _rejections(rejected, lang), "rejections", "rejected.csv")
                  if len(rejected) else None),
        stability=_stability_view(tr, app, stab),
        sensitivity=(_plain_table(tr, app.scheme, sensitivity)
                     if isinstance(sensitivity, pd.DataFrame) and len(sensitivity) else None),
        provisional=in_language(provisional, lang) if provisional else None,
        source_label=Said(SOURCE_LABEL) if lang == "en" else Said(SOURCE_LABEL_ZH, SOURCE_LABEL),
        absent=say(tr, N_("{count} unit(s): {units}"), both=False, count=format_number(len(absent), lang),
                   units=("、" if lang == "zh" else ", ").join(_absent_names(app.scheme, absent, lang))).text
        if absent else None,
    )


def _absent_names(scheme: Scheme, unit_ids: list[str], lang: str) -> list[str]:
    """Units expected but without a row, by the scheme's names where it lists them."""
    known = {u.id: u for u in scheme.units}
    names = []
    for uid in unit_ids:
        unit = known.get(str(uid))
        cell = _unit_cell(uid, unit.name_zh if unit else None, unit.name if unit else None, lang)
        names.append(cell.text + (cell.sub or ""))
    return names


def write_html(
    path: Path, app: Appraisal, explanations: Explanations | None, stab: Stability | None,
    explanation_links: dict[str, str] | None = None, outputs_note: str | None = None, lang: str = "zh",
) -> Path:
    """A self-contained HTML report with the charts embedded, in Chinese unless `lang` is "en";
    long tables are cut at `REPORT_ROWS`. `explanations` is the caller's (`appraisal.report`): the
    report reads everything it shows from the appraisal and links each unit's explanation file."""
    path.write_text(render(app, explanations, stab, explanation_links, outputs_note, lang), encoding="utf-8")
    return path
