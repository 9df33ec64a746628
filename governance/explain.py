"""A decision trace → words: a short letter to the person the decision concerns, or Markdown.

Both read the typed trace (governance.trace), the same records the explanation JSON is made
from, so neither can say something the JSON does not hold. Text that comes from a rule file or a
case (titles, clauses, source sentences, notes, values, expressions) is data: the letter shows
its control characters as escapes (`governance.escaping.terminal_text`) and the Markdown shows it
literally (`markdown_text`, `inline_code`), so no rule file can add a tag, a link or emphasis.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from governance.escaping import inline_code, markdown_text, terminal_text
from governance.expressions import format_value
from governance.i18n import (
    N_,
    Translator,
    format_any,
    format_boolean,
    format_date,
    format_money,
    format_number,
    localised_title,
)
from governance.i18n import translator as translator_for
from governance.trace import (
    DRAFT_WARNING,
    LIST_SEPARATOR,
    OWNERS,
    SOURCE_LABEL,
    SOURCE_LABEL_ZH,
    DecidedBy,
    DecisionTrace,
    OutputTrace,
    ReadingTrace,
    RuleTrace,
    Words,
    caution_template,
    source_zh_label,
)

if TYPE_CHECKING:
    from governance.diff import RuleSetDiff
    from governance.model import RuleSet
    from governance.sensitivity import Sensitivity

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


def _typed(value: Any, kind: str | None) -> Any:
    """A value of the trace as its type: the trace keeps dates as ISO text (as the JSON shows them)."""
    if kind == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


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


# The words a letter is put together with, in the reader's language.
FIELD = N_("{label}: {value}")
NAMES = N_(", ")
ROW = N_("row {number}")
NAMED = N_("{label} ({name})")
CONDITIONS = N_("{title} ({clause}): {conditions}")
WITH_NOTE = N_("{condition} ({note})")
READING_LINE = N_("[{status}: {owner}, {clause}] {reading}")
OWNER_TITLED = N_("{kind} \u201c{title}\u201d ({id})")
ENGLISH_ONLY = N_("(in English only) {reading}")
REFERENCE_QUOTE = N_("; \u201c{quote}\u201d ({label})")
MD_READING = N_("*{status}* ({owner}): {reading}")
MD_RULE = N_("**{title}** ({clause}) {verdict}:")
_ROW = re.compile(r"row (\d+)")
_QUOTED_REFERENCE = re.compile(r'(?P<clause>[^:"]+): "(?P<quote>[^"]+)"')


def _name(name: str, label_zh: str | None, t: Translator) -> str:
    """An input's, output's or parameter's name: in Chinese its label with the code name beside it
    (a drafter reads the code name in formulas), or the code name where the file gives no label;
    in English the name in words."""
    if t.lang != "zh":
        return _label(name)
    return t.gettext(NAMED).format(label=label_zh, name=name) if label_zh else name


def _input_name(name: str, trace: DecisionTrace, t: Translator) -> str:
    """A missing input as a letter asks for it: the code name in English (the case file's key)."""
    if t.lang != "zh":
        return name
    label = trace.input_labels.get(name)
    return _name(name, label.label_zh if label else None, t)


def _output_value(explained: OutputTrace, t: Translator) -> str:
    value = _value(_typed(explained.value, explained.kind) if t.lang == "zh" else explained.value, explained.unit, t)
    if t.lang == "zh" and explained.value_zh:
        return t.gettext(NAMED).format(label=explained.value_zh, name=value)
    return value


def _words(text: str | None, words: Words | None, t: Translator) -> str:
    """A reason or note of the trace in the reader's language (its English where it has no template)."""
    return words.text(t.gettext) if words is not None else (text or "")


def _row(label: str, t: Translator) -> str:
    """A table row's label: its id, or "row N" in the reader's language."""
    found = _ROW.fullmatch(label)
    return t.gettext(ROW).format(number=found.group(1)) if found else label


def _reference(reference: str | None, clause: str, t: Translator) -> str:
    """Where a figure comes from. In Chinese a quote of the plan is shown, labelled as the English
    translation it is; a reference that is the drafter's own English words is left out (drafter's
    choice: the figure's flag and the readings beside each value it decides say the same in Chinese)."""
    if not reference:
        return ""
    if t.lang != "zh":
        return f"; {reference}"
    found = _QUOTED_REFERENCE.fullmatch(reference.strip())
    if found is None or found.group("clause").strip() != clause:
        return ""
    return t.gettext(REFERENCE_QUOTE).format(quote=found.group("quote"), label=SOURCE_LABEL_ZH)


def _why(explained: OutputTrace, shown: set[tuple[str, str]], t: Translator) -> list[str]:
    _ = t.gettext
    by = explained.by
    lines: list[str] = []
    if by is not None and by.kind == "rule":
        title = localised_title(by.title or "", by.title_zh, t.lang)
        lines.append("  " + _("because of rule '{title}' ({clause}):").format(title=title, clause=by.clause))
        lines.extend(_quote(by, t.lang))
    elif by is not None and by.kind == "table":
        rows = _(NAMES).join(_row(row, t) for row in by.rows or ())
        title = localised_title(by.title or "", by.title_zh, t.lang)
        lines.append("  " + _("from table '{title}' ({clause}), {rows}:").format(
            title=title, clause=by.clause, rows=rows))
        lines.extend(_quote(by, t.lang))
    elif by is not None and by.kind == "default":
        lines.append("  " + _("by default, as {reason}").format(
            reason=_words(explained.reason, explained.reason_words, t)))
    formulas = ((explained.formula,) if explained.formula else ()) + tuple(explained.formulas)
    unit = explained.unit if t.lang == "zh" else None  # in Chinese the result in its unit: money in 元
    for item in formulas:
        if item.with_values != item.expression:
            result = _typed(item.value, explained.kind) if t.lang == "zh" else item.value
            lines.append("  " + _("computed as {formula} = {value}").format(
                formula=item.with_values, value=_value(result, unit, t)))
    if explained.overrode:
        lines.append("  " + _("(an exception: it sets aside the general rule {rules})").format(
            rules=", ".join(explained.overrode)))
    for reading in explained.readings:  # in full the first time, then by name
        key = (reading.kind, reading.id)
        text = _("(see above)") if key in shown else _reading_text(reading.reading, reading.reading_zh, t)
        shown.add(key)
        status = _(STATUS_WORDS[reading.status]) if reading.status in STATUS_WORDS else reading.status
        lines.append("  " + _(READING_LINE).format(status=status, owner=_reading_owner(reading, t),
                                                   clause=reading.clause, reading=text).rstrip())
    return lines


def _reading_text(reading: str | None, reading_zh: str | None, t: Translator | str) -> str:
    """The reading in the reader's language; in Chinese, an English-only reading is marked as such."""
    lang = t if isinstance(t, str) else t.lang
    if lang == "zh" and reading_zh:
        return reading_zh
    if lang == "zh" and reading and not isinstance(t, str):
        return t.gettext(ENGLISH_ONLY).format(reading=reading)
    return reading or ""


def _quote(by: DecidedBy, lang: str = "en") -> list[str]:
    """The quoted sentence, labelled as what it is: the plans exist here only in English translation,
    and a Chinese rendering written here is labelled a translation, never shown as the original."""
    label = SOURCE_LABEL_ZH if lang == "zh" else SOURCE_LABEL
    lines = [f"    \u201c{by.source}\u201d ({label})"]
    if by.source_zh:
        lines.append(f"    {source_zh_label(by.source_zh_status)}\uff1a\u201c{by.source_zh}\u201d")
    return lines


def _reading_owner(reading: ReadingTrace, t: Translator | None = None, capital: bool = False) -> str:
    """What a reading belongs to: "rule 'x'", or in Chinese 规则“标题”（x） where the file names it."""
    words_of = OWNERS if capital else OWNER_WORDS
    kind = t.gettext(words_of[reading.kind]) if t is not None and reading.kind in words_of else reading.kind
    if t is not None and t.lang == "zh" and reading.title_zh:
        return t.gettext(OWNER_TITLED).format(kind=kind, title=reading.title_zh, id=reading.id)
    return f"{kind} '{reading.id}'"


def warning_texts(trace: DecisionTrace, t: Translator) -> list[str]:
    """The warnings of a decision in the reader's language: a draft version, and each uncertain
    reading relied on (worded here from the trace's data, not from its English sentences)."""
    _ = t.gettext
    rs = trace.ruleset
    if not trace.relied_on and rs.status != "draft":
        return list(trace.warnings)  # a trace made by hand may carry its warnings as sentences only
    found = [_(DRAFT_WARNING).format(version=rs.version, ruleset=rs.id)] if rs.status == "draft" else []
    for reading in trace.relied_on:
        if reading.status == "uncertain-reading":
            found.append(_(caution_template(reading)).format(
                owner=_reading_owner(reading, t, capital=True), clause=reading.clause,
                reading=_reading_text(reading.reading, reading.reading_zh, t)))
    return found


def _waits(rule: RuleTrace) -> bool:
    """Whether a rule stopped at a condition that reads a missing input (it may yet apply)."""
    failed = rule.conditions[rule.failed_condition] if rule.failed_condition is not None else None
    return failed is not None and failed.value is None and (failed.note or "").startswith("needs input ")


def render_text(trace: DecisionTrace, lang: str = "en") -> str:
    """The decision as a short letter: what was decided, why, under which clause, with which figures.

    `lang` is zh or en: the program's own words come from the catalog (governance.i18n); the rule
    file's labels in their Chinese form where the file gives one (names with their code name
    beside them, as the formulas use it), English where it gives none; values in the language's
    conventions; the quoted law stays as the file has it, labelled as what it is."""
    t = translator_for(lang)
    _ = t.gettext
    rs = trace.ruleset
    out = [
        _("Decision under \u201c{title}\u201d ({jurisdiction}), version {version} in force on {on}.").format(
            title=localised_title(rs.title, rs.title_zh, t.lang),
            jurisdiction=localised_title(rs.jurisdiction, rs.jurisdiction_zh, t.lang),
            version=rs.version, on=_date(trace.on, t)),
        "",
        _("What was decided:"),
    ]
    shown: set[tuple[str, str]] = set()
    for name, explained in trace.outputs.items():
        label = _name(name, explained.label_zh, t)
        if explained.decided:
            out.append("- " + _(FIELD).format(label=label, value=_output_value(explained, t)))
            out.extend(_why(explained, shown, t))
        else:
            reason = _("not decided \u2014 {reason}").format(reason=_words(explained.reason, explained.reason_words, t))
            out.append("- " + _(FIELD).format(label=label, value=reason))
    if any(o.needs for o in trace.outputs.values()):
        out += ["", _("Still needed:")]
        out += ["- " + _("to decide {output}, give {inputs}").format(
            output=_name(name, o.label_zh, t), inputs=_(NAMES).join(_input_name(n, trace, t) for n in o.needs))
                for name, o in trace.outputs.items() if o.needs]
    conditions = [r for r in trace.rules if r.fired]
    if conditions:
        out += ["", _("The conditions that held:")]
        for rule in conditions:
            held = [c.with_values or c.expression for c in rule.conditions] or [_("always")]
            beaten = sorted({x for ids in rule.overridden_by.values() for x in ids})
            aside = _(" \u2014 set aside by the exception {rules}").format(rules=", ".join(beaten)) if beaten else ""
            out.append("- " + _(CONDITIONS).format(title=_rule_title(rule, t), clause=rule.clause,
                                                   conditions=_(LIST_SEPARATOR).join(held)) + aside)
    waiting = [r for r in trace.rules if not r.fired and _waits(r)]
    if waiting:
        out += ["", _("Rules that cannot be applied until the missing facts are given:")]
        for rule in waiting:
            failed = rule.conditions[rule.failed_condition or 0]
            stopped = _(WITH_NOTE).format(condition=failed.expression, note=_words(failed.note, failed.note_words, t))
            out.append("- " + _(CONDITIONS).format(title=_rule_title(rule, t), clause=rule.clause, conditions=stopped))
    not_applied = [r for r in trace.rules if not r.fired and not _waits(r)]
    if not_applied:
        out += ["", _("Rules that did not apply to you:")]
        for rule in not_applied:
            failed = rule.conditions[rule.failed_condition or 0]  # a rule that did not fire stopped somewhere
            why = failed.with_values or failed.expression
            stopped = _(WITH_NOTE).format(condition=why, note=_words(failed.note, failed.note_words, t)) \
                if failed.note else why + _(" is false")
            out.append("- " + _(CONDITIONS).format(title=_rule_title(rule, t), clause=rule.clause, conditions=stopped))
    if trace.parameters:
        out += ["", _("Figures used:")]
        for name, p in trace.parameters.items():
            flag = f" [{_(PARAMETER_FLAGS[p.status])}]" if p.status in PARAMETER_FLAGS else ""
            space = "" if t.lang == "zh" else " "  # the Chinese brackets are full width
            figure = _value(_typed(p.value, p.kind) if t.lang == "zh" else p.value, p.unit, t)
            out.append(f"- {_name(name, p.label_zh, t)} = {figure}{space}"
                       + _("(in force from {start}, {clause}{reference})").format(
                           start=_date(p.start, t), clause=p.clause, reference=_reference(p.reference, p.clause, t))
                       + flag)
    for warning in warning_texts(trace, t):
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
        value = md(_output_value(explained, t)) if explained.decided else _("not decided")
        row = f"| {md(_name(name, explained.label_zh, t))} | {value} | {who} | {clause} |"
        if with_readings:
            row += " " + ("；" if t.lang == "zh" else "; ").join(  # no raw HTML: the site converts with it off
                _(MD_READING).format(status=md(_(STATUS_WORDS[r.status]) if r.status in STATUS_WORDS else r.status),
                                     owner=md(_reading_owner(r, t)),
                                     reading=md(_reading_text(r.reading, r.reading_zh, t)))
                for r in explained.readings) + " |"
        out.append(row)
    out.append("")
    if any(o.needs for o in trace.outputs.values()):
        out += [_("**Still needed:**"), ""]
        out += ["- " + _("to decide {output}, give {inputs}").format(
            output=md(_name(name, o.label_zh, t)), inputs=_(NAMES).join(_needed_md(n, trace, t) for n in o.needs))
                for name, o in trace.outputs.items() if o.needs]
        out.append("")
    for rule in trace.rules:
        mark = _("applies") if rule.fired else _("cannot be applied yet") if _waits(rule) else _("does not apply")
        out.append("- " + _(MD_RULE).format(title=md(_rule_title(rule, t)), clause=md(rule.clause), verdict=mark))
        for c in rule.conditions:
            note = _words(c.note, c.note_words, t) if c.note else _("not evaluated")
            verdict = {True: _("true"), False: _("false"), None: md(note)}[c.value]
            out.append(f"    - {inline_code(c.with_values or c.expression)} \u2192 {verdict}")
    heading = _("Uncertain reading")
    for warning in warning_texts(trace, t):
        out += ["", f"!!! warning \"{heading}\"\n    {md(warning)}"]
    return "\n".join(out) + "\n"


def _needed_md(name: str, trace: DecisionTrace, t: Translator) -> str:
    """A missing input in Markdown: its code name as code, with its Chinese label before it in Chinese."""
    label = trace.input_labels.get(name)
    if t.lang == "zh" and label is not None and label.label_zh:
        return t.gettext(NAMED).format(label=markdown_text(label.label_zh), name=inline_code(name))
    return inline_code(name)


# --- what would change a decision, and what changed between versions -----------------------------

CHANGE_KINDS = {"added": N_("added"), "removed": N_("removed"), "changed": N_("changed")}
ITEM_KINDS = {"input": N_("input"), "output": N_("output"), "parameter": N_("parameter"), "rule": N_("rule"),
              "table": N_("table")}


def _shown(value: Any, lang: str) -> str:
    """A value of a diff or a sensitivity answer: "—" for none, else in the language's conventions."""
    if value is None:
        return "\u2014"
    if isinstance(value, tuple | list):
        return "; ".join(_shown(v, lang) for v in value) or "\u2014"
    if isinstance(value, str):
        return value
    if lang == "zh" and isinstance(value, bool | dt.date):
        return format_any(value, lang)
    return format_value(value)


def render_diff(diff: RuleSetDiff, lang: str = "en") -> str:
    """What changed between two versions, one line per change, in the reader's language (the
    changed values are the files' own text); the English is `governance.diff.diff_lines`'s."""
    t = translator_for(lang)
    _ = t.gettext

    def arrow(field: str, old: Any, new: Any, indent: str) -> str:
        return f"{indent}{field}: {_shown(old, lang)} \u2192 {_shown(new, lang)}"

    def item(kind: str, item_id: str, change: str) -> str:
        return "  " + _("{item} {id} {change}").format(item=_(ITEM_KINDS[kind]), id=item_id,
                                                      change=_(CHANGE_KINDS.get(change, change)))

    lines = [f"{diff.ruleset}: {diff.old_version} \u2192 {diff.new_version}"]
    if diff.empty:
        return "\n".join([*lines, "  " + _("no changes")])
    lines += [arrow(c.field, c.old, c.new, "  ") for c in diff.header]
    for kind, items in (("input", diff.inputs), ("output", diff.outputs)):
        for change in items:
            lines.append(item(kind, change.id, change.kind))
            lines += [arrow(c.field, c.old, c.new, "    ") for c in change.fields]
    for p in diff.parameters:
        lines.append(item("parameter", p.name, p.kind))
        lines += [arrow(c.field, c.old, c.new, "    ") for c in p.fields]
        for v in p.values:
            old = _shown(v.old.value, lang) if v.old else "\u2014"
            new = _shown(v.new.value, lang) if v.new else "\u2014"
            lines.append("    " + _("value from {start}: {old} \u2192 {new}").format(
                start=_date(v.start, t), old=old, new=new))
    for kind, items in (("rule", diff.rules), ("table", diff.tables)):
        for change in items:
            lines.append(item(kind, change.id, change.kind))
            lines += [arrow(c.field, c.old, c.new, "    ") for c in change.fields]
    return "\n".join(terminal_text(line) for line in lines)


def render_sensitivity(result: Sensitivity, ruleset: RuleSet | None = None, lang: str = "en") -> str:
    """What would change a decision, one line per change, in the reader's language; in Chinese
    inputs and the output by their labels with the code name beside them (`ruleset` gives them).
    The English is `governance.sensitivity.render_text`'s."""
    t = translator_for(lang)
    _ = t.gettext

    def name(code: str) -> str:
        spec = None
        if ruleset is not None:
            spec = ruleset.inputs.get(code) or ruleset.outputs.get(code)
        return code if t.lang != "zh" else _name(code, spec.label_zh if spec else None, t)

    def value(v: Any, decided: bool = True) -> str:
        if not decided:
            return _("not decided")
        return format_boolean(v, t.lang) if isinstance(v, bool) else str(v)

    def where(source: str) -> str:
        kind, _space, item_id = source.partition(" ")
        return f"{_(OWNER_WORDS[kind])} {item_id}" if kind in OWNER_WORDS and item_id else source

    output = name(result.output)
    out = [_("{output} is {value}. What would change it (each verified by deciding again):").format(
        output=output, value=value(result.value, result.decided))]
    for c in result.changes:
        now = _("not given") if c.current is None else value(c.current)
        becomes = value(c.gives, c.decided)
        if c.kind == "threshold" and c.boundary is not None:
            b = c.boundary
            via = (_(" (boundary {value}, parameter {parameter}, {source}, {clause})") if b.parameter
                   else _(" (boundary {value}, {source}, {clause})")).format(
                value=b.value.isoformat() if isinstance(b.value, dt.date) else repr(b.value),
                parameter=b.parameter, source=where(b.source), clause=b.clause)
            line = _("{input} {condition} instead of {now}, e.g. {to}{via}: {output} becomes {gives}")
            out.append("- " + line.format(input=name(c.input), condition=c.condition, now=now, to=value(c.to),
                                          via=via, output=output, gives=becomes))
        else:
            out.append("- " + _("{input} = {to} instead of {now}: {output} becomes {gives}").format(
                input=name(c.input), to=value(c.to), now=now, output=output, gives=becomes))
    if not result.changes:
        out.append("- " + _("no change of one input flips it"))
    steady = [n for n in result.unchanged if n not in result.moves_with]
    names = _(NAMES)
    if result.moves_with:
        out.append(_("{output} is computed from {inputs}: any change of it moves the amount; no threshold of it "
                     "was found.").format(output=output, inputs=names.join(name(n) for n in result.moves_with)))
    if steady:
        out.append(_("No change of these inputs alone flips it: {inputs}.").format(
            inputs=names.join(name(n) for n in steady)))
    if result.not_given:
        out.append(_("Not given by the case (it depends on them): {inputs}.").format(
            inputs=names.join(name(n) for n in result.not_given)))
    if result.dropped:
        out.append(_("Dropped {count} candidate change(s) that did not verify:").format(count=len(result.dropped)))
        out += ["- " + _("{input} = {to}: {reason}").format(
            input=name(d.input), to=value(d.to) if t.lang == "zh" else d.to, reason=said_in(d.reason, t))
            for d in result.dropped]
    return "\n".join(out) + "\n"


def said_in(text: str, t: Translator) -> str:
    """A reason worded elsewhere: in the reader's language when it keeps its catalog template (a
    `text(gettext)` method, as `governance.diagnostics.Message` has), else as it is (English)."""
    wording = getattr(text, "text", None)
    return str(wording(t.gettext)) if callable(wording) else str(text)
