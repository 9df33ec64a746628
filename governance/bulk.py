"""The vectorised evaluator: a whole DataFrame of cases through the same compiled expressions.

It follows the one-case evaluator's semantics exactly (exceptions, priorities, conflicts,
defaults, undecided outputs, hit policies), row by row, but computes on whole columns.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from governance.cases import parameters_on
from governance.compile import Plan, compile_ruleset
from governance.diagnostics import Diagnostic, MedunionError, error
from governance.expressions import Expression, ExpressionType, as_column, evaluate_columns
from governance.model import DecisionTable, Field, Rule, RuleSet
from governance.tables import cell_matches_column
from governance.values import column_problems

_MAX_REPORTED = 20


def _filler(kind: ExpressionType) -> Any:
    """A value of the right type for rows an output does not decide (masked out afterwards)."""
    if kind.numeric:
        return np.float64(0)
    if kind.kind == "boolean":
        return False
    if kind.kind == "date":
        return np.datetime64("1970-01-01", "D")
    return ""


def input_columns(ruleset: RuleSet, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Typed numpy columns for every input; every bad cell is reported with its row and column."""
    found: list[Diagnostic] = []
    columns: dict[str, np.ndarray] = {}
    for name, field in ruleset.inputs.items():
        if name not in frame.columns:
            if field.has_default:
                columns[name] = as_column(field.default, len(frame))
                continue
            found.append(error(f"the cases have no column '{name}' ({field.type.describe()}); add it"))
            continue
        series = frame[name]
        problems = column_problems(field, series)
        for position, reason in problems[:_MAX_REPORTED]:
            found.append(error(f"row {frame.index[position]}, column '{name}': {reason}"))
        if problems:  # reported; converting the column could only fail on the same cells
            continue
        if field.has_default:
            series = series.where(series.notna(), field.default)
        if field.type.kind == "date":
            columns[name] = pd.to_datetime(series, errors="coerce").to_numpy().astype("datetime64[D]")
        elif field.type.kind == "boolean":
            columns[name] = series.to_numpy(dtype=bool, na_value=False)
        elif field.type.numeric:
            columns[name] = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=0.0)
        else:
            columns[name] = series.to_numpy(dtype=object)
    if found:
        raise MedunionError(found)
    return columns


class _Frame:
    def __init__(self, plan: Plan, columns: dict[str, Any], length: int, index: pd.Index) -> None:
        self.plan = plan
        self.rs = plan.ruleset
        self.n = length
        self.index = index
        self.env: dict[str, Any] = columns
        self.decided: dict[str, np.ndarray] = {}
        self.fired: dict[str, np.ndarray] = {}
        self.tables: dict[str, dict[str, Any]] = {}
        self.by: dict[str, np.ndarray] = {}

    def blocked(self, expr: Expression) -> np.ndarray:
        blocked = np.zeros(self.n, dtype=bool)
        for name in expr.names():
            if name in self.decided:
                blocked |= ~self.decided[name]
        return blocked

    def compute(self, expr: Expression, rows: np.ndarray) -> np.ndarray:
        return evaluate_columns(expr, self.env, self.n, rows, labels=self.index)

    def rule(self, rule: Rule) -> np.ndarray:
        if rule.id not in self.fired:
            fired = np.ones(self.n, dtype=bool)
            for condition in rule.conditions:
                for part in condition.conjuncts():
                    fired &= ~self.blocked(part)
                    fired &= np.asarray(self.compute(part, fired), dtype=bool)
            self.fired[rule.id] = fired
        return self.fired[rule.id]

    def first_row(self, mask: np.ndarray) -> Any:
        return self.index[int(np.flatnonzero(mask)[0])]

    def table(self, table: DecisionTable) -> dict[str, Any]:
        if table.id in self.tables:
            return self.tables[table.id]
        usable = np.ones(self.n, dtype=bool)
        for column in table.columns:
            usable &= ~self.blocked(column)
        values = [as_column(self.compute(column, usable), self.n) for column in table.columns]
        matches = []
        taken = np.zeros(self.n, dtype=bool)
        for row in table.rows:
            mask = usable.copy()
            for cell, column in zip(row.cells, values, strict=True):
                mask &= cell_matches_column(cell, column)
            if table.hit == "first":
                mask &= ~taken
                taken |= mask
            matches.append(mask)
        count = np.sum(matches, axis=0) if matches else np.zeros(self.n, dtype=int)
        if table.hit == "unique" and (count > 1).any():
            raise MedunionError(error(
                f"table '{table.id}' (hit policy unique) matched several rows on case "
                f"{self.first_row(count > 1)}", table.location))
        results: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for o, output in enumerate(table.outputs):
            kind = self.rs.outputs[output].type
            ok = count > 0
            for row, mask in zip(table.rows, matches, strict=True):
                ok &= ~(mask & self.blocked(row.results[o]))
            if table.hit == "collect":
                agg = table.aggregate
                start = {"sum": 0.0, "count": 0.0, "min": np.inf, "max": -np.inf}[agg or "count"]
                value = np.full(self.n, start)
                for row, mask in zip(table.rows, matches, strict=True):
                    active = mask & ok
                    if agg == "count":
                        value = value + active
                        continue
                    result = np.asarray(self.compute(row.results[o], active), dtype=np.float64)
                    if agg == "sum":
                        value = value + np.where(active, result, 0.0)
                    elif agg == "min":
                        value = np.where(active, np.minimum(value, result), value)
                    else:
                        value = np.where(active, np.maximum(value, result), value)
            else:
                value = as_column(_filler(kind), self.n)
                for row, mask in zip(table.rows, matches, strict=True):
                    active = mask & ok
                    if active.any():
                        value = np.where(active, self.compute(row.results[o], active), value)
            results[output] = (value, ok)
        label = np.full(self.n, "", dtype=object)
        for row, mask in zip(table.rows, matches, strict=True):
            label = np.where(mask & (label == ""), f"{table.id}:{row.label}", label)
        self.tables[table.id] = {"results": results, "label": label}
        return self.tables[table.id]

    def output(self, name: str) -> None:
        spec = self.rs.outputs[name]
        producers = self.plan.producers[name]
        tables = [p for p in producers if isinstance(p, DecisionTable)]
        if tables:
            table = self.table(tables[0])
            value, ok = table["results"][name]
            self.settle(name, spec, value, ok, np.where(ok, table["label"], ""))
            return
        rules = [p for p in producers if isinstance(p, Rule)]
        fired = {r.id: self.rule(r) for r in rules}
        standing = {}
        for r in rules:
            beaten = np.zeros(self.n, dtype=bool)
            for other in self.plan.overridden_by.get((r.id, name), ()):
                beaten |= fired[other]
            standing[r.id] = fired[r.id] & ~beaten
        top = np.full(self.n, np.iinfo(np.int64).min)
        for r in rules:
            top = np.where(standing[r.id], np.maximum(top, r.priority), top)
        winners = {r.id: standing[r.id] & (top == r.priority) for r in rules}
        any_winner = np.zeros(self.n, dtype=bool)
        blocked = np.zeros(self.n, dtype=bool)
        for r in rules:
            any_winner |= winners[r.id]
            blocked |= winners[r.id] & self.blocked(r.assignments[name])
        ok = any_winner & ~blocked
        value = as_column(_filler(spec.type), self.n)
        chosen = np.zeros(self.n, dtype=bool)
        by = np.full(self.n, "", dtype=object)
        for r in rules:
            active = winners[r.id] & ok
            if not active.any():
                continue
            result = as_column(self.compute(r.assignments[name], active), self.n)
            clash = active & chosen & (np.asarray(result != value, dtype=bool))
            if clash.any():
                raise MedunionError(error(
                    f"conflict on output '{name}' for case {self.first_row(clash)}: rule '{r.id}' and "
                    f"another rule of the same priority give different values; the drafter must say "
                    "which wins (exception_to or priority)", r.location))
            first = active & ~chosen
            value = np.where(first, result, value)
            by = np.where(first, r.id, by)
            chosen |= active
        self.settle(name, spec, value, ok, by)

    def settle(self, name: str, spec: Field, value: np.ndarray, ok: np.ndarray, by: np.ndarray) -> None:
        if spec.has_default:
            value = np.where(ok, value, as_column(spec.default, self.n))
            by = np.where(ok, by, "default")
            ok = np.ones(self.n, dtype=bool)
        self.env[name] = as_column(value, self.n)
        self.decided[name] = ok
        self.by[name] = by


def _output_series(spec: Field, values: np.ndarray, decided: np.ndarray, index: pd.Index) -> pd.Series:
    kind = spec.type.kind
    if kind == "boolean":
        series = pd.Series(values.astype(bool), index=index, dtype="boolean")
        return series.mask(~decided)
    if spec.type.numeric:
        return pd.Series(np.where(decided, values.astype(np.float64), np.nan), index=index)
    if kind == "date":
        return pd.Series(values, index=index).where(decided, pd.NaT)
    return pd.Series(np.where(decided, values, None), index=index, dtype=object)


def decide_frame_with_plan(plan: Plan, frame: pd.DataFrame, on: dt.date, with_sources: bool = False
                           ) -> pd.DataFrame:
    rs = plan.ruleset
    columns: dict[str, Any] = {**parameters_on(rs, on), **input_columns(rs, frame)}
    state = _Frame(plan, columns, len(frame), frame.index)
    for name in plan.order:
        state.output(name)
    result = pd.DataFrame(index=frame.index)
    for name in rs.outputs:
        result[name] = _output_series(rs.outputs[name], state.env[name], state.decided[name], frame.index)
        if with_sources:
            result[f"{name}__by"] = np.where(state.decided[name], state.by[name], None)
    return result


def decide_frame(ruleset: RuleSet, frame: pd.DataFrame, on: dt.date, with_sources: bool = False
                 ) -> pd.DataFrame:
    """Every output for every row (NaN/NA where not decided); `with_sources` adds `<output>__by`."""
    return decide_frame_with_plan(compile_ruleset(ruleset), frame, on, with_sources)
