"""The vectorised evaluator: a whole DataFrame of cases through the same compiled expressions.

The decision policy (exceptions, priorities, conflicts, defaults, undecided outputs, hit
policies) is governance.policy's, the same as the one-case evaluator's; this module supplies
the arithmetic on whole columns (a truth is a boolean mask over the rows).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from governance.cases import parameters_on
from governance.compile import Plan, plan_for
from governance.diagnostics import Diagnostic, MedunionError, error
from governance.expressions import Expression, ExpressionType, as_column, evaluate_columns
from governance.model import CellTest, DecisionTable, Field, Rule, RuleSet, TableRow
from governance.policy import Outcome, Policy, TableOutcome, Verdict
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


class _Columns:
    """The policy's backend for a table of cases: truths are boolean masks over the rows, values
    are numpy columns. It keeps each output's column, the rows where it is decided, and (when
    asked for) what decided each row."""

    def __init__(self, columns: dict[str, Any], length: int, index: pd.Index, with_sources: bool) -> None:
        self.n = length
        self.index = index
        self.env: dict[str, Any] = columns
        self.decided: dict[str, np.ndarray] = {}
        self.by: dict[str, np.ndarray] = {}
        self.with_sources = with_sources
        self._all = np.ones(length, dtype=bool)  # never changed in place
        self._none = np.zeros(length, dtype=bool)

    # --- truths --------------------------------------------------------------------------------

    def everywhere(self) -> np.ndarray:
        return self._all

    def nowhere(self) -> np.ndarray:
        return self._none

    def unless(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a & ~b

    def some(self, a: np.ndarray) -> bool:
        return bool(a.any())

    # --- expressions ---------------------------------------------------------------------------

    def blocked(self, expr: Expression) -> np.ndarray:
        blocked = self._none
        for name in expr.names():
            if name in self.decided:
                blocked = blocked | ~self.decided[name]
        return blocked

    def _evaluate(self, expr: Expression, rows: np.ndarray) -> Any:
        return evaluate_columns(expr, self.env, self.n, rows, labels=self.index)

    def holds(self, expr: Expression, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self._evaluate(expr, rows), dtype=bool) & rows

    def compute(self, expr: Expression, rows: np.ndarray) -> np.ndarray:
        return as_column(self._evaluate(expr, rows), self.n)

    def matches(self, cell: CellTest, value: np.ndarray) -> np.ndarray:
        return cell_matches_column(cell, value)

    # --- values --------------------------------------------------------------------------------

    def blank(self, spec: Field) -> np.ndarray:
        return as_column(_filler(spec.type), self.n)

    def constant(self, value: Any) -> np.ndarray:
        return as_column(value, self.n)

    def select(self, rows: np.ndarray, new: np.ndarray, old: np.ndarray) -> np.ndarray:
        return np.where(rows, new, old)

    def differ(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(a != b, dtype=bool)

    def start(self, aggregate: str) -> np.ndarray:
        return np.full(self.n, {"sum": 0.0, "count": 0.0, "min": np.inf, "max": -np.inf}[aggregate])

    def fold(self, aggregate: str, total: np.ndarray, rows: np.ndarray, value: np.ndarray) -> np.ndarray:
        if aggregate == "count":
            return total + rows
        value = np.asarray(value, dtype=np.float64)
        if aggregate == "sum":
            return total + np.where(rows, value, 0.0)
        if aggregate == "min":
            return np.where(rows, np.minimum(total, value), total)
        return np.where(rows, np.maximum(total, value), total)

    # --- errors --------------------------------------------------------------------------------

    def first_row(self, mask: np.ndarray) -> Any:
        return self.index[int(np.flatnonzero(mask)[0])]

    def conflict(self, output: str, outcomes: list[Outcome[np.ndarray, np.ndarray]],
                 clash: Outcome[np.ndarray, np.ndarray], rows: np.ndarray) -> MedunionError:
        return MedunionError(error(
            f"conflict on output '{output}' for case {self.first_row(rows)}: rule '{clash.rule.id}' and "
            "another rule of the same priority give different values; the drafter must say "
            "which wins (exception_to or priority)", clash.rule.location))

    def ambiguous(self, table: DecisionTable, matches: list[tuple[TableRow, np.ndarray]], rows: np.ndarray
                  ) -> MedunionError:
        return MedunionError(error(
            f"table '{table.id}' (hit policy unique) matched several rows on case {self.first_row(rows)}",
            table.location))

    # --- what the policy found: only the values are kept ----------------------------------------

    def condition(self, rule: Rule, part: Expression, reached: np.ndarray, stopped: np.ndarray,
                  held: np.ndarray) -> None:
        return None

    def rule(self, rule: Rule, fired: np.ndarray) -> None:
        return None

    def table(self, outcome: TableOutcome[np.ndarray, np.ndarray]) -> None:
        return None

    def settle(self, verdict: Verdict[np.ndarray, np.ndarray]) -> None:
        name = verdict.output
        self.env[name] = as_column(verdict.value, self.n)
        self.decided[name] = verdict.decided
        if self.with_sources:
            self.by[name] = self._sources(verdict)

    def _sources(self, verdict: Verdict[np.ndarray, np.ndarray]) -> np.ndarray:
        """What decided each row: a rule id, `table:row`, `default`, or "" where not decided."""
        by = np.full(self.n, "", dtype=object)
        if verdict.table is not None:
            table = verdict.table.table
            for row, mask in verdict.table.matches:
                by = np.where(mask & (by == ""), f"{table.id}:{row.label}", by)
            by = np.where(verdict.produced, by, "")
        for outcome in verdict.outcomes:
            if outcome.first is not None:
                by = np.where(outcome.first, outcome.rule.id, by)
        return np.where(verdict.defaulted, "default", by)


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
    state = _Columns(columns, len(frame), frame.index, with_sources)
    policy: Policy[np.ndarray, np.ndarray] = Policy(plan, state)
    policy.run()
    result = pd.DataFrame(index=frame.index)
    for name in rs.outputs:
        result[name] = _output_series(rs.outputs[name], state.env[name], state.decided[name], frame.index)
        if with_sources:
            result[f"{name}__by"] = np.where(state.decided[name], state.by[name], None)
    return result


def decide_frame(ruleset: RuleSet, frame: pd.DataFrame, on: dt.date, with_sources: bool = False
                 ) -> pd.DataFrame:
    """Every output for every row (NaN/NA where not decided); `with_sources` adds `<output>__by`."""
    return decide_frame_with_plan(plan_for(ruleset), frame, on, with_sources)
