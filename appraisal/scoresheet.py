"""The per-unit scoring sheet (考核评分表): one unit's appraisal on one printed A4 page, to be signed.

Officers print the result for each unit, have it signed by the appraiser and by the unit's head,
and file it. A sheet holds the title ("<scheme> 考核评分表 2019年度"), the unit (its Chinese name
beside its id), one row per indicator (指标, 数据, 标准, 满分, 得分, 扣分, 否决项), the total, the
grade, the consequences, the data label (模拟数据，非真实 for the examples) and the signature lines.

Why one worksheet per unit (for runs up to `SCORESHEET_UNITS` units) rather than one long sheet
with page breaks: each unit's sheet prints by itself (an officer selects the unit's tab and prints),
its header row repeats on its own second page if it runs over, and its title, unit and signature
lines belong to it alone; a single sheet would repeat one set of print titles for every unit. Above
`SCORESHEET_UNITS` units the tab strip stops being usable and the workbook has no scoring sheets
(the Scores and Explanations sheets still hold every number).

Print set-up: A4 (`set_paper(9)`), portrait, fitted to one page wide (`fit_to_pages(1, 0)`, as many
pages tall as needed), 1.5 cm margins, the header row repeated, the print area set, centred, page
numbers in the footer; every cell in a CJK font with wrapped text. The font is SimSun (宋体), which
every Chinese Windows has, with the GB2312 character set declared, so an application without SimSun
(LibreOffice on Linux) substitutes a Chinese font (Noto Sans CJK SC) rather than a Latin one.
Every text is written as a string after `neutral_text`: no cell is ever a formula.
"""

from __future__ import annotations

import math
import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from appraisal.explain import Explanations
from appraisal.labels import data_label_text, grade_name, heading, pair, unit_label, yes_no
from appraisal.messages import shown as shown_message
from appraisal.safe_cells import neutral_text
from appraisal.scheme import Indicator, Scheme
from appraisal.score import Appraisal
from governance.i18n import N_, localised_digits, localised_title, translator
from governance.rounding import round_half_up

SCORESHEET_UNITS = 200
"""Most units of a run that get a scoring sheet each (module doc)."""

CJK_FONT = "SimSun"
"""宋体: on every Chinese Windows; declared with the GB2312 character set so another program
substitutes a Chinese font (Noto Sans CJK SC) for it, never a Latin one."""
GB2312_CHARSET = 134

COLUMNS: tuple[tuple[str, int], ...] = (("indicator", 26), ("data", 30), ("target", 24), ("max_points", 8),
                                        ("points", 8), ("deduction", 8), ("veto", 10))
"""(code, width) of the indicator table: 指标, 数据, 标准, 满分, 得分, 扣分, 否决项."""

_TITLE = N_("{scheme} scoring sheet, {year}")
_UNIT = N_("Unit appraised")
_TOTAL = N_("Total score")
_GRADE = N_("Grade")
_RANK = N_("Rank")
_RANK_OF = N_("{rank} of {units}")
_VETOES = N_("Veto items")
_NONE = N_("none")
_CONSEQUENCES = N_("Consequences")
_NOTICE = N_("Rectification notice due")
_PROVISIONAL = N_("Provisional")
_GRADE_BY_POINTS = N_("by points alone: {grade}")
_DRAFTER = N_("(drafter's choice)")
_UNCERTAIN = N_("(uncertain reading)")
_FOOTNOTE_DRAFTER = N_("(drafter's choice): a figure the plan does not state, chosen by the drafter of these "
                       "rules; replace it with the county's own before relying on it.")
_FOOTNOTE_UNCERTAIN = N_("(uncertain reading): a figure read from the plan where its text allows more than one "
                         "reading.")
_SIGN_APPRAISER = N_("Appraiser (signature): ______________    Date: ______ (year) ____ (month) ____ (day)")
_SIGN_UNIT = N_("Head of the unit appraised (signature): ______________    Date: ______ (year) ____ (month) "
                "____ (day)")
_PAGE = N_("Page &P of &N")
_COMPUTED = N_("computed: {formula} = {value}")
_NO_VALUE = N_("no value: 0 points")
_FORMS = {"rate": N_("given as a published rate"), "parts": N_("computed from the counts"),
          "value": N_("as given")}
_LINEAR = N_("floor {floor}, full marks at {target}")
_STEP = N_("{at} or better: {points} points")
_STEP_LOWER = N_("{at} or lower: {points} points")
_RATIO = N_("target {target} (score in proportion, capped at {cap} times)")
_PERCENTILE = N_("by rank within the cohort (percentile)")
_DEDUCTION = N_("{per} points off per occurrence, at most {most}")
_VETO = N_("if yes: grade at most {grade}")


@dataclass(frozen=True)
class ScoreSheet:
    """One unit's scoring sheet, written into a workbook by `write_into` (not a plain table)."""

    name: str
    app: Appraisal
    exp: dict[str, Any]
    lang: str
    targets: dict[str, str] = field(default_factory=dict)
    """Each indicator's 标准 text, the same for every unit: made once per run."""

    def write_into(self, book: Any) -> None:
        _write(book, self)


def scoresheet_sheets(app: Appraisal, explanations: Explanations, lang: str) -> list[ScoreSheet]:
    """A scoring sheet per unit in rank order, each named after its unit (unique, ≤ 31 characters)."""
    taken: set[str] = set()
    targets = {ind.id: target_text(ind, app.scheme, lang) for ind in app.scheme.indicators}
    sheets = []
    for exp in explanations:
        unit = exp["unit"]
        shown = (unit.get("name_zh") if lang == "zh" else None) or unit.get("name") or unit["id"]
        sheets.append(ScoreSheet(_unique_name(str(shown), taken), app, exp, lang, targets))
    return sheets


_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\']")


def _unique_name(text: str, taken: set[str]) -> str:
    """A sheet name Excel accepts: none of []:*?/\\ (nor a quote), at most 31 characters, unique
    (case-insensitively) among the workbook's sheets; the reserved name History avoided."""
    base = _NOT_IN_SHEET_NAMES.sub("_", " ".join(text.split())).strip() or "unit"
    if base.lower() == "history":
        base += "_"
    name, k = base[:31], 1
    while name.lower() in taken:
        k += 1
        suffix = f"({k})"
        name = base[:31 - len(suffix)] + suffix
    taken.add(name.lower())
    return name


# --- the cells --------------------------------------------------------------------------------

def _number(value: float | None, lang: str, digits: int = 2) -> str:
    """A figure as printed: rounded half up (四舍五入), grouped as the language groups digits
    (39,711), no trailing zeros (15, 13.99)."""
    if value is None or value != value:
        return "—"
    rounded = round_half_up(float(value), digits)
    if not math.isfinite(rounded):
        return str(rounded)
    exact = Decimal(repr(rounded + 0.0))  # + 0.0: no "-0"
    text = format(exact.to_integral_value() if exact == exact.to_integral_value() else exact.normalize(), ",f")
    return localised_digits(text, lang)


def _mark(ind: Indicator, lang: str) -> str:
    """（起草人设定） beside a figure that is the drafter's, （存疑解读） beside an uncertain reading."""
    gettext = translator(lang).gettext
    status = ind.status
    if status in ("drafter-choice", "drafter-reading"):
        return gettext(_DRAFTER)
    if status == "uncertain-reading":
        return gettext(_UNCERTAIN)
    return ""


def target_text(ind: Indicator, scheme: Scheme, lang: str) -> str:
    """The indicator's thresholds in words (标准), marked when the drafter chose them."""
    gettext = translator(lang).gettext
    unit = "%" if _is_percent(ind) else ""

    def n(x: float | None) -> str:
        return _number(x, lang, 4) + unit

    if ind.method == "linear":
        text = gettext(_LINEAR).format(floor=n(ind.floor), target=n(ind.target))
    elif ind.method == "steps":
        step = _STEP if ind.direction == "higher" else _STEP_LOWER
        sep = "；" if lang == "zh" else "; "
        text = sep.join(gettext(step).format(at=n(s.at), points=_number(s.points, lang)) for s in ind.steps)
    elif ind.method == "ratio":
        text = gettext(_RATIO).format(target=n(ind.target), cap=_number(ind.cap if ind.cap is not None else 1, lang))
    elif ind.method == "percentile":
        text = gettext(_PERCENTILE)
    elif ind.method == "deduction":
        text = gettext(_DEDUCTION).format(per=_number(ind.per_occurrence, lang), most=_number(
            ind.max_deduction if ind.max_deduction is not None else ind.weight, lang))
    elif ind.method == "veto":
        text = gettext(_VETO).format(grade=grade_name(ind.veto_grade or "fail", scheme, lang, both=False))
    else:
        text = ind.method
    mark = _mark(ind, lang)
    return f"{text}{mark}" if lang == "zh" else f"{text} {mark}".strip()


def _is_percent(ind: Indicator) -> bool:
    unit = ind.unit.strip().lower()
    return "%" in unit or "percent" in unit


def data_text(ind: Indicator, item: dict[str, Any], scheme: Scheme, lang: str) -> str:
    """The values the indicator was scored on (数据): each raw column by its label, the computed
    value, and the form the data gave it in (a published rate, or the counts)."""
    gettext = translator(lang).gettext
    lines = []
    for name, value in item["raw"].items():
        col = scheme.columns.get(name)
        label = localised_title(name, col.label_zh if col else None, lang)
        if isinstance(value, bool):
            shown = yes_no(value, lang)
        elif value is None:
            shown = "—"
        else:
            shown = _number(value, lang, 4) + ("%" if col is not None and col.type == "percent" else "")
        lines.append(f"{label}：{shown}" if lang == "zh" else f"{label}: {shown}")
    if item.get("computed") and item.get("value") is not None:
        lines.append(gettext(_COMPUTED).format(formula=item["computed"], value=_number(item["value"], lang, 4)))
    elif item.get("value") is None and not ind.is_veto:
        lines.append(gettext(_NO_VALUE))
    if ind.form in _FORMS and ind.formula:
        lines.append(f"（{gettext(_FORMS[ind.form])}）" if lang == "zh" else f"({gettext(_FORMS[ind.form])})")
    return "\n".join(lines)


def indicator_rows(exp: dict[str, Any], scheme: Scheme, lang: str,
                   targets: dict[str, str] | None = None) -> Iterator[tuple[str, Any]]:
    """("dimension", (title, points, max)) and ("indicator", cells) in scheme order; `targets`
    the 标准 texts when already made."""
    targets = targets if targets is not None else {
        ind.id: target_text(ind, scheme, lang) for ind in scheme.indicators}
    for dim in exp["dimensions"]:
        title = pair(dim.get("title_zh") or dim["title"], dim["title"], lang, both=False)
        yield "dimension", (title, dim["points"], dim["max_points"])
        for item in dim["indicators"]:
            ind = scheme.indicator(item["id"])
            name = localised_title(ind.title, ind.title_zh, lang)
            cell = f"{name}\n{ind.clause}"
            if ind.is_veto:
                hit = bool(item.get("triggered"))
                veto = yes_no(hit, lang)
                yield "indicator", (cell, data_text(ind, item, scheme, lang), targets[ind.id],
                                    None, None, None, veto)
                continue
            points = item["points"] or 0.0
            lost = max(0.0, round_half_up(float(item["max_points"]) - float(points), 4))
            yield "indicator", (cell, data_text(ind, item, scheme, lang), targets[ind.id],
                                round_half_up(float(item["max_points"]), 2), round_half_up(float(points), 2),
                                round_half_up(lost, 2), "—")


def footer_rows(exp: dict[str, Any], scheme: Scheme, lang: str) -> list[tuple[str, str]]:
    """(label, text) rows under the indicator table: total, grade, rank, vetoes, consequences."""
    gettext = translator(lang).gettext

    def label(msg: str) -> str:
        return pair(translator("zh").gettext(msg), msg, lang)

    sep = "；" if lang == "zh" else "; "
    total = f"{_number(exp['total'], lang)} / {_number(exp['total_points'], lang)}"
    grade = grade_name(exp["grade"], scheme, lang)
    if exp["grade"] != exp["grade_by_points"]:
        by = gettext(_GRADE_BY_POINTS).format(grade=grade_name(exp["grade_by_points"], scheme, lang, both=False))
        grade += f"（{by}）" if lang == "zh" else f" ({by})"
    titles = {i.id: localised_title(i.title, i.title_zh, lang) for i in scheme.indicators}
    vetoes = sep.join(f"{titles.get(v['id'], v['id'])}（{v['clause']}）" if lang == "zh"
                      else f"{titles.get(v['id'], v['id'])} ({v['clause']})" for v in exp["vetoes"])
    rows = [(label(_TOTAL), total), (label(_GRADE), grade),
            (label(_RANK), gettext(_RANK_OF).format(rank=exp["rank"], units=exp["cohort"])),
            (label(_VETOES), vetoes or gettext(_NONE))]
    consequences = []
    for key, value in exp["consequences"].items():
        shown = yes_no(value, lang) if isinstance(value, bool) else (
            _number(value, lang, 4) if isinstance(value, int | float) else str(value))
        name = heading(key, scheme, lang, both=False)
        consequences.append(f"{name}：{shown}" if lang == "zh" else f"{name}: {shown}")
    notice = yes_no(bool(exp["rectification_notice"]), lang)
    consequences.append(f"{gettext(_NOTICE)}：{notice}（{exp['rectification_clause']}）" if lang == "zh"
                         else f"{gettext(_NOTICE)}: {notice} ({exp['rectification_clause']})")
    rows.append((label(_CONSEQUENCES), "\n".join(consequences)))
    if exp.get("provisional"):
        rows.append((label(_PROVISIONAL), shown_message(exp["provisional"], lang)))
    return rows


# --- writing ----------------------------------------------------------------------------------

_BOOK_FORMATS: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def _formats(book: Any) -> dict[str, Any]:
    """The scoring sheets' cell formats, made once per workbook (not once per unit's sheet)."""
    if book not in _BOOK_FORMATS:
        _BOOK_FORMATS[book] = _new_formats(book)
    return _BOOK_FORMATS[book]


def _new_formats(book: Any) -> dict[str, Any]:
    base = {"font_name": CJK_FONT, "font_charset": GB2312_CHARSET, "font_size": 10, "text_wrap": True,
            "valign": "top"}
    cell = {**base, "border": 1}
    return {
        "title": book.add_format({**base, "bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}),
        "label": book.add_format({**base, "bold": True, "font_color": "#C00000"}),
        "unit": book.add_format({**base, "bold": True, "font_size": 11}),
        "header": book.add_format({**cell, "bold": True, "align": "center", "valign": "vcenter",
                                   "bg_color": "#D9E1F2"}),
        "dimension": book.add_format({**cell, "bold": True, "bg_color": "#F2F2F2"}),
        "dimension_number": book.add_format({**cell, "bold": True, "bg_color": "#F2F2F2", "num_format": "0.##"}),
        "text": book.add_format(cell),
        "number": book.add_format({**cell, "num_format": "0.##", "align": "right"}),
        "centre": book.add_format({**cell, "align": "center"}),
        "foot_label": book.add_format({**cell, "bold": True}),
        "note": book.add_format({**base, "font_size": 9, "italic": True}),
        "plain": book.add_format(base),
    }


def _write(book: Any, sheet: ScoreSheet) -> None:
    """The sheet row by row, top to bottom (the workbook is in constant-memory mode)."""
    app, exp, lang = sheet.app, sheet.exp, sheet.lang
    scheme = app.scheme
    gettext = translator(lang).gettext
    f = _formats(book)
    ws = book.add_worksheet(sheet.name)
    last = len(COLUMNS) - 1
    for c, (_, width) in enumerate(COLUMNS):
        ws.set_column(c, c, width)
    row = 0

    def merged(text: str, fmt: Any, height: float | None = None, first: int = 0) -> None:
        nonlocal row
        if height is not None:
            ws.set_row(row, height)
        if first == last:
            ws.write_string(row, first, neutral_text(text), fmt)
        else:
            ws.merge_range(row, first, row, last, neutral_text(text), fmt)
        row += 1

    title = localised_title(scheme.title, scheme.title_zh, lang)
    year = f"{exp['year']}年度" if lang == "zh" else str(exp["year"])
    merged(gettext(_TITLE).format(scheme=title, year=year), f["title"], 30)
    label = data_label_text(exp.get("data_label") or "", lang)
    if label:
        merged(label, f["label"])
    unit = exp["unit"]
    shown = unit_label(unit["id"], unit.get("name_zh"), unit.get("name"), lang)
    ws.write_string(row, 0, neutral_text(pair(translator("zh").gettext(_UNIT), _UNIT, lang, both=False)), f["unit"])
    ws.merge_range(row, 1, row, last, neutral_text(shown), f["unit"])
    row += 1
    header_row = row
    ws.set_row(row, 30)
    for c, (code, _) in enumerate(COLUMNS):
        ws.write_string(row, c, heading(code, scheme, lang), f["header"])
    row += 1
    marks: set[str] = set()
    for kind, cells in indicator_rows(exp, scheme, lang, sheet.targets or None):
        if kind == "dimension":
            name, points, most = cells
            ws.merge_range(row, 0, row, 2, neutral_text(name), f["dimension"])
            ws.write_number(row, 3, round_half_up(float(most), 2), f["dimension_number"])
            ws.write_number(row, 4, round_half_up(float(points), 2), f["dimension_number"])
            ws.write_blank(row, 5, None, f["dimension"])
            ws.write_blank(row, 6, None, f["dimension"])
            row += 1
            continue
        for c, value in enumerate(cells):
            if value is None:
                ws.write_string(row, c, "—", f["centre"])
            elif isinstance(value, int | float):
                ws.write_number(row, c, value, f["number"])
            else:
                ws.write_string(row, c, neutral_text(str(value)), f["centre"] if c == last else f["text"])
        for mark in (_DRAFTER, _UNCERTAIN):
            if gettext(mark) in str(cells[2]):
                marks.add(mark)
        row += 1
    for name, text in footer_rows(exp, scheme, lang):
        ws.write_string(row, 0, neutral_text(name), f["foot_label"])
        ws.merge_range(row, 1, row, last, neutral_text(text), f["text"])
        if "\n" in text:
            ws.set_row(row, 15 * (text.count("\n") + 1))
        row += 1
    for mark, note in ((_DRAFTER, _FOOTNOTE_DRAFTER), (_UNCERTAIN, _FOOTNOTE_UNCERTAIN)):
        if mark in marks:
            merged(gettext(note), f["note"], 26)
    if label:
        merged(label, f["label"])
    row += 1
    merged(gettext(_SIGN_APPRAISER), f["plain"], 24)
    row += 1
    merged(gettext(_SIGN_UNIT), f["plain"], 24)
    _print_setup(ws, header_row, row - 1, last, gettext(_PAGE))


def _print_setup(ws: Any, header_row: int, last_row: int, last_col: int, page: str) -> None:
    """A4 portrait, one page wide, the header row repeated on every page, margins in inches."""
    ws.set_paper(9)
    ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.6, right=0.6, top=0.7, bottom=0.7)
    ws.repeat_rows(header_row)
    ws.print_area(0, 0, last_row, last_col)
    ws.center_horizontally()
    ws.set_footer(f"&C{page}")
    ws.hide_gridlines(2)

