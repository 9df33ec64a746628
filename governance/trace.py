"""The decision trace: what the one-case evaluator found, as typed records.

The evaluator records into these dataclasses while it decides; the explanation JSON
(`medunion/explanation@1`, docs/reference/explanation.md) is produced from them by `to_json`
alone, and the letter and Markdown renderers (governance.explain) read them too, so the three
can never say different things. Values in the trace are JSON-ready already (dates as ISO text),
as the explanation shows them; the typed values are `Decision.outputs`. The texts of expressions
with their values (`with_values`) are written when `Decision.trace` is first read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from governance.i18n import N_

EXPLANATION_FORMAT = "medunion/explanation@1"

LIST_SEPARATOR = N_("; ")
"""How the parts of a reason are joined: a semicolon, or the Chinese full-width one."""


def _same(message: str) -> str:
    return message


@dataclass(frozen=True, slots=True)
class Words:
    """A sentence of the trace (why an output is not decided, why a condition was not evaluated)
    as a catalog template and its fields, so each renderer words it in its reader's language.

    `str()` is the English the explanation JSON keeps. A field may itself be `Words`, or a tuple
    of them (joined by LIST_SEPARATOR); any other field is data (a name, an expression) and is
    never translated."""

    template: str
    args: tuple[tuple[str, Any], ...] = ()

    def text(self, gettext: Callable[[str], str] = _same) -> str:
        if not self.template:  # gettext("") is the catalog's header, not a message
            return ""
        fields: dict[str, Any] = {}
        for key, value in self.args:
            if isinstance(value, Words):
                value = value.text(gettext)
            elif isinstance(value, tuple):
                value = gettext(LIST_SEPARATOR).join(part.text(gettext) for part in value)
            fields[key] = value
        return gettext(self.template).format(**fields) if fields else gettext(self.template)

    def __str__(self) -> str:
        return self.text()


def words(template: str, **args: Any) -> Words:
    """`Words` from a template marked `N_()` where it is written and its fields."""
    return Words(template, tuple(args.items()))


@dataclass(slots=True)
class ReadingTrace:
    """A reading of the law an output depends on: the rule, table or parameter that is not plain law."""

    kind: str  # rule | table | parameter
    id: str
    clause: str
    status: str  # drafter-reading | uncertain-reading
    reading: str | None
    reading_zh: str | None = None
    title: str | None = None  # the rule's or table's title, or the parameter's description
    title_zh: str | None = None  # its Chinese title, or the parameter's Chinese label


@dataclass(slots=True)
class RulesetTrace:
    """Which rule set, which version, in force when."""

    id: str
    title: str
    title_zh: str | None
    version: str
    status: str
    jurisdiction: str
    effective_from: dt.date
    effective_until: dt.date | None
    path: str
    sources: tuple[str, ...]
    jurisdiction_zh: str | None = None


@dataclass(slots=True)
class ConditionTrace:
    """One top-level condition of a rule: its truth, or the note why it was not evaluated."""

    expression: str
    value: bool | None  # None: not evaluated (see `note`)
    with_values: str | None = None  # the expression with each name's value beside it, when evaluated
    note: str | None = None  # why it was not evaluated
    note_words: Words | None = None  # the same, to be worded in the reader's language


@dataclass(slots=True)
class RuleTrace:
    """A rule's verdict: did it fire, on which condition did it stop, what did it set aside."""

    id: str
    title: str
    title_zh: str | None
    clause: str
    source: str
    fired: bool
    conditions: tuple[ConditionTrace, ...]
    failed_condition: int | None  # index into `conditions` of the first that failed
    exception_to: str | None
    priority: int
    sets: tuple[str, ...]
    overridden_by: dict[str, tuple[str, ...]] = field(default_factory=dict)  # output -> the fired exceptions
    status: str | None = None  # law | drafter-reading | uncertain-reading (None: the file gives none)
    reading: str | None = None
    reading_zh: str | None = None
    source_zh: str | None = None
    source_zh_status: str | None = None


@dataclass(slots=True)
class CellTrace:
    column: str  # the column's expression
    value: Any  # the column's value
    test: str  # the cell as written
    result: bool


@dataclass(slots=True)
class RowTrace:
    row: str  # the row's id, or "row N"
    matched: bool
    cells: tuple[CellTrace, ...]
    failed_cell: int | None


@dataclass(slots=True)
class FormulaTrace:
    """A formula as written, with values, and its result; `row` for a table row's result."""

    expression: str
    with_values: str | None  # written by the time the trace is read
    value: Any
    row: str | None = None


@dataclass(slots=True)
class TableResultTrace:
    """One output of a table: its combined value and each matched row's formula, or why not."""

    decided: bool
    value: Any = None
    formulas: tuple[FormulaTrace, ...] = ()
    reason: str | None = None
    reason_words: Words | None = None


@dataclass(slots=True)
class TableTrace:
    id: str
    title: str
    title_zh: str | None
    clause: str
    source: str
    hit: str
    aggregate: str | None
    rows: tuple[RowTrace, ...]  # the rows tested (a first-hit table stops at its first match)
    matched: tuple[str, ...]
    results: Mapping[str, TableResultTrace]  # only when a row matched
    note: str | None = None  # why no row was tested (a column reads an undecided output)
    note_words: Words | None = None
    status: str | None = None
    reading: str | None = None
    reading_zh: str | None = None
    source_zh: str | None = None
    source_zh_status: str | None = None


@dataclass(slots=True)
class DecidedBy:
    """What decided an output: a rule, a table (with its matched rows), or the output's default."""

    kind: str  # rule | table | default
    id: str | None = None
    title: str | None = None
    title_zh: str | None = None
    clause: str | None = None
    source: str | None = None
    rows: tuple[str, ...] | None = None  # for a table
    status: str | None = None  # the rule's or table's: law, drafter-reading, uncertain-reading
    source_zh: str | None = None  # the quote in Chinese, when the file gives one
    source_zh_status: str | None = None  # original | translation (a rendering written here)


@dataclass(slots=True)
class OutputTrace:
    """One output: decided or not, its value, by what, with which formula, and why."""

    name: str
    unit: str | None
    description: str | None
    decided: bool
    value: Any
    by: DecidedBy | None = None  # None: not decided
    formula: FormulaTrace | None = None  # by a rule
    formulas: tuple[FormulaTrace, ...] = ()  # by a table
    overrode: tuple[str, ...] = ()  # by a rule: the fired rules it set aside as their exception
    also_fired: tuple[str, ...] = ()  # by a rule: other rules standing that agree or rank lower
    reason: str | None = None  # by default or not decided: why no producer decided
    candidates: tuple[str, ...] = ()  # by default or not decided: the producers that could have
    readings: tuple[ReadingTrace, ...] = ()  # the readings of the law this value depends on, directly or not
    needs: tuple[str, ...] = ()  # not decided: the missing inputs it depends on ("to decide X, give a, b")
    reason_words: Words | None = None  # `reason`, to be worded in the reader's language
    label_zh: str | None = None  # the output's Chinese name, when the file gives one
    value_zh: str | None = None  # an enum value's Chinese name, when the file gives one
    kind: str | None = None  # the output's type (date, number, enum …): a letter shows a date as a date


@dataclass(slots=True)
class ParameterTrace:
    """A parameter a computed result used, with the value in force on the date and its standing."""

    name: str
    value: Any
    start: dt.date  # the date the value is in force from
    reference: str | None
    unit: str | None
    clause: str
    status: str
    note: str | None
    description: str | None
    reading: str | None = None
    reading_zh: str | None = None
    label_zh: str | None = None
    description_zh: str | None = None
    kind: str | None = None  # the parameter's type


@dataclass(slots=True)
class InputLabel:
    """An input's Chinese name, and its value's when it is an enum value the file names in Chinese."""

    label_zh: str | None
    value_zh: str | None = None


@dataclass(slots=True)
class DecisionTrace:
    """Everything needed to answer "why?" about one decision."""

    ruleset: RulesetTrace
    on: dt.date
    inputs: Mapping[str, Any]  # JSON-ready, after defaults
    outputs: Mapping[str, OutputTrace]  # in declaration order
    rules: tuple[RuleTrace, ...]  # every rule, in file order
    tables: tuple[TableTrace, ...]  # the tables that were read, in file order
    parameters: Mapping[str, ParameterTrace]  # the parameters used, by name
    warnings: tuple[str, ...]  # in English: uncertain readings relied on; a draft version (see `relied_on`)
    notes: tuple[str, ...]  # in English: drafter's choices relied on
    missing: tuple[str, ...] = ()  # required inputs the case did not give (each blocks only what reads it)
    only: tuple[str, ...] = ()  # the outputs asked for (`decide --only`); empty: every output
    relied_on: tuple[ReadingTrace, ...] = ()  # the warnings and notes as data: each reading relied on
    input_labels: Mapping[str, InputLabel] = field(default_factory=dict)  # the inputs the file names in Chinese


# --- the warnings and notes in English (the explanation's `warnings` and `notes`) -----------------

DRAFT_WARNING = N_("Version {version} of {ruleset} is a draft, not adopted: this decision shows what the draft would "
                   "decide, not what the law decides.")
UNCERTAIN_WORDS = N_("{owner} ({clause}) is an uncertain reading of the source: {reading}")
PARAMETER_CHOICE_WORDS = N_("{owner} is a drafter's choice, not stated by {clause}: {reading}")
DRAFTER_WORDS = N_("{owner} is the drafter's reading of {clause}: {reading}")
OWNERS = {"rule": N_("Rule"), "table": N_("Table"), "parameter": N_("Parameter")}
"""How a warning names what it is about (the renderers name it in the reader's language)."""


def draft_warning(ruleset: RulesetTrace) -> str:
    return DRAFT_WARNING.format(version=ruleset.version, ruleset=ruleset.id)


def caution_template(reading: ReadingTrace) -> str:
    """The sentence of a reading relied on: an uncertain reading (a warning), a drafter's (a note)."""
    if reading.status == "uncertain-reading":
        return UNCERTAIN_WORDS
    return PARAMETER_CHOICE_WORDS if reading.kind == "parameter" else DRAFTER_WORDS


def english_caution(reading: ReadingTrace) -> str:
    """A reading relied on, as the sentence of `warnings` (uncertain) or `notes` (drafter's)."""
    owner = f"{OWNERS.get(reading.kind, reading.kind)} '{reading.id}'"
    return caution_template(reading).format(owner=owner, clause=reading.clause, reading=reading.reading or "")


def cautions(ruleset: RulesetTrace, relied_on: tuple[ReadingTrace, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The English `warnings` (a draft; uncertain readings) and `notes` (drafter's readings)."""
    warnings = [draft_warning(ruleset)] if ruleset.status == "draft" else []
    warnings += [english_caution(r) for r in relied_on if r.status == "uncertain-reading"]
    notes = [english_caution(r) for r in relied_on if r.status != "uncertain-reading"]
    return tuple(warnings), tuple(notes)


SOURCE_LABEL = "English translation of the plan"
SOURCE_LABEL_ZH = "方案英文译本（非原文）"
"""What every quoted `source` sentence is: the plans exist here only in English translation."""
SOURCE_ZH_LABELS = {"translation": "译文（非原文）", "original": "原文"}
"""How a Chinese quote is labelled: a rendering written here is never shown as the original text."""


def source_zh_label(status: str | None) -> str:
    """The label of a Chinese quote; anything but a declared original is labelled a translation."""
    return SOURCE_ZH_LABELS.get(status or "translation", SOURCE_ZH_LABELS["translation"])


def _source_json(source_zh: str | None, status: str | None) -> dict[str, Any]:
    """The quote's labels (added to format @1 beside `source`): always what the quote is; the
    Chinese quote and its label only when the file gives one."""
    data: dict[str, Any] = {"source_label": SOURCE_LABEL, "source_label_zh": SOURCE_LABEL_ZH}
    if source_zh:
        data.update(source_zh=source_zh, source_zh_status=status or "translation",
                    source_zh_label=source_zh_label(status))
    return data


# --- the explanation JSON (format medunion/explanation@1; key order is part of the format) -------


def _copy(value: Any) -> Any:
    """A JSON-ready value of the trace, lists copied so that changing the JSON leaves the trace alone."""
    return [_copy(v) for v in value] if value.__class__ is list else value


def _by_json(by: DecidedBy) -> dict[str, Any]:
    if by.kind == "default":
        return {"kind": "default"}
    data = {"kind": by.kind, "id": by.id, "title": by.title, "title_zh": by.title_zh, "clause": by.clause,
            "source": by.source, **_source_json(by.source_zh, by.source_zh_status)}
    if by.rows is not None:
        data["rows"] = list(by.rows)
    data["status"] = by.status
    return data


def _reading_json(reading: ReadingTrace) -> dict[str, Any]:
    return {"kind": reading.kind, "id": reading.id, "clause": reading.clause, "status": reading.status,
            "reading": reading.reading, "reading_zh": reading.reading_zh, "title": reading.title,
            "title_zh": reading.title_zh}


def _formula_json(formula: FormulaTrace) -> dict[str, Any]:
    if formula.row is None:
        return {"expression": formula.expression, "with_values": formula.with_values, "value": _copy(formula.value)}
    return {"row": formula.row, "expression": formula.expression, "with_values": formula.with_values,
            "value": _copy(formula.value)}


def _output_json(output: OutputTrace) -> dict[str, Any]:
    data: dict[str, Any] = {"label_zh": output.label_zh} if output.label_zh else {}
    data.update(unit=output.unit, description=output.description, decided=output.decided, value=_copy(output.value))
    if output.value_zh is not None:
        data["value_zh"] = output.value_zh
    kind = output.by.kind if output.by is not None else None
    if output.by is not None:
        data["by"] = _by_json(output.by)
    if kind == "rule":
        assert output.formula is not None  # a rule decides through its formula
        data["formula"] = _formula_json(output.formula)
        data["overrode"] = list(output.overrode)
        data["also_fired"] = list(output.also_fired)
    elif kind == "table":
        data["formulas"] = [_formula_json(f) for f in output.formulas]
    else:  # by default, or not decided
        data["reason"] = output.reason
        data["candidates"] = list(output.candidates)
        if output.needs:
            data["needs"] = list(output.needs)
    data["readings"] = [_reading_json(r) for r in output.readings]
    return data


def _rule_json(rule: RuleTrace) -> dict[str, Any]:
    data = {
        "kind": "rule", "id": rule.id, "title": rule.title, "title_zh": rule.title_zh, "clause": rule.clause,
        "source": rule.source, **_source_json(rule.source_zh, rule.source_zh_status),
        "fired": rule.fired,
        "conditions": [{"expression": c.expression, "with_values": c.with_values, "value": c.value}
                       if c.note is None  # evaluated
                       else {"expression": c.expression, "value": c.value, "note": c.note}
                       for c in rule.conditions],
        "failed_condition": rule.failed_condition, "exception_to": rule.exception_to,
        "priority": rule.priority, "sets": list(rule.sets),
    }
    if rule.overridden_by:
        data["overridden_by"] = {name: list(ids) for name, ids in rule.overridden_by.items()}
    data.update(status=rule.status, reading=rule.reading, reading_zh=rule.reading_zh)
    return data


def _result_json(result: TableResultTrace) -> dict[str, Any]:
    if result.decided:
        return {"decided": True, "value": _copy(result.value),
                "formulas": [_formula_json(f) for f in result.formulas]}
    return {"decided": False, "reason": result.reason}


def _table_json(table: TableTrace) -> dict[str, Any]:
    data = {
        "kind": "table", "id": table.id, "title": table.title, "title_zh": table.title_zh,
        "clause": table.clause, "source": table.source,
        **_source_json(table.source_zh, table.source_zh_status),
        "hit": table.hit, "aggregate": table.aggregate,
        "rows": [{"row": r.row, "matched": r.matched,
                  "cells": [{"column": c.column, "value": _copy(c.value), "test": c.test, "result": c.result}
                            for c in r.cells],
                  "failed_cell": r.failed_cell} for r in table.rows],
        "matched": list(table.matched),
        "results": {name: _result_json(result) for name, result in table.results.items()},
    }
    if table.note is not None:
        data["note"] = table.note
    data.update(status=table.status, reading=table.reading, reading_zh=table.reading_zh)
    return data


def _parameter_json(parameter: ParameterTrace) -> dict[str, Any]:
    return {"value": _copy(parameter.value), "from": parameter.start.isoformat(),
            "reference": parameter.reference,
            "unit": parameter.unit, "clause": parameter.clause, "status": parameter.status,
            "note": parameter.note, "description": parameter.description,
            "reading": parameter.reading, "reading_zh": parameter.reading_zh,
            "label_zh": parameter.label_zh, "description_zh": parameter.description_zh}


def _input_label_json(label: InputLabel) -> dict[str, Any]:
    return {"label_zh": label.label_zh, **({"value_zh": label.value_zh} if label.value_zh is not None else {})}


def _caution_json(reading: ReadingTrace) -> dict[str, Any]:
    """A reading the decision relies on, typed: `warning` for an uncertain reading, else `note`."""
    severity = "warning" if reading.status == "uncertain-reading" else "note"
    return {"severity": severity, **_reading_json(reading)}


def to_json(trace: DecisionTrace) -> dict[str, Any]:
    """The explanation as JSON-ready data, format `medunion/explanation@1`."""
    rs = trace.ruleset
    return {
        "format": EXPLANATION_FORMAT,
        "ruleset": {"id": rs.id, "title": rs.title, "title_zh": rs.title_zh, "version": rs.version,
                    "status": rs.status, "jurisdiction": rs.jurisdiction, "jurisdiction_zh": rs.jurisdiction_zh,
                    "effective": {"from": rs.effective_from.isoformat(),
                                  "until": rs.effective_until.isoformat() if rs.effective_until else None},
                    "path": rs.path, "sources": list(rs.sources)},
        "on": trace.on.isoformat(),
        "inputs": {name: _copy(value) for name, value in trace.inputs.items()},
        **({"input_labels": {name: _input_label_json(label) for name, label in trace.input_labels.items()}}
           if trace.input_labels else {}),
        "outputs": {name: _output_json(output) for name, output in trace.outputs.items()},
        "rules": [_rule_json(rule) for rule in trace.rules],
        "tables": [_table_json(table) for table in trace.tables],
        "parameters": {name: _parameter_json(p) for name, p in trace.parameters.items()},
        "warnings": list(trace.warnings),
        "notes": list(trace.notes),
        **({"relied_on": [_caution_json(r) for r in trace.relied_on]} if trace.relied_on else {}),
        **({"missing_inputs": list(trace.missing)} if trace.missing else {}),
        **({"only": list(trace.only)} if trace.only else {}),
    }
