"""Scoring methods, vectorised over a whole cohort, with their inverses for what-if.

Each method maps an indicator's value to *points* (0..max_points). The inverse
answers "which value, all else equal, gives at least these points?", so a unit
can be told the smallest change that lifts it a grade. Both are plain numpy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from appraisal.scheme import Indicator
from governance.rounding import round_half_up

_EPS = 1e-9


def points(ind: Indicator, values: np.ndarray) -> np.ndarray:
    """Points of every unit on one indicator; NaN values give NaN points (handled by policy)."""
    v = np.asarray(values, dtype=float)
    m = ind.method
    if m == "linear":
        assert ind.floor is not None and ind.target is not None
        span = ind.target - ind.floor
        frac = np.clip((v - ind.floor) / span, 0.0, 1.0) if span else (v >= ind.target) * 1.0
        return _keep_nan(v, ind.weight * frac)
    if m == "steps":
        return _keep_nan(v, _steps_points(ind, v))
    if m == "ratio":
        assert ind.target is not None
        cap = ind.cap if ind.cap is not None else 1.0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if ind.direction == "higher":
                ratio = v / ind.target
            else:
                ratio = np.where(v > 0, ind.target / np.where(v > 0, v, 1.0), cap)
        return _keep_nan(v, ind.weight * np.clip(ratio, 0.0, cap))
    if m == "percentile":
        return ind.weight * percentile_rank(v, ind.direction)
    if m == "deduction":
        assert ind.per_occurrence is not None
        lost = ind.per_occurrence * np.maximum(v, 0.0)
        if ind.max_deduction is not None:
            lost = np.minimum(lost, ind.max_deduction)
        return _keep_nan(v, np.maximum(ind.weight - lost, 0.0))
    if m == "veto":
        return _keep_nan(v, np.zeros_like(v))
    raise ValueError(f"unknown method {m}")


def vetoed(ind: Indicator, values: np.ndarray) -> np.ndarray:
    """A veto item fires when its value is true (non-zero); NaN never fires."""
    v = np.asarray(values, dtype=float)
    return np.nan_to_num(v, nan=0.0) != 0.0


def _keep_nan(v: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(v), np.nan, pts)


def _sorted_steps(ind: Indicator) -> list[tuple[float, float]]:
    """Thresholds from the easiest to the hardest to reach."""
    pairs = [(s.at, s.points) for s in ind.steps]
    return sorted(pairs, reverse=ind.direction == "lower")


def _steps_points(ind: Indicator, v: np.ndarray) -> np.ndarray:
    """The most points among the thresholds the value reaches (>= at, or <= at for lower)."""
    out = np.zeros_like(v)
    reaches = {(True, False): np.greater_equal, (True, True): np.greater,
               (False, False): np.less_equal, (False, True): np.less}[
        (ind.direction == "higher", ind.boundary == "exclusive")]
    for at, pts in _sorted_steps(ind):
        reached = reaches(v, at)
        out = np.where(reached, np.maximum(out, pts), out)
    return out


def percentile_rank(values: np.ndarray, direction: str) -> np.ndarray:
    """Share of the *other* units that this unit beats, ties counting half; NaN ranks nowhere.

    (others strictly worse + 0.5 * others equal) / (n - 1); a cohort of one gets 1.
    """
    v = np.asarray(values, dtype=float)
    ok = ~np.isnan(v)
    out = np.full(v.shape, np.nan)
    cohort = np.sort(v[ok])
    n = cohort.size
    if n == 0:
        return out
    if n == 1:
        out[ok] = 1.0
        return out
    x = v[ok]
    below = np.searchsorted(cohort, x, side="left")
    upto = np.searchsorted(cohort, x, side="right")
    equal_others = upto - below - 1
    worse = below if direction == "higher" else n - upto
    out[ok] = (worse + 0.5 * equal_others) / (n - 1)
    return out


def required_values(
    ind: Indicator, needed_points: np.ndarray, cohort: np.ndarray, current: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The value each unit needs for at least `needed_points` on this indicator, others fixed.

    Returns (value, strict): strict is True where the value must be strictly beaten
    (percentile ranks: the unit must pass another unit's value). NaN where no value
    of the indicator can give that many points.
    """
    p = np.asarray(needed_points, dtype=float)
    strict = np.zeros(p.shape, dtype=bool)
    out = np.full(p.shape, np.nan)
    possible = p <= ind.max_points + _EPS
    w = ind.weight
    m = ind.method
    if m == "veto" or (w <= 0 and m != "steps"):
        return out, strict
    if m == "linear":
        assert ind.floor is not None and ind.target is not None
        frac = np.clip(p / w, 0.0, 1.0)
        out = np.where(possible, ind.floor + frac * (ind.target - ind.floor), np.nan)
    elif m == "ratio":
        assert ind.target is not None
        frac = np.clip(p / w, _EPS, None)
        if ind.direction == "higher":
            out = np.where(possible, frac * ind.target, np.nan)
        else:
            out = np.where(possible, ind.target / frac, np.nan)
    elif m == "steps":
        for at, pts in reversed(_sorted_steps(ind)):  # hardest first, so the easiest wins
            out = np.where(possible & (pts + _EPS >= p), at, out)
        out = np.where(p <= _EPS, current, out)
        strict = np.full(p.shape, ind.boundary == "exclusive") & (p > _EPS)
    elif m == "deduction":
        assert ind.per_occurrence is not None
        allowed = (w - p) / ind.per_occurrence
        allowed = np.floor(allowed + _EPS)
        if ind.max_deduction is not None:
            allowed = np.where(w - ind.max_deduction + _EPS >= p, np.inf, allowed)
        out = np.where(possible & (allowed >= 0), allowed, np.nan)
    elif m == "percentile":
        out, strict = _percentile_required(ind, p, cohort, current)
    return out, strict


def _percentile_required(
    ind: Indicator, p: np.ndarray, cohort: np.ndarray, current: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Value that beats enough of the other units: just above (below) the k-th of them."""
    sign = 1.0 if ind.direction == "higher" else -1.0
    s = np.sort(sign * cohort[~np.isnan(cohort)])
    n = s.size
    out = np.full(p.shape, np.nan)
    strict = np.ones(p.shape, dtype=bool)
    if n <= 1 or ind.weight <= 0:
        return out, strict
    need = np.clip(p / ind.weight, 0.0, None)
    want = np.ceil(need * (n - 1) - 1e-9)
    k = np.where(np.isfinite(want), want, n).astype(int)  # others the unit must strictly beat
    feasible = (k <= n - 1) & ~np.isnan(current)
    k = np.clip(k, 1, n - 1)
    own = np.searchsorted(s, sign * np.nan_to_num(current), side="left")
    j = k - 1  # index of the k-th smallest other value
    idx = np.where(own > j, j, j + 1)
    idx = np.clip(idx, 0, n - 1)
    out = np.where(feasible, sign * s[idx], np.nan)
    zero = need <= 0
    out = np.where(zero, current, out)
    strict = np.where(zero, False, strict)
    return out, strict


def describe(ind: Indicator, value: float, pts: float, cohort_size: int) -> str:
    """Why this value gives these points, with the arithmetic spelt out."""
    return describer(ind, cohort_size)(value, pts)


def describer(ind: Indicator, cohort_size: int) -> Callable[[float, float], str]:
    """A `describe` for one indicator with its constant parts formatted once (for bulk use)."""
    w = _fmt(ind.weight)
    m = ind.method
    if m == "linear":
        lo, hi = _fmt(ind.floor), _fmt(ind.target)
        full = ind.weight - _EPS

        def linear(value: float, pts: float) -> str:
            if value != value:
                return "no value"
            v = _fmt(value)
            if pts <= 0:
                return f"{v} does not pass the floor {lo}: 0 points"
            if pts >= full:
                return f"{v} reaches the target {hi}: full {w} points"
            return (f"linear between floor {lo} and target {hi}: {w} × ({v} − {lo}) / "
                    f"({hi} − {lo}) = {_fmt(round_half_up(pts, 4))} points")

        return linear
    if m == "steps":
        strict = ind.boundary == "exclusive"
        op = (">" if strict else ">=") if ind.direction == "higher" else ("<" if strict else "<=")
        ordered = _sorted_steps(ind)
        first = _fmt(ordered[0][0]) if ordered else "-"
        reaches = {">=": float.__ge__, ">": float.__gt__, "<=": float.__le__, "<": float.__lt__}[op]

        def steps(value: float, pts: float) -> str:
            if value != value:
                return "no value"
            reached = [(at, p) for at, p in ordered if reaches(float(value), float(at))]
            if not reached:
                return f"{_fmt(value)} reaches no threshold (first: {op} {first}): 0 points"
            at = max(reached, key=lambda t: t[1])[0]
            return f"{_fmt(value)} {op} {_fmt(at)}: the step gives {_fmt(pts)} points"

        return steps
    if m == "ratio":
        cap = _fmt(ind.cap if ind.cap is not None else 1.0)
        t = _fmt(ind.target)
        higher = ind.direction == "higher"

        def ratio(value: float, pts: float) -> str:
            if value != value:
                return "no value"
            frac = f"{_fmt(value)} / {t}" if higher else f"{t} / {_fmt(value)}"
            return (f"ratio to target, capped at {cap}: {w} × min({frac}, {cap})"
                    f" = {_fmt(round_half_up(pts, 4))} points")

        return ratio
    if m == "percentile":
        lead = f"percentile rank among {cohort_size} units (others beaten, ties half): {w} × "
        weight = ind.weight or 1.0

        def percentile(value: float, pts: float) -> str:
            if value != value:
                return "no value"
            return f"{lead}{_fmt(pts / weight)} = {_fmt(round_half_up(pts, 4))} points"

        return percentile
    if m == "deduction":
        cap = f", at most {_fmt(ind.max_deduction)}" if ind.max_deduction is not None else ""
        lead = f"{w} − {_fmt(ind.per_occurrence)} per occurrence × "

        def deduction(value: float, pts: float) -> str:
            if value != value:
                return "no value"
            return f"{lead}{_fmt(value)}{cap}, not below 0 = {_fmt(round_half_up(pts, 4))} points"

        return deduction

    def veto(value: float, pts: float) -> str:
        if value != value:
            return "no value"
        return "veto item triggered" if value else "veto item not triggered"

    return veto


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.4g}" if abs(x) < 1e4 else f"{x:,.2f}"
