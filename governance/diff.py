"""What changed between two versions of a rule set, as data.

A pure function over two `RuleSet` models, so the doc site's version pages and
`medunion diff` show the same changes. Expressions are compared by their
canonical text (`to_text` of the tree), so re-wrapping a YAML line or adding
spaces is not a change; changing what runs is.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from governance.expressions import Expression, ExpressionType, format_value, to_text
from governance.model import (
    NO_DEFAULT,
    DecisionTable,
    Field,
    Parameter,
    ParameterValue,
    Rule,
    RuleSet,
)

ChangeKind = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class FieldChange:
    """One attribute that differs; `None` stands for "not set"."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ValueChange:
    """A dated parameter value that was added, removed or changed at `start`."""

    start: dt.date
    old: ParameterValue | None
    new: ParameterValue | None

    @property
    def kind(self) -> ChangeKind:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"


@dataclass(frozen=True)
class ParameterChange:
    name: str
    kind: ChangeKind
    old: Parameter | None
    new: Parameter | None
    fields: tuple[FieldChange, ...] = ()
    values: tuple[ValueChange, ...] = ()


@dataclass(frozen=True)
class ItemChange:
    """A rule, decision table, input or output that was added, removed or changed."""

    id: str
    kind: ChangeKind
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class RuleSetDiff:
    ruleset: str
    old_version: str
    new_version: str
    header: tuple[FieldChange, ...]
    inputs: tuple[ItemChange, ...]
    outputs: tuple[ItemChange, ...]
    parameters: tuple[ParameterChange, ...]
    rules: tuple[ItemChange, ...]
    tables: tuple[ItemChange, ...]

    @property
    def empty(self) -> bool:
        parts = (self.header, self.inputs, self.outputs, self.parameters, self.rules, self.tables)
        return not any(parts)


def diff_rulesets(old: RuleSet, new: RuleSet) -> RuleSetDiff:
    """Everything that differs from `old` to `new`, in the order of the new file."""
    return RuleSetDiff(
        ruleset=new.id,
        old_version=old.version,
        new_version=new.version,
        header=_fields(_header(old), _header(new)),
        inputs=_items(old.inputs, new.inputs, _field_attributes),
        outputs=_items(old.outputs, new.outputs, _field_attributes),
        parameters=_parameters(old.parameters, new.parameters, (new.effective_from, new.effective_until)),
        rules=_items(
            {r.id: r for r in old.rules}, {r.id: r for r in new.rules}, _rule_attributes
        ),
        tables=_items(
            {t.id: t for t in old.tables}, {t.id: t for t in new.tables}, _table_attributes
        ),
    )


def consecutive_diffs(versions: Sequence[RuleSet]) -> list[RuleSetDiff]:
    """One diff per pair of consecutive versions (sorted by version), oldest first."""
    ordered = sorted(versions, key=lambda r: r.version_key)
    return [diff_rulesets(a, b) for a, b in itertools.pairwise(ordered)]


def diff_lines(diff: RuleSetDiff) -> list[str]:
    """The diff as short lines of text, for the terminal."""
    lines = [f"{diff.ruleset}: {diff.old_version} → {diff.new_version}"]
    if diff.empty:
        return [*lines, "  no changes"]
    for change in diff.header:
        lines.append(f"  {change.field}: {_show(change.old)} → {_show(change.new)}")
    for title, items in (("input", diff.inputs), ("output", diff.outputs)):
        lines += _item_lines(title, items)
    for p in diff.parameters:
        lines.append(f"  parameter {p.name} {p.kind}")
        for change in p.fields:
            lines.append(f"    {change.field}: {_show(change.old)} → {_show(change.new)}")
        for v in p.values:
            old = _show(v.old.value) if v.old else "—"
            new = _show(v.new.value) if v.new else "—"
            lines.append(f"    value from {v.start.isoformat()}: {old} → {new}")
    lines += _item_lines("rule", diff.rules)
    lines += _item_lines("table", diff.tables)
    return lines


# -- internals -----------------------------------------------------------------------------


def _item_lines(title: str, items: Iterable[ItemChange]) -> list[str]:
    lines = []
    for item in items:
        lines.append(f"  {title} {item.id} {item.kind}")
        for change in item.fields:
            lines.append(f"    {change.field}: {_show(change.old)} → {_show(change.new)}")
    return lines


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, tuple | list):
        return "; ".join(_show(v) for v in value) or "—"
    if isinstance(value, str):
        return value
    return format_value(value)


def _expr(expression: Expression) -> str:
    return to_text(expression.tree)


def _type(t: ExpressionType) -> str:
    return t.describe()


def _header(r: RuleSet) -> dict[str, Any]:
    return {
        "title": r.title,
        "title_zh": r.title_zh,
        "jurisdiction": r.jurisdiction,
        "status": r.status,
        "effective from": r.effective_from,
        "effective until": r.effective_until,
        "sources": tuple(f"{s.key}: {s.title}" for s in r.sources),
    }


def _field_attributes(f: Field) -> dict[str, Any]:
    return {
        "type": _type(f.type),
        "unit": f.unit,
        "minimum": f.minimum,
        "maximum": f.maximum,
        "default": None if f.default is NO_DEFAULT else f.default,
        "description": f.description,
        "description_zh": f.description_zh,
    }


def _rule_attributes(r: Rule) -> dict[str, Any]:
    return {
        "title": r.title,
        "title_zh": r.title_zh,
        "clause": r.clause,
        "source": _normalise_space(r.source),
        "conditions": tuple(_expr(c) for c in r.conditions),
        "sets": tuple(f"{k} = {_expr(v)}" for k, v in r.assignments.items()),
        "exception to": r.exception_to,
        "priority": r.priority,
        "note": _normalise_space(r.note),
    }


def _table_attributes(t: DecisionTable) -> dict[str, Any]:
    return {
        "title": t.title,
        "title_zh": t.title_zh,
        "clause": t.clause,
        "source": _normalise_space(t.source),
        "hit policy": t.hit,
        "aggregate": t.aggregate,
        "columns": tuple(_expr(c) for c in t.columns),
        "outputs": t.outputs,
        "rows": tuple(
            " | ".join(cell.text.strip() for cell in row.cells)
            + " → "
            + ", ".join(_expr(e) for e in row.results)
            for row in t.rows
        ),
        "note": _normalise_space(t.note),
    }


def _parameter_attributes(p: Parameter) -> dict[str, Any]:
    return {
        "type": _type(p.type),
        "unit": p.unit,
        "clause": p.clause,
        "status": p.status,
        "description": _normalise_space(p.description),
        "note": _normalise_space(p.note),
    }


def _normalise_space(text: str | None) -> str | None:
    return " ".join(text.split()) if text is not None else None


def _fields(old: dict[str, Any], new: dict[str, Any]) -> tuple[FieldChange, ...]:
    return tuple(
        FieldChange(key, old.get(key), new.get(key))
        for key in dict.fromkeys([*new, *old])
        if old.get(key) != new.get(key)
    )


def _items(old: dict[str, Any], new: dict[str, Any], attributes: Any) -> tuple[ItemChange, ...]:
    changes: list[ItemChange] = []
    for key in dict.fromkeys([*new, *old]):
        if key not in old:
            changes.append(ItemChange(key, "added"))
        elif key not in new:
            changes.append(ItemChange(key, "removed"))
        else:
            fields = _fields(attributes(old[key]), attributes(new[key]))
            if fields:
                changes.append(ItemChange(key, "changed", fields))
    return tuple(changes)


def _parameters(
    old: dict[str, Parameter],
    new: dict[str, Parameter],
    window: tuple[dt.date, dt.date | None],
) -> tuple[ParameterChange, ...]:
    changes: list[ParameterChange] = []
    for name in dict.fromkeys([*new, *old]):
        a, b = old.get(name), new.get(name)
        if a is None and b is not None:
            changes.append(ParameterChange(name, "added", None, b))
        elif b is None and a is not None:
            changes.append(ParameterChange(name, "removed", a, None))
        elif a is not None and b is not None:
            fields = _fields(_parameter_attributes(a), _parameter_attributes(b))
            values = _values(a.values, b.values, window)
            if fields or values:
                changes.append(ParameterChange(name, "changed", a, b, fields, values))
    return tuple(changes)


def _values(
    old: Sequence[ParameterValue],
    new: Sequence[ParameterValue],
    window: tuple[dt.date, dt.date | None],
) -> tuple[ValueChange, ...]:
    """Where the value in force differs, over the period the new version is in force.

    On the new version's first day and on every later date where either version's value
    steps, the value the old version would apply is compared with the new one's; a change is
    reported where they differ and did not already differ the same way the day before. So a
    dated value copied into the new version unchanged (from its own first day, or restated
    with its old date, or inherited through `extends:`) is no change, and a step the old
    version already scheduled is no change if the new version keeps it. Only values count:
    a new `reference` for the same figure is not a changed value.
    """
    first, last = window
    steps = {v.start for v in (*old, *new) if v.start > first and (last is None or v.start <= last)}
    changes: list[ValueChange] = []
    before: tuple[Any, Any] | None = None
    for day in sorted({first, *steps}):
        a, b = _in_force(old, day), _in_force(new, day)
        now = (_plain(a), _plain(b))
        if not _same(a, b) and now != before:
            changes.append(ValueChange(day, a, b))
        before = now
    return tuple(changes)


def _in_force(values: Sequence[ParameterValue], day: dt.date) -> ParameterValue | None:
    current = None
    for value in values:
        if value.start <= day:
            current = value
    return current


def _plain(value: ParameterValue | None) -> Any:
    return (value.value,) if value is not None else None


def _same(a: ParameterValue | None, b: ParameterValue | None) -> bool:
    if a is None or b is None:
        return a is b
    return bool(type(a.value) is type(b.value) or {type(a.value), type(b.value)} <= {int, float}) \
        and a.value == b.value
