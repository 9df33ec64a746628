"""How stable is the ranking: units that change grade or rank when weights move by ±10%.

Points are weight × a share (0..1, or up to a ratio cap) that does not depend
on the weight, so moving weights is a matrix product, not a re-scoring. Weights
are renormalised to the scheme's total so that the grade bands keep their meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from appraisal.scheme import GRADES
from appraisal.score import Appraisal, grade_of_totals


@dataclass
class Stability:
    """One-at-a-time moves per indicator, plus seeded joint random moves of all weights."""

    delta: float
    one_at_a_time: pd.DataFrame  # indicator, move, units_changing_grade, units_changing_rank
    joint_draws: int
    joint_max_grade_changes: int
    joint_mean_grade_changes: float
    joint_max_rank_changes: int
    unit_grade_change_share: pd.Series  # per unit: share of joint draws that change its grade

    def to_dict(self) -> dict[str, object]:
        return {
            "delta": self.delta,
            "one_at_a_time": self.one_at_a_time.to_dict(orient="records"),
            "joint_draws": self.joint_draws,
            "joint_max_grade_changes": self.joint_max_grade_changes,
            "joint_mean_grade_changes": self.joint_mean_grade_changes,
            "joint_max_rank_changes": self.joint_max_rank_changes,
            "unit_grade_change_share": self.unit_grade_change_share.round(4).to_dict(),
        }


def _grades_and_ranks(app: Appraisal, totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Grades (veto caps applied) and ranks for a matrix of totals (units × variants)."""
    scheme = app.scheme
    cap = np.zeros(totals.shape[0], dtype=int)
    for ind in scheme.indicators:
        if ind.is_veto and ind.veto_grade is not None:
            hit = app.vetoes[ind.id].to_numpy()
            cap = np.where(hit, np.maximum(cap, GRADES.index(ind.veto_grade)), cap)
    grades = np.maximum(grade_of_totals(scheme, totals), cap[:, None])
    return grades, _ranks_min(np.round(totals, 6))


def _ranks_min(totals: np.ndarray) -> np.ndarray:
    """Each column's ranks, highest first, ties sharing the best rank (pandas' rank(ascending=False,
    method="min")): from one argsort per variant, each tie group taking its first position."""
    rows = np.ascontiguousarray(-totals.T)
    n = rows.shape[1]
    ranks = np.empty(rows.shape, dtype=np.int64)
    positions = np.arange(n)
    for j in range(rows.shape[0]):
        order = np.argsort(rows[j])  # tie groups take their first position, whatever the order within
        ordered = rows[j][order]
        starts = np.empty(n, dtype=bool)
        starts[:1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
        ranks[j, order] = np.maximum.accumulate(np.where(starts, positions, 0)) + 1
    return ranks.T


def stability(app: Appraisal, delta: float = 0.10, draws: int = 200, seed: int = 0) -> Stability:
    """Count grade and rank changes under ±delta moves of the indicator weights."""
    scheme = app.scheme
    scored = [i for i in scheme.indicators if not i.is_veto and i.weight > 0]
    weights = np.array([i.weight for i in scored])
    shares = app.points[[i.id for i in scored]].to_numpy() / weights
    base_total = shares @ weights
    base_g, base_r = _grades_and_ranks(app, base_total[:, None])
    variants: list[np.ndarray] = []
    labels: list[tuple[str, str]] = []
    for k, ind in enumerate(scored):
        for sign in (+1, -1):
            w = weights.copy()
            w[k] *= 1 + sign * delta
            variants.append(w * weights.sum() / w.sum())
            labels.append((ind.id, f"{sign * delta:+.0%}"))
    rng = np.random.default_rng(seed)
    joint = rng.uniform(1 - delta, 1 + delta, size=(draws, weights.size)) * weights
    joint = joint * weights.sum() / joint.sum(axis=1, keepdims=True)
    all_w = np.vstack([*variants, joint]) if variants else joint
    totals = shares @ all_w.T
    g, r = _grades_and_ranks(app, totals)
    grade_changed = g != base_g
    rank_changed = r != base_r
    n_single = len(variants)
    table = pd.DataFrame(
        {
            "indicator": [lbl[0] for lbl in labels],
            "move": [lbl[1] for lbl in labels],
            "units_changing_grade": grade_changed[:, :n_single].sum(axis=0),
            "units_changing_rank": rank_changed[:, :n_single].sum(axis=0),
        }
    )
    jg = grade_changed[:, n_single:].sum(axis=0)
    jr = rank_changed[:, n_single:].sum(axis=0)
    share = pd.Series(grade_changed[:, n_single:].mean(axis=1), index=app.points.index)
    return Stability(
        delta=delta,
        one_at_a_time=table,
        joint_draws=draws,
        joint_max_grade_changes=int(jg.max()) if jg.size else 0,
        joint_mean_grade_changes=float(jg.mean()) if jg.size else 0.0,
        joint_max_rank_changes=int(jr.max()) if jr.size else 0,
        unit_grade_change_share=share,
    )
