"""What would change the result: points missing to the next grade and, per indicator,
the smallest change of its value that alone would reach it (or that it cannot).

Computed for the whole cohort at once by inverting each scoring method; other
units stay as they are (which matters for percentile ranks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from appraisal import methods
from appraisal.scheme import GRADES, Indicator
from appraisal.score import Appraisal


@dataclass
class WhatIf:
    """Per unit (index = unit_id): the next grade and what each indicator would need."""

    next_grade: pd.Series
    points_missing: pd.Series
    blocked_by_veto: pd.Series
    required: pd.DataFrame
    strict: pd.DataFrame
    reachable: pd.DataFrame


def _value_limits(app: Appraisal, ind: Indicator) -> tuple[float, float]:
    """The range an indicator's value can take: a column's bounds, or 0..100 for percents."""
    low, high = -np.inf, np.inf
    if ind.value is not None and ind.value in app.scheme.columns:
        lo, hi = app.scheme.columns[ind.value].bounds
        low = lo if lo is not None else low
        high = hi if hi is not None else high
    elif ind.unit in ("percent", "%"):
        low, high = 0.0, 100.0
    elif ind.unit == "ratio":
        low, high = 0.0, 1.0
    return low, high


def what_if(app: Appraisal) -> WhatIf:
    """The next grade above each unit's grade and the single-indicator changes that reach it."""
    scheme = app.scheme
    res = app.results.set_index("unit_id")
    res = res.loc[app.values.index]
    present = sorted(GRADES.index(b.grade) for b in scheme.grades)
    # the next better grade of each grade index (-1: none), then looked up per unit at once
    next_of = np.array([max([g for g in present if g < c], default=-1)
                        for c in range(len(GRADES))])
    current = res["grade"].map({g: i for i, g in enumerate(GRADES)}).to_numpy(dtype=int)
    nxt = next_of[current]
    mins = np.array([scheme.grade_band(g).min if i in present else np.nan
                     for i, g in enumerate(GRADES)] + [np.nan])
    total = res["total"].to_numpy(dtype=float)
    target_min = mins[nxt]
    gap = np.where(nxt >= 0, np.maximum(target_min - total, 0.0), np.nan)
    blocked = np.zeros(len(res), dtype=bool)
    for ind in scheme.indicators:
        if ind.is_veto and ind.veto_grade is not None:
            hit = app.vetoes[ind.id].to_numpy()
            blocked |= hit & (GRADES.index(ind.veto_grade) > nxt) & (nxt >= 0)
    required: dict[str, np.ndarray] = {}
    strict: dict[str, np.ndarray] = {}
    reachable: dict[str, np.ndarray] = {}
    for ind in scheme.indicators:
        if ind.is_veto:
            continue
        pts = app.points[ind.id].to_numpy()
        value = app.values[ind.id].to_numpy()
        need = pts + gap
        req, st = methods.required_values(ind, need, value, value)
        low, high = _value_limits(app, ind)
        ok = ~np.isnan(req) & (req >= low - 1e-9) & (req <= high + 1e-9) & (gap > 0) & ~blocked
        required[ind.id] = np.where(ok, req, np.nan)
        strict[ind.id] = st
        reachable[ind.id] = ok
    index = app.values.index
    names = np.array([*GRADES, ""], dtype=object)
    return WhatIf(
        next_grade=pd.Series(names[nxt], index=index),
        points_missing=pd.Series(gap, index=index),
        blocked_by_veto=pd.Series(blocked, index=index),
        required=pd.DataFrame(required, index=index),
        strict=pd.DataFrame(strict, index=index, dtype=bool),
        reachable=pd.DataFrame(reachable, index=index, dtype=bool),
    )
