"""The page of one rule-set version: header, parameters, inputs, rules, tables, worked examples.

Everything a reader needs to check a rule against the law sits on one page: the rule in
plain language beside its clause key and the quoted source sentence, the figures it uses
with their dates and flags, and worked examples. Figures that are not the law's (a
drafter's choice, an uncertain reading) are flagged wherever they are shown, never only
in a footnote. This module gathers that as view data; `ruleset/version.md.j2` lays it out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from governance.expressions import Expression
from governance.i18n import N_, localised_title, translator
from governance.model import NO_DEFAULT, CellTest, DecisionTable, Field, Parameter, Rule, RuleSet
from governance.trace import SOURCE_LABEL, SOURCE_LABEL_ZH, source_zh_label
from publication.anchors import parameter_anchor, rule_anchor, table_anchor
from publication.pages.common import (
    READING_LABEL,
    STATUS_EXPLAINED,
    STATUS_LABEL,
    STATUS_WORD,
    DatedValue,
    Link,
    dated_values,
    field_unit,
    flagged_parameters_used,
    long_date,
    period,
    type_words,
    units_of,
    value_text,
)
from publication.plain import format_value, humanise, join_words, plain_conditions, plain_value, with_unit
from publication.plain_zh import Names, cell_zh, conditions_zh, literal_zh, names_of, value_zh
from publication.render import render

HIT_EXPLAINED = {
    "unique": N_("exactly one row applies to a case"),
    "first": N_("the first row that applies, in order, decides"),
    "collect": N_("every row that applies counts"),
}
KIND_WORDS = {"one of": N_("one of"), "number": N_("number"), "boolean": N_("boolean"), "text": N_("text"),
              "date": N_("date"), "integer": N_("integer")}
READING_TITLE = {"drafter-reading": N_("Drafter's reading"), "uncertain-reading": N_("Uncertain reading")}


@dataclass(frozen=True)
class Example:
    """A test stored beside the rules, shown as a worked example."""

    name: str
    on: dt.date
    inputs: Mapping[str, Any]
    expect: Mapping[str, Any] = field(default_factory=dict)
    expect_error: str | None = None
    expect_warning: str | None = None
    note: str | None = None
    source: str = ""
    explanation: str | None = None  # Markdown from the core's explainer, when it could run


# -- view data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceView:
    key: str
    title: str
    document: str | None
    url: str | None


@dataclass(frozen=True)
class ParameterView:
    anchor: str
    label: str
    description: str | None
    description_zh: str | None
    values: tuple[DatedValue, ...]
    unit: str
    clause: str
    status: str
    flag: str
    note: str | None  # only for a figure that is not the law's
    note_kind: str  # the admonition: "warning" for an uncertain reading, else "note"
    note_label: str  # "Drafter's choice"
    label_zh: str | None = None  # the parameter's Chinese name


@dataclass(frozen=True)
class FieldView:
    name: str
    kind: str
    choices: tuple[str, ...]
    bounds: tuple[str, ...]
    unit: str
    default: str
    description: str
    description_zh: str | None
    label_zh: str | None = None  # the field's Chinese name
    choices_zh: tuple[str | None, ...] = ()  # the Chinese name of each choice, in order


@dataclass(frozen=True)
class Outcome:
    """A result in words; a bare parameter gets its figure (or a pointer to its figures)."""

    text: str
    parameter: str | None = None  # anchor of the parameter the result is
    figure: str | None = None  # its one figure; None when it has several dated ones


@dataclass(frozen=True)
class FlagBox:
    """One box per kind of flag: an uncertain reading is a warning, a drafter's figure a note."""

    kind: str
    title: str
    explained: str
    parameters: tuple[Link, ...]


@dataclass(frozen=True)
class Effect:
    output: str
    outcome: Outcome


@dataclass(frozen=True)
class RuleView:
    id: str
    anchor: str
    title: str
    title_zh: str | None
    condition: str | None  # None: the rule always applies
    effects: tuple[Effect, ...]
    exception_to: Link | None
    priority: int | None
    note: str | None
    clause: str
    source: str
    written: str
    flags: tuple[FlagBox, ...]
    reading: ReadingView | None = None
    source_label: str = SOURCE_LABEL  # the quote is the English translation of the plan
    source_label_zh: str = SOURCE_LABEL_ZH
    source_zh: str | None = None  # a Chinese rendering, shown with `source_zh_label`, never as the original
    source_zh_label: str | None = None


@dataclass(frozen=True)
class ReadingView:
    """A rule's or table's status beside it; its reading in words when it is not the law."""

    status: str
    label: str
    text: str | None = None
    text_zh: str | None = None
    kind: str = "note"  # the admonition: "warning" for an uncertain reading
    title: str = "Reading"


def reading_view(
    status: str | None, text: str | None, text_zh: str | None, lang: str = "en"
) -> ReadingView | None:
    if status is None:
        return None
    gettext = translator(lang).gettext
    if lang == "zh" and text_zh:  # the Chinese reading first on the Chinese page, the English below it
        text, text_zh = text_zh, text
    return ReadingView(status, gettext(READING_LABEL[status]) if status in READING_LABEL else status, text, text_zh,
                       "warning" if status == "uncertain-reading" else "note",
                       gettext(READING_TITLE.get(status, N_("Reading"))))


@dataclass(frozen=True)
class TableRowView:
    cells: tuple[str, ...]
    results: tuple[Outcome, ...]
    label: str | None  # shown in a "Row" column when any row has an id or a note


@dataclass(frozen=True)
class TableView:
    anchor: str
    title: str
    title_zh: str | None
    outputs: tuple[str, ...]
    columns: tuple[str, ...]
    hit: str
    note: str | None
    clause: str
    source: str
    row_column: bool
    rows: tuple[TableRowView, ...]
    flags: tuple[FlagBox, ...]
    reading: ReadingView | None = None
    source_label: str = SOURCE_LABEL
    source_label_zh: str = SOURCE_LABEL_ZH
    source_zh: str | None = None
    source_zh_label: str | None = None


@dataclass(frozen=True)
class ExampleView:
    number: int
    name: str
    on: str
    source: str
    facts: tuple[tuple[str, str], ...]
    refused: str | None  # what the refusal message names
    expected: tuple[tuple[str, str], ...]
    warning: str | None
    note: str | None
    explanation: str | None  # Markdown written by the core


@dataclass(frozen=True)
class RuleLink:
    """A rule or decision table in the list at the top of the page, by its title in the page's language."""

    title: str
    other_title: str | None
    anchor: str


@dataclass(frozen=True)
class PlainView:
    """Who the rule set applies to and what it gives, in the page's language (None: not written yet)."""

    applies_to: str | None
    gives: str | None


@dataclass(frozen=True)
class RuleSetPage:
    id: str
    title: str
    title_zh: str | None
    version: str
    other_versions: tuple[str, ...]
    jurisdiction: str
    status: str
    in_force: str
    sources: tuple[SourceView, ...]
    uncertain: tuple[Link, ...]
    description: str | None
    parameters: tuple[ParameterView, ...]
    inputs: tuple[FieldView, ...]
    outputs: tuple[FieldView, ...]
    rules: tuple[RuleView, ...]
    tables: tuple[TableView, ...]
    examples: tuple[ExampleView, ...]
    lang: str = "en"
    heading: str = ""  # the title in the page's language
    subtitle: str | None = None  # the title in the other language
    plain: PlainView | None = None
    contents: tuple[RuleLink, ...] = ()


# -- building it -------------------------------------------------------------------------------


def ruleset_page(
    ruleset: RuleSet,
    versions: Sequence[RuleSet],
    examples: Sequence[Example] = (),
    lang: str = "en",
) -> str:
    """The page of one version: header, parameters, inputs, rules, tables, worked examples."""
    return render("ruleset/version.md.j2", lang, page=ruleset_view(ruleset, versions, examples, lang))


def _other(title: str, title_zh: str | None, lang: str) -> str | None:
    """The title in the language the page is not in, when the file gives it."""
    other = title if lang == "zh" else title_zh
    return other if other and other != localised_title(title, title_zh, lang) else None


def plain_view(ruleset: RuleSet, lang: str) -> PlainView | None:
    plain = ruleset.plain
    if plain is None:
        return None
    if lang == "zh":
        return PlainView(plain.applies_to_zh or None, plain.gives_zh or None)
    if not (plain.applies_to or plain.gives):
        return None
    return PlainView(plain.applies_to or None, plain.gives or None)


def ruleset_view(
    ruleset: RuleSet, versions: Sequence[RuleSet], examples: Sequence[Example] = (), lang: str = "en"
) -> RuleSetPage:
    units = units_of(ruleset)
    names = names_of(ruleset) if lang == "zh" else None  # the Chinese page reads in the file's Chinese names
    return RuleSetPage(
        lang=lang,
        heading=localised_title(ruleset.title, ruleset.title_zh, lang),
        subtitle=_other(ruleset.title, ruleset.title_zh, lang),
        plain=plain_view(ruleset, lang),
        contents=(
            *(RuleLink(localised_title(r.title, r.title_zh, lang), _other(r.title, r.title_zh, lang),
                       rule_anchor(r.id)) for r in ruleset.rules),
            *(RuleLink(localised_title(t.title, t.title_zh, lang), _other(t.title, t.title_zh, lang),
                       table_anchor(t.id)) for t in ruleset.tables),
        ),
        id=ruleset.id,
        title=ruleset.title,
        title_zh=ruleset.title_zh or None,
        version=ruleset.version,
        other_versions=tuple(v.version for v in versions if v.version != ruleset.version),
        jurisdiction=localised_title(ruleset.jurisdiction, ruleset.jurisdiction_zh, lang),
        status=translator(lang).gettext(STATUS_WORD.get(ruleset.status, ruleset.status)),
        in_force=period(ruleset.effective_from, ruleset.effective_until, lang),
        sources=tuple(
            SourceView(s.key, s.title, s.document or None, s.url or None) for s in ruleset.sources
        ),
        uncertain=tuple(
            _parameter_link(p, lang) for p in ruleset.parameters.values() if p.status == "uncertain-reading"
        ),
        description=ruleset.description or None,
        parameters=tuple(_parameter_view(p, lang) for p in ruleset.parameters.values()),
        inputs=tuple(_field_view(name, f, lang) for name, f in ruleset.inputs.items()),
        outputs=tuple(_field_view(name, f, lang) for name, f in ruleset.outputs.items()),
        rules=tuple(_rule_view(ruleset, rule, units, lang, names) for rule in ruleset.rules),
        tables=tuple(_table_view(ruleset, decision, units, lang, names) for decision in ruleset.tables),
        examples=tuple(
            _example_view(ruleset, number, example, lang)
            for number, example in enumerate((e for e in examples if ruleset.in_force(e.on)), start=1)
        ),
    )


def _parameter_link(parameter: Parameter, lang: str = "en") -> Link:
    label = parameter.label_zh if lang == "zh" and parameter.label_zh else humanise(parameter.name)
    return Link(label, f"#{parameter_anchor(parameter.name)}")


def _parameter_view(p: Parameter, lang: str = "en") -> ParameterView:
    gettext = translator(lang).gettext
    flagged = p.status != "law"
    flag = gettext(STATUS_LABEL[p.status]) if p.status in STATUS_LABEL else p.status
    return ParameterView(
        anchor=parameter_anchor(p.name),
        label=humanise(p.name),
        description=p.description or None,
        description_zh=p.description_zh or None,
        values=dated_values(p, lang),
        unit=p.unit or "—",
        clause=p.clause,
        status=p.status,
        flag=flag,
        note=p.reading_text if flagged and p.reading_text else None,  # the reading (older files: its note)
        note_kind="warning" if p.status == "uncertain-reading" else "note",
        note_label=flag.lstrip("⚠ ").capitalize(),
        label_zh=p.label_zh,
    )


def _field_view(name: str, f: Field, lang: str = "en") -> FieldView:
    gettext = translator(lang).gettext
    shown = literal_zh if lang == "zh" else (lambda value: format_value(value))
    bounds = []
    if f.minimum is not None:
        bounds.append(gettext(N_("at least {value}")).format(value=shown(f.minimum)))
    if f.maximum is not None:
        bounds.append(gettext(N_("at most {value}")).format(value=shown(f.maximum)))
    kind, choices = type_words(f)
    if kind in KIND_WORDS:
        kind = gettext(KIND_WORDS[kind])
    return FieldView(
        name=name,
        kind=kind,
        choices=choices,
        bounds=tuple(bounds),
        unit=f.unit or "—",
        default=shown(f.default) if f.default is not NO_DEFAULT else "—",
        description=f.description or "",
        description_zh=f.description_zh or None,
        label_zh=f.label_zh,
        choices_zh=tuple(f.value_zh(c) for c in f.type.values) if f.type.kind == "enum" else (),
    )


def outcome(
    ruleset: RuleSet, expression: Expression, units: Mapping[str, str], names: Names | None = None
) -> Outcome:
    """A rule's or row's result in words (in Chinese with `names`); a bare parameter gets its figure
    beside it ("township reimbursement ratio — 0.85 (85%)"), so the reader need not look it up."""
    text = value_zh(expression, names) if names is not None else plain_value(expression, units)
    name = expression.text.strip()
    if len(expression.names()) != 1 or name not in ruleset.parameters:
        return Outcome(text)
    parameter = ruleset.parameters[name]
    figure = value_text(parameter.values[0].value, parameter.unit) if len(parameter.values) == 1 else None
    return Outcome(text, parameter_anchor(parameter.name), figure)


def _flag_boxes(parameters: Sequence[Parameter], lang: str = "en") -> tuple[FlagBox, ...]:
    gettext = translator(lang).gettext
    boxes = []
    for status, kind, title in (
        ("uncertain-reading", "warning", N_("Uses an uncertain reading")),
        ("drafter-reading", "note", N_("Uses a drafter's choice")),
    ):
        chosen = tuple(_parameter_link(p, lang) for p in parameters if p.status == status)
        if chosen:
            boxes.append(FlagBox(kind, gettext(title), gettext(STATUS_EXPLAINED[status]), chosen))
    return tuple(boxes)


def _rule_view(
    ruleset: RuleSet, rule: Rule, units: Mapping[str, str], lang: str = "en", names: Names | None = None
) -> RuleView:
    exception_to = None
    if rule.exception_to:
        other = ruleset.rule(rule.exception_to)
        title = localised_title(other.title, other.title_zh, lang) if other else rule.exception_to
        exception_to = Link(title, f"#{rule_anchor(rule.exception_to)}")
    if names is not None:
        condition = conditions_zh(list(rule.conditions), names) if rule.conditions else None
    else:
        condition = plain_conditions(list(rule.conditions), units) if rule.conditions else None
    written = [f"# {rule.id}"]
    if rule.conditions:
        written += ["when:", *(f"  - {c.text.strip()}" for c in rule.conditions)]
    else:
        written += ["when: always"]
    written += ["then:", *(f"  {k}: {v.text.strip()}" for k, v in rule.assignments.items())]
    flagged = flagged_parameters_used(ruleset, [*rule.conditions, *rule.assignments.values()])
    return RuleView(
        id=rule.id,
        anchor=rule_anchor(rule.id),
        title=rule.title,
        title_zh=rule.title_zh or None,
        condition=condition,
        effects=tuple(
            Effect(names.label(output) if names else humanise(output), outcome(ruleset, expression, units, names))
            for output, expression in rule.assignments.items()
        ),
        exception_to=exception_to,
        priority=rule.priority or None,
        note=rule.note or None,
        clause=rule.clause,
        source=rule.source,
        source_zh=rule.source_zh,
        source_zh_label=source_zh_label(rule.source_zh_status) if rule.source_zh else None,
        written="\n".join(written),
        flags=_flag_boxes(flagged, lang),
        reading=reading_view(rule.reading.status, rule.reading.text, rule.reading.text_zh, lang),
    )


def cell_text(cell: CellTest, unit: str | None = None) -> str:
    """A decision-table cell in words: `> 6` → "more than 6", `[0, 6)` → "0 to under 6"."""
    if cell.kind == "any":
        return "any"
    if cell.kind == "compare":
        value = with_unit(format_value(cell.value), cell.value, unit)
        words = {
            "==": "",
            "!=": "not ",
            "<": "less than ",
            "<=": "at most ",
            ">": "more than ",
            ">=": "at least ",
        }[cell.op]
        return f"{words}{value}"
    if cell.kind == "interval":
        low = format_value(cell.low)
        high = with_unit(format_value(cell.high), cell.high, unit)
        low_words = "from" if cell.low_closed else "over"
        high_words = "to" if cell.high_closed else "to under"
        return f"{low_words} {low} {high_words} {high}"
    if cell.kind == "member":
        items = [format_value(v) for v in cell.items]
        if cell.negated:
            return "neither " + " nor ".join(items) if len(items) == 2 else (
                "none of " + join_words(items, "or")
            )
        return join_words(items, "or")
    return cell.text


def _table_view(
    ruleset: RuleSet, decision: DecisionTable, units: Mapping[str, str], lang: str = "en",
    names: Names | None = None,
) -> TableView:
    gettext = translator(lang).gettext
    column_names = [next(iter(c.names())) if len(c.names()) == 1 else None for c in decision.columns]
    column_units = [units.get(n) if n else None for n in column_names]

    def cell(cell: CellTest, unit: str | None, name: str | None) -> str:
        if names is None:
            return cell_text(cell, unit)
        return cell_zh(cell, unit, names.values.get(name) if name else None)

    row_column = any(row.note or row.id for row in decision.rows)
    rows = tuple(
        TableRowView(
            cells=tuple(cell(c, u, n) for c, u, n in zip(row.cells, column_units, column_names, strict=True)),
            results=tuple(outcome(ruleset, result, units, names) for result in row.results),
            label=(row.label + (f": {row.note}" if row.note else "")) if row_column else None,
        )
        for row in decision.rows
    )
    hit = gettext(HIT_EXPLAINED[decision.hit]) if decision.hit in HIT_EXPLAINED else decision.hit
    if decision.hit == "collect" and decision.aggregate:
        hit += gettext(N_(", combined by {aggregate}")).format(aggregate=decision.aggregate)
    flagged = flagged_parameters_used(
        ruleset, [*decision.columns, *(e for r in decision.rows for e in r.results)]
    )
    return TableView(
        anchor=table_anchor(decision.id),
        title=decision.title,
        title_zh=decision.title_zh or None,
        outputs=tuple(names.label(o) if names else humanise(o) for o in decision.outputs),
        columns=tuple(value_zh(c, names) if names else plain_value(c, units) for c in decision.columns),
        hit=hit,
        note=decision.note or None,
        clause=decision.clause,
        source=decision.source,
        source_zh=decision.source_zh,
        source_zh_label=source_zh_label(decision.source_zh_status) if decision.source_zh else None,
        row_column=row_column,
        rows=rows,
        flags=_flag_boxes(flagged, lang),
        reading=reading_view(decision.reading.status, decision.reading.text, decision.reading.text_zh, lang),
    )


def _expected_text(value: Any, unit: str | None) -> str:
    if isinstance(value, Mapping) and "value" in value:
        text = value_text(value["value"], unit)
        if value.get("tolerance"):
            text += f" (± {format_value(value['tolerance'])})"
        return text
    return value_text(value, unit)


def _example_view(ruleset: RuleSet, number: int, example: Example, lang: str = "en") -> ExampleView:
    return ExampleView(
        number=number,
        name=example.name,
        on=long_date(example.on, lang),
        source=example.source,
        facts=tuple(
            (name, value_text(value, field_unit(ruleset, name))) for name, value in example.inputs.items()
        ),
        refused=example.expect_error or None,
        expected=tuple(
            (name, _expected_text(value, field_unit(ruleset, name))) for name, value in example.expect.items()
        ),
        warning=example.expect_warning or None,
        note=example.note or None,
        explanation=example.explanation or None,
    )
