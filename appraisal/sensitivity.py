"""How much hangs on each threshold: units that change grade if one threshold moves by ±5%.

The thresholds are the figures a drafter or the law chose: each indicator's floor, target and
cap, each step's threshold, and each grade band's lower bound. Moving one changes only the
points of its own indicator (or only the banding), so each move is one vectorised re-scoring
of one column, never of the whole table.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from appraisal import methods
from appraisal.scheme import GRADES, Indicator, Scheme, Step
from appraisal.score import Appraisal, grade_of_totals

DELTA = 0.05
COLUMNS = ["threshold", "kind", "value", "status", "parameter", "lower", "units_changing_grade_lower",
           "higher", "units_changing_grade_higher"]


def _caps(app: Appraisal) -> np.ndarray:
    cap = np.zeros(len(app.points.index), dtype=int)
    for ind in app.scheme.indicators:
        if ind.is_veto and ind.veto_grade is not None and ind.id in app.vetoes.columns:
            cap = np.where(app.vetoes[ind.id].to_numpy(), np.maximum(cap, GRADES.index(ind.veto_grade)), cap)
    return cap


def _thresholds(ind: Indicator) -> list[tuple[str, float, Indicator, Indicator]]:
    """(name, value, indicator moved down, indicator moved up) for each figure of an indicator."""
    found = []
    for name in ("floor", "target", "cap"):
        value = getattr(ind, name)
        if value is None or (name == "target" and ind.method == "percentile"):
            continue
        if name == "cap" and ind.method != "ratio":
            continue
        found.append((name, value, dataclasses.replace(ind, **{name: value * (1 - DELTA)}),
                      dataclasses.replace(ind, **{name: value * (1 + DELTA)})))
    if ind.method == "steps":
        for k, step in enumerate(ind.steps):
            def moved(factor: float, k: int = k) -> Indicator:
                steps = tuple(Step(s.at * factor, s.points) if j == k else s for j, s in enumerate(ind.steps))
                return dataclasses.replace(ind, steps=steps)
            found.append((f"steps[{k}].at", step.at, moved(1 - DELTA), moved(1 + DELTA)))
    return found


def _figure(ind: Indicator, name: str) -> tuple[str, str]:
    """(status, parameter) of a figure: the parameter it is taken from, else the indicator's own status."""
    for fig in ind.figures:
        if fig.field == name:
            return fig.status, fig.parameter
    return ("drafter-reading" if ind.status == "drafter-choice" else ind.status), ""


def threshold_sensitivity(app: Appraisal) -> pd.DataFrame:
    """One row per threshold: its value and the number of units whose grade changes at -5% and +5%."""
    scheme = app.scheme
    rows: list[dict[str, object]] = []
    if not len(app.points.index):
        return pd.DataFrame(columns=COLUMNS)
    total = app.results.set_index("unit_id").loc[app.points.index, "total"].to_numpy(dtype=float)
    cap = _caps(app)
    base = np.maximum(grade_of_totals(scheme, total), cap)
    for ind in scheme.indicators:
        if ind.is_veto or ind.id not in app.points.columns:
            continue
        values = app.values[ind.id].to_numpy(dtype=float)
        old = app.points[ind.id].to_numpy(dtype=float)
        for name, value, lower, higher in _thresholds(ind):
            changes = []
            for moved in (lower, higher):
                new = np.nan_to_num(methods.points(moved, values), nan=0.0)
                grades = np.maximum(grade_of_totals(scheme, total - old + new), cap)
                changes.append(int((grades != base).sum()))
            status, parameter = _figure(ind, name)
            rows.append({"threshold": f"{ind.id}.{name}", "kind": "indicator", "value": value, "status": status,
                         "parameter": parameter, "lower": value * (1 - DELTA),
                         "units_changing_grade_lower": changes[0], "higher": value * (1 + DELTA),
                         "units_changing_grade_higher": changes[1]})
    for band in scheme.grades:
        if band.min <= 0:
            continue
        changes = []
        for factor in (1 - DELTA, 1 + DELTA):
            moved = _with_band_min(scheme, band.grade, band.min * factor)
            grades = np.maximum(grade_of_totals(moved, total), cap)
            changes.append(int((grades != base).sum()))
        rows.append({"threshold": f"grade {band.grade} from", "kind": "grade band", "value": band.min,
                     "status": "", "parameter": "", "lower": band.min * (1 - DELTA),
                     "units_changing_grade_lower": changes[0], "higher": band.min * (1 + DELTA),
                     "units_changing_grade_higher": changes[1]})
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("value", "lower", "higher"):
        frame[col] = frame[col].astype(float).round(6)
    return frame


def _with_band_min(scheme: Scheme, grade: str, minimum: float) -> Scheme:
    bands = tuple(dataclasses.replace(b, min=minimum) if b.grade == grade else b for b in scheme.grades)
    return dataclasses.replace(scheme, grades=bands)
