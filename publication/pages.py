"""Markdown for the generated pages: pure functions from the core's models to text.

Everything a reader needs to check a rule against the law sits on one page: the
rule in plain language beside its clause key and the quoted source sentence, the
figures it uses with their dates and flags, and worked examples. Figures that are
not the law's (a drafter's choice, an uncertain reading) are flagged wherever
they are shown, never only in a footnote.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from governance.clauses import Clause
from governance.diff import FieldChange, ItemChange, ParameterChange, RuleSetDiff
from governance.expressions import Expression
from governance.model import NO_DEFAULT, CellTest, DecisionTable, Field, Parameter, Rule, RuleSet
from publication.plain import (
    format_value,
    humanise,
    join_words,
    plain_conditions,
    plain_value,
    with_unit,
)

STATUS_LABEL = {
    "law": "law",
    "drafter-choice": "⚠ drafter's choice",
    "uncertain-reading": "⚠ uncertain reading",
}
STATUS_EXPLAINED = {
    "law": "the clause states this figure",
    "drafter-choice": "the plan gives no figure, so the drafter chose one (see its note)",
    "uncertain-reading": (
        "the source text is corrupted or ambiguous and the figure is a reading of it (see its note)"
    ),
}
HIT_EXPLAINED = {
    "unique": "exactly one row applies to a case",
    "first": "the first row that applies, in order, decides",
    "collect": "every row that applies counts",
}


@dataclass(frozen=True)
class GeneratedPage:
    """A page (or chart) the plugin adds to the site; it exists only at build time."""

    src_uri: str  # as if under docs/, e.g. "rules/zhenghe-referral/2017.1.md"
    content: str | bytes


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


# -- small helpers --------------------------------------------------------------------------


def esc(text: object) -> str:
    """Text from YAML, safe inside Markdown and table cells ("* * River" stays literal)."""
    value = " ".join(str(text).split())
    value = html.escape(value, quote=False)
    for char in "\\`*_[]{}|#":
        value = value.replace(char, "\\" + char)
    return value


def box_title(text: str) -> str:
    """Text for an admonition's quoted title: escaped, with no double quote to end it early."""
    return esc(text).replace('"', "'")


def code(text: str) -> str:
    """Inline code; escaping does not apply inside backticks, so use HTML for odd text."""
    if "`" in text or "|" in text:
        return f"<code>{html.escape(text)}</code>"
    return f"`{text}`"


def zh(text: str | None) -> str:
    """A Chinese label, marked as such so browsers and screen readers treat it right."""
    return f'<span lang="zh-Hans">{html.escape(text)}</span>' if text else ""


def long_date(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def period(start: dt.date, until: dt.date | None) -> str:
    if until is None:
        return f"from {long_date(start)}, with no end date"
    return f"from {long_date(start)} to {long_date(until)} (inclusive)"


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table; cells must already be escaped."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def quote(text: str) -> str:
    return "> " + esc(text) + "\n"


def clause_link(clause: str) -> str:
    """A link to the clause's row on the clauses page, from a page two folders down
    (rules/<id>/<version>.md, appraisal/<id>/<version>.md)."""
    return f"[`{clause}`](../../clauses.md#{clause_anchor(clause)})"


def clause_anchor(clause: str) -> str:
    return "clause-" + "".join(c if c.isalnum() else "-" for c in clause.lower()).strip("-")


def rule_anchor(rule_id: str) -> str:
    return f"rule-{rule_id}"


def table_anchor(table_id: str) -> str:
    return f"table-{table_id}"


def parameter_anchor(name: str) -> str:
    return f"parameter-{name}"


def units_of(ruleset: RuleSet) -> dict[str, str]:
    """Every name's unit, so numbers compared with it can carry it ("6 months")."""
    units: dict[str, str] = {}
    for group in (ruleset.inputs, ruleset.outputs):
        units.update({name: f.unit for name, f in group.items() if f.unit})
    units.update({name: p.unit for name, p in ruleset.parameters.items() if p.unit})
    return units


def version_uri(ruleset: RuleSet) -> str:
    return f"rules/{ruleset.id}/{ruleset.version}.md"


def history_uri(ruleset_id: str) -> str:
    return f"rules/{ruleset_id}/index.md"


def diff_uri(diff: RuleSetDiff) -> str:
    return f"rules/{diff.ruleset}/changes-{diff.old_version}-to-{diff.new_version}.md"


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


def _flag_admonition(parameters: Sequence[Parameter], what: str) -> str:
    """One box per kind of flag: an uncertain reading is a warning, a drafter's figure a note."""
    out = []
    for status, kind, title in (
        ("uncertain-reading", "warning", "Uses an uncertain reading"),
        ("drafter-choice", "note", "Uses a drafter's choice"),
    ):
        chosen = [p for p in parameters if p.status == status]
        if not chosen:
            continue
        links = join_words(
            [f"[{esc(humanise(p.name))}](#{parameter_anchor(p.name)})" for p in chosen], "and"
        )
        out.append(
            f'!!! {kind} "{title}"\n'
            f"    {what} uses {links}: {STATUS_EXPLAINED[status]}.\n"
        )
    return "\n".join(out)


def describe_type(item: Field | Parameter) -> str:
    kind = item.type
    if kind.kind == "enum":
        return "one of " + ", ".join(f"`{v}`" for v in kind.values)
    if kind.kind == "list" and kind.element is not None:
        return f"list of {kind.element.kind}"
    return kind.kind


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


# -- a rule-set version --------------------------------------------------------------------


def ruleset_page(
    ruleset: RuleSet,
    versions: Sequence[RuleSet],
    examples: Sequence[Example] = (),
) -> str:
    """The page of one version: header, parameters, inputs, rules, tables, worked examples."""
    parts = [f"# {esc(ruleset.title)} — version {esc(ruleset.version)}\n"]
    if ruleset.title_zh:
        parts.append(f"{zh(ruleset.title_zh)}\n")
    parts.append(_header(ruleset, versions))
    uncertain = [p for p in ruleset.parameters.values() if p.status == "uncertain-reading"]
    if uncertain:
        names = join_words(
            [f"[{esc(humanise(p.name))}](#{parameter_anchor(p.name)})" for p in uncertain], "and"
        )
        parts.append(
            '!!! warning "Uncertain reading of the source"\n'
            f"    This version uses {names}, whose figure rests on an uncertain reading of a "
            "corrupted or ambiguous source text. Every decision that uses it carries a warning.\n"
        )
    if ruleset.description:
        parts.append(esc(ruleset.description) + "\n")
    parts.append(parameters_section(ruleset))
    parts.append(fields_section("Facts of a case", ruleset.inputs, inputs=True))
    parts.append(fields_section("What it decides", ruleset.outputs, inputs=False))
    parts.append(rules_section(ruleset))
    if ruleset.tables:
        parts.append(tables_section(ruleset))
    parts.append(examples_section(ruleset, examples))
    return "\n".join(parts)


def _header(ruleset: RuleSet, versions: Sequence[RuleSet]) -> str:
    """Jurisdiction, version, status and period in one row; the sources listed under it."""
    others = [v for v in versions if v.version != ruleset.version]
    version = f"{esc(ruleset.version)} ([all versions](index.md))"
    if others:
        version += "<br>other: " + ", ".join(f"[{esc(v.version)}]({v.version}.md)" for v in others)
    header = table(
        ["Jurisdiction", "Version", "Status", "In force"],
        [[
            esc(ruleset.jurisdiction),
            version,
            esc(ruleset.status),
            esc(period(ruleset.effective_from, ruleset.effective_until)),
        ]],
    )
    sources = [
        f"- {code(s.key)} — {esc(s.title)}"
        + (f" ({code(s.document)})" if s.document else "")
        + (f" [link]({s.url})" if s.url else "")
        for s in ruleset.sources
    ]
    return header + "\n**Source documents**\n\n" + "\n".join(sources) + "\n"


def parameters_section(ruleset: RuleSet) -> str:
    """Figures with their dated values, unit, clause and flag; notes in full below."""
    out = ["## Parameters\n"]
    if not ruleset.parameters:
        out.append("This rule set uses no parameters.\n")
        return "\n".join(out)
    rows = []
    for name, p in ruleset.parameters.items():
        values = "<br>".join(
            f"{esc(value_text(v.value, p.unit))} from {esc(long_date(v.start))}"
            + (f" — {esc(v.reference)}" if v.reference else "")
            for v in p.values
        )
        title = f'<span id="{parameter_anchor(name)}"></span>**{esc(humanise(name))}**'
        if p.description:
            title += f"<br>{esc(p.description)}"
        if p.description_zh:
            title += f"<br>{zh(p.description_zh)}"
        flag = STATUS_LABEL.get(p.status, p.status)
        if p.status != "law":
            flag = f"**{flag}**"
        rows.append([title, values, esc(p.unit or "—"), clause_link(p.clause), flag])
    out.append(table(["Parameter", "Dated values", "Unit", "Clause", "Flag"], rows))
    for name, p in ruleset.parameters.items():
        if p.status == "law" or not p.note:
            continue
        kind = "warning" if p.status == "uncertain-reading" else "note"
        label = STATUS_LABEL[p.status].lstrip("⚠ ").capitalize()
        out.append(f'!!! {kind} "{label}: {box_title(humanise(name))}"\n    {esc(p.note)}\n')
    return "\n".join(out)


def fields_section(title: str, fields: Mapping[str, Field], *, inputs: bool) -> str:
    out = [f"## {title}\n"]
    if not fields:
        out.append("None.\n")
        return "\n".join(out)
    rows = []
    for name, f in fields.items():
        description = esc(f.description or "")
        if f.description_zh:
            description += f"<br>{zh(f.description_zh)}"
        bounds = []
        if f.minimum is not None:
            bounds.append(f"at least {format_value(f.minimum)}")
        if f.maximum is not None:
            bounds.append(f"at most {format_value(f.maximum)}")
        default = format_value(f.default) if f.default is not NO_DEFAULT else "—"
        rows.append(
            [
                f"`{name}`",
                describe_type(f) + (f" ({', '.join(bounds)})" if bounds else ""),
                esc(f.unit or "—"),
                esc(default),
                description,
            ]
        )
    header = ["Name", "Type", "Unit", "Default" if inputs else "When no rule applies", "Meaning"]
    out.append(table(header, rows))
    return "\n".join(out)


def outcome_text(ruleset: RuleSet, expression: Expression, units: Mapping[str, str]) -> str:
    """A rule's or row's result in words; a bare parameter gets its figure beside it
    ("township reimbursement ratio — 0.85 (85%)"), so the reader need not look it up."""
    text = esc(plain_value(expression, units))
    names = expression.names()
    if len(names) != 1 or expression.text.strip() not in ruleset.parameters:
        return text
    parameter = ruleset.parameters[expression.text.strip()]
    link = f"#{parameter_anchor(parameter.name)}"
    if len(parameter.values) == 1:
        figure = esc(value_text(parameter.values[0].value, parameter.unit))
        return f"{text} — [{figure}]({link})"
    return f"{text} — [see its dated figures]({link})"


def rule_block(ruleset: RuleSet, rule: Rule, units: Mapping[str, str]) -> str:
    """One rule: plain language on the left, clause and quoted source on the right."""
    condition = plain_conditions(list(rule.conditions), units)
    effects = [
        f"- **{esc(humanise(output))}** is {outcome_text(ruleset, expression, units)}"
        for output, expression in rule.assignments.items()
    ]
    left = [
        f"**Applies when** {esc(condition)}." if rule.conditions else "**Applies** always.",
        "",
        "**Then:**",
        "",
        *effects,
    ]
    if rule.exception_to:
        other = ruleset.rule(rule.exception_to)
        name = esc(other.title) if other else esc(rule.exception_to)
        left += [
            "",
            f"*Exception to* [{name}](#{rule_anchor(rule.exception_to)}): when both apply, "
            "this rule decides the outputs it sets.",
        ]
    if rule.priority:
        left += ["", f"Priority {rule.priority} (higher wins over rules that are not exceptions)."]
    if rule.note:
        left += ["", f"*Note:* {esc(rule.note)}"]
    right = [f"**Clause** {clause_link(rule.clause)}", "", quote(rule.source)]
    written = (
        ["when:", *(f"  - {c.text.strip()}" for c in rule.conditions)]
        if rule.conditions
        else ["when: always"]
    )
    written += ["then:"] + [f"  {k}: {v.text.strip()}" for k, v in rule.assignments.items()]
    flagged = flagged_parameters_used(
        ruleset, [*rule.conditions, *rule.assignments.values()]
    )
    heading = f"### {esc(rule.title)} {{#{rule_anchor(rule.id)}}}\n"
    block = [heading]
    if rule.title_zh:
        block.append(zh(rule.title_zh) + "\n")
    block.append(_beside(left, right))
    if flagged:
        block.append(_flag_admonition(flagged, "This rule"))
    block.append(_as_written(written, rule.id))
    return "\n".join(block)


def _beside(left: Sequence[str], right: Sequence[str]) -> str:
    """Two columns (Material's grid): the rule in plain language, and the law it encodes."""
    return (
        '<div class="grid" markdown>\n\n<div markdown>\n\n'
        + "\n".join(left)
        + '\n\n</div>\n\n<div class="medunion-source" markdown>\n\n'
        + "\n".join(right)
        + "\n\n</div>\n\n</div>\n"
    )


def _as_written(lines: Sequence[str], item_id: str) -> str:
    body = "\n".join("    " + line for line in ["```yaml", f"# {item_id}", *lines, "```"])
    return f'??? info "As written in the rule set"\n{body}\n'


def rules_section(ruleset: RuleSet) -> str:
    units = units_of(ruleset)
    out = ["## Rules\n"]
    if not ruleset.rules:
        out.append("This rule set has no rules outside its decision tables.\n")
    for rule in ruleset.rules:
        out.append(rule_block(ruleset, rule, units))
    return "\n".join(out)


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


def table_block(ruleset: RuleSet, decision: DecisionTable, units: Mapping[str, str]) -> str:
    column_units = [
        units.get(next(iter(c.names()))) if len(c.names()) == 1 else None
        for c in decision.columns
    ]
    header = [esc(plain_value(c, units)) for c in decision.columns] + [
        f"→ {esc(humanise(o))}" for o in decision.outputs
    ]
    if any(row.note or row.id for row in decision.rows):
        header.append("Row")
    rows = []
    for row in decision.rows:
        cells = [esc(cell_text(cell, u)) for cell, u in zip(row.cells, column_units, strict=True)]
        cells += [outcome_text(ruleset, result, units) for result in row.results]
        if len(header) > len(cells):
            cells.append(esc(row.label + (f": {row.note}" if row.note else "")))
        rows.append(cells)
    hit = HIT_EXPLAINED.get(decision.hit, decision.hit)
    if decision.hit == "collect" and decision.aggregate:
        hit += f", combined by {decision.aggregate}"
    left = [
        f"Decides {join_words([f'**{esc(humanise(o))}**' for o in decision.outputs], 'and')}.",
        "",
        "Columns: "
        + join_words([f"*{esc(plain_value(c, units))}*" for c in decision.columns], "and")
        + ".",
        "",
        f"Rows: {hit}.",
    ]
    if decision.note:
        left += ["", f"*Note:* {esc(decision.note)}"]
    right = [f"**Clause** {clause_link(decision.clause)}", "", quote(decision.source)]
    block = [f"### {esc(decision.title)} {{#{table_anchor(decision.id)}}}\n"]
    if decision.title_zh:
        block.append(zh(decision.title_zh) + "\n")
    block.append(_beside(left, right))
    block.append(table(header, rows))
    flagged = flagged_parameters_used(
        ruleset, [*decision.columns, *(e for r in decision.rows for e in r.results)]
    )
    if flagged:
        block.append(_flag_admonition(flagged, "This table"))
    return "\n".join(block)


def tables_section(ruleset: RuleSet) -> str:
    units = units_of(ruleset)
    out = ["## Decision tables\n"]
    for decision in ruleset.tables:
        out.append(table_block(ruleset, decision, units))
    return "\n".join(out)


def _expected_text(value: Any, unit: str | None) -> str:
    if isinstance(value, Mapping) and "value" in value:
        text = value_text(value["value"], unit)
        if value.get("tolerance"):
            text += f" (± {format_value(value['tolerance'])})"
        return text
    return value_text(value, unit)


def examples_section(ruleset: RuleSet, examples: Sequence[Example]) -> str:
    out = ["## Worked examples\n"]
    mine = [e for e in examples if ruleset.in_force(e.on)]
    if not mine:
        out.append("No tests of this version are stored beside the rules.\n")
        return "\n".join(out)
    out.append(
        "These are the tests stored beside the rules (`rules/"
        f"{ruleset.id}/tests/`); `medunion test` and `pytest` check every one of them.\n"
    )
    for number, example in enumerate(mine, start=1):
        out.append(f"### Example {number}: {esc(example.name)}\n")
        stored = f" (test {code(example.source)})" if example.source else ""
        out.append(f"On {long_date(example.on)}, a case with these facts{stored}:\n")
        facts = [
            [f"`{name}`", esc(value_text(value, _unit(ruleset, name)))]
            for name, value in example.inputs.items()
        ]
        out.append(table(["Fact", "Value"], facts))
        if example.expect_error:
            out.append(
                f"is **refused**: the input is invalid and the message names "
                f"{code(example.expect_error)}.\n"
            )
        else:
            out.append("is decided as follows:\n")
            expected = [
                [f"`{name}`", esc(_expected_text(value, _unit(ruleset, name)))]
                for name, value in example.expect.items()
            ]
            out.append(table(["Outcome", "Expected"], expected))
        if example.expect_warning:
            out.append(f"The decision carries a warning that mentions “{esc(example.expect_warning)}”.\n")
        if example.note:
            out.append(f"*Note:* {esc(example.note)}\n")
        if example.explanation:
            body = "\n".join("    " + line for line in example.explanation.splitlines())
            out.append(f'??? example "Explanation"\n{body}\n')
    return "\n".join(out)


def _unit(ruleset: RuleSet, name: str) -> str | None:
    for group in (ruleset.inputs, ruleset.outputs):
        if name in group:
            return group[name].unit
    return None


# -- history and diffs ---------------------------------------------------------------------


def history_page(versions: Sequence[RuleSet], diffs: Sequence[RuleSetDiff]) -> str:
    """The versions of one rule set, newest first, with a link to each version's changes."""
    latest = versions[-1]
    parts = [f"# {esc(latest.title)}\n"]
    if latest.title_zh:
        parts.append(zh(latest.title_zh) + "\n")
    parts.append(
        f"Rule set `{latest.id}` for {esc(latest.jurisdiction)}: {len(versions)} "
        f"version{'s' if len(versions) != 1 else ''}. The version in force on a date is "
        "the one whose period contains it.\n"
    )
    by_new = {d.new_version: d for d in diffs}
    rows = []
    for ruleset in reversed(versions):
        diff = by_new.get(ruleset.version)
        if diff is None:
            change = "first version"
        elif diff.empty:
            change = f"[no changes from {esc(diff.old_version)}]({_local(diff_uri(diff))})"
        else:
            change = f"[changes from {esc(diff.old_version)}]({_local(diff_uri(diff))}): " + esc(
                diff_summary(diff)
            )
        rows.append(
            [
                f"[{esc(ruleset.version)}]({ruleset.version}.md)",
                esc(ruleset.status),
                esc(period(ruleset.effective_from, ruleset.effective_until)),
                change,
            ]
        )
    parts.append(table(["Version", "Status", "In force", "Changes"], rows))
    return "\n".join(parts)


def _local(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def diff_summary(diff: RuleSetDiff) -> str:
    """"2 parameters changed, 1 rule added" — for the history table."""
    counts: list[str] = []
    for label, items in (
        ("parameter", diff.parameters),
        ("rule", diff.rules),
        ("table", diff.tables),
        ("input", diff.inputs),
        ("output", diff.outputs),
    ):
        for kind in ("added", "removed", "changed"):
            n = sum(1 for i in items if i.kind == kind)
            if n:
                counts.append(f"{n} {label}{'s' if n != 1 else ''} {kind}")
    if diff.header:
        counts.append("header: " + ", ".join(c.field for c in diff.header))
    return "; ".join(counts) or "no changes"


def _change_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, tuple | list):
        return "<br>".join(esc(_change_value(v)) for v in value) or "—"
    if isinstance(value, dt.date):
        return long_date(value)
    if isinstance(value, str):
        return value
    return format_value(value)


def _field_rows(changes: Sequence[FieldChange]) -> list[list[str]]:
    return [
        [
            esc(c.field),
            _change_value(c.old) if isinstance(c.old, tuple | list) else esc(_change_value(c.old)),
            _change_value(c.new) if isinstance(c.new, tuple | list) else esc(_change_value(c.new)),
        ]
        for c in changes
    ]


def diff_page(diff: RuleSetDiff, old: RuleSet, new: RuleSet) -> str:
    """What changed from one version to the next: parameters with old and new dated values,
    rules and tables added, removed and changed."""
    old_link = f"[{esc(old.version)}]({old.version}.md)"
    new_link = f"[{esc(new.version)}]({new.version}.md)"
    parts = [
        f"# {esc(new.title)}: changes from {esc(old.version)} to {esc(new.version)}\n",
        f"From version {old_link} ({esc(period(old.effective_from, old.effective_until))}) "
        f"to version {new_link} ({esc(period(new.effective_from, new.effective_until))}). "
        "[All versions](index.md).\n",
    ]
    if diff.empty:
        parts.append("The two versions encode the same rules with the same figures.\n")
        return "\n".join(parts)
    if diff.header:
        parts.append("## Header\n")
        parts.append(table(["Field", f"In {esc(old.version)}", f"In {esc(new.version)}"],
                           _field_rows(diff.header)))
    if diff.parameters:
        parts.append("## Parameters\n")
        parts.append(_parameter_changes(diff.parameters, old, new))
    for title, items, anchor, old_items, new_items in (
        ("Rules", diff.rules, rule_anchor, {r.id: r.title for r in old.rules},
         {r.id: r.title for r in new.rules}),
        ("Decision tables", diff.tables, table_anchor, {t.id: t.title for t in old.tables},
         {t.id: t.title for t in new.tables}),
    ):
        if items:
            parts.append(f"## {title}\n")
            parts.append(_item_changes(items, anchor, old, new, old_items, new_items))
    for title, items in (("Facts of a case", diff.inputs), ("What it decides", diff.outputs)):
        if items:
            parts.append(f"## {title}\n")
            parts.append(_item_changes(items, None, old, new, {}, {}))
    return "\n".join(parts)


def _dated_values(parameter: Parameter | None, values: Sequence[Any]) -> str:
    if parameter is None or not values:
        return "—"
    return "<br>".join(
        f"{esc(value_text(v.value, parameter.unit))} from {esc(long_date(v.start))}"
        + (f" ({esc(v.reference)})" if v.reference else "")
        for v in values
    )


def _parameter_changes(changes: Sequence[ParameterChange], old: RuleSet, new: RuleSet) -> str:
    """One row per changed attribute; dated values shown whole, old beside new."""
    rows = []
    for change in changes:
        name = f"**{esc(humanise(change.name))}**"
        if change.new is not None:
            name = f"[{esc(humanise(change.name))}]({new.version}.md#{parameter_anchor(change.name)})"
        if change.kind != "changed":
            rows.append([name, change.kind, "dated values",
                         _dated_values(change.old, change.old.values if change.old else ()),
                         _dated_values(change.new, change.new.values if change.new else ())])
            continue
        for f in change.fields:
            rows.append([name, change.kind, esc(f.field), esc(_change_value(f.old)),
                         esc(_change_value(f.new))])
        if change.values:
            assert change.old is not None and change.new is not None
            dates = ", ".join(long_date(v.start) for v in change.values)
            rows.append([name, change.kind, f"dated values (differ on {esc(dates)})",
                         _dated_values(change.old, change.old.values),
                         _dated_values(change.new, change.new.values)])
    header = ["Parameter", "Change", "What", f"In {esc(old.version)}", f"In {esc(new.version)}"]
    return table(header, rows)


def _item_changes(
    items: Sequence[ItemChange],
    anchor: Any,
    old: RuleSet,
    new: RuleSet,
    old_titles: Mapping[str, str],
    new_titles: Mapping[str, str],
) -> str:
    out = []
    for item in items:
        title = new_titles.get(item.id) or old_titles.get(item.id) or humanise(item.id)
        if anchor is None:
            label = f"`{item.id}`"
        elif item.kind == "removed":
            label = f"[{esc(title)}]({old.version}.md#{anchor(item.id)})"
        else:
            label = f"[{esc(title)}]({new.version}.md#{anchor(item.id)})"
        out.append(f"- **{item.kind}**: {label}")
    text = "\n".join(out) + "\n"
    changed = [i for i in items if i.fields]
    for item in changed:
        text += f"\n**`{item.id}`** changed:\n\n"
        text += table(["Field", f"In {esc(old.version)}", f"In {esc(new.version)}"],
                      _field_rows(item.fields))
    return text


# -- overviews -----------------------------------------------------------------------------


def rulesets_index_page(groups: Mapping[str, Sequence[RuleSet]], today: dt.date) -> str:
    parts = [
        "# Rule sets\n",
        "Each rule set encodes provisions of one plan. Its page per version shows the "
        "rules in plain language beside the clauses they encode; its history shows what "
        "changed between versions.\n",
    ]
    if not groups:
        parts.append("There are no rule sets in `rules/` yet.\n")
        return "\n".join(parts)
    rows = []
    for ruleset_id, versions in groups.items():
        latest = versions[-1]
        in_force = [v for v in versions if v.in_force(today)]
        rows.append(
            [
                f"[{esc(latest.title)}]({ruleset_id}/index.md)"
                + (f"<br>{zh(latest.title_zh)}" if latest.title_zh else ""),
                esc(latest.jurisdiction),
                ", ".join(f"[{esc(v.version)}]({ruleset_id}/{v.version}.md)" for v in versions),
                esc(in_force[-1].version) if in_force else "none",
                str(len(latest.rules) + len(latest.tables)),
            ]
        )
    parts.append(
        table(
            ["Rule set", "Jurisdiction", "Versions", f"In force on {long_date(today)}", "Rules"],
            rows,
        )
    )
    return "\n".join(parts)


@dataclass(frozen=True)
class ClauseUse:
    """One place a clause is encoded: a rule, table, parameter or appraisal item."""

    clause: str
    kind: str  # rule | table | parameter | indicator | ...
    label: str  # Markdown link text (escaped)
    link: str  # site-relative .md path with anchor
    owner: str  # rule set or scheme, with version


def clause_uses(groups: Mapping[str, Sequence[RuleSet]]) -> list[ClauseUse]:
    """Where each clause is encoded: the latest adopted version of each rule set (the latest
    draft where none is adopted), so the table shows what is law, not a proposal."""
    uses = []
    for versions in groups.values():
        latest = ([v for v in versions if v.status == "adopted"] or list(versions))[-1]
        owner = f"{latest.id} {latest.version}"
        page = version_uri(latest)
        for rule in latest.rules:
            uses.append(ClauseUse(rule.clause, "rule", esc(rule.title),
                                  f"{page}#{rule_anchor(rule.id)}", owner))
        for decision in latest.tables:
            uses.append(ClauseUse(decision.clause, "decision table", esc(decision.title),
                                  f"{page}#{table_anchor(decision.id)}", owner))
        for name, p in latest.parameters.items():
            flag = "" if p.status == "law" else f" ({STATUS_LABEL[p.status]})"
            uses.append(ClauseUse(p.clause, "parameter", esc(humanise(name)) + flag,
                                  f"{page}#{parameter_anchor(name)}", owner))
    return uses


def clause_sort_key(clause: str) -> tuple[str, tuple[int, ...]]:
    """`zhenghe-2017 IV.7.2` sorts after `zhenghe-2017 IV.1.4` and before `V.1`."""
    plan, _, point = clause.partition(" ")
    if point == "preamble":
        return plan, ()
    head, *rest = point.split(".")
    numerals = {"I": 1, "V": 5, "X": 10}
    total = 0
    for i, char in enumerate(head):
        value = numerals.get(char, 0)
        following = numerals.get(head[i + 1], 0) if i + 1 < len(head) else 0
        total += -value if value < following else value
    numbers = tuple(int(p) if p.isdigit() else 0 for p in rest)
    return plan, (total, *numbers)


def clauses_page(
    uses: Sequence[ClauseUse],
    coverage_notes: str | None = None,
    index: Mapping[str, Clause] | None = None,
) -> str:
    """Every clause key of the plans, what it provides, and what encodes it, in plan order.

    `index` is the clause index (rules/clauses.yaml); without it only encoded keys are
    listed. `coverage_notes` is the docs page on what is not encoded, linked when it exists.
    """
    by_clause: dict[str, dict[str, list[ClauseUse]]] = {}
    for use in uses:
        by_clause.setdefault(use.clause, {}).setdefault(use.owner, []).append(use)
    keys = sorted(set(by_clause) | set(index or {}), key=clause_sort_key)
    parts = [
        "# Clauses and their rules\n",
        "Each clause key of the two plans, what the clause provides, and the rules, decision "
        "tables, parameters and appraisal items that encode it (the latest adopted version "
        "of each rule set, or its latest draft where none is adopted).",
    ]
    if coverage_notes:
        parts[-1] += (
            f" The [coverage notes]({coverage_notes}) say why a clause is not encoded."
        )
    parts[-1] += "\n"
    if index:
        encoded = sum(1 for key in index if key in by_clause)
        parts.append(f"{encoded} of the {len(index)} clause keys are encoded.\n")
    if not keys:
        parts.append("No clause is encoded yet.\n")
        return "\n".join(parts)
    rows = []
    for key in keys:
        clause = (index or {}).get(key)
        what = ""
        if clause is not None:
            what = f"*{esc(clause.heading)}*" if clause.heading else ""
            if clause.provides:
                what += ("<br>" if what else "") + esc(clause.provides)
        owners = by_clause.get(key, {})
        encoded_by = "<br>".join(
            f"**{esc(owner)}**: "
            + "; ".join(f"{u.kind} [{u.label}]({u.link})" for u in owned)
            for owner, owned in owners.items()
        )
        rows.append(
            [
                f'<span id="{clause_anchor(key)}"></span>`{key}`',
                what or "—",
                encoded_by or "not encoded",
            ]
        )
    parts.append(table(["Clause", "What it provides", "Encoded by"], rows))
    return "\n".join(parts)
