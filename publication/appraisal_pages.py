"""Pages for the yearly appraisal schemes: indicators, weights, grade bands, consequences.

A member unit's pay and its president's post depend on these figures, and the plans
publish none of them; so every weight or target that is a drafter's choice is
flagged beside the figure, and the chart shows at a glance where the points go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from appraisal.scheme import Indicator, Scheme, load_schemes
from governance.expressions import parse_expression
from publication.charts import weights_chart_svg
from publication.pages import (
    STATUS_LABEL,
    ClauseUse,
    GeneratedPage,
    box_title,
    clause_link,
    code,
    esc,
    long_date,
    period,
    table,
    zh,
)
from publication.plain import format_value, humanise, plain_value

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


def indicator_anchor(indicator_id: str) -> str:
    return f"indicator-{indicator_id}"


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


def scheme_page(scheme: Scheme, versions: Sequence[Scheme]) -> str:
    parts = [f"# {esc(scheme.title)} — version {esc(scheme.version)}\n"]
    if scheme.title_zh:
        parts.append(zh(scheme.title_zh) + "\n")
    sources = "\n".join(
        f"- {code(s.key)} — {esc(s.title)}" + (f" ({code(s.document)})" if s.document else "")
        for s in scheme.sources
    )
    others = [v for v in versions if v.version != scheme.version]
    version = esc(scheme.version)
    if others:
        version += "<br>other: " + ", ".join(f"[{v.version}]({v.version}.md)" for v in others)
    parts.append(
        table(
            ["Jurisdiction", "Version", "Status", "In force", "Appraised", "Total points"],
            [[
                esc(scheme.jurisdiction),
                version,
                esc(scheme.status),
                esc(period(scheme.effective_from, scheme.effective_until)),
                f"{len(scheme.units)} {esc(scheme.unit_kind)}s",
                format_value(scheme.total_points),
            ]],
        )
    )
    parts.append(f"**Source documents**\n\n{sources}\n" if sources else "")
    flagged = [i for i in scheme.indicators if i.status != "law"]
    if flagged:
        parts.append(
            '!!! note "Figures chosen by the drafter"\n'
            f"    {len(flagged)} of the {len(scheme.indicators)} indicators have a weight, "
            "floor or target that the plans do not state; each is flagged below with where "
            "the figure came from.\n"
        )
    if scheme.synthetic_note:
        parts.append(f"*Note:* {esc(scheme.synthetic_note)}\n")
    parts.append("## Weights\n")
    parts.append(
        f"![Weight of each indicator, coloured by dimension]({Path(chart_uri(scheme)).name})\n"
    )
    parts.append(_dimension_summary(scheme))
    parts.append("## Indicators\n")
    for dimension in scheme.dimensions:
        title = f"### {esc(dimension.title)} — {format_value(dimension.weight)} points"
        parts.append(title + "\n")
        if dimension.title_zh:
            parts.append(zh(dimension.title_zh) + "\n")
        if dimension.clause:
            parts.append(f"Clause {clause_link(dimension.clause)}.\n")
        parts.append(_indicator_table(dimension.indicators))
        for indicator in dimension.indicators:
            parts.append(_indicator_notes(indicator))
    parts.append(_grades_section(scheme))
    parts.append(_units_section(scheme))
    return "\n".join(p for p in parts if p)


def _dimension_summary(scheme: Scheme) -> str:
    rows = [
        [
            esc(d.title) + (f"<br>{zh(d.title_zh)}" if d.title_zh else ""),
            format_value(d.weight),
            str(len(d.indicators)),
            clause_link(d.clause) if d.clause else "—",
        ]
        for d in scheme.dimensions
    ]
    return table(["Dimension", "Points", "Indicators", "Clause"], rows)


def _indicator_table(indicators: Sequence[Indicator]) -> str:
    rows = []
    for i in indicators:
        title = f'<span id="{indicator_anchor(i.id)}"></span>**{esc(i.title)}**'
        if i.title_zh:
            title += f"<br>{zh(i.title_zh)}"
        flag = STATUS_LABEL.get(i.status, i.status)
        rows.append(
            [
                title,
                format_value(i.weight),
                esc(measure_text(i)),
                esc(method_text(i)),
                esc(f"{format_value(i.target)} {i.unit}") if i.target is not None else "—",
                clause_link(i.clause),
                f"**{flag}**" if i.status != "law" else flag,
            ]
        )
    header = ["Indicator", "Weight", "Measure", "Method", "Target", "Clause", "Flag"]
    return table(header, rows)


def _indicator_notes(indicator: Indicator) -> str:
    if not indicator.note and not indicator.source:
        return ""
    lines = []
    if indicator.source:
        lines.append(f"> {esc(indicator.source)}")
    if indicator.note:
        label = STATUS_LABEL.get(indicator.status, indicator.status).lstrip("⚠ ")
        kind = "warning" if indicator.status == "uncertain-reading" else "note"
        lines.append(
            f'!!! {kind} "{box_title(indicator.title)}: {box_title(label)}"\n'
            f"    {esc(indicator.note)}"
        )
    return "\n\n".join(lines) + "\n"


def _grades_section(scheme: Scheme) -> str:
    fields = {f.id: f for f in scheme.consequence_fields}
    names = list(dict.fromkeys(k for band in scheme.grades for k in band.consequences))
    header = ["Grade", "Total points", *[esc(humanise(n)) for n in names]]
    rows = []
    for band in scheme.grades:
        points = f"from {format_value(band.min)}" + (
            f" to under {format_value(band.max)}" if band.max is not None else ""
        )
        grade = f"**{esc(band.grade)}**" + (f" {zh(band.title_zh)}" if band.title_zh else "")
        rows.append([grade, points, *[_consequence(band.consequences.get(n)) for n in names]])
    parts = ["## Grades and their consequences\n", table(header, rows)]
    parts.append(
        f"A unit graded below **{esc(scheme.rectification_below)}** is required to rectify "
        f"({clause_link(scheme.rectification_clause)}).\n"
    )
    if fields:
        rows = [
            [
                f"`{f.id}`",
                esc(f.description),
                esc(f.unit or "—"),
                clause_link(f.clause),
                f"**{STATUS_LABEL.get(f.status, f.status)}**"
                if f.status != "law"
                else STATUS_LABEL.get(f.status, f.status),
            ]
            for f in fields.values()
        ]
        parts.append(table(["Consequence", "Meaning", "Unit", "Clause", "Flag"], rows))
        for f in fields.values():
            if f.note:
                kind = "warning" if f.status == "uncertain-reading" else "note"
                parts.append(f'!!! {kind} "{box_title(humanise(f.id))}"\n    {esc(f.note)}\n')
    return "\n".join(parts)


def _consequence(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return esc(format_value(value))


def _units_section(scheme: Scheme) -> str:
    rows = [
        [esc(u.name), zh(u.name_zh) or "—", esc(u.group or "—")] for u in scheme.units
    ]
    return "## Units appraised\n\n" + table(["Unit", "Chinese name", "Group"], rows)


def schemes_index_page(groups: dict[str, list[Scheme]], today: dt.date) -> str:
    parts = [
        "# Appraisal schemes\n",
        "The yearly appraisal of member units (zhenghe-2017 IV.5 and IV.8.3, "
        "huangzhong-2017 IV.6): weighted indicators, grade bands and what each grade "
        "entails.\n",
    ]
    if not groups:
        parts.append("There are no appraisal schemes in `rules/appraisal/` yet.\n")
        return "\n".join(parts)
    rows = []
    for scheme_id, versions in groups.items():
        latest = versions[-1]
        rows.append(
            [
                f"[{esc(latest.title)}]({scheme_id}/{latest.version}.md)"
                + (f"<br>{zh(latest.title_zh)}" if latest.title_zh else ""),
                esc(latest.jurisdiction),
                ", ".join(f"[{v.version}]({scheme_id}/{v.version}.md)" for v in versions),
                str(len(latest.indicators)),
            ]
        )
    parts.append(table(["Scheme", "Jurisdiction", "Versions", "Indicators"], rows))
    parts.append(f"*As of {long_date(today)}.*\n")
    return "\n".join(parts)


def scheme_clause_uses(scheme: Scheme) -> list[ClauseUse]:
    owner = f"{scheme.id} {scheme.version}"
    page = scheme_uri(scheme)
    uses = []
    for indicator in scheme.indicators:
        flag = "" if indicator.status == "law" else f" ({STATUS_LABEL[indicator.status]})"
        uses.append(
            ClauseUse(indicator.clause, "appraisal indicator", esc(indicator.title) + flag,
                      f"{page}#{indicator_anchor(indicator.id)}", owner)
        )
    uses.append(ClauseUse(scheme.rectification_clause, "appraisal rectification",
                          "rectification below " + esc(scheme.rectification_below), page, owner))
    for f in scheme.consequence_fields:
        uses.append(ClauseUse(f.clause, "appraisal consequence", esc(humanise(f.id)), page, owner))
    return uses


def appraisal_site(
    root: Path, today: dt.date | None = None
) -> tuple[list[GeneratedPage], list[Any], list[ClauseUse]]:
    """(pages, nav entries, clause uses) for every scheme under rules/appraisal."""
    today = today or dt.date.today()
    groups = load_schemes(root) if root.is_dir() else {}
    generated = [GeneratedPage("appraisal/index.md", schemes_index_page(groups, today))]
    nav: list[Any] = [{"Overview": "appraisal/index.md"}]
    uses: list[ClauseUse] = []
    for versions in groups.values():
        entries = []
        for scheme in versions:
            generated.append(GeneratedPage(scheme_uri(scheme), scheme_page(scheme, versions)))
            indicators = [i for i in scheme.indicators if not i.is_veto]
            svg = weights_chart_svg(
                [i.title if len(i.title) <= 48 else i.title[:45] + "…" for i in indicators],
                [i.weight for i in indicators],
                [next(d.title for d in scheme.dimensions if d.id == i.dimension) for i in indicators],
                title="Points per indicator",
            )
            generated.append(GeneratedPage(chart_uri(scheme), svg))
            entries.append({f"Version {scheme.version} ({scheme.status})": scheme_uri(scheme)})
        nav.append({versions[-1].title: entries[::-1]})
        uses += scheme_clause_uses(versions[-1])
    return generated, nav, uses
