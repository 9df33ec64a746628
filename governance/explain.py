"""A decision trace → words: a short letter to the person the decision concerns, or Markdown.

Both read the typed trace (governance.trace), the same records the explanation JSON is made
from, so neither can say something the JSON does not hold. Text that comes from a rule file or a
case (titles, clauses, source sentences, notes, values, expressions) is data: the letter shows
its control characters as escapes (`governance.escaping.terminal_text`) and the Markdown shows it
literally (`markdown_text`, `inline_code`), so no rule file can add a tag, a link or emphasis.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from governance.escaping import inline_code, markdown_text, terminal_text
from governance.expressions import format_value
from governance.i18n import N_, Translator, format_boolean, format_date, format_money, format_number, localised_title
from governance.i18n import translator as translator_for
from governance.trace import (
    SOURCE_LABEL,
    SOURCE_LABEL_ZH,
    DecidedBy,
    DecisionTrace,
    OutputTrace,
    ReadingTrace,
    RuleTrace,
    source_zh_label,
)

# How each status is named beside the value it decides (law is not named: it is the default).
STATUS_WORDS = {
    "drafter-reading": N_("drafter's reading, not stated by the plan"),
    "uncertain-reading": N_("UNCERTAIN READING of the source"),
}
PARAMETER_FLAGS = {
    "drafter-reading": N_("drafter's choice, not stated by the plan"),
    "uncertain-reading": N_("UNCERTAIN READING of the source"),
}
OWNER_WORDS = {"rule": N_("rule"), "table": N_("table"), "parameter": N_("parameter")}
# The units of the shipped rule files in the reader's language; any other unit is shown as written.
UNIT_WORDS = {
    "admissions": N_("admissions"), "clinics": N_("clinics"), "coefficient": N_("coefficient"), "day": N_("day"),
    "events": N_("events"), "inspections": N_("inspections"), "month": N_("month"), "patients": N_("patients"),
    "purchases": N_("purchases"), "residents": N_("residents"), "visits": N_("visits"),
    "visits per clinic": N_("visits per clinic"), "visits per resident": N_("visits per resident"),
}


def _value(value: Any, unit: str | None = None, t: Translator | None = None) -> str:
    if t is not None and t.lang == "zh":
        return _value_zh(value, unit, t)
    if value is True:
        return "yes"
    if value is False:
        return "no"
    text = format_value(value).strip("'")
    return f"{text} {unit}" if unit and unit not in ("ratio", "factor", "boolean") else text


def _value_zh(value: Any, unit: str | None, t: Translator) -> str:
    """A value in Chinese conventions: 是/否, money in 元 to the fen (half up), 2020年3月31日, 10,200."""
    if isinstance(value, bool):
        return format_boolean(value, "zh")
    if isinstance(value, dt.date):
        return format_date(value, "zh")
    if isinstance(value, int | float) and unit == "yuan":
        return format_money(value, "zh")
    text = format_number(value, "zh") if isinstance(value, int | float) else format_value(value).strip("'")
    if unit == "percent":
        return f"{text}%"
    if unit and unit not in ("ratio", "factor", "boolean", "yes/no"):
        return f"{text} {t.gettext(UNIT_WORDS[unit]) if unit in UNIT_WORDS else unit}"
    return text


def _label(name: str) -> str:
    return name.replace("_", " ")


def _why(explained: OutputTrace, shown: set[tuple[str, str]], t: Translator) -> list[str]:
    _ = t.gettext
    by = explained.by
    lines: list[str] = []
    if by is not None and by.kind == "rule":
        title = localised_title(by.title or "", by.title_zh, t.lang)
        lines.append("  " + _("because of rule '{title}' ({clause}):").format(title=title, clause=by.clause))
        lines.extend(_quote(by, t.lang))
    elif by is not None and by.kind == "table":
        rows = ", ".join(by.rows or ())
        title = localised_title(by.title or "", by.title_zh, t.lang)
        lines.append("  " + _("from table '{title}' ({clause}), {rows}:").format(
            title=title, clause=by.clause, rows=rows))
        lines.extend(_quote(by, t.lang))
    elif by is not None and by.kind == "default":
        lines.append("  " + _("by default, as {reason}").format(reason=explained.reason))
    formulas = ((explained.formula,) if explained.formula else ()) + tuple(explained.formulas)
    for item in formulas:
        if item.with_values != item.expression:
            lines.append("  " + _("computed as {formula} = {value}").format(
                formula=item.with_values, value=_value(item.value, None, t)))
    if explained.overrode:
        lines.append("  " + _("(an exception: it sets aside the general rule {rules})").format(
            rules=", ".join(explained.overrode)))
    for reading in explained.readings:  # in full the first time, then by name
        key = (reading.kind, reading.id)
        text = _("(see above)") if key in shown else _reading_text(reading.reading, reading.reading_zh, t.lang)
        shown.add(key)
        status = _(STATUS_WORDS[reading.status]) if reading.status in STATUS_WORDS else reading.status
        lines.append(f"  [{status}: {_reading_owner(reading, t)}, {reading.clause}] {text}".rstrip())
    return lines


def _reading_text(reading: str | None, reading_zh: str | None, lang: str) -> str:
    return (reading_zh if lang == "zh" and reading_zh else reading) or ""


def _quote(by: DecidedBy, lang: str = "en") -> list[str]:
    """The quoted sentence, labelled as what it is: the plans exist here only in English translation,
    and a Chinese rendering written here is labelled a translation, never shown as the original."""
    label = SOURCE_LABEL_ZH if lang == "zh" else SOURCE_LABEL
    lines = [f"    \u201c{by.source}\u201d ({label})"]
    if by.source_zh:
        lines.append(f"    {source_zh_label(by.source_zh_status)}\uff1a\u201c{by.source_zh}\u201d")
    return lines


def _reading_owner(reading: ReadingTrace, t: Translator | None = None) -> str:
    kind = t.gettext(OWNER_WORDS[reading.kind]) if t is not None and reading.kind in OWNER_WORDS else reading.kind
    return f"{kind} '{reading.id}'"


def _waits(rule: RuleTrace) -> bool:
    """Whether a rule stopped at a condition that reads a missing input (it may yet apply)."""
    failed = rule.conditions[rule.failed_condition] if rule.failed_condition is not None else None
    return failed is not None and failed.value is None and (failed.note or "").startswith("needs input ")


def render_text(trace: DecisionTrace, lang: str = "en") -> str:
    """The decision as a short letter: what was decided, why, under which clause, with which figures.

    `lang` is zh or en: the program's own words come from the catalog (governance.i18n), titles in
    their Chinese form where the rule file gives one, values in the language's conventions; the
    quoted law stays as the file has it, labelled as what it is."""
    t = translator_for(lang)
    _ = t.gettext
    rs = trace.ruleset
    out = [
        _("Decision under \u201c{title}\u201d ({jurisdiction}), version {version} in force on {on}.").format(
            title=localised_title(rs.title, rs.title_zh, t.lang), jurisdiction=rs.jurisdiction,
            version=rs.version, on=_date(trace.on, t)),
        "",
        _("What was decided:"),
    ]
    shown: set[tuple[str, str]] = set()
    for name, explained in trace.outputs.items():
        if explained.decided:
            out.append(f"- {_label(name)}: {_value(explained.value, explained.unit, t)}")
            out.extend(_why(explained, shown, t))
        else:
            out.append(f"- {_label(name)}: " + _("not decided \u2014 {reason}").format(reason=explained.reason))
    if any(o.needs for o in trace.outputs.values()):
        out += ["", _("Still needed:")]
        out += ["- " + _("to decide {output}, give {inputs}").format(output=_label(name), inputs=", ".join(o.needs))
                for name, o in trace.outputs.items() if o.needs]
    conditions = [r for r in trace.rules if r.fired]
    if conditions:
        out += ["", _("The conditions that held:")]
        for rule in conditions:
            held = [c.with_values or c.expression for c in rule.conditions] or [_("always")]
            beaten = sorted({x for ids in rule.overridden_by.values() for x in ids})
            aside = _(" \u2014 set aside by the exception {rules}").format(rules=", ".join(beaten)) if beaten else ""
            out.append(f"- {_rule_title(rule, t)} ({rule.clause}): " + "; ".join(held) + aside)
    waiting = [r for r in trace.rules if not r.fired and _waits(r)]
    if waiting:
        out += ["", _("Rules that cannot be applied until the missing facts are given:")]
        for rule in waiting:
            failed = rule.conditions[rule.failed_condition or 0]
            out.append(f"- {_rule_title(rule, t)} ({rule.clause}): {failed.expression} ({failed.note})")
    not_applied = [r for r in trace.rules if not r.fired and not _waits(r)]
    if not_applied:
        out += ["", _("Rules that did not apply to you:")]
        for rule in not_applied:
            failed = rule.conditions[rule.failed_condition or 0]  # a rule that did not fire stopped somewhere
            why = failed.with_values or failed.expression
            note = f" ({failed.note})" if failed.note else _(" is false")
            out.append(f"- {_rule_title(rule, t)} ({rule.clause}): {why}{note}")
    if trace.parameters:
        out += ["", _("Figures used:")]
        for name, p in trace.parameters.items():
            flag = f" [{_(PARAMETER_FLAGS[p.status])}]" if p.status in PARAMETER_FLAGS else ""
            ref = f"; {p.reference}" if p.reference else ""
            out.append(f"- {_label(name)} = {_value(p.value, p.unit, t)} "
                       + _("(in force from {start}, {clause}{reference})").format(
                           start=_date(p.start, t), clause=p.clause, reference=ref) + flag)
    for warning in trace.warnings:
        out += ["", _("Warning: {warning}").format(warning=warning)]
    return "\n".join(terminal_text(line) for line in out) + "\n"  # each line shown, none acted on


def _date(day: dt.date, t: Translator) -> str:
    return format_date(day, t.lang)


def _rule_title(rule: RuleTrace, t: Translator) -> str:
    return localised_title(rule.title, rule.title_zh, t.lang)


def render_markdown(trace: DecisionTrace, lang: str = "en") -> str:
    """The same explanation as Markdown, for the doc site and reports; data is shown as text."""
    t = translator_for(lang)
    _ = t.gettext
    md = markdown_text
    rs = trace.ruleset
    out = [_("**{title}** \u2014 version {version}, decided on {on}").format(
        title=md(localised_title(rs.title, rs.title_zh, t.lang)), version=md(rs.version), on=_date(trace.on, t)), ""]
    with_readings = any(explained.readings for explained in trace.outputs.values())
    header = [_("output"), _("value"), _("by"), _("clause")] + ([_("reading of the law")] if with_readings else [])
    out += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]  # the readings column only when needed
    for name, explained in trace.outputs.items():
        by = explained.by
        if by is None:
            who, clause = "\u2014", ""
        elif by.kind == "default":
            who, clause = _("default"), ""
        else:
            who, clause = md(localised_title(by.title or "", by.title_zh, t.lang)), md(by.clause)
        value = md(_value(explained.value, explained.unit, t)) if explained.decided else _("not decided")
        row = f"| {md(_label(name))} | {value} | {who} | {clause} |"
        if with_readings:
            row += " " + "<br>".join(
                f"*{md(_(STATUS_WORDS[r.status]) if r.status in STATUS_WORDS else r.status)}* "
                f"({md(_reading_owner(r, t))}): {md(_reading_text(r.reading, r.reading_zh, t.lang))}"
                for r in explained.readings) + " |"
        out.append(row)
    out.append("")
    if any(o.needs for o in trace.outputs.values()):
        out += [_("**Still needed:**"), ""]
        out += ["- " + _("to decide {output}, give {inputs}").format(
            output=md(_label(name)), inputs=", ".join(inline_code(n) for n in o.needs))
                for name, o in trace.outputs.items() if o.needs]
        out.append("")
    for rule in trace.rules:
        mark = _("applies") if rule.fired else _("cannot be applied yet") if _waits(rule) else _("does not apply")
        out.append(f"- **{md(_rule_title(rule, t))}** ({md(rule.clause)}) {mark}:")
        for c in rule.conditions:
            verdict = {True: _("true"), False: _("false"), None: md(c.note or _("not evaluated"))}[c.value]
            out.append(f"    - {inline_code(c.with_values or c.expression)} \u2192 {verdict}")
    heading = _("Uncertain reading")
    for warning in trace.warnings:
        out += ["", f"!!! warning \"{heading}\"\n    {md(warning)}"]
    return "\n".join(out) + "\n"
