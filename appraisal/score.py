"""Scoring a validated table: values, points, subtotals, total, grade, rank, consequences.

Everything is one pass of column arithmetic over the cohort (pandas/numpy);
formulas are compiled by the core's expression language, never a second parser.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from appraisal import methods
from appraisal.messages import Message
from appraisal.scheme import GRADES, Indicator, Scheme
from appraisal.validate import ValidatedData
from governance.diagnostics import MedunionError, error
from governance.expressions import (
    BOOLEAN,
    INTEGER,
    NUMBER,
    Expression,
    ExpressionType,
    evaluate_columns,
    infer_type,
    parse_expression,
)
from governance.i18n import N_

_COLUMN_TYPES: Mapping[str, ExpressionType] = {
    "integer": INTEGER,
    "number": NUMBER,
    "percent": NUMBER,
    "ratio": NUMBER,
    "boolean": BOOLEAN,
}


@dataclass(frozen=True)
class CompiledScheme:
    """A scheme with each indicator's formula parsed and type-checked once."""

    scheme: Scheme
    expressions: Mapping[str, Expression]
    reads: Mapping[str, tuple[str, ...]]


def column_env(scheme: Scheme) -> dict[str, ExpressionType]:
    return {name: _COLUMN_TYPES[c.type] for name, c in scheme.columns.items()}


def compile_indicator(scheme: Scheme, ind: Indicator) -> Expression:
    """Parse and type-check one formula (or a bare column); errors point into the file."""
    text = ind.formula if ind.formula is not None else ind.value
    assert text is not None
    expr = parse_expression(text, ind.formula_origin or ind.location)
    kind = infer_type(expr, column_env(scheme))
    wanted = ("boolean", "integer", "number") if ind.is_veto else ("integer", "number")
    if kind.kind not in wanted:
        raise MedunionError(
            error(
                f"indicator {ind.id}: the value must be {' or '.join(wanted)}, "
                f"`{text}` is {kind.describe()}",
                ind.formula_origin or ind.location,
            )
        )
    return expr


def compile_scheme(scheme: Scheme) -> CompiledScheme:
    """Compile every indicator, collecting all errors before raising."""
    exprs: dict[str, Expression] = {}
    problems = []
    for ind in scheme.indicators:
        try:
            exprs[ind.id] = compile_indicator(scheme, ind)
        except MedunionError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise MedunionError(problems)
    reads = {k: tuple(sorted(e.names())) for k, e in exprs.items()}
    return CompiledScheme(scheme, exprs, reads)


@dataclass
class Appraisal:
    """All numbers of one year's appraisal; `results` is the frame people and tools read."""

    scheme: Scheme
    year: int
    results: pd.DataFrame
    raw: pd.DataFrame
    values: pd.DataFrame
    points: pd.DataFrame
    no_value: pd.DataFrame
    vetoes: pd.DataFrame
    validated: ValidatedData
    compiled: CompiledScheme
    label: str = ""
    notes: list[str] = field(default_factory=list)
    cohort: str | None = None
    sensitivity: pd.DataFrame | None = None
    """Units changing grade when each threshold moves ±5% (`appraisal.sensitivity`), once computed."""

    @property
    def relative_indicators(self) -> list[str]:
        """Indicators scored against the other units (percentile): they move when the cohort does."""
        return [i.id for i in self.scheme.indicators if i.method == "percentile"]

    @property
    def provisional(self) -> bool:
        """Rows of this cohort were rejected, so ranks (and any percentile points) were computed on
        a reduced cohort and may change once the rejected rows are corrected."""
        return bool(len(self.validated.rejected))

    @functools.cached_property
    def provisional_reason(self) -> str | None:
        """Why ranks (and any percentile points) may still change, for every output; None if they may not."""
        if not self.provisional:
            return None
        relative = self.relative_indicators
        rows = self.validated.rejected["row"].nunique()
        if relative:
            return Message(N_("rank and the percentile points of {indicators} computed on a cohort reduced by "
                              "{rows} rejected row(s); they may change once those rows are corrected"),
                           indicators=", ".join(relative), rows=rows)
        return Message(N_("rank computed on a cohort reduced by {rows} rejected row(s); it may change once those "
                          "rows are corrected"), rows=rows)


def grade_of_totals(scheme: Scheme, totals: np.ndarray) -> np.ndarray:
    """Grade index (into GRADES) of each total: the best band whose minimum it reaches.

    A total in a gap between bands (the checker warns) gets the band below the gap.
    """
    bands = sorted(scheme.grades, key=lambda b: b.min)
    mins = np.array([b.min for b in bands])
    idx = np.searchsorted(mins, np.round(totals, 6) + 1e-9, side="right") - 1
    idx = np.clip(idx, 0, len(bands) - 1)
    order = np.array([GRADES.index(b.grade) for b in bands])
    return order[idx]


def indicator_values(
    compiled: CompiledScheme, frame: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each indicator's value per unit, and where it has no value (a missing raw column)."""
    scheme = compiled.scheme
    n = len(frame)
    columns: dict[str, np.ndarray] = {}
    missing: dict[str, np.ndarray] = {}
    for name, col in scheme.columns.items():
        v = frame[name].to_numpy(dtype=float)
        missing[name] = np.isnan(v)
        columns[name] = (np.nan_to_num(v) != 0) if col.type == "boolean" else v
    values: dict[str, np.ndarray] = {}
    no_value: dict[str, np.ndarray] = {}
    for ind in scheme.indicators:
        expr = compiled.expressions[ind.id]
        try:
            out = evaluate_columns(expr, columns, n) if n else np.zeros(0)
        except MedunionError as exc:
            raise MedunionError(
                [error(f"indicator {ind.id}: {d.message}", ind.location) for d in exc.diagnostics]
            ) from None
        out = np.asarray(out, dtype=float)
        gone = np.zeros(n, dtype=bool)
        for name in compiled.reads[ind.id]:
            gone |= missing[name]
        values[ind.id] = np.where(gone, np.nan, out)
        no_value[ind.id] = gone
    index = frame["unit_id"].to_numpy()
    return (
        pd.DataFrame(values, index=index),
        pd.DataFrame(no_value, index=index, dtype=bool),
    )


def score_frame(
    compiled: CompiledScheme, validated: ValidatedData, year: int, label: str = "",
    cohort: str | None = None,
) -> Appraisal:
    """Score the accepted rows of one year (of one cohort); the results are sorted by rank."""
    scheme = compiled.scheme
    frame = validated.frame
    values, no_value = indicator_values(compiled, frame)
    index = values.index
    pts: dict[str, np.ndarray] = {}
    vetoes: dict[str, np.ndarray] = {}
    for ind in scheme.indicators:
        v = values[ind.id].to_numpy()
        if ind.is_veto:
            vetoes[ind.id] = methods.vetoed(ind, v)
            continue
        pts[ind.id] = np.nan_to_num(methods.points(ind, v), nan=0.0)
    points = pd.DataFrame(pts, index=index)
    veto_frame = pd.DataFrame(vetoes, index=index, dtype=bool)
    total = points.sum(axis=1).to_numpy() if len(points.columns) else np.zeros(len(index))
    by_points = grade_of_totals(scheme, total)
    capped = by_points.copy()
    vetoed_by = np.full(len(index), "", dtype=object)
    for ind in scheme.indicators:
        if ind.is_veto:
            hit = veto_frame[ind.id].to_numpy()
            assert ind.veto_grade is not None
            capped = np.where(hit, np.maximum(capped, GRADES.index(ind.veto_grade)), capped)
            vetoed_by = np.where(hit, np.where(vetoed_by == "", ind.id, vetoed_by + ";" + ind.id),
                                 vetoed_by)
    grades = np.array(GRADES, dtype=object)[capped]
    names, names_zh, groups = _names_and_groups(validated, index)
    results = pd.DataFrame(
        {
            "unit_id": index,
            "unit_name": names,
            "unit_name_zh": names_zh,
            "group": groups,
            "year": year,
            "total": np.round(total, 6),
            "grade": grades,
            "grade_by_points": np.array(GRADES, dtype=object)[by_points],
            "vetoed_by": vetoed_by,
        }
    )
    results["rank"] = results["total"].rank(ascending=False, method="min").astype(int)
    if cohort is not None:
        results.insert(1, "cohort", cohort)
    reduced = bool(len(validated.rejected))
    relative = any(i.method == "percentile" for i in scheme.indicators)
    results["rank_provisional"] = reduced
    results["points_provisional"] = reduced and relative
    floor = GRADES.index(scheme.rectification_below)
    results["rectification_notice"] = capped > floor
    for cf in scheme.consequence_fields:
        mapping = {b.grade: b.consequences.get(cf.id) for b in scheme.grades}
        results[cf.id] = results["grade"].map(mapping)
    for dim in scheme.dimensions:
        ids = [i.id for i in dim.indicators if not i.is_veto]
        results[f"dimension.{dim.id}"] = points[ids].sum(axis=1).to_numpy() if ids else 0.0
    for ind in scheme.indicators:
        if not ind.is_veto:
            results[f"points.{ind.id}"] = points[ind.id].to_numpy()
    for ind in scheme.indicators:
        results[f"value.{ind.id}"] = values[ind.id].to_numpy()
    results = results.sort_values(["rank", "unit_id"], kind="stable").reset_index(drop=True)
    raw = frame.set_index("unit_id")
    notes = list(validated.notes)
    if len(validated.rejected):
        notes.append(Message(N_("{rows} row(s) rejected: see rejected rows; rejected units are not scored and not "
                                "in the cohort"), rows=validated.rejected["row"].nunique()))
        relative = [i.id for i in scheme.indicators if i.method == "percentile"]
        if relative:
            notes.append(Message(N_("PROVISIONAL: ranks and the percentile points of {indicators} were computed on "
                                    "the cohort without the rejected rows; they may change once those rows are "
                                    "corrected and scored"), indicators=", ".join(relative)))
        else:
            notes.append(Message(N_("PROVISIONAL: ranks were computed on the cohort without the rejected rows; they "
                                    "may change once those rows are corrected and scored")))
    return Appraisal(scheme, year, results, raw, values, points, no_value, veto_frame, validated,
                     compiled, label, notes, cohort)


def _names_and_groups(validated: ValidatedData, index: pd.Index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Names from the register when there is one, else the data's own unit_name column; the
    Chinese name from the register's `name_zh`, else a unit_name in the data written in Chinese
    ('' where none is known: officers' outputs then show the id)."""
    ids = pd.Series(index)
    register = validated.register
    if register is not None:
        names = ids.map(register.names())
        names_zh = ids.map(register.names_zh())
        groups = ids.map(register.groups())
    else:
        names = pd.Series([None] * len(ids), dtype=object)
        names_zh = pd.Series([None] * len(ids), dtype=object)
        groups = pd.Series([""] * len(ids), dtype=object)
    if "unit_name" in validated.frame.columns:
        given = pd.Series(validated.frame["unit_name"].to_numpy(), index=validated.frame["unit_id"].to_numpy())
        names = names.where(names.notna() & (names != ""), ids.map(given))
        chinese = given[given.astype(str).str.contains(_CJK, regex=True)]
        names_zh = names_zh.where(names_zh.notna() & (names_zh != ""), ids.map(chinese))
    names = names.where(names.notna() & (names != ""), ids)  # no name given: the id names the unit
    return (names.to_numpy(dtype=object), names_zh.astype(object).fillna("").to_numpy(dtype=object),
            groups.fillna("").to_numpy(dtype=object))


_CJK = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
"""A Chinese character (CJK unified ideographs and their extension A): a name holding one is Chinese."""
