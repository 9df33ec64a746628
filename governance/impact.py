"""The impact of a change: a population of cases decided under two versions, and each change
of outcome attributed to the difference between the versions (parameter, rule or table, with
its clause) that caused it.

Why sequential application: the two versions differ in a handful of items, and a drafter asks
"which of my changes moved this money?". Each difference in force on the date is applied to the
old version one at a time, in a stated order, and a row is attributed to every step that changed
one of its outputs. When changes interact (a new deductible and a new ratio on the same claim)
the split depends on the order; such rows are counted as attributed to more than one step,
never silently given to one of them.

Pure functions over the model and pandas; the renderers and the command line live in the
application (`medunion/impact_report.py`, `medunion/commands/impact.py`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from governance.bulk import decide_frame
from governance.cases import parameters_on
from governance.diagnostics import MedunionError, Message, error, joined, said
from governance.expressions import format_value, to_text
from governance.i18n import N_
from governance.model import DecisionTable, Field, Parameter, Rule, RuleSet
from governance.values import column_problems, is_missing, iso_date

MONEY_UNITS = frozenset({"yuan", "元", "cny", "rmb"})
QUANTILES = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)
HISTOGRAM_BINS = 10
ORDER = ("declarations added or changed (inputs, parameters, outputs)",
         "parameter values in force on the date, in the new file's order",
         "decision tables replaced or added (new file's order), then removed",
         "rules replaced or added (new file's order), then removed",
         "declarations removed",
         "anything else that differs (rule order, …), as one last step")
ORDER_NOTE = (
    "Each change is applied to the old version one at a time, in this order: " + "; ".join(ORDER) + ". "
    "A row is attributed to every step that changed one of its outputs. When changes interact "
    "(two figures in one formula) the amount moved at each step depends on this order; rows "
    "where one output was moved by more than one step are counted as attributed to several steps, "
    "and the money each step moves is also given with the parameter, table and rule changes applied "
    "in the reverse order."
)


# -- what differs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One difference between the versions, as in force on the date(s) compared."""

    kind: str  # parameter | rule | table | input | output
    name: str
    action: str  # added | removed | replaced | changed
    title: str
    clause: str | None
    old: str  # the old value or content in words ("—" when absent)
    new: str
    status: str | None  # the reading status of the item (the new one, or the old one when removed)
    reading: str | None  # the drafter's reading, in words, when it is not law
    source: str | None  # the law's sentence a rule or table quotes
    location: str | None  # file:line of the item (the new one, or the old one when removed)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name} {self.action}"


@dataclass(frozen=True)
class Rejection:
    """A cell that stopped its row from being compared: row label, column and why."""

    row: Any
    column: str
    reason: str  # a `Message`: English here, translatable where a command shows it


@dataclass(frozen=True)
class OutputCount:
    """How one output moved: rows with a different value, newly and no longer decided."""

    output: str
    type: str
    unit: str | None
    changed_value: int
    newly_decided: int
    no_longer_decided: int
    decided_old: int
    decided_new: int

    @property
    def changed(self) -> int:
        return self.changed_value + self.newly_decided + self.no_longer_decided


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int


@dataclass(frozen=True)
class Totals:
    """A numeric output summed under both versions, and the distribution of the per-row
    difference over the rows decided under both."""

    output: str
    unit: str | None
    money: bool
    sum_old: float
    sum_new: float
    rows_both: int
    increases: int
    decreases: int
    gained: float  # the sum of the increases
    lost: float  # the sum of the decreases (negative)
    quantiles: tuple[tuple[float, float], ...]  # (q, difference at q)
    histogram: tuple[Bin, ...]  # of the non-zero differences
    zero_differences: int

    @property
    def difference(self) -> float:
        return self.sum_new - self.sum_old


@dataclass(frozen=True)
class GroupOutput:
    output: str
    sum_old: float
    sum_new: float
    increases: int
    decreases: int

    @property
    def difference(self) -> float:
        return self.sum_new - self.sum_old


@dataclass(frozen=True)
class GroupRow:
    """Who gains and who loses, by one value of a grouping column (an enum input, or a column
    of the data named by the caller)."""

    column: str
    value: str
    rows: int
    changed: int
    outputs: tuple[GroupOutput, ...]


@dataclass(frozen=True)
class Step:
    """The changes applied at one step, and the rows whose outputs they changed."""

    number: int
    changes: tuple[Change, ...]
    joined_because: str | None  # why several changes had to be applied together
    rows_changed: int  # rows whose outputs changed at this step
    rows_net: int  # of which the outcome differs between the two versions
    outputs: dict[str, int]  # output -> rows where this step changed it
    amounts: dict[str, float]  # numeric output -> sum of the changes this step made
    # the same when the parameter, table and rule changes are applied in the reverse order; set only
    # when some output was moved by more than one step (else the order cannot matter)
    reversed_amounts: dict[str, float] | None = None

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(f"{c.key}:{c.action}" for c in self.changes)

    @property
    def label(self) -> str:
        if not self.changes:
            return "other differences between the versions"
        return "; ".join(c.label for c in self.changes)


@dataclass(frozen=True)
class Impact:
    ruleset: str
    old_version: str
    new_version: str
    on: dt.date | None
    date_column: str | None
    rows_in: int
    rows_compared: int
    rejections: tuple[Rejection, ...]
    rows_changed: int
    outputs: tuple[OutputCount, ...]
    totals: tuple[Totals, ...]
    groups: tuple[GroupRow, ...]
    changes: tuple[Change, ...]
    steps: tuple[Step, ...]
    rows_multi_step: int  # rows with a net change where one output was moved by more than one step
    rows_offsetting: int  # rows changed by some step and changed back by another: no net change
    notes: tuple[str, ...]
    rows: pd.DataFrame = field(repr=False, compare=False)  # one row per compared case (see `row_frame`)
    order_note: str = ORDER_NOTE

    @property
    def rows_rejected(self) -> int:
        return len({r.row for r in self.rejections})


# -- reading a table of text ----------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}


def _typed_cell(kind: str, value: Any) -> Any:
    """A cell read as text (CSV) as the value it spells, or the text itself when it spells
    none: the input checks then refuse it with its row and column."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text == "":
        return None
    if kind in ("number", "integer") and _NUMBER.fullmatch(text):  # "1,200" stays text: 1200 or 1.2?
        number = float(text)
        return int(number) if kind == "integer" and number.is_integer() else number
    if kind == "boolean" and text.lower() in _TRUE | _FALSE:
        return text.lower() in _TRUE
    if kind == "date":
        return iso_date(text) or text
    return text


def typed_inputs(inputs: Mapping[str, Field], frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose input columns hold typed values where their text spells one
    (a CSV read as text); other columns and unreadable cells are left as they are."""
    out = frame.copy()
    for name, spec in inputs.items():
        if name in out.columns:
            out[name] = out[name].map(lambda v, k=spec.type.kind: _typed_cell(k, v)).astype(object)
    return out


def read_date_cell(value: Any) -> dt.date | None:
    """A date column's cell as a date, or None when it is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64) and not np.isnat(value):
        return value.astype("datetime64[D]").astype(object)
    if isinstance(value, str):
        return iso_date(value.strip())
    return None


# -- the differences in force on the dates --------------------------------------------------------


def _where(location: Any) -> str | None:
    return f"{location.path}:{location.line}" if location is not None else None


def _reading_of(item: Any) -> tuple[str | None, str | None]:
    """(status, reading text) of a rule, table or parameter: the marked reading when the model
    has one, else a parameter's status and note."""
    reading = getattr(item, "reading", None)
    if reading is not None and getattr(reading, "status", None):
        return reading.status, getattr(reading, "text", None)
    status = getattr(item, "status", None)
    if isinstance(status, str):
        return status, None if status == "law" else getattr(item, "note", None)
    return None, None


def _rule_content(rule: Rule) -> tuple[Any, ...]:
    """What runs: conditions, assignments, exceptions and priority (not wording or position)."""
    return (tuple(to_text(c.tree) for c in rule.conditions),
            tuple(sorted((k, to_text(v.tree)) for k, v in rule.assignments.items())),
            rule.exception_to, rule.priority)


def _cell_content(cell: Any) -> tuple[Any, ...]:
    return (cell.kind, cell.op, repr(cell.value), repr(cell.low), repr(cell.high), cell.low_closed,
            cell.high_closed, tuple(repr(i) for i in cell.items), cell.negated)


def _table_content(table: DecisionTable) -> tuple[Any, ...]:
    return (table.hit, table.aggregate, tuple(to_text(c.tree) for c in table.columns), table.outputs,
            tuple((tuple(_cell_content(c) for c in row.cells), tuple(to_text(e.tree) for e in row.results))
                  for row in table.rows))


def _field_content(spec: Field) -> tuple[Any, ...]:
    default = None if not spec.has_default else repr(spec.default)
    return (spec.type.describe(), spec.unit, spec.minimum, spec.maximum, spec.has_default, default)


def _rule_text(rule: Rule) -> str:
    when = " and ".join(to_text(c.tree) for c in rule.conditions)
    sets = "; ".join(f"{k} = {to_text(v.tree)}" for k, v in rule.assignments.items())
    return f"when {when}: {sets}" if when else sets


def _table_text(table: DecisionTable) -> str:
    return f"{len(table.rows)} row(s) over {', '.join(to_text(c.tree) for c in table.columns)} → " \
           f"{', '.join(table.outputs)} ({table.hit})"


def _value_text(parameter: Parameter | None, dates: Sequence[dt.date]) -> str:
    """The value(s) in force over the compared dates: "0.85", or "500 from 2018-01-01; 600 from
    2019-01-01" when the dates span a change."""
    if parameter is None:
        return "—"
    first, last = min(dates), max(dates)
    shown = []
    for i, value in enumerate(parameter.values):
        ends = parameter.values[i + 1].start if i + 1 < len(parameter.values) else None
        if value.start <= last and (ends is None or ends > first):
            shown.append(value)
    if not shown:
        return "no value"
    if len(shown) == 1 and shown[0].start <= first:
        return format_value(shown[0].value)
    return "; ".join(f"{format_value(v.value)} from {v.start.isoformat()}" for v in shown)


def _values_differ(a: Parameter, b: Parameter, dates: Sequence[dt.date]) -> bool:
    for day in dates:
        x, y = a.value_on(day), b.value_on(day)
        if (x is None) != (y is None) or (x is not None and y is not None and not _same(x.value, y.value)):
            return True
    return False


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b


def _item_change(kind: str, name: str, action: str, item: Any, old: str, new: str) -> Change:
    status, reading = _reading_of(item)
    title = getattr(item, "title", None) or getattr(item, "description", None) or name
    return Change(kind=kind, name=name, action=action, title=" ".join(str(title).split()),
                  clause=getattr(item, "clause", None), old=old, new=new, status=status, reading=reading,
                  source=getattr(item, "source", None), location=_where(getattr(item, "location", None)))


def _field_text(spec: Field | None) -> str:
    if spec is None:
        return "—"
    text = spec.type.describe() + (f" in {spec.unit}" if spec.unit else "")
    if spec.has_default:
        text += f", default {format_value(spec.default)}"
    return text


def differences(old: RuleSet, new: RuleSet, dates: Sequence[dt.date]) -> list[list[Change]]:
    """The differences in force on the dates, grouped as the steps of `ORDER` (one list per
    step group; each change is applied on its own unless it cannot be)."""
    groups: list[list[Change]] = [[] for _ in ORDER]
    for kind, olds, news in (("input", old.inputs, new.inputs), ("output", old.outputs, new.outputs)):
        for name, spec in news.items():
            if name not in olds:
                groups[0].append(_item_change(kind, name, "added", spec, "—", _field_text(spec)))
            elif _field_content(olds[name]) != _field_content(spec):
                groups[0].append(_item_change(kind, name, "changed", spec, _field_text(olds[name]),
                                              _field_text(spec)))
        for name, spec in olds.items():
            if name not in news:
                groups[4].append(_item_change(kind, name, "removed", spec, _field_text(spec), "—"))
    for name, parameter in new.parameters.items():
        before = old.parameters.get(name)
        if before is None:
            groups[0].append(_item_change("parameter", name, "added", parameter, "—", _value_text(parameter, dates)))
        elif _values_differ(before, parameter, dates):
            groups[1].append(_item_change("parameter", name, "changed", parameter, _value_text(before, dates),
                                          _value_text(parameter, dates)))
    for name, parameter in old.parameters.items():
        if name not in new.parameters:
            groups[4].append(_item_change("parameter", name, "removed", parameter, _value_text(parameter, dates), "—"))
    for index, kind, olds, news, content, text in (
        (2, "table", {t.id: t for t in old.tables}, {t.id: t for t in new.tables}, _table_content, _table_text),
        (3, "rule", {r.id: r for r in old.rules}, {r.id: r for r in new.rules}, _rule_content, _rule_text),
    ):
        for name, item in news.items():
            if name not in olds:
                groups[index].append(_item_change(kind, name, "added", item, "—", text(item)))
            elif content(olds[name]) != content(item):
                groups[index].append(_item_change(kind, name, "replaced", item, text(olds[name]), text(item)))
        for name, item in olds.items():
            if name not in news:
                groups[index].append(_item_change(kind, name, "removed", item, text(item), "—"))
    return groups


def _place(items: list[Any], new_items: Sequence[Any], item: Any) -> list[Any]:
    """`items` with `item` put where the new file has it: after the nearest earlier item of the
    new file that is already there (at the start when there is none)."""
    ids = [i.id for i in items]
    position = 0
    for earlier in new_items:
        if earlier.id == item.id:
            break
        if earlier.id in ids:
            position = ids.index(earlier.id) + 1
    return [*items[:position], item, *items[position:]]


def apply_changes(old: RuleSet, new: RuleSet, changes: Iterable[Change]) -> RuleSet:
    """The old version with the given changes taken from the new one (`dataclasses.replace` on
    the model: positions keep pointing at the file each item came from)."""
    inputs, outputs, parameters = dict(old.inputs), dict(old.outputs), dict(old.parameters)
    rules, tables = list(old.rules), list(old.tables)
    keys = []
    for change in changes:
        keys.append(change.key + ":" + change.action)
        if change.kind in ("input", "output", "parameter"):
            target = {"input": inputs, "output": outputs, "parameter": parameters}[change.kind]
            source = {"input": new.inputs, "output": new.outputs, "parameter": new.parameters}[change.kind]
            if change.action == "removed":
                target.pop(change.name, None)
            else:
                target[change.name] = source[change.name]
            continue
        items, new_items = (rules, new.rules) if change.kind == "rule" else (tables, new.tables)
        if change.action == "removed":
            items[:] = [i for i in items if i.id != change.name]
        elif change.action == "replaced":
            replacement = next(i for i in new_items if i.id == change.name)
            items[:] = [replacement if i.id == change.name else i for i in items]
        else:
            items[:] = _place(items, new_items, next(i for i in new_items if i.id == change.name))
    digest = hashlib.sha256("\n".join([old.digest, new.digest, *keys]).encode("utf-8")).hexdigest()
    return replace(old, inputs=inputs, outputs=outputs, parameters=parameters, rules=tuple(rules),
                   tables=tuple(tables), digest=digest)


# -- deciding -------------------------------------------------------------------------------------


def _decide(ruleset: RuleSet, frame: pd.DataFrame, dates: pd.Series, with_sources: bool = False) -> pd.DataFrame:
    """Every row decided on its own date; one call of the column evaluator per distinct date."""
    columns = [c for c in ruleset.inputs if c in frame.columns]
    parts = []
    for day, rows in frame.groupby(dates, sort=True):
        parts.append(decide_frame(ruleset, rows[columns], day, with_sources=with_sources))
    if not parts:
        return pd.DataFrame(index=frame.index)
    return pd.concat(parts).reindex(frame.index)


def _column(result: pd.DataFrame, name: str) -> pd.Series:
    if name in result.columns:
        return result[name]
    return pd.Series([None] * len(result), index=result.index, dtype=object)


def _decided(series: pd.Series) -> np.ndarray:
    return series.notna().to_numpy(dtype=bool)


def _moves(a: pd.Series, b: pd.Series, numeric: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(value changed, newly decided, no longer decided) masks from `a` to `b`."""
    da, db = _decided(a), _decided(b)
    both = da & db
    if numeric:
        x = pd.to_numeric(a, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        y = pd.to_numeric(b, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        differ = ~np.isclose(np.nan_to_num(x), np.nan_to_num(y), rtol=1e-12, atol=1e-9)
    else:
        differ = np.asarray(a.astype(object).to_numpy() != b.astype(object).to_numpy(), dtype=bool)
    return both & differ, ~da & db, da & ~db


def _any_move(a: pd.DataFrame, b: pd.DataFrame, outputs: Mapping[str, bool]
              ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    per_output = {}
    for name, numeric in outputs.items():
        changed, newly, gone = _moves(_column(a, name), _column(b, name), numeric)
        per_output[name] = changed | newly | gone
    if not per_output:
        return np.zeros(len(a), dtype=bool), per_output
    return np.logical_or.reduce(list(per_output.values())), per_output


def _amount(result: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric output as floats, 0 where not decided (so step amounts add up to the total)."""
    return pd.to_numeric(_column(result, name), errors="coerce").fillna(0.0).to_numpy(dtype=np.float64)


# -- the impact -----------------------------------------------------------------------------------


def _reject_rows(old: RuleSet, new: RuleSet, frame: pd.DataFrame, on: dt.date | None, date_column: str | None,
                 refused: Sequence[Rejection]) -> tuple[list[Rejection], pd.Series]:
    """Every cell that stops its row from being compared under either version, and each row's date."""
    found = list(refused)
    known = {(r.row, r.column) for r in refused}  # a cell the reader refused is not refused again
    for ruleset, other in ((old, new), (new, old)):
        for name, spec in ruleset.inputs.items():
            if name not in frame.columns:
                continue
            if ruleset is new and name in other.inputs and _field_content(other.inputs[name]) == _field_content(spec):
                continue  # checked once when both versions declare it alike
            alike = name in other.inputs and _field_content(other.inputs[name]) == _field_content(spec)
            for position, reason in column_problems(spec, frame[name]):
                if (frame.index[position], name) not in known:
                    said_ = reason if alike else Message(N_("under version {version}: {problem}"),
                                                         version=ruleset.version, problem=reason)
                    found.append(Rejection(frame.index[position], name, said_))
    if date_column is None:
        dates = pd.Series([on] * len(frame), index=frame.index, dtype=object)
    else:
        cells = frame[date_column]
        dates = cells.map(read_date_cell).astype(object)
        for label, cell, day in zip(frame.index, cells, dates, strict=True):
            if day is None:
                if is_missing(cell) or (isinstance(cell, str) and not cell.strip()):
                    found.append(Rejection(label, date_column, Message(N_("the date is empty; write YYYY-MM-DD"))))
                else:
                    found.append(Rejection(label, date_column, Message(N_("the date is {value}; write YYYY-MM-DD"),
                                                                       value=repr(cell))))
    bad_dates = {r.row for r in found}
    for day in sorted(d for d in pd.unique(dates.to_numpy()) if d is not None):
        reasons: list[Message] = []
        for ruleset in (old, new):
            try:
                parameters_on(ruleset, day)
            except MedunionError as exc:
                reasons.append(Message(N_("version {version}: {problem}"), version=ruleset.version,
                                       problem=said(exc.diagnostics[0])))
        if reasons:
            for label in dates.index[(dates == day).to_numpy()]:
                if label not in bad_dates:
                    found.append(Rejection(label, date_column or "--on", _semicolons(reasons)))
    if found:
        order = {label: i for i, label in enumerate(frame.index)}
        found.sort(key=lambda r: order.get(r.row, -1))
    return found, dates


def _semicolons(parts: list[Message]) -> Message:
    """Reasons as one, "a; b", each still translatable."""
    return joined(parts, N_("{first}; {rest}"))


def measure_impact(old: RuleSet, new: RuleSet, frame: pd.DataFrame, *, on: dt.date | None = None,
                   date_column: str | None = None, group_by: Sequence[str] = (),
                   refused: Sequence[Rejection] = ()) -> Impact:
    """Decide every row of `frame` under `old` and `new` and attribute each change.

    `frame` holds typed input values (see `typed_inputs` for text read from a CSV); its index
    labels the rows in every report (a file's row numbers). The date is `on` for every row, or
    each row's `date_column`. `refused` are cells a reader could not read at all: their rows
    are reported as rejected with the rest. Raises `MedunionError` for what stops the whole
    comparison (no date, a version with no parameter value on `on`, a conflict in a version).
    """
    if (on is None) == (date_column is None):
        raise MedunionError(error(N_("give either a date for every row or a date column, not both or neither")))
    if not frame.index.is_unique:
        raise MedunionError(error(N_("the rows of the data need unique labels (the index names each row in the "
                                     "report)")))
    if date_column is not None and date_column not in frame.columns:
        raise MedunionError(error(N_("the data has no column '{column}' to take the dates from"), column=date_column))
    if on is not None:
        for ruleset in (old, new):
            parameters_on(ruleset, on)  # a missing value on the one date stops everything: said once
    missing_groups = [g for g in group_by if g not in frame.columns]
    if missing_groups:
        raise MedunionError(error(N_("the data has no column {columns} to group by"),
                                  columns=", ".join(repr(g) for g in missing_groups)))
    rejections, dates = _reject_rows(old, new, frame, on, date_column, refused)
    rejected = {r.row for r in rejections}
    keep = ~frame.index.isin(list(rejected))
    cases, dates = frame[keep], dates[keep]
    compared_dates = sorted(pd.unique(dates.to_numpy())) if len(dates) else ([on] if on else [])
    days = _representatives(old, new, dates)

    outputs = {**{n: f for n, f in old.outputs.items()}, **{n: f for n, f in new.outputs.items()}}
    numeric = {n: f.type.numeric for n, f in outputs.items()}
    before = _decide(old, cases, days, with_sources=True)
    after = _decide(new, cases, days, with_sources=True)
    net, _ = _any_move(before, after, numeric)

    changes = differences(old, new, compared_dates or [new.effective_from])
    steps, touched, overlap = _attribute(old, new, cases, days, changes, before, after, numeric, net)
    multi = int((overlap & net).sum())
    if multi:  # the order matters for some rows: say how much, by applying the middle steps backwards
        middle = list(reversed([c for g in changes[1:4] for c in g]))
        backwards, _, _ = _attribute(old, new, cases, days, [changes[0], middle, [], [], *changes[4:]], before,
                                     after, numeric, net)
        amounts = {step.keys: step.amounts for step in backwards}
        steps = [replace(step, reversed_amounts=amounts.get(step.keys)) for step in steps]
    offsetting = int((touched.any(axis=1) & ~net).sum()) if len(steps) else 0

    counts = []
    for name, spec in outputs.items():
        changed, newly, gone = _moves(_column(before, name), _column(after, name), numeric[name])
        counts.append(OutputCount(name, spec.type.describe(), spec.unit, int(changed.sum()), int(newly.sum()),
                                  int(gone.sum()), int(_decided(_column(before, name)).sum()),
                                  int(_decided(_column(after, name)).sum())))
    totals = tuple(_totals(name, outputs[name], before, after) for name in outputs if numeric[name])
    enum_inputs = [n for n, f in {**old.inputs, **new.inputs}.items() if f.type.kind == "enum" and n in cases.columns]
    groups = tuple(_groups(cases, [*enum_inputs, *[g for g in group_by if g not in enum_inputs]],
                           before, after, numeric, net))
    notes = _notes(old, new, on, compared_dates)
    rows = row_frame(cases, dates, old, new, before, after, numeric, steps, touched, net)
    return Impact(
        ruleset=new.id, old_version=old.version, new_version=new.version, on=on, date_column=date_column,
        rows_in=len(frame), rows_compared=len(cases), rejections=tuple(rejections), rows_changed=int(net.sum()),
        outputs=tuple(counts), totals=totals, groups=groups, changes=tuple(c for g in changes for c in g),
        steps=tuple(steps), rows_multi_step=multi, rows_offsetting=offsetting, notes=tuple(notes), rows=rows,
    )


def _representatives(old: RuleSet, new: RuleSet, dates: pd.Series) -> pd.Series:
    """Each row's date replaced by the first date on which both versions give the same parameter
    values: every rule set applied in between takes its values from one of them, so rows decided
    on either date are decided alike, and a year of daily dates costs a handful of evaluations."""
    first: dict[tuple[str, ...], dt.date] = {}
    chosen: dict[dt.date, dt.date] = {}
    for day in sorted(pd.unique(dates.to_numpy())):
        key = tuple(repr(p.value_on(day).value if p.value_on(day) else None)
                    for ruleset in (old, new) for p in ruleset.parameters.values())
        chosen[day] = first.setdefault(key, day)
    return dates.map(chosen).astype(object)


def _notes(old: RuleSet, new: RuleSet, on: dt.date | None, dates: Sequence[dt.date]) -> list[str]:
    notes = []
    for ruleset in (old, new):
        outside = [d for d in dates if not ruleset.in_force(d)]
        if outside:
            period = f"{ruleset.effective_from} to {ruleset.effective_until or 'open'}"
            when = on.isoformat() if on is not None else f"{len(outside)} of the dates"
            notes.append(f"version {ruleset.version} is not in force on {when} (it is in force {period}); it is "
                         "applied as if it were, with the parameter values it gives for the date")
    return notes


def _attribute(old: RuleSet, new: RuleSet, cases: pd.DataFrame, days: pd.Series, groups: list[list[Change]],
               before: pd.DataFrame, after: pd.DataFrame, numeric: Mapping[str, bool], net: np.ndarray
               ) -> tuple[list[Step], np.ndarray, np.ndarray]:
    """Apply the changes one at a time; a change whose intermediate rule set is refused (it reads a
    name only a later change declares, or conflicts) is applied together with the next one.

    Returns the steps, which steps moved each row (rows × steps), and the rows where one output
    was moved by more than one step: there the split between steps depends on the order."""
    ordered = [c for g in groups for c in g]
    applied: list[Change] = []
    pending: list[Change] = []
    reasons: list[Message] = []
    previous = before
    steps: list[Step] = []
    masks: list[np.ndarray] = []
    times = {name: np.zeros(len(cases), dtype=np.int64) for name in numeric}  # steps that moved each output

    def record(changes: list[Change], result: pd.DataFrame, why: str | None) -> None:
        nonlocal previous
        moved, per_output = _any_move(previous, result, numeric)
        amounts = {n: _sum((_amount(result, n) - _amount(previous, n))[moved]) for n in numeric if numeric[n]}
        steps.append(Step(len(steps) + 1, tuple(changes), why, int(moved.sum()), int((moved & net).sum()),
                          {n: int(m.sum()) for n, m in per_output.items() if m.any()},
                          {n: a for n, a in amounts.items() if a}))
        masks.append(moved)
        for name, mask in per_output.items():
            times[name] += mask
        previous = result

    for change in ordered:
        trial = [*applied, *pending, change]
        try:
            result = _decide(apply_changes(old, new, trial), cases, days)
        except MedunionError as exc:
            pending.append(change)
            reasons.append(Message(N_("{change} alone: {problem}"), change=change.label,
                                   problem=said(exc.diagnostics[0])))
            continue
        joined = [*pending, change]
        record(joined, result, _semicolons(reasons) if reasons else None)
        applied = trial
        pending, reasons = [], []
    moved, _ = _any_move(previous, after, numeric)
    if pending or moved.any():
        why = _semicolons(reasons) if reasons else None
        record(pending, after, why)  # the rest of the new version, whatever it is
    touched = np.column_stack(masks) if masks else np.zeros((len(cases), 0), dtype=bool)
    overlap = np.logical_or.reduce([t > 1 for t in times.values()]) if times else np.zeros(len(cases), dtype=bool)
    return steps, touched, overlap


def _tidy(value: Any) -> float:
    """A float without the noise of binary arithmetic (0.30000000000000004 → 0.3): sums of
    amounts in fen and ratios to four places are exact well within 9 decimals."""
    return round(float(value), 9)


def _sum(values: Any) -> float:
    return _tidy(math.fsum(np.asarray(values, dtype=np.float64)))


def _totals(name: str, spec: Field, before: pd.DataFrame, after: pd.DataFrame) -> Totals:
    a = pd.to_numeric(_column(before, name), errors="coerce")
    b = pd.to_numeric(_column(after, name), errors="coerce")
    both = a.notna() & b.notna()
    diff = (b[both] - a[both]).to_numpy(dtype=np.float64)
    diff = np.where(np.isclose(diff, 0.0, atol=1e-9), 0.0, diff)
    nonzero = diff[diff != 0]
    quantiles = tuple((q, _tidy(np.quantile(diff, q))) for q in QUANTILES) if len(diff) else ()
    histogram: tuple[Bin, ...] = ()
    if len(nonzero) and nonzero.min() == nonzero.max():  # one amount: one bin, not ten around it
        histogram = (Bin(_tidy(nonzero[0]), _tidy(nonzero[0]), len(nonzero)),)
    elif len(nonzero):
        counts, edges = np.histogram(nonzero, bins=HISTOGRAM_BINS)
        histogram = tuple(Bin(_tidy(edges[i]), _tidy(edges[i + 1]), int(c)) for i, c in enumerate(counts))
    return Totals(
        output=name, unit=spec.unit, money=(spec.unit or "").lower() in MONEY_UNITS,
        sum_old=_sum(a.dropna()), sum_new=_sum(b.dropna()), rows_both=int(both.sum()),
        increases=int((diff > 0).sum()), decreases=int((diff < 0).sum()),
        gained=_sum(nonzero[nonzero > 0]), lost=_sum(nonzero[nonzero < 0]),
        quantiles=quantiles, histogram=histogram, zero_differences=int((diff == 0).sum()),
    )


def _groups(cases: pd.DataFrame, columns: Sequence[str], before: pd.DataFrame, after: pd.DataFrame,
            numeric: Mapping[str, bool], net: np.ndarray) -> Iterable[GroupRow]:
    names = [n for n, is_number in numeric.items() if is_number]
    olds = {n: pd.to_numeric(_column(before, n), errors="coerce").to_numpy(dtype=np.float64) for n in names}
    news = {n: pd.to_numeric(_column(after, n), errors="coerce").to_numpy(dtype=np.float64) for n in names}
    for column in columns:
        values = cases[column].astype(object)
        labels = values.where(values.notna() & (values != ""), "(blank)").astype(str).to_numpy(dtype=object)
        for value in sorted(set(labels)):
            mask = labels == value
            outputs = []
            for n in names:
                a, b = olds[n][mask], news[n][mask]
                both = ~np.isnan(a) & ~np.isnan(b)
                d = b[both] - a[both]
                outputs.append(GroupOutput(n, _sum(a[~np.isnan(a)]), _sum(b[~np.isnan(b)]),
                                           int((d > 1e-9).sum()), int((d < -1e-9).sum())))
            yield GroupRow(column, value, int(mask.sum()), int((net & mask).sum()), tuple(outputs))


def row_frame(cases: pd.DataFrame, days: pd.Series, old: RuleSet, new: RuleSet, before: pd.DataFrame,
              after: pd.DataFrame, numeric: Mapping[str, bool], steps: Sequence[Step], touched: np.ndarray,
              net: np.ndarray) -> pd.DataFrame:
    """One row per compared case: its inputs, each output old and new (and the difference when
    numeric), whether it changed, and the steps it is attributed to."""
    out = pd.DataFrame({"row": cases.index}, index=cases.index)
    out["date"] = days.map({d: d.isoformat() for d in set(days) if d}).astype(object)
    for name in {**old.inputs, **new.inputs}:
        if name in cases.columns:
            out[name] = cases[name]
    for name, is_number in numeric.items():
        a, b = _column(before, name), _column(after, name)
        out[f"{name} ({old.version})"] = a
        out[f"{name} ({new.version})"] = b
        if is_number:
            out[f"{name} difference"] = pd.to_numeric(b, errors="coerce") - pd.to_numeric(a, errors="coerce")
        for side, result in ((old.version, before), (new.version, after)):
            by = f"{name}__by"
            if by in result.columns:
                out[f"{name} decided by ({side})"] = result[by]
    out["changed"] = net
    labels = np.full(len(out), "", dtype=object)
    for i, step in enumerate(steps):
        number = str(step.number)
        labels = np.where(touched[:, i], np.where(labels == "", number, labels + ", " + number), labels)
    out["steps"] = labels
    return out.reset_index(drop=True)


def clause_texts(keys: Iterable[str | None], lookup: Callable[[str], Any]) -> dict[str, str]:
    """Each clause key with the words the clause index gives for it ("heading: what it provides")."""
    texts = {}
    for key in keys:
        if key and key not in texts:
            clause = lookup(key)
            if clause is not None:
                texts[key] = ": ".join(p for p in (clause.heading, clause.provides) if p)
    return texts
