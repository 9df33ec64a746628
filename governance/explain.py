"""A decision trace → words: a short letter to the person the decision concerns, or Markdown.

Both read the typed trace (governance.trace), the same records the explanation JSON is made
from, so neither can say something the JSON does not hold. Text that comes from a rule file or a
case (titles, clauses, source sentences, notes, values, expressions) is data: the letter shows
its control characters as escapes (`governance.escaping.terminal_text`) and the Markdown shows it
literally (`markdown_text`, `inline_code`), so no rule file can add a tag, a link or emphasis.
"""

from __future__ import annotations

from typing import Any

from governance.escaping import inline_code, markdown_text, terminal_text
from governance.expressions import format_value
from governance.trace import DecisionTrace, OutputTrace, ReadingTrace, RuleTrace

# How each status is named beside the value it decides (law is not named: it is the default).
STATUS_WORDS = {
    "drafter-reading": "drafter's reading, not stated by the plan",
    "uncertain-reading": "UNCERTAIN READING of the source",
}


def _value(value: Any, unit: str | None = None) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    text = format_value(value).strip("'")
    return f"{text} {unit}" if unit and unit not in ("ratio", "factor", "boolean") else text


def _label(name: str) -> str:
    return name.replace("_", " ")


def _why(explained: OutputTrace, shown: set[tuple[str, str]]) -> list[str]:
    by = explained.by
    lines: list[str] = []
    if by is not None and by.kind == "rule":
        lines.append(f"  because of rule '{by.title}' ({by.clause}):")
        lines.append(f"    \u201c{by.source}\u201d")
    elif by is not None and by.kind == "table":
        rows = ", ".join(by.rows or ())
        lines.append(f"  from table '{by.title}' ({by.clause}), {rows}:")
        lines.append(f"    \u201c{by.source}\u201d")
    elif by is not None and by.kind == "default":
        lines.append(f"  by default, as {explained.reason}")
    formula = explained.formula
    if formula and formula.with_values != formula.expression:
        lines.append(f"  computed as {formula.with_values} = {_value(formula.value)}")
    for item in explained.formulas:
        if item.with_values != item.expression:
            lines.append(f"  computed as {item.with_values} = {_value(item.value)}")
    if explained.overrode:
        lines.append("  (an exception: it sets aside the general rule " + ", ".join(explained.overrode) + ")")
    for reading in explained.readings:  # in full the first time, then by name
        key = (reading.kind, reading.id)
        text = "(see above)" if key in shown else reading.reading or ""
        shown.add(key)
        lines.append(f"  [{STATUS_WORDS.get(reading.status, reading.status)}: {_reading_owner(reading)}, "
                     f"{reading.clause}] {text}".rstrip())
    return lines


def _reading_owner(reading: ReadingTrace) -> str:
    return f"{reading.kind} '{reading.id}'"


def _waits(rule: RuleTrace) -> bool:
    """Whether a rule stopped at a condition that reads a missing input (it may yet apply)."""
    failed = rule.conditions[rule.failed_condition] if rule.failed_condition is not None else None
    return failed is not None and failed.value is None and (failed.note or "").startswith("needs input ")


def render_text(trace: DecisionTrace) -> str:
    """The decision as a short letter: what was decided, why, under which clause, with which figures."""
    rs = trace.ruleset
    out = [
        f"Decision under \u201c{rs.title}\u201d ({rs.jurisdiction}), version {rs.version} "
        f"in force on {trace.on.isoformat()}.",
        "",
        "What was decided:",
    ]
    shown: set[tuple[str, str]] = set()
    for name, explained in trace.outputs.items():
        if explained.decided:
            out.append(f"- {_label(name)}: {_value(explained.value, explained.unit)}")
            out.extend(_why(explained, shown))
        else:
            out.append(f"- {_label(name)}: not decided \u2014 {explained.reason}")
    if any(o.needs for o in trace.outputs.values()):
        out += ["", "Still needed:"]
        out += [f"- to decide {_label(name)}, give {', '.join(o.needs)}"
                for name, o in trace.outputs.items() if o.needs]
    conditions = [r for r in trace.rules if r.fired]
    if conditions:
        out += ["", "The conditions that held:"]
        for rule in conditions:
            shown = [c.with_values or c.expression for c in rule.conditions] or ["always"]
            beaten = sorted({x for ids in rule.overridden_by.values() for x in ids})
            aside = f" \u2014 set aside by the exception {', '.join(beaten)}" if beaten else ""
            out.append(f"- {rule.title} ({rule.clause}): " + "; ".join(shown) + aside)
    waiting = [r for r in trace.rules if not r.fired and _waits(r)]
    if waiting:
        out += ["", "Rules that cannot be applied until the missing facts are given:"]
        for rule in waiting:
            failed = rule.conditions[rule.failed_condition or 0]
            out.append(f"- {rule.title} ({rule.clause}): {failed.expression} ({failed.note})")
    not_applied = [r for r in trace.rules if not r.fired and not _waits(r)]
    if not_applied:
        out += ["", "Rules that did not apply to you:"]
        for rule in not_applied:
            failed = rule.conditions[rule.failed_condition or 0]  # a rule that did not fire stopped somewhere
            why = failed.with_values or failed.expression
            note = f" ({failed.note})" if failed.note else " is false"
            out.append(f"- {rule.title} ({rule.clause}): {why}{note}")
    if trace.parameters:
        out += ["", "Figures used:"]
        for name, p in trace.parameters.items():
            flag = {"drafter-reading": " [drafter's choice, not stated by the plan]",
                    "uncertain-reading": " [UNCERTAIN READING of the source]"}.get(p.status, "")
            ref = f"; {p.reference}" if p.reference else ""
            out.append(f"- {_label(name)} = {_value(p.value, p.unit)} "
                       f"(in force from {p.start.isoformat()}, {p.clause}{ref}){flag}")
    for warning in trace.warnings:
        out += ["", f"Warning: {warning}"]
    return "\n".join(terminal_text(line) for line in out) + "\n"  # each line shown, none acted on


def render_markdown(trace: DecisionTrace) -> str:
    """The same explanation as Markdown, for the doc site and reports; data is shown as text."""
    md = markdown_text
    rs = trace.ruleset
    out = [f"**{md(rs.title)}** \u2014 version {md(rs.version)}, decided on {trace.on.isoformat()}", ""]
    with_readings = any(explained.readings for explained in trace.outputs.values())
    if with_readings:  # the column appears only when some value rests on a reading
        out += ["| output | value | by | clause | reading of the law |", "|---|---|---|---|---|"]
    else:
        out += ["| output | value | by | clause |", "|---|---|---|---|"]
    for name, explained in trace.outputs.items():
        by = explained.by
        if by is None:
            who, clause = "\u2014", ""
        elif by.kind == "default":
            who, clause = "default", ""
        else:
            who, clause = md(by.title), md(by.clause)
        value = md(_value(explained.value, explained.unit)) if explained.decided else "not decided"
        row = f"| {md(_label(name))} | {value} | {who} | {clause} |"
        if with_readings:
            row += " " + "<br>".join(
                f"*{md(STATUS_WORDS.get(r.status, r.status))}* ({md(_reading_owner(r))}): {md(r.reading or '')}"
                for r in explained.readings) + " |"
        out.append(row)
    out.append("")
    if any(o.needs for o in trace.outputs.values()):
        out += ["**Still needed:**", ""]
        out += [f"- to decide {md(_label(name))}, give " + ", ".join(inline_code(n) for n in o.needs)
                for name, o in trace.outputs.items() if o.needs]
        out.append("")
    for rule in trace.rules:
        mark = "applies" if rule.fired else "cannot be applied yet" if _waits(rule) else "does not apply"
        out.append(f"- **{md(rule.title)}** ({md(rule.clause)}) {mark}:")
        for c in rule.conditions:
            verdict = {True: "true", False: "false", None: md(c.note or "not evaluated")}[c.value]
            out.append(f"    - {inline_code(c.with_values or c.expression)} \u2192 {verdict}")
    for warning in trace.warnings:
        out += ["", f"!!! warning \"Uncertain reading\"\n    {md(warning)}"]
    return "\n".join(out) + "\n"
