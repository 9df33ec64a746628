"""The impact of a change as people read it: a short text summary, JSON, an Excel workbook and
an HTML page (`medunion impact`).

Every text that comes from the rules or the data (labels, enum values, column names, clause
texts) is data: in the workbook it is written as a string cell with formula-like text
neutralised (`appraisal.safe_cells`), never as a formula; in the HTML it goes through the
autoescaping template `medunion/templates/impact.html.j2`.

The workbook and the page are officers' outputs, so they are in Chinese by default, each heading
with its English beside it ("决定改变的案件数 Changed decisions"); `lang="en"` gives English only.
The program's words are catalog messages (marked N_ here, so the template holds no msgid); the
rule set's names, the data and the core's notes on the impact are shown as they are.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from governance.escaping import neutral_text
from governance.expressions import format_value
from governance.i18n import N_, translator
from governance.impact import Change, Impact, Step
from governance.rounding import amount_text

SYNTHETIC_LABEL = "SYNTHETIC DATA: made-up claims, not real patients or payments"
SYNTHETIC_LABEL_ZH = "合成数据：虚构的理赔记录，不是真实的患者或支付"
REPORT_DEFAULT = "zh"
"""The language of impact.xlsx and impact.html when none is chosen: Chinese, for the officers who read them."""


@dataclass(frozen=True)
class Words:
    """The report's words in one language: `heading` for a column or title ("得分 Score" in Chinese,
    the Chinese first and the English beside it), `say` for a sentence (Chinese only in Chinese)."""

    lang: str

    def heading(self, message: str) -> str:
        shown = translator(self.lang).gettext(message)
        return f"{shown} {message}" if self.lang == "zh" and shown != message else shown

    def say(self, message: str, **values: object) -> str:
        text = translator(self.lang).gettext(message)
        return text.format(**values) if values else text

    def synthetic(self) -> str:
        return f"{SYNTHETIC_LABEL_ZH} {SYNTHETIC_LABEL}" if self.lang == "zh" else SYNTHETIC_LABEL


@dataclass(frozen=True)
class ReportContext:
    """What the report needs besides the impact: where the data came from, whether it is
    synthetic, and the clause index's words for each clause key."""

    data: str
    synthetic: bool
    clauses: Mapping[str, str]


def is_synthetic(name: str) -> bool:
    """Synthetic data is named so (`…-SYNTHETIC.csv`), and then labelled on every page shown."""
    return "SYNTHETIC" in name


# -- numbers as people read them ------------------------------------------------------------------


def amount(value: float) -> str:
    """1234567.5 → "1,234,567.50", to the fen half up (四舍五入); float noise of a sum never shown."""
    return amount_text(value)


def signed(value: float) -> str:
    text = amount(value)
    return text if value < 0 or text.startswith("-") else "+" + text


def figure(value: float) -> str:
    """A number that is not money (a ratio): up to 6 decimals, no trailing zeros."""
    return f"{value:,.6f}".rstrip("0").rstrip(".") if math.isfinite(value) else str(value)


def _date_text(impact: Impact, words: Words | None = None) -> str:
    words = words or Words("en")
    if impact.on is not None:
        from governance.i18n import format_date

        return words.say(N_("on {date}"), date=format_date(impact.on, words.lang))
    return words.say(N_("on each row's date (column '{column}')"), column=impact.date_column)


# -- text -----------------------------------------------------------------------------------------


def summary_lines(impact: Impact, context: ReportContext, lang: str = "en") -> list[str]:
    """The command's short summary on the terminal, in `lang` (English by default, as every terminal
    command); names of outputs and the core's notes are shown as they are."""
    words = Words(lang)
    say = words.say
    lines = []
    if context.synthetic:
        lines.append(words.synthetic())
    lines.append(say(N_("{ruleset}: {old} → {new}, {date}, data {data}"), ruleset=impact.ruleset,
                     old=impact.old_version, new=impact.new_version, date=_date_text(impact, words), data=context.data))
    lines.append(say(N_("  rows: {rows_in} in = {compared} compared + {rejected} rejected; {changed} with a changed "
                        "decision"), rows_in=impact.rows_in, compared=impact.rows_compared,
                     rejected=impact.rows_rejected, changed=impact.rows_changed))
    for count in impact.outputs:
        if count.changed:
            lines.append(say(N_("  {output}: {changed} changed value, {newly} newly decided, {no_longer} no longer "
                                "decided"), output=count.output, changed=count.changed_value,
                             newly=count.newly_decided, no_longer=count.no_longer_decided))
    for total in impact.totals:
        if total.money:
            lines.append(say(N_("  {output} ({unit}): {old} → {new} ({difference}); {up} row(s) up, {down} down"),
                             output=total.output, unit=total.unit, old=amount(total.sum_old),
                             new=amount(total.sum_new), difference=signed(total.difference), up=total.increases,
                             down=total.decreases))
    lines.append(say(N_("  attributed, one change at a time:")))
    for step in impact.steps:
        per_output = ", ".join(f"{name} {count}" for name, count in step.outputs.items())
        money = "".join(f"; {name} {signed(value)}" for name, value in step.amounts.items()
                        if _is_money(impact, name))
        lines.append(say(N_("    step {number}: {count} row(s) changed"), number=step.number, count=step.rows_changed)
                     + (f" ({per_output})" if per_output else "") + money)
        for change in step.changes:
            cited = [c for c in (change.clause, change.status if change.status != "law" else None) if c]
            lines.append(f"      {change.label}: {change.old} → {change.new}"
                         + (f" [{'; '.join(cited)}]" if cited else ""))
        if not step.changes:
            lines.append(say(N_("      other differences between the versions (no single clause)")))
        if step.joined_because:
            lines.append(say(N_("      applied together because {why}"), why=step.joined_because))
        backwards = reverse_text(step, [t.output for t in impact.totals if t.money])
        if backwards:
            lines.append(say(N_("      in the reverse order it moves {moves}"), moves=backwards))
    if impact.rows_multi_step:
        lines.append(say(N_("  {count} changed row(s) have an output moved by more than one step "
                            "(how it splits between them depends on the order)"), count=impact.rows_multi_step))
    for note in impact.notes:
        lines.append(say(N_("  note: {note}"), note=note))
    return lines


def _is_money(impact: Impact, name: str) -> bool:
    return any(t.output == name and t.money for t in impact.totals)


def reverse_text(step: Step, names: list[str]) -> str:
    """The amounts the step moves when the changes are applied in the reverse order, when they
    differ from the amounts in the stated order ("" otherwise)."""
    if step.reversed_amounts is None:
        return ""
    forward = {n: step.amounts.get(n, 0.0) for n in names}
    backward = {n: step.reversed_amounts.get(n, 0.0) for n in names}
    if all(abs(forward[n] - backward[n]) < 0.005 for n in names):
        return ""
    return ", ".join(f"{n} {signed(v)}" for n, v in backward.items() if v or forward[n])


def step_title(step: Step, words: Words | None = None) -> str:
    words = words or Words("en")
    if not step.changes:
        return words.say(N_("other differences between the versions"))
    if len(step.changes) == 1:
        return step.changes[0].label
    return words.say(N_("{count} changes applied together"), count=len(step.changes))


# -- JSON -----------------------------------------------------------------------------------------


def _change_json(change: Change, context: ReportContext) -> dict[str, Any]:
    return {"kind": change.kind, "name": change.name, "action": change.action, "title": change.title,
            "clause": change.clause, "clause_text": context.clauses.get(change.clause or ""),
            "old": change.old, "new": change.new, "status": change.status, "reading": change.reading,
            "source": change.source, "location": change.location}


def _number(value: float) -> float | None:
    return round(value, 6) if math.isfinite(value) else None


def impact_json(impact: Impact, context: ReportContext) -> dict[str, Any]:
    """Everything of the report but the row table, as strict JSON (no NaN)."""
    return {
        "synthetic": context.synthetic,
        "label": SYNTHETIC_LABEL if context.synthetic else None,
        "ruleset": impact.ruleset, "from": impact.old_version, "to": impact.new_version,
        "on": impact.on.isoformat() if impact.on else None, "date_column": impact.date_column,
        "data": context.data,
        "rows": {"in": impact.rows_in, "compared": impact.rows_compared, "rejected": impact.rows_rejected,
                 "changed": impact.rows_changed, "attributed_to_several_steps": impact.rows_multi_step,
                 "changed_and_changed_back": impact.rows_offsetting},
        "outputs": [{"output": c.output, "unit": c.unit, "changed_value": c.changed_value,
                     "newly_decided": c.newly_decided, "no_longer_decided": c.no_longer_decided}
                    for c in impact.outputs],
        "totals": [{"output": t.output, "unit": t.unit, "money": t.money, "sum_old": _number(t.sum_old),
                    "sum_new": _number(t.sum_new), "difference": _number(t.difference),
                    "increases": t.increases, "decreases": t.decreases, "gained": _number(t.gained),
                    "lost": _number(t.lost),
                    "quantiles": {f"{q:g}": _number(v) for q, v in t.quantiles},
                    "histogram": [{"low": _number(b.low), "high": _number(b.high), "count": b.count}
                                  for b in t.histogram],
                    "zero_differences": t.zero_differences} for t in impact.totals],
        "groups": [{"column": g.column, "value": g.value, "rows": g.rows, "changed": g.changed,
                    "outputs": {o.output: {"sum_old": _number(o.sum_old), "sum_new": _number(o.sum_new),
                                           "difference": _number(o.difference), "increases": o.increases,
                                           "decreases": o.decreases} for o in g.outputs}}
                   for g in impact.groups],
        "steps": [{"step": s.number, "changes": [_change_json(c, context) for c in s.changes],
                   "applied_together_because": s.joined_because, "rows_changed": s.rows_changed,
                   "rows_with_net_change": s.rows_net, "outputs": s.outputs,
                   "amounts": {k: _number(v) for k, v in s.amounts.items()},
                   "amounts_in_reverse_order": None if s.reversed_amounts is None else
                   {k: _number(v) for k, v in s.reversed_amounts.items()}} for s in impact.steps],
        "order": impact.order_note,
        "rejected": [{"row": _plain(r.row), "column": r.column, "reason": r.reason} for r in impact.rejections],
        "notes": list(impact.notes),
    }


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def impact_json_text(impact: Impact, context: ReportContext) -> str:
    return json.dumps(impact_json(impact, context), ensure_ascii=False, indent=2, allow_nan=False)


# -- Excel ----------------------------------------------------------------------------------------


class _Sheet:
    """A worksheet written cell by cell with explicit types: text is always a (neutralised)
    string cell and numbers are number cells, so no cell is ever a formula."""

    def __init__(self, book: Any, name: str, formats: Mapping[str, Any]) -> None:
        self.sheet = book.add_worksheet(name)
        self.formats = formats
        self.row = 0

    def write_row(self, values: list[Any], style: str | None = None) -> None:
        fmt = self.formats.get(style) if style else None
        for col, value in enumerate(values):
            self.cell(self.row, col, value, fmt)
        self.row += 1

    def cell(self, row: int, col: int, value: Any, fmt: Any = None) -> None:
        value = _plain(value)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            self.sheet.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            self.sheet.write_boolean(row, col, value, fmt)
        elif isinstance(value, int | float):
            if math.isfinite(value):
                self.sheet.write_number(row, col, value, fmt or self.formats.get("number"))
            else:
                self.sheet.write_string(row, col, str(value), fmt)
        else:
            self.sheet.write_string(row, col, neutral_text(str(value)), fmt)


def write_workbook(impact: Impact, context: ReportContext, path: Path, lang: str = REPORT_DEFAULT) -> Path:
    """impact.xlsx: summary, outputs, money, distribution, groups, attribution, rows, rejected; its
    sheet names and headings in Chinese with the English beside them, or in English."""
    import xlsxwriter

    words = Words(lang)
    h = words.heading

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False, "strings_to_numbers": False})
    formats = {"head": book.add_format({"bold": True, "bg_color": "#DDEEEE"}),
               "title": book.add_format({"bold": True, "font_size": 13}),
               "warn": book.add_format({"bold": True, "font_color": "#B00020"}),
               "number": book.add_format({"num_format": "#,##0.00####"})}
    try:
        _summary_sheet(_Sheet(book, h(N_("Summary")), formats), impact, context, words)
        _attribution_sheet(_Sheet(book, h(N_("Attribution")), formats), impact, context, words)
        _outputs_sheet(_Sheet(book, h(N_("Outputs")), formats), impact, words)
        _money_sheet(_Sheet(book, h(N_("Money")), formats), impact, words)
        _groups_sheet(_Sheet(book, h(N_("Groups")), formats), impact, words)
        _rows_sheet(_Sheet(book, h(N_("Rows")), formats), impact)
        rejected = _Sheet(book, h(N_("Rejected")), formats)
        rejected.write_row([h(N_("row")), h(N_("column")), h(N_("reason"))], "head")
        for r in impact.rejections:
            rejected.write_row([r.row, r.column, r.reason])
    finally:
        book.close()
    return path


def _summary_sheet(sheet: _Sheet, impact: Impact, context: ReportContext, words: Words) -> None:
    h = words.heading
    if context.synthetic:
        sheet.write_row([words.synthetic()], "warn")
    sheet.write_row([_title(impact, words)], "title")
    for label, value in ((N_("rule set"), impact.ruleset), (N_("from version"), impact.old_version),
                         (N_("to version"), impact.new_version), (N_("date"), _date_text(impact, words)),
                         (N_("data"), context.data), (N_("rows in"), impact.rows_in),
                         (N_("rows compared"), impact.rows_compared), (N_("rows rejected"), impact.rows_rejected),
                         (N_("rows with a changed decision"), impact.rows_changed),
                         (N_("changed rows with an output moved by several steps"), impact.rows_multi_step),
                         (N_("rows changed and changed back"), impact.rows_offsetting)):
        sheet.write_row([h(label), value])
    sheet.write_row([])
    sheet.write_row([h(N_("How changes are attributed"))], "head")
    sheet.write_row([impact.order_note])
    for note in impact.notes:
        sheet.write_row([h(N_("note")), note])
    sheet.sheet.set_column(0, 0, 40)
    sheet.sheet.set_column(1, 1, 60)


def _title(impact: Impact, words: Words) -> str:
    return words.say(N_("Impact of {ruleset} {new} against {old}"), ruleset=impact.ruleset, new=impact.new_version,
                     old=impact.old_version)


ATTRIBUTION_HEADINGS = (N_("step"), N_("change"), N_("old"), N_("new"), N_("clause"), N_("clause text"), N_("status"),
                        N_("reading"), N_("source sentence"), N_("rows changed"), N_("of which net"),
                        N_("outputs changed"), N_("amounts"), N_("amounts in the reverse order"),
                        N_("applied together because"), N_("where"))
OUTPUT_HEADINGS = (N_("output"), N_("type"), N_("unit"), N_("changed value"), N_("newly decided"),
                   N_("no longer decided"), N_("decided (old)"), N_("decided (new)"))
MONEY_HEADINGS = (N_("output"), N_("unit"), N_("money"), N_("sum old"), N_("sum new"), N_("difference"),
                  N_("rows decided under both"), N_("increases"), N_("decreases"), N_("gained"), N_("lost"),
                  N_("zero differences"))


def _attribution_sheet(sheet: _Sheet, impact: Impact, context: ReportContext, words: Words) -> None:
    sheet.write_row([words.heading(m) for m in ATTRIBUTION_HEADINGS], "head")
    for step in impact.steps:
        outputs = "; ".join(f"{k}: {v}" for k, v in step.outputs.items())
        amounts = "; ".join(f"{k}: {signed(v)}" for k, v in step.amounts.items())
        backwards = "" if step.reversed_amounts is None else \
            "; ".join(f"{k}: {signed(v)}" for k, v in step.reversed_amounts.items())
        changes = step.changes or (None,)
        for change in changes:
            if change is None:
                sheet.write_row([step.number, step_title(step, words), "", "", "", "", "", "", "", step.rows_changed,
                                 step.rows_net, outputs, amounts, backwards, step.joined_because, ""])
                continue
            sheet.write_row([step.number, change.label, change.old, change.new, change.clause,
                             context.clauses.get(change.clause or ""), change.status, change.reading,
                             change.source, step.rows_changed, step.rows_net, outputs, amounts, backwards,
                             step.joined_because, change.location])
    sheet.sheet.set_column(1, 8, 30)


def _outputs_sheet(sheet: _Sheet, impact: Impact, words: Words) -> None:
    sheet.write_row([words.heading(m) for m in OUTPUT_HEADINGS], "head")
    for c in impact.outputs:
        sheet.write_row([c.output, c.type, c.unit, c.changed_value, c.newly_decided, c.no_longer_decided,
                         c.decided_old, c.decided_new])


def _money_sheet(sheet: _Sheet, impact: Impact, words: Words) -> None:
    h = words.heading
    sheet.write_row([*(h(m) for m in MONEY_HEADINGS), *[f"q{q:g}" for q in (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)]],
                    "head")
    for t in impact.totals:
        sheet.write_row([t.output, t.unit, t.money, t.sum_old, t.sum_new, t.difference, t.rows_both,
                         t.increases, t.decreases, t.gained, t.lost, t.zero_differences,
                         *[v for _, v in t.quantiles]])
    sheet.write_row([])
    sheet.write_row([h(N_("histogram of the non-zero differences"))], "head")
    sheet.write_row([h(N_("output")), h(N_("from")), h(N_("to")), h(N_("rows"))], "head")
    for t in impact.totals:
        for b in t.histogram:
            sheet.write_row([t.output, b.low, b.high, b.count])


def _groups_sheet(sheet: _Sheet, impact: Impact, words: Words) -> None:
    h = words.heading
    names = [o.output for o in impact.groups[0].outputs] if impact.groups else []
    head = [h(N_("column")), h(N_("value")), h(N_("rows")), h(N_("changed"))]
    for name in names:  # the output's name is the rule set's; the words after it are the report's
        head += [f"{name} {h(m)}" for m in (N_("sum old"), N_("sum new"), N_("difference"), N_("increases"),
                                             N_("decreases"))]
    sheet.write_row(head, "head")
    for g in impact.groups:
        values: list[Any] = [g.column, g.value, g.rows, g.changed]
        for o in g.outputs:
            values += [o.sum_old, o.sum_new, o.difference, o.increases, o.decreases]
        sheet.write_row(values)


def _rows_sheet(sheet: _Sheet, impact: Impact) -> None:
    frame = impact.rows
    sheet.write_row(list(frame.columns), "head")
    for values in frame.itertuples(index=False, name=None):
        sheet.write_row([_cell(v) for v in values])


def _cell(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    return _plain(value)


# -- HTML -----------------------------------------------------------------------------------------


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("medunion", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(amount=amount, signed=signed, figure=figure, value=format_value)
    return env


HTML_HEADINGS = {
    "rows_in": N_("Rows in"), "compared": N_("Compared"), "rejected_below": N_("Rejected (listed below)"),
    "changed": N_("With a changed decision"), "per_output": N_("Decisions changed, per output"), "output": N_("Output"),
    "unit": N_("Unit"), "changed_value": N_("Changed value"), "newly_decided": N_("Newly decided"),
    "no_longer_decided": N_("No longer decided"), "money": N_("Money"), "difference": N_("Difference"),
    "rows_up": N_("Rows up"), "increases": N_("Sum of the increases"), "rows_down": N_("Rows down"),
    "decreases": N_("Sum of the decreases"), "from": N_("From"), "to": N_("To"), "rows": N_("Rows"),
    "others": N_("Other numeric outputs"), "median": N_("Median change"),
    "groups": N_("Who gains and who loses, by group"), "column": N_("Column"), "value": N_("Value"),
    "changed_rows_count": N_("Changed"), "each_change": N_("Each change, and the clause it carries out"),
    "change": N_("Change"), "old_new": N_("Old → new"), "clause": N_("Clause"), "status": N_("Status"),
    "sentence": N_("The law's sentence"), "where": N_("Where"), "row": N_("Row"), "reason": N_("Reason"),
    "rejected_rows": N_("Rejected rows"), "min": N_("min"), "max": N_("max"),
}
"""The page's headings, by the name the template uses: msgids here, so the template holds none."""


def _page_words(impact: Impact, context: ReportContext, words: Words) -> dict[str, Any]:
    say = words.say
    found: dict[str, Any] = {key: words.heading(message) for key, message in HTML_HEADINGS.items()}
    found.update(
        lang="zh-CN" if words.lang == "zh" else "en",
        title=_title(impact, words),
        synthetic_short=words.heading(N_("SYNTHETIC")),
        every_row=say(N_("Every row of {data} decided under both versions, {date}."), data=context.data,
                      date=_date_text(impact, words)),
        note=words.heading(N_("Note")),
        total_under=lambda version: say(N_("Total under {version}"), version=version),
        distribution=lambda output: say(N_("Distribution of the change in {output} per row"), output=output),
        no_change=lambda count: say(N_("{count} row(s) decided under both versions with no change"), count=count),
        the_others=say(N_("; the others:")),
        group_difference=lambda output: say(N_("{output}: difference"), output=output),
        rows_up_short=say(N_("rows up")), rows_down_short=say(N_("rows down")),
        several_steps=lambda count: say(N_("Here {count} changed row(s) have an output moved by more than one step."),
                                        count=count),
        changed_back=lambda count: say(N_("{count} row(s) were changed by one step and changed back by another."),
                                       count=count),
        step=lambda number, title: say(N_("Step {number}: {title}"), number=number, title=title),
        step_rows=lambda changed, net: say(N_("{changed} row(s) changed at this step ({net} with a net change)"),
                                           changed=changed, net=net),
        together=lambda why: say(N_("Applied together because {why}"), why=why),
        reverse=lambda moves: say(N_("With the changes applied in the reverse order, this step moves {moves}."),
                                  moves=moves),
        no_clause=say(N_("What else differs between the two versions (for example the order of rules); "
                         "no single clause.")),
        none=say(N_("(none)")),
        changed_rows_title=words.heading(N_("Changed rows")),
        first_of=lambda shown, total: say(N_("(the first {shown} of {total}; all rows are in impact.xlsx)"),
                                          shown=shown, total=total),
    )
    return found


def render_html(impact: Impact, context: ReportContext, lang: str = REPORT_DEFAULT) -> str:
    """impact.html in `lang`: Chinese headings with the English beside them by default."""
    words = Words(lang)
    return _environment().get_template("impact.html.j2").render(
        impact=impact, context=context, label=words.synthetic(), w=_page_words(impact, context, words),
        step_title=lambda step: step_title(step, words), date_text=_date_text(impact, words),
        reverse_text=lambda step: reverse_text(step, [t.output for t in impact.totals if t.money]),
        money=[t for t in impact.totals if t.money], others=[t for t in impact.totals if not t.money],
        changed_rows=_shown_rows(impact, 200))


def _shown_rows(impact: Impact, limit: int) -> tuple[list[str], list[list[str]]]:
    """The first changed rows as text for the page (NaN and None shown empty)."""
    frame = impact.rows
    if not len(frame):
        return list(frame.columns), []
    changed = frame[frame["changed"]].head(limit)
    return list(frame.columns), [[_shown(v) for v in values] for values in changed.itertuples(index=False, name=None)]


def _shown(value: Any) -> str:
    value = _cell(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return figure(value)
    return str(value)


def write_reports(impact: Impact, context: ReportContext, out: Path,
                  written: Callable[[Path], None] | None = None, lang: str = REPORT_DEFAULT) -> list[Path]:
    """impact.xlsx and impact.html in `out` (created when missing), in `lang` (Chinese by default)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [write_workbook(impact, context, out / "impact.xlsx", lang), out / "impact.html"]
    paths[1].write_text(render_html(impact, context, lang), encoding="utf-8")
    for path in paths:
        if written is not None:
            written(path)
    return paths
