"""What every kind of generated page shares: where pages go, dates, figures, flags.

These functions return plain text (never Markdown); the templates escape it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from governance.diff import RuleSetDiff
from governance.expressions import Expression
from governance.i18n import N_, format_date, translator
from governance.model import Field, Parameter, RuleSet
from publication.plain import format_value, with_unit

STATUS_LABEL = {
    "law": N_("law"),
    "drafter-reading": N_("⚠ drafter's choice"),  # a figure or rule the plan does not state (a rule set's word)
    "drafter-choice": N_("⚠ drafter's choice"),  # the same, in appraisal schemes and lifecycles
    "uncertain-reading": N_("⚠ uncertain reading"),
}
# A rule set version's status, in words to translate.
STATUS_WORD = {"adopted": N_("adopted"), "draft": N_("draft")}
# How a rule's or table's status reads on its page (a parameter's is a figure: STATUS_LABEL).
READING_LABEL = {
    "law": N_("law: the clause says what this encodes"),
    "drafter-reading": N_("drafter's reading: the clause does not say this, the drafter reads it so"),
    "uncertain-reading": N_("uncertain reading: the source text is garbled or ambiguous here"),
}
STATUS_EXPLAINED = {
    "law": N_("the clause states this figure"),
    "drafter-reading": N_("the plan gives no figure, so the drafter chose one (see its note)"),
    "drafter-choice": N_("the plan gives no figure, so the drafter chose one (see its note)"),
    "uncertain-reading": N_(
        "the source text is corrupted or ambiguous and the figure is a reading of it (see its note)"
    ),
}


@dataclass(frozen=True)
class GeneratedPage:
    """A page (or chart) the plugin adds to the site; it exists only at build time."""

    src_uri: str  # as if under docs/, e.g. "rules/zhenghe-referral/2017.1.md"
    content: str | bytes


@dataclass(frozen=True)
class Link:
    """A link on a page: its text is data (escaped by the template), its target a path or URL."""

    text: str
    target: str


@dataclass(frozen=True)
class DatedValue:
    """A figure with the date it applies from, as a reader reads it."""

    value: str  # "0.85 (85%)"
    start: str  # "1 January 2017"
    reference: str | None = None


# -- where pages go ---------------------------------------------------------------------------


def version_uri(ruleset: RuleSet) -> str:
    return f"rules/{ruleset.id}/{ruleset.version}.md"


def history_uri(ruleset_id: str) -> str:
    return f"rules/{ruleset_id}/index.md"


def diff_uri(diff: RuleSetDiff) -> str:
    return f"rules/{diff.ruleset}/changes-{diff.old_version}-to-{diff.new_version}.md"


def local(uri: str) -> str:
    """A page's path from a page in the same folder."""
    return uri.rsplit("/", 1)[-1]


# -- dates and figures in words ----------------------------------------------------------------


def version_title(version: str, status: str, lang: str = "en") -> str:
    """"Version 2017.1 (adopted)" / "第 2017.1 版（已通过）" for the navigation."""
    gettext = translator(lang).gettext
    return gettext(N_("Version {version} ({status})")).format(
        version=version, status=gettext(STATUS_WORD[status]) if status in STATUS_WORD else status)


def long_date(value: dt.date, lang: str = "en") -> str:
    """"1 January 2017", or 2017年1月1日 in Chinese."""
    if lang == "zh":
        return format_date(value, lang)
    return f"{value.day} {value:%B %Y}"


def period(start: dt.date, until: dt.date | None, lang: str = "en") -> str:
    gettext = translator(lang).gettext
    if until is None:
        return gettext(N_("from {start}, with no end date")).format(start=long_date(start, lang))
    return gettext(N_("from {start} to {until} (inclusive)")).format(
        start=long_date(start, lang), until=long_date(until, lang))


def value_text(value: Any, unit: str | None) -> str:
    """A value with its unit as a reader says it: "0.85 (85%)", "7 months", "6,000 yuan"."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return format_value(value)
    if unit == "ratio":
        return f"{format_value(value)} ({value * 100:g}%)"
    if not unit:
        return format_value(value)
    counted = with_unit(format_value(value), value, unit)
    return counted if counted != format_value(value) else f"{format_value(value)} {unit}"


def dated_values(parameter: Parameter, lang: str = "en") -> tuple[DatedValue, ...]:
    return tuple(
        DatedValue(value_text(v.value, parameter.unit), long_date(v.start, lang), v.reference or None)
        for v in parameter.values
    )


def units_of(ruleset: RuleSet) -> dict[str, str]:
    """Every name's unit, so numbers compared with it can carry it ("6 months")."""
    units: dict[str, str] = {}
    for group in (ruleset.inputs, ruleset.outputs):
        units.update({name: f.unit for name, f in group.items() if f.unit})
    units.update({name: p.unit for name, p in ruleset.parameters.items() if p.unit})
    return units


def field_unit(ruleset: RuleSet, name: str) -> str | None:
    """The unit of an input or output, for showing a test's values."""
    for group in (ruleset.inputs, ruleset.outputs):
        if name in group:
            return group[name].unit
    return None


def type_words(item: Field | Parameter) -> tuple[str, tuple[str, ...]]:
    """(kind in words, choices): ("number", ()), ("list of text", ()), ("one of", ("a", "b"))."""
    kind = item.type
    if kind.kind == "enum":
        return "one of", tuple(str(v) for v in kind.values)
    if kind.kind == "list" and kind.element is not None:
        return f"list of {kind.element.kind}", ()
    return kind.kind, ()


# -- flags ------------------------------------------------------------------------------------


def _names_used(expressions: Iterable[Expression]) -> set[str]:
    used: set[str] = set()
    for expression in expressions:
        used |= expression.names()
    return used


def flagged_parameters_used(ruleset: RuleSet, expressions: Iterable[Expression]) -> list[Parameter]:
    """The non-law parameters an item reads, directly or through the outputs it reads."""
    producers: dict[str, list[Expression]] = {}
    for rule in ruleset.rules:
        for output, expression in rule.assignments.items():
            producers.setdefault(output, []).extend([*rule.conditions, expression])
    for dt_ in ruleset.tables:
        for output in dt_.outputs:
            producers.setdefault(output, []).extend(
                [*dt_.columns, *(e for row in dt_.rows for e in row.results)]
            )
    seen: set[str] = set()
    pending = list(_names_used(expressions))
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in ruleset.outputs:
            pending.extend(_names_used(producers.get(name, [])))
    return [p for name, p in ruleset.parameters.items() if name in seen and p.flagged]
