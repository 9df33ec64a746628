"""The vectorised evaluator: a whole DataFrame of cases through the same compiled expressions.

The decision policy (exceptions, priorities, conflicts, defaults, undecided outputs, hit
policies) is governance.policy's, the same as the one-case evaluator's; this module supplies
the arithmetic on whole columns (a truth is a boolean mask over the rows).

What keeps it fast (benchmarks/README.md has the measurements): inputs are checked by whole
columns (`governance.values.check_column`), texts are integer codes (`Coded`), so a condition
such as `severity in ['acute', 'severe']` is one lookup per row in a table of codes; literals
and parameters stay one-row columns that numpy broadcasts; and what decided each row is kept
as small integer codes, turned into a pandas Categorical only at the end.

A required input that is absent or null on a row is not decided on that row: whatever reads
it is blocked there, exactly as an output that is not decided, so one missing cell leaves only
the outputs that need it undecided (as `governance.cases.check_case` lets the one-case
evaluator do for a case).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import numpy as np
import pandas as pd

from governance.cases import parameters_on
from governance.compile import Plan, plan_for
from governance.diagnostics import Diagnostic, MedunionError, error
from governance.expressions import Expression, ExpressionType
from governance.expressions.vector import (
    Coded,
    choose,
    code_dtype,
    constant,
    equal,
    evaluate_values,
    pick,
    plain,
    to_coded,
)
from governance.i18n import N_
from governance.model import CellTest, DecisionTable, Field, Rule, RuleSet, TableRow
from governance.policy import Outcome, Policy, TableOutcome, Verdict
from governance.tables import cell_matches_column
from governance.values import check_column

_MAX_REPORTED = 20


def _filler(kind: ExpressionType) -> Any:
    """A value of the right type for rows that have none (masked out: never read there)."""
    if kind.numeric:
        return 0.0
    if kind.kind == "boolean":
        return False
    if kind.kind == "date":
        return dt.date(1970, 1, 1)
    return ""


def _with_default(values: np.ndarray | Coded, missing: np.ndarray, default: Any) -> np.ndarray | Coded:
    """The input's default on the rows that have no value."""
    if isinstance(values, Coded):
        labels = values.labels
        code = values.code_of(default)
        if code is None:
            code, labels = len(labels), (*labels, default)
        filled = np.where(missing, code, values.codes)
        return Coded(filled.astype(code_dtype(len(labels)), copy=False), labels)
    return np.where(missing, constant(default).astype(values.dtype), values)


def input_columns(ruleset: RuleSet, frame: pd.DataFrame) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Each input as the column evaluator holds it, and the rows on which each required input has
    no value (absent column or null cell: not decided there). Every bad cell is an error with
    its row and column (the first `_MAX_REPORTED`)."""
    found: list[Diagnostic] = []
    columns: dict[str, Any] = {}
    missing: dict[str, np.ndarray] = {}
    n = len(frame)
    for name, field in ruleset.inputs.items():
        if name not in frame.columns:
            columns[name] = constant(field.default if field.has_default else _filler(field.type))
            if not field.has_default:
                missing[name] = np.ones(n, dtype=bool)
            continue
        checked = check_column(field, frame[name])
        for position, reason in checked.problems[:_MAX_REPORTED]:
            found.append(error(N_("row {row}, column '{column}': {problem}"), row=frame.index[position], column=name,
                               problem=reason))
        values = checked.values
        if checked.missing is not None:
            if field.has_default:
                values = _with_default(values, checked.missing, field.default)
            else:
                missing[name] = checked.missing
        columns[name] = values
    if found:
        raise MedunionError(found)
    return columns, missing


class _Columns:
    """The policy's backend for a table of cases: truths are boolean masks over the rows, values
    are numpy columns (one-row columns where a value is the same on every row, `Coded` texts).
    It keeps each output's values, the rows where each output or input is not decided, and
    (when asked for) what decided each row, as codes."""

    def __init__(self, columns: dict[str, Any], missing: dict[str, np.ndarray], length: int, index: pd.Index,
                 with_sources: bool, sources: dict[str, tuple[str, ...]] | None = None) -> None:
        self.n = length
        self.index = index
        self.env: dict[str, Any] = columns
        self.undecided: dict[str, np.ndarray] = dict(missing)  # only names with some undecided row
        self.decided: dict[str, np.ndarray] = {}
        self.by: dict[str, np.ndarray] = {}
        self.with_sources = with_sources
        self.source_codes = {name: {label: i for i, label in enumerate(labels)}
                             for name, labels in (sources or {}).items()}
        self._all = np.ones(length, dtype=bool)  # never changed in place
        self._none = np.zeros(length, dtype=bool)
        self._blanks: list[np.ndarray] = []  # the placeholders `blank` gave (see `select`)

    def _mask(self, value: Any) -> np.ndarray:
        mask = np.asarray(plain(value), dtype=bool)
        return np.broadcast_to(mask, (self.n,)) if mask.shape != (self.n,) else mask

    # --- truths --------------------------------------------------------------------------------

    def everywhere(self) -> np.ndarray:
        return self._all

    def nowhere(self) -> np.ndarray:
        return self._none

    def unless(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if b is self._none:
            return a
        return np.greater(a, b)  # a and not b, in one pass

    def some(self, a: np.ndarray) -> bool:
        if a is self._none:
            return False
        return bool(a.any())

    # --- expressions ---------------------------------------------------------------------------

    def blocked(self, expr: Expression) -> np.ndarray:
        masks = [self.undecided[name] for name in expr.names() if name in self.undecided]
        if not masks:
            return self._none
        return masks[0] if len(masks) == 1 else np.logical_or.reduce(masks)

    def _evaluate(self, expr: Expression, rows: np.ndarray) -> Any:
        return evaluate_values(expr, self.env, self.n, rows, labels=self.index)

    def holds(self, expr: Expression, rows: np.ndarray) -> np.ndarray:
        held = self._mask(self._evaluate(expr, rows))
        return held if rows is self._all else held & rows

    def compute(self, expr: Expression, rows: np.ndarray) -> Any:
        return self._evaluate(expr, rows)

    def matches(self, cell: CellTest, value: Any) -> np.ndarray:
        return self._mask(cell_matches_column(cell, value))

    # --- values --------------------------------------------------------------------------------

    def blank(self, spec: Field) -> Any:
        blank = constant(_filler(spec.type))
        self._blanks.append(blank)
        return blank

    def constant(self, value: Any) -> Any:
        return constant(value)

    def select(self, rows: np.ndarray, new: Any, old: Any) -> Any:
        if any(old is blank for blank in self._blanks):
            # A blank only fills rows no producer decides, and those are masked wherever the value
            # is read (blocked) or output (undecided): the new values may stand there instead,
            # which saves a pass over the rows for every output's first producer.
            return new
        return choose(rows, new, old)

    def differ(self, a: Any, b: Any) -> np.ndarray:
        return self._mask(~equal(a, b))

    def start(self, aggregate: str) -> np.ndarray:
        return np.full(self.n, {"sum": 0.0, "count": 0.0, "min": np.inf, "max": -np.inf}[aggregate])

    def fold(self, aggregate: str, total: np.ndarray, rows: np.ndarray, value: Any) -> np.ndarray:
        if aggregate == "count":
            return total + rows
        value = np.asarray(plain(value), dtype=np.float64)
        if aggregate == "sum":
            return total + np.where(rows, value, 0.0)
        if aggregate == "min":
            return np.where(rows, np.minimum(total, value), total)
        return np.where(rows, np.maximum(total, value), total)

    # --- errors --------------------------------------------------------------------------------

    def first_row(self, mask: np.ndarray) -> Any:
        return self.index[int(np.flatnonzero(mask)[0])]

    def conflict(self, output: str, outcomes: list[Outcome[np.ndarray, Any]],
                 clash: Outcome[np.ndarray, Any], rows: np.ndarray) -> MedunionError:
        return MedunionError(error(
            N_("conflict on output '{output}' for case {row}: rule '{rule}' and another rule of the same priority "
               "give different values; the drafter must say which wins (exception_to or priority)"),
            clash.rule.location, output=output, row=self.first_row(rows), rule=clash.rule.id))

    def ambiguous(self, table: DecisionTable, matches: list[tuple[TableRow, np.ndarray]], rows: np.ndarray
                  ) -> MedunionError:
        return MedunionError(error(
            N_("table '{table}' (hit policy unique) matched several rows on case {row}"),
            table.location, table=table.id, row=self.first_row(rows)))

    # --- what the policy found: only the values are kept ----------------------------------------

    def condition(self, rule: Rule, part: Expression, reached: np.ndarray, stopped: np.ndarray,
                  held: np.ndarray) -> None:
        return None

    def rule(self, rule: Rule, fired: np.ndarray) -> None:
        return None

    def table(self, outcome: TableOutcome[np.ndarray, Any]) -> None:
        return None

    def settle(self, verdict: Verdict[np.ndarray, Any]) -> None:
        name = verdict.output
        self.env[name] = verdict.value
        decided = self._mask(verdict.decided)
        self.decided[name] = decided
        if decided is not self._all and not decided.all():
            self.undecided[name] = ~decided
        if self.with_sources:
            self.by[name] = self._sources(verdict)
            if name in self.undecided:
                _overwrite(self.by[name], self.undecided[name], -1)

    def _sources(self, verdict: Verdict[np.ndarray, Any]) -> np.ndarray:
        """What decided each row, as codes into the output's `source_labels`; -1 where nothing did."""
        code = self.source_codes[verdict.output]
        by = np.full(self.n, -1, dtype=np.int8 if len(code) < 127 else np.int16)
        if verdict.table is not None:
            table = verdict.table.table
            for row, mask in reversed(verdict.table.matches):  # the first row that matched wins
                _overwrite(by, mask, code[f"{table.id}:{row.label}"])
            _overwrite(by, ~self._mask(verdict.produced), -1)
        for outcome in verdict.outcomes:
            if outcome.first is not None:
                _overwrite(by, outcome.first, code[outcome.rule.id])
        if verdict.defaulted is not self._none:
            _overwrite(by, verdict.defaulted, code["default"])
        return by


def _overwrite(codes: np.ndarray, rows: np.ndarray, code: int) -> None:
    """codes[rows] = code, blended with bit operations (indexing by an irregular mask branches per row)."""
    mask = np.negative(np.asarray(rows, dtype=bool).view(np.int8), dtype=codes.dtype)
    change = np.bitwise_xor(codes, codes.dtype.type(code))
    change &= mask
    codes ^= change


def source_labels(plan: Plan, output: str) -> tuple[str, ...]:
    """Everything that can decide an output, as `<output>__by` names it: its table's rows, its
    rules, and its default."""
    labels: list[str] = []
    table = plan.table_of.get(output)
    if table is not None:
        labels += [f"{table.id}:{row.label}" for row in table.rows]
    labels += [c.rule.id for c in plan.contenders.get(output, ())]
    labels.append("default")
    return tuple(dict.fromkeys(labels))


@functools.lru_cache(maxsize=256)
def _sources_dtype(labels: tuple[str, ...]) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(pd.Index(labels, dtype=object))


def _full(values: np.ndarray, n: int, inputs: list[np.ndarray]) -> np.ndarray:
    """A whole column of its own: never an input's (an output set to an input is that column)."""
    if len(values) != n:
        return np.full(n, values[0], dtype=values.dtype)
    return values.copy() if any(np.may_share_memory(values, column) for column in inputs) else values


def _output_column(spec: Field, values: Any, decided: np.ndarray, everywhere: bool, n: int,
                   inputs: list[np.ndarray]) -> Any:
    """An output's column: its values where decided, NA/NaN/NaT/None elsewhere."""
    kind = spec.type.kind
    if kind in ("enum", "string") or isinstance(values, Coded):
        coded = to_coded(values)
        table = np.array([*coded.labels, None], dtype=object)
        codes = np.broadcast_to(coded.codes, (n,))
        return table[codes if everywhere else np.where(decided, codes, len(coded.labels))]
    values = np.asarray(values)
    if kind == "boolean":
        return pd.arrays.BooleanArray(_full(values.astype(bool, copy=False), n, inputs), ~decided)
    if spec.type.numeric:
        values = values.astype(np.float64, copy=False)
        return _full(values, n, inputs) if everywhere else pick(decided, values, np.array([np.nan]))
    if kind == "date":
        return pick(decided, values.astype("datetime64[D]"), np.array([np.datetime64("NaT")], dtype="datetime64[D]"))
    return np.where(decided, values, None)


def decide_frame_with_plan(plan: Plan, frame: pd.DataFrame, on: dt.date, with_sources: bool = False
                           ) -> pd.DataFrame:
    rs = plan.ruleset
    inputs, missing = input_columns(rs, frame)
    columns: dict[str, Any] = {**parameters_on(rs, on), **inputs}
    n = len(frame)
    sources = {name: source_labels(plan, name) for name in rs.outputs} if with_sources else None
    state = _Columns(columns, missing, n, frame.index, with_sources, sources)
    policy: Policy[np.ndarray, Any] = Policy(plan, state)
    policy.run()
    result: dict[str, Any] = {}
    arrays = [column for column in inputs.values() if isinstance(column, np.ndarray) and len(column) == n]
    for name in rs.outputs:
        decided = state.decided[name]
        everywhere = name not in state.undecided
        result[name] = _output_column(rs.outputs[name], state.env[name], decided, everywhere, n, arrays)
        if with_sources:
            dtype = _sources_dtype(sources[name])  # type: ignore[index]
            result[f"{name}__by"] = pd.Categorical.from_codes(state.by[name], dtype=dtype, validate=False)
    return pd.DataFrame(result, index=frame.index, columns=list(result), copy=False)


def decide_frame(ruleset: RuleSet, frame: pd.DataFrame, on: dt.date, with_sources: bool = False
                 ) -> pd.DataFrame:
    """Every output for every row (NaN/NA where not decided); `with_sources` adds `<output>__by`,
    a categorical column naming what decided each row (a rule id, `table:row` or `default`)."""
    return decide_frame_with_plan(plan_for(ruleset), frame, on, with_sources)
