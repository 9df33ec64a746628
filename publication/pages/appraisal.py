"""Pages for the yearly appraisal schemes: indicators, weights, grade bands, consequences.

A member unit's pay and its president's post depend on these figures, and the plans
publish none of them; so every weight or target that is a drafter's choice is flagged
beside the figure, and the chart shows at a glance where the points go.
Templates: `appraisal/scheme.md.j2`, `appraisal/schemes.md.j2`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appraisal.scheme import Indicator, Scheme, load_schemes
from governance.expressions import parse_expression
from governance.i18n import N_, localised_title, translator
from publication.anchors import indicator_anchor
from publication.charts import weights_chart_svg
from publication.pages.clauses import ClauseUse
from publication.pages.common import STATUS_LABEL, GeneratedPage, long_date, period, version_title
from publication.plain import format_value, humanise, plain_value
from publication.render import nav_title, render

METHOD_EXPLAINED = {
    "linear": "points rise in a straight line from the floor to the target",
    "steps": "points by the highest step reached",
    "ratio": "points in proportion to the value's share of the target",
    "percentile": "points by rank among the units appraised",
    "deduction": "points deducted per occurrence",
    "veto": "one occurrence caps the grade (a veto), whatever the points",
}


def scheme_uri(scheme: Scheme) -> str:
    return f"appraisal/{scheme.id}/{scheme.version}.md"


def chart_uri(scheme: Scheme) -> str:
    return f"appraisal/{scheme.id}/{scheme.version}-weights.svg"


def measure_text(indicator: Indicator) -> str:
    """What is measured, in words: a column's name, or the formula in plain language."""
    if indicator.formula:
        return plain_value(parse_expression(indicator.formula))
    return humanise(indicator.value or indicator.id)


def method_text(indicator: Indicator) -> str:
    """How points are given, with the figures: "linear from 10 to 40 percent"."""
    unit = f" {indicator.unit}" if indicator.unit else ""
    method = indicator.method
    if method == "linear":
        text = (
            f"linear: 0 points at {format_value(indicator.floor)}{unit}, full points at "
            f"{format_value(indicator.target)}{unit}"
        )
    elif method == "steps":
        steps = "; ".join(
            f"{'≥' if indicator.direction != 'lower' else '≤'} {format_value(s.at)}{unit}: "
            f"{format_value(s.points)} points"
            for s in indicator.steps
        )
        text = f"steps: {steps}"
    elif method == "ratio":
        text = f"ratio to the target {format_value(indicator.target)}{unit}"
        if indicator.cap is not None:
            text += f", capped at {format_value(indicator.cap)} × the weight"
    elif method == "deduction":
        text = f"{format_value(indicator.per_occurrence)} points deducted per occurrence"
        if indicator.max_deduction is not None:
            text += f", at most {format_value(indicator.max_deduction)}"
    elif method == "veto":
        text = f"veto: grade at most {indicator.veto_grade}"
    else:
        text = METHOD_EXPLAINED.get(method, method)
    if indicator.direction == "lower" and method in ("linear", "ratio"):
        text += " (lower is better)"
    return text


# -- view data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemeSource:
    key: str
    title: str
    document: str | None


@dataclass(frozen=True)
class IndicatorView:
    anchor: str
    title: str
    title_zh: str | None
    weight: str
    measure: str
    method: str
    target: str | None
    clause: str
    status: str
    flag: str
    source: str | None
    note: str | None
    note_kind: str
    note_label: str


@dataclass(frozen=True)
class DimensionView:
    title: str
    title_zh: str | None
    weight: str
    count: int
    clause: str | None
    indicators: tuple[IndicatorView, ...]


@dataclass(frozen=True)
class GradeRow:
    grade: str
    title_zh: str | None
    points: str
    consequences: tuple[str | None, ...]  # None: the band does not say


@dataclass(frozen=True)
class ConsequenceView:
    id: str
    label: str
    description: str
    unit: str
    clause: str
    status: str
    flag: str
    note: str | None
    note_kind: str


@dataclass(frozen=True)
class UnitRow:
    name: str
    name_zh: str | None
    group: str


@dataclass(frozen=True)
class SchemePage:
    title: str
    title_zh: str | None
    version: str
    other_versions: tuple[str, ...]
    jurisdiction: str
    status: str
    in_force: str
    appraised: str  # "12 member units"
    total_points: str
    sources: tuple[SchemeSource, ...]
    flagged: int  # indicators whose figures the plans do not state
    indicator_count: int
    synthetic_note: str | None
    chart: str  # file name of the weights chart, beside the page
    dimensions: tuple[DimensionView, ...]
    consequence_names: tuple[str, ...]
    grades: tuple[GradeRow, ...]
    rectification_below: str
    rectification_clause: str
    consequences: tuple[ConsequenceView, ...]
    units: tuple[UnitRow, ...]


@dataclass(frozen=True)
class SchemeRow:
    id: str
    title: str
    title_zh: str | None
    latest: str
    jurisdiction: str
    versions: tuple[str, ...]
    indicators: int


@dataclass(frozen=True)
class SchemesPage:
    today: str
    rows: tuple[SchemeRow, ...]


# -- building it -------------------------------------------------------------------------------


def scheme_page(scheme: Scheme, versions: Sequence[Scheme], lang: str = "en") -> str:
    return render("appraisal/scheme.md.j2", lang, page=scheme_view(scheme, versions))


def scheme_view(scheme: Scheme, versions: Sequence[Scheme]) -> SchemePage:
    names = tuple(dict.fromkeys(k for band in scheme.grades for k in band.consequences))
    return SchemePage(
        title=scheme.title,
        title_zh=scheme.title_zh or None,
        version=scheme.version,
        other_versions=tuple(v.version for v in versions if v.version != scheme.version),
        jurisdiction=scheme.jurisdiction,
        status=scheme.status,
        in_force=period(scheme.effective_from, scheme.effective_until),
        appraised=(f"{len(scheme.units)} {scheme.unit_kind}s" if scheme.units
                   else f"any {scheme.unit_kind}, named by the data"),
        total_points=format_value(scheme.total_points),
        sources=tuple(SchemeSource(s.key, s.title, s.document or None) for s in scheme.sources),
        flagged=sum(1 for i in scheme.indicators if i.status != "law"),
        indicator_count=len(scheme.indicators),
        synthetic_note=scheme.synthetic_note or None,
        chart=Path(chart_uri(scheme)).name,
        dimensions=tuple(
            DimensionView(
                title=d.title,
                title_zh=d.title_zh or None,
                weight=format_value(d.weight),
                count=len(d.indicators),
                clause=d.clause or None,
                indicators=tuple(_indicator_view(i) for i in d.indicators),
            )
            for d in scheme.dimensions
        ),
        consequence_names=tuple(humanise(n) for n in names),
        grades=tuple(
            GradeRow(
                grade=band.grade,
                title_zh=band.title_zh or None,
                points=f"from {format_value(band.min)}"
                + (f" to under {format_value(band.max)}" if band.max is not None else ""),
                consequences=tuple(_consequence(band.consequences.get(n)) for n in names),
            )
            for band in scheme.grades
        ),
        rectification_below=scheme.rectification_below,
        rectification_clause=scheme.rectification_clause,
        consequences=tuple(
            ConsequenceView(
                id=f.id,
                label=humanise(f.id),
                description=f.description,
                unit=f.unit or "—",
                clause=f.clause,
                status=f.status,
                flag=STATUS_LABEL.get(f.status, f.status),
                note=f.note or None,
                note_kind="warning" if f.status == "uncertain-reading" else "note",
            )
            for f in {f.id: f for f in scheme.consequence_fields}.values()
        ),
        units=tuple(UnitRow(u.name, u.name_zh or None, u.group or "—") for u in scheme.units)
        or (UnitRow(f"Any {scheme.unit_kind}: the units come from the data, a units file or a charter", None, "—"),),
    )


def _indicator_view(i: Indicator) -> IndicatorView:
    return IndicatorView(
        anchor=indicator_anchor(i.id),
        title=i.title,
        title_zh=i.title_zh or None,
        weight=format_value(i.weight),
        measure=measure_text(i),
        method=method_text(i),
        target=f"{format_value(i.target)} {i.unit}" if i.target is not None else None,
        clause=i.clause,
        status=i.status,
        flag=STATUS_LABEL.get(i.status, i.status),
        source=i.source or None,
        note=i.note or None,
        note_kind="warning" if i.status == "uncertain-reading" else "note",
        note_label=STATUS_LABEL.get(i.status, i.status).lstrip("⚠ "),
    )


def _consequence(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return format_value(value)


def schemes_index_page(groups: dict[str, list[Scheme]], today: dt.date, lang: str = "en") -> str:
    rows = tuple(
        SchemeRow(
            id=scheme_id,
            title=versions[-1].title,
            title_zh=versions[-1].title_zh or None,
            latest=versions[-1].version,
            jurisdiction=versions[-1].jurisdiction,
            versions=tuple(v.version for v in versions),
            indicators=len(versions[-1].indicators),
        )
        for scheme_id, versions in groups.items()
    )
    return render("appraisal/schemes.md.j2", lang, page=SchemesPage(long_date(today, lang), rows))


def scheme_clause_uses(scheme: Scheme) -> list[ClauseUse]:
    owner = f"{scheme.id} {scheme.version}"
    page = scheme_uri(scheme)
    uses = []
    for indicator in scheme.indicators:
        flag = "" if indicator.status == "law" else f" ({STATUS_LABEL[indicator.status]})"
        uses.append(
            ClauseUse(indicator.clause, "appraisal indicator", indicator.title + flag,
                      f"{page}#{indicator_anchor(indicator.id)}", owner, indicator.status, indicator.note)
        )
    uses.append(ClauseUse(scheme.rectification_clause, "appraisal rectification",
                          "rectification below " + scheme.rectification_below, page, owner))
    for f in scheme.consequence_fields:
        uses.append(ClauseUse(f.clause, "appraisal consequence", humanise(f.id), page, owner))
    return uses


def appraisal_site(
    root: Path, today: dt.date | None = None, lang: str = "en"
) -> tuple[list[GeneratedPage], list[Any], list[ClauseUse]]:
    """(pages, nav entries, clause uses) for every scheme under rules/appraisal."""
    today = today or dt.date.today()
    groups = load_schemes(root) if root.is_dir() else {}
    generated = [GeneratedPage("appraisal/index.md", schemes_index_page(groups, today, lang))]
    nav: list[Any] = [{translator(lang).gettext(N_("Overview")): "appraisal/index.md"}]
    uses: list[ClauseUse] = []
    for versions in groups.values():
        entries = []
        for scheme in versions:
            generated.append(GeneratedPage(scheme_uri(scheme), scheme_page(scheme, versions, lang)))
            indicators = [i for i in scheme.indicators if not i.is_veto]
            svg = weights_chart_svg(
                [i.title if len(i.title) <= 48 else i.title[:45] + "…" for i in indicators],
                [i.weight for i in indicators],
                [next(d.title for d in scheme.dimensions if d.id == i.dimension) for i in indicators],
                title="Points per indicator",
            )
            generated.append(GeneratedPage(chart_uri(scheme), svg))
            entries.append({nav_title(version_title(scheme.version, scheme.status, lang)): scheme_uri(scheme)})
        nav.append({nav_title(localised_title(versions[-1].title, versions[-1].title_zh, lang)): entries[::-1]})
        uses += scheme_clause_uses(versions[-1])
    return generated, nav, uses
