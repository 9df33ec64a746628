"""The impact of a change as people read it: a short text summary, JSON, an Excel workbook and
an HTML page (`medunion impact`).

Every text that comes from the rules or the data (labels, enum values, column names, clause
texts) is data: in the workbook it is written as a string cell with formula-like text
neutralised (`appraisal.safe_cells`), never as a formula; in the HTML it goes through the
autoescaping template `medunion/templates/impact.html.j2`.
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
from governance.impact import Change, Impact, Step
from governance.rounding import amount_text

SYNTHETIC_LABEL = "SYNTHETIC DATA: made-up claims, not real patients or payments"


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


def _date_text(impact: Impact) -> str:
    if impact.on is not None:
        return f"on {impact.on.isoformat()}"
    return f"on each row's date (column '{impact.date_column}')"


# -- text -----------------------------------------------------------------------------------------


def summary_lines(impact: Impact, context: ReportContext) -> list[str]:
    """The command's short summary on the terminal."""
    lines = []
    if context.synthetic:
        lines.append(SYNTHETIC_LABEL)
    lines.append(f"{impact.ruleset}: {impact.old_version} → {impact.new_version}, {_date_text(impact)}, "
                 f"data {context.data}")
    lines.append(f"  rows: {impact.rows_in} in = {impact.rows_compared} compared + {impact.rows_rejected} rejected; "
                 f"{impact.rows_changed} with a changed decision")
    for count in impact.outputs:
        if count.changed:
            lines.append(f"  {count.output}: {count.changed_value} changed value, {count.newly_decided} newly "
                         f"decided, {count.no_longer_decided} no longer decided")
    for total in impact.totals:
        if total.money:
            lines.append(f"  {total.output} ({total.unit}): {amount(total.sum_old)} → {amount(total.sum_new)} "
                         f"({signed(total.difference)}); {total.increases} row(s) up, {total.decreases} down")
    lines.append("  attributed, one change at a time:")
    for step in impact.steps:
        per_output = ", ".join(f"{name} {count}" for name, count in step.outputs.items())
        money = "".join(f"; {name} {signed(value)}" for name, value in step.amounts.items()
                        if _is_money(impact, name))
        lines.append(f"    step {step.number}: {step.rows_changed} row(s) changed"
                     + (f" ({per_output})" if per_output else "") + money)
        for change in step.changes:
            cited = [c for c in (change.clause, change.status if change.status != "law" else None) if c]
            lines.append(f"      {change.label}: {change.old} → {change.new}"
                         + (f" [{'; '.join(cited)}]" if cited else ""))
        if not step.changes:
            lines.append("      other differences between the versions (no single clause)")
        if step.joined_because:
            lines.append(f"      applied together because {step.joined_because}")
        backwards = reverse_text(step, [t.output for t in impact.totals if t.money])
        if backwards:
            lines.append(f"      in the reverse order it moves {backwards}")
    if impact.rows_multi_step:
        lines.append(f"  {impact.rows_multi_step} changed row(s) have an output moved by more than one step "
                     "(how it splits between them depends on the order)")
    for note in impact.notes:
        lines.append(f"  note: {note}")
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


def step_title(step: Step) -> str:
    if not step.changes:
        return "other differences between the versions"
    if len(step.changes) == 1:
        return step.changes[0].label
    return f"{len(step.changes)} changes applied together"


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


def write_workbook(impact: Impact, context: ReportContext, path: Path) -> Path:
    """impact.xlsx: summary, outputs, money, distribution, groups, attribution, rows, rejected."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False, "strings_to_numbers": False})
    formats = {"head": book.add_format({"bold": True, "bg_color": "#DDEEEE"}),
               "title": book.add_format({"bold": True, "font_size": 13}),
               "warn": book.add_format({"bold": True, "font_color": "#B00020"}),
               "number": book.add_format({"num_format": "#,##0.00####"})}
    try:
        _summary_sheet(_Sheet(book, "Summary", formats), impact, context)
        _attribution_sheet(_Sheet(book, "Attribution", formats), impact, context)
        _outputs_sheet(_Sheet(book, "Outputs", formats), impact)
        _money_sheet(_Sheet(book, "Money", formats), impact)
        _groups_sheet(_Sheet(book, "Groups", formats), impact)
        _rows_sheet(_Sheet(book, "Rows", formats), impact)
        rejected = _Sheet(book, "Rejected", formats)
        rejected.write_row(["row", "column", "reason"], "head")
        for r in impact.rejections:
            rejected.write_row([r.row, r.column, r.reason])
    finally:
        book.close()
    return path


def _summary_sheet(sheet: _Sheet, impact: Impact, context: ReportContext) -> None:
    if context.synthetic:
        sheet.write_row([SYNTHETIC_LABEL], "warn")
    sheet.write_row([f"Impact of {impact.ruleset} {impact.new_version} against {impact.old_version}"], "title")
    for label, value in (("rule set", impact.ruleset), ("from version", impact.old_version),
                         ("to version", impact.new_version), ("date", _date_text(impact)), ("data", context.data),
                         ("rows in", impact.rows_in), ("rows compared", impact.rows_compared),
                         ("rows rejected", impact.rows_rejected), ("rows with a changed decision", impact.rows_changed),
                         ("changed rows with an output moved by several steps", impact.rows_multi_step),
                         ("rows changed and changed back", impact.rows_offsetting)):
        sheet.write_row([label, value])
    sheet.write_row([])
    sheet.write_row(["How changes are attributed"], "head")
    sheet.write_row([impact.order_note])
    for note in impact.notes:
        sheet.write_row(["note", note])
    sheet.sheet.set_column(0, 0, 40)
    sheet.sheet.set_column(1, 1, 60)


def _attribution_sheet(sheet: _Sheet, impact: Impact, context: ReportContext) -> None:
    sheet.write_row(["step", "change", "old", "new", "clause", "clause text", "status", "reading",
                     "source sentence", "rows changed", "of which net", "outputs changed", "amounts",
                     "amounts in the reverse order", "applied together because", "where"], "head")
    for step in impact.steps:
        outputs = "; ".join(f"{k}: {v}" for k, v in step.outputs.items())
        amounts = "; ".join(f"{k}: {signed(v)}" for k, v in step.amounts.items())
        backwards = "" if step.reversed_amounts is None else \
            "; ".join(f"{k}: {signed(v)}" for k, v in step.reversed_amounts.items())
        changes = step.changes or (None,)
        for change in changes:
            if change is None:
                sheet.write_row([step.number, step_title(step), "", "", "", "", "", "", "", step.rows_changed,
                                 step.rows_net, outputs, amounts, backwards, step.joined_because, ""])
                continue
            sheet.write_row([step.number, change.label, change.old, change.new, change.clause,
                             context.clauses.get(change.clause or ""), change.status, change.reading,
                             change.source, step.rows_changed, step.rows_net, outputs, amounts, backwards,
                             step.joined_because, change.location])
    sheet.sheet.set_column(1, 8, 30)


def _outputs_sheet(sheet: _Sheet, impact: Impact) -> None:
    sheet.write_row(["output", "type", "unit", "changed value", "newly decided", "no longer decided",
                     "decided (old)", "decided (new)"], "head")
    for c in impact.outputs:
        sheet.write_row([c.output, c.type, c.unit, c.changed_value, c.newly_decided, c.no_longer_decided,
                         c.decided_old, c.decided_new])


def _money_sheet(sheet: _Sheet, impact: Impact) -> None:
    sheet.write_row(["output", "unit", "money", "sum old", "sum new", "difference", "rows decided under both",
                     "increases", "decreases", "gained", "lost", "zero differences",
                     *[f"q{q:g}" for q in (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)]], "head")
    for t in impact.totals:
        sheet.write_row([t.output, t.unit, t.money, t.sum_old, t.sum_new, t.difference, t.rows_both,
                         t.increases, t.decreases, t.gained, t.lost, t.zero_differences,
                         *[v for _, v in t.quantiles]])
    sheet.write_row([])
    sheet.write_row(["histogram of the non-zero differences"], "head")
    sheet.write_row(["output", "from", "to", "rows"], "head")
    for t in impact.totals:
        for b in t.histogram:
            sheet.write_row([t.output, b.low, b.high, b.count])


def _groups_sheet(sheet: _Sheet, impact: Impact) -> None:
    names = [o.output for o in impact.groups[0].outputs] if impact.groups else []
    head = ["column", "value", "rows", "changed"]
    for name in names:
        head += [f"{name} sum old", f"{name} sum new", f"{name} difference", f"{name} increases",
                 f"{name} decreases"]
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


def render_html(impact: Impact, context: ReportContext) -> str:
    return _environment().get_template("impact.html.j2").render(
        impact=impact, context=context, label=SYNTHETIC_LABEL, step_title=step_title, date_text=_date_text(impact),
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
                  written: Callable[[Path], None] | None = None) -> list[Path]:
    """impact.xlsx and impact.html in `out` (created when missing)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [write_workbook(impact, context, out / "impact.xlsx"), out / "impact.html"]
    paths[1].write_text(render_html(impact, context), encoding="utf-8")
    for path in paths:
        if written is not None:
            written(path)
    return paths
