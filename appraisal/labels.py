"""The words officers read on an appraisal's outputs: column headings, grade names, units, 是/否.

Outputs for officers (the workbook, the HTML report, the scoring sheet) are Chinese first with the
English beside it where space allows ("得分 Score"). Two kinds of words meet here:

- the program's own words (a heading such as "Score") are English msgids translated through the
  gettext catalog, so the Chinese is in a catalog, never in this code;
- the scheme's own labels (an indicator's `title_zh`, a dimension's `title_zh`, a grade's
  `title_zh`, a unit's `name_zh`) are data and are shown as the rule file gives them.

A code this module does not know comes back unchanged: a column added elsewhere still has a
heading (its code), never an error.
"""

from __future__ import annotations

from appraisal.scheme import Scheme
from governance.i18n import N_, format_boolean, normalise_language, translator

__all__ = ["HEADINGS", "data_label_text", "grade_name", "heading", "pair", "unit_label", "yes_no"]

HEADINGS: dict[str, str] = {
    # results
    "rank": N_("Rank"),
    "unit_id": N_("Unit ID"),
    "unit_name": N_("Unit name"),
    "unit_name_zh": N_("Unit name (Chinese)"),
    "unit": N_("Unit"),
    "unit_of_measure": N_("Unit of measure"),
    "group": N_("Group"),
    "cohort": N_("Cohort"),
    "year": N_("Year"),
    "total": N_("Total score"),
    "grade": N_("Grade"),
    "grade_by_points": N_("Grade by points"),
    "vetoed_by": N_("Vetoed by"),
    "rank_provisional": N_("Rank provisional"),
    "points_provisional": N_("Points provisional"),
    "rectification_notice": N_("Rectification notice"),
    "data_label": N_("Data label"),
    # the indicator table
    "indicator": N_("Indicator"),
    "id": N_("Indicator code"),
    "title": N_("Indicator name"),
    "title_zh": N_("Indicator name (Chinese)"),
    "dimension": N_("Dimension"),
    "clause": N_("Clause"),
    "source": N_("Source (English translation of the plan)"),
    "status": N_("Status"),
    "note": N_("Note"),
    "direction": N_("Direction"),
    "method": N_("Method"),
    "formula": N_("Formula"),
    "target": N_("Target"),
    "floor": N_("Floor"),
    "weight": N_("Weight"),
    "given_as": N_("Data given as"),
    "figures": N_("Figures"),
    "reads": N_("Columns read"),
    "veto_grade": N_("Grade after a veto"),
    "raw": N_("Data"),
    "data": N_("Data"),
    "value": N_("Value"),
    "points": N_("Score"),
    "max_points": N_("Full marks"),
    "deduction": N_("Deduction"),
    "veto": N_("Veto item"),
    "why": N_("Why"),
    "mean_points": N_("Mean score"),
    "units_at_full_points_or_vetoed": N_("Units at full marks (or vetoed)"),
    "units_without_value": N_("Units without a value"),
    # what would change
    "next_grade": N_("Next grade"),
    "points_missing": N_("Points missing"),
    "summary": N_("In short"),
    "current": N_("Current value"),
    "relation": N_("Relation"),
    "required": N_("Value required"),
    "change": N_("Change"),
    # rejected rows and missing values
    "row": N_("Row"),
    "column": N_("Column"),
    "reason": N_("Reason"),
    "reason_zh": N_("Reason (Chinese)"),
    "policy": N_("Policy"),
    # summaries
    "units": N_("Units"),
    "rows": N_("Rows"),
    "units_scored": N_("Units scored"),
    "rows_rejected": N_("Rows rejected"),
    "provisional": N_("Provisional"),
    "excellent": N_("excellent"),
    "good": N_("good"),
    "pass": N_("pass"),
    "fail": N_("fail"),
    "vetoed": N_("Vetoed"),
    "rectification_notices": N_("Rectification notices"),
    "mean_total": N_("Mean total"),
    "min_total": N_("Lowest total"),
    "median_total": N_("Median total"),
    "max_total": N_("Highest total"),
    # about
    "field": N_("Item"),
    "about_value": N_("Content"),
    # stability and sensitivity
    "move": N_("Change tried"),
    "units_changing_grade": N_("Units changing grade"),
    "units_changing_rank": N_("Units changing rank"),
    "share_of_draws_changing_grade": N_("Share of draws changing the grade"),
    "threshold": N_("Threshold"),
    "kind": N_("Kind"),
    "parameter": N_("Parameter"),
    "lower": N_("Lowered by 5%"),
    "units_changing_grade_lower": N_("Units changing grade (lowered)"),
    "higher": N_("Raised by 5%"),
    "units_changing_grade_higher": N_("Units changing grade (raised)"),
    # what-if and stability columns of results.parquet
    "what_if.next_grade": N_("What if: next grade"),
    "what_if.points_missing": N_("What if: points missing"),
    "what_if.blocked_by_veto": N_("What if: blocked by a veto"),
    "stability.grade_change_share": N_("Share of draws changing the grade"),
}
"""The program's own headings, by column code: English msgids, Chinese from the catalog."""

_POINTS = N_("{indicator}: score")
_VALUE = N_("{indicator}: value")
_GRADE_WORDS = {"excellent": N_("excellent"), "good": N_("good"), "pass": N_("pass"), "fail": N_("fail")}


def pair(zh: str, en: str, lang: str, both: bool = True) -> str:
    """The text in `lang`: Chinese then English ("得分 Score") when `both`, one of them otherwise.
    Where the Chinese is the English (no Chinese label), it is shown once."""
    if normalise_language(lang, "language") == "en":
        return en
    if not both or not zh or zh == en:
        return zh or en
    return f"{zh} {en}"


def _zh(message: str) -> str:
    return translator("zh").gettext(message)


def heading(code: str, scheme: Scheme | None = None, lang: str = "zh", both: bool = True) -> str:
    """The heading of a results or indicator-table column: "得分 Score" (zh, both), "得分" (zh alone)
    or "Score" (en). Dimensions, indicators and consequences take their names from the scheme."""
    if code in HEADINGS:
        english = HEADINGS[code]
        return pair(_zh(english), english, lang, both)
    if scheme is not None:
        found = _scheme_heading(code, scheme)
        if found is not None:
            return pair(found[0], found[1], lang, both)
    return code


def _scheme_heading(code: str, scheme: Scheme) -> tuple[str, str] | None:
    """(Chinese, English) of a column named after a part of the scheme, or None."""
    prefix, _, rest = code.partition(".")
    if prefix == "dimension" and rest:
        for dim in scheme.dimensions:
            if dim.id == rest:
                return dim.title_zh or dim.title, dim.title
    if prefix in ("points", "value") and rest:
        template = _POINTS if prefix == "points" else _VALUE
        for ind in scheme.indicators:
            if ind.id == rest:
                return (_zh(template).format(indicator=ind.title_zh or ind.title),
                        template.format(indicator=ind.title))
    for cf in scheme.consequence_fields:
        if cf.id == code:
            english = cf.id.replace("_", " ").capitalize()  # a scheme names a consequence by its id
            return cf.label_zh or english, english
    return None


def grade_name(grade: str, scheme: Scheme | None = None, lang: str = "zh", both: bool = True) -> str:
    """A grade as officers read it: "优秀 excellent" from the scheme's `title_zh` (the catalog's
    Chinese for the four grade words where a scheme gives none); an unknown grade unchanged."""
    if not isinstance(grade, str) or not grade:
        return "" if grade is None else str(grade)
    zh = None
    if scheme is not None:
        for band in scheme.grades:
            if band.grade == grade:
                zh = band.title_zh
    if zh is None and grade in _GRADE_WORDS:
        zh = _zh(_GRADE_WORDS[grade])
    return pair(zh or grade, grade, lang, both)


def unit_label(unit_id: str, name_zh: str | None, name: str | None, lang: str = "zh") -> str:
    """A unit named for its reader: "政和县医院（zhenghe-county-hospital）" in Chinese, the English
    name with the id in brackets in English; the id alone where no name is known."""
    if normalise_language(lang, "language") == "zh":
        shown = _present(name_zh) or _present(name)
        return f"{shown}（{unit_id}）" if shown and shown != unit_id else str(unit_id)
    shown = _present(name) or _present(name_zh)
    return f"{shown} ({unit_id})" if shown and shown != unit_id else str(unit_id)


def _present(text: str | None) -> str | None:
    """A name that is there: not None, not NaN, not blank."""
    if text is None or not isinstance(text, str):
        return None
    return text.strip() or None


SYNTHETIC_ZH = N_("SYNTHETIC data, not real figures")
"""The data label as officers read it (模拟数据，非真实), beside the file's own label."""


def data_label_text(label: str, lang: str) -> str:
    """The SYNTHETIC label of a run in the reader's language, the file's own words kept beside it."""
    if not label:
        return ""
    if normalise_language(lang, "language") == "zh" and "synthetic" in label.lower():
        return f"{_zh(SYNTHETIC_ZH)}（{label}）"
    return label


def yes_no(value: bool, lang: str) -> str:
    """是/否, or yes/no (`governance.i18n.format_boolean`)."""
    return format_boolean(bool(value), normalise_language(lang, "language"))
