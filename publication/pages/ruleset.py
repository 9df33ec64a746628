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
from governance.model import NO_DEFAULT, CellTest, DecisionTable, Field, Parameter, Rule, RuleSet
from governance.trace import SOURCE_LABEL, SOURCE_LABEL_ZH, source_zh_label
from publication.anchors import parameter_anchor, rule_anchor, table_anchor
from publication.pages.common import (
    READING_LABEL,
    STATUS_EXPLAINED,
    STATUS_LABEL,
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
from publication.render import render

HIT_EXPLAINED = {
    "unique": "exactly one row applies to a case",
    "first": "the first row that applies, in order, decides",
    "collect": "every row that applies counts",
}


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

    @property
    def title(self) -> str:
        return {"drafter-reading": "Drafter's reading", "uncertain-reading": "Uncertain reading"}.get(
            self.status, "Reading")


def reading_view(status: str | None, text: str | None, text_zh: str | None) -> ReadingView | None:
    if status is None:
        return None
    return ReadingView(status, READING_LABEL.get(status, status), text, text_zh,
                       "warning" if status == "uncertain-reading" else "note")


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


# -- building it -------------------------------------------------------------------------------


def ruleset_page(
    ruleset: RuleSet,
    versions: Sequence[RuleSet],
    examples: Sequence[Example] = (),
) -> str:
    """The page of one version: header, parameters, inputs, rules, tables, worked examples."""
    return render("ruleset/version.md.j2", page=ruleset_view(ruleset, versions, examples))


def ruleset_view(
    ruleset: RuleSet, versions: Sequence[RuleSet], examples: Sequence[Example] = ()
) -> RuleSetPage:
    units = units_of(ruleset)
    return RuleSetPage(
        id=ruleset.id,
        title=ruleset.title,
        title_zh=ruleset.title_zh or None,
        version=ruleset.version,
        other_versions=tuple(v.version for v in versions if v.version != ruleset.version),
        jurisdiction=ruleset.jurisdiction,
        status=ruleset.status,
        in_force=period(ruleset.effective_from, ruleset.effective_until),
        sources=tuple(
            SourceView(s.key, s.title, s.document or None, s.url or None) for s in ruleset.sources
        ),
        uncertain=tuple(
            _parameter_link(p) for p in ruleset.parameters.values() if p.status == "uncertain-reading"
        ),
        description=ruleset.description or None,
        parameters=tuple(_parameter_view(p) for p in ruleset.parameters.values()),
        inputs=tuple(_field_view(name, f) for name, f in ruleset.inputs.items()),
        outputs=tuple(_field_view(name, f) for name, f in ruleset.outputs.items()),
        rules=tuple(_rule_view(ruleset, rule, units) for rule in ruleset.rules),
        tables=tuple(_table_view(ruleset, decision, units) for decision in ruleset.tables),
        examples=tuple(
            _example_view(ruleset, number, example)
            for number, example in enumerate((e for e in examples if ruleset.in_force(e.on)), start=1)
        ),
    )


def _parameter_link(parameter: Parameter) -> Link:
    return Link(humanise(parameter.name), f"#{parameter_anchor(parameter.name)}")


def _parameter_view(p: Parameter) -> ParameterView:
    flagged = p.status != "law"
    return ParameterView(
        anchor=parameter_anchor(p.name),
        label=humanise(p.name),
        description=p.description or None,
        description_zh=p.description_zh or None,
        values=dated_values(p),
        unit=p.unit or "—",
        clause=p.clause,
        status=p.status,
        flag=STATUS_LABEL.get(p.status, p.status),
        note=p.reading_text if flagged and p.reading_text else None,  # the reading (older files: its note)
        note_kind="warning" if p.status == "uncertain-reading" else "note",
        note_label=STATUS_LABEL.get(p.status, p.status).lstrip("⚠ ").capitalize(),
        label_zh=p.label_zh,
    )


def _field_view(name: str, f: Field) -> FieldView:
    bounds = []
    if f.minimum is not None:
        bounds.append(f"at least {format_value(f.minimum)}")
    if f.maximum is not None:
        bounds.append(f"at most {format_value(f.maximum)}")
    kind, choices = type_words(f)
    return FieldView(
        name=name,
        kind=kind,
        choices=choices,
        bounds=tuple(bounds),
        unit=f.unit or "—",
        default=format_value(f.default) if f.default is not NO_DEFAULT else "—",
        description=f.description or "",
        description_zh=f.description_zh or None,
        label_zh=f.label_zh,
        choices_zh=tuple(f.value_zh(c) for c in f.type.values) if f.type.kind == "enum" else (),
    )


def outcome(ruleset: RuleSet, expression: Expression, units: Mapping[str, str]) -> Outcome:
    """A rule's or row's result in words; a bare parameter gets its figure beside it
    ("township reimbursement ratio — 0.85 (85%)"), so the reader need not look it up."""
    text = plain_value(expression, units)
    name = expression.text.strip()
    if len(expression.names()) != 1 or name not in ruleset.parameters:
        return Outcome(text)
    parameter = ruleset.parameters[name]
    figure = value_text(parameter.values[0].value, parameter.unit) if len(parameter.values) == 1 else None
    return Outcome(text, parameter_anchor(parameter.name), figure)


def _flag_boxes(parameters: Sequence[Parameter]) -> tuple[FlagBox, ...]:
    boxes = []
    for status, kind, title in (
        ("uncertain-reading", "warning", "Uses an uncertain reading"),
        ("drafter-reading", "note", "Uses a drafter's choice"),
    ):
        chosen = tuple(_parameter_link(p) for p in parameters if p.status == status)
        if chosen:
            boxes.append(FlagBox(kind, title, STATUS_EXPLAINED[status], chosen))
    return tuple(boxes)


def _rule_view(ruleset: RuleSet, rule: Rule, units: Mapping[str, str]) -> RuleView:
    exception_to = None
    if rule.exception_to:
        other = ruleset.rule(rule.exception_to)
        exception_to = Link(other.title if other else rule.exception_to, f"#{rule_anchor(rule.exception_to)}")
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
        condition=plain_conditions(list(rule.conditions), units) if rule.conditions else None,
        effects=tuple(
            Effect(humanise(output), outcome(ruleset, expression, units))
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
        flags=_flag_boxes(flagged),
        reading=reading_view(rule.reading.status, rule.reading.text, rule.reading.text_zh),
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


def _table_view(ruleset: RuleSet, decision: DecisionTable, units: Mapping[str, str]) -> TableView:
    column_units = [
        units.get(next(iter(c.names()))) if len(c.names()) == 1 else None for c in decision.columns
    ]
    row_column = any(row.note or row.id for row in decision.rows)
    rows = tuple(
        TableRowView(
            cells=tuple(cell_text(cell, u) for cell, u in zip(row.cells, column_units, strict=True)),
            results=tuple(outcome(ruleset, result, units) for result in row.results),
            label=(row.label + (f": {row.note}" if row.note else "")) if row_column else None,
        )
        for row in decision.rows
    )
    hit = HIT_EXPLAINED.get(decision.hit, decision.hit)
    if decision.hit == "collect" and decision.aggregate:
        hit += f", combined by {decision.aggregate}"
    flagged = flagged_parameters_used(
        ruleset, [*decision.columns, *(e for r in decision.rows for e in r.results)]
    )
    return TableView(
        anchor=table_anchor(decision.id),
        title=decision.title,
        title_zh=decision.title_zh or None,
        outputs=tuple(humanise(o) for o in decision.outputs),
        columns=tuple(plain_value(c, units) for c in decision.columns),
        hit=hit,
        note=decision.note or None,
        clause=decision.clause,
        source=decision.source,
        source_zh=decision.source_zh,
        source_zh_label=source_zh_label(decision.source_zh_status) if decision.source_zh else None,
        row_column=row_column,
        rows=rows,
        flags=_flag_boxes(flagged),
        reading=reading_view(decision.reading.status, decision.reading.text, decision.reading.text_zh),
    )


def _expected_text(value: Any, unit: str | None) -> str:
    if isinstance(value, Mapping) and "value" in value:
        text = value_text(value["value"], unit)
        if value.get("tolerance"):
            text += f" (± {format_value(value['tolerance'])})"
        return text
    return value_text(value, unit)


def _example_view(ruleset: RuleSet, number: int, example: Example) -> ExampleView:
    return ExampleView(
        number=number,
        name=example.name,
        on=long_date(example.on),
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
