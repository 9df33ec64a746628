"""Seeded generator of SYNTHETIC example data for the appraisal schemes.

The numbers are invented: each unit gets a persistent latent "strength" and
every column is drawn around plausible county figures from it, so grades
spread and years differ. Every table carries a `data_label` column saying
SYNTHETIC, and the files it writes say SYNTHETIC in their names.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from appraisal.scheme import Scheme

LABEL = "SYNTHETIC example data (appraisal.synthetic, seed {seed}): not real figures"

Recipe = Callable[[np.random.Generator, np.ndarray, dict[str, np.ndarray]], np.ndarray]


def _clip(x: np.ndarray, low: float, high: float) -> np.ndarray:
    return np.clip(x, low, high)


def _count(x: np.ndarray) -> np.ndarray:
    return np.maximum(np.rint(x), 0).astype(np.int64)


def _pop(rng: np.random.Generator, z: np.ndarray, c: dict) -> np.ndarray:
    return _count(rng.uniform(8_000, 45_000, z.size))


# column name -> recipe(rng, strength, columns so far); order matters (dependencies first)
RECIPES: dict[str, Recipe] = {
    "service_population": _pop,
    "outpatient_visits": lambda r, z, c: _count(
        c["service_population"] * _clip(2.1 + 0.35 * z + r.normal(0, 0.2, z.size), 0.6, 4.0)),
    "inpatient_admissions": lambda r, z, c: _count(
        c["service_population"] * _clip(0.03 + 0.01 * z + r.normal(0, 0.004, z.size), 0.002, 0.08)),
    "referrals_up": lambda r, z, c: _count(c["service_population"] * r.uniform(0.006, 0.015, z.size)),
    "referrals_to_core": lambda r, z, c: _count(
        c["referrals_up"] * _clip(0.8 + 0.08 * z + r.normal(0, 0.04, z.size), 0.3, 1.0)),
    "referrals_down_received": lambda r, z, c: _count(
        c["referrals_up"] * _clip(0.27 + 0.1 * z + r.normal(0, 0.05, z.size), 0.0, 0.9)),
    "referral_files_complete": lambda r, z, c: _count(
        c["referrals_up"] * _clip(0.9 + 0.05 * z + r.normal(0, 0.02, z.size), 0.5, 1.0)),
    "antibiotic_prescription_rate": lambda r, z, c: np.round(
        _clip(28 - 6 * z + r.normal(0, 3, z.size), 5, 70), 1),
    "adverse_events": lambda r, z, c: r.poisson(np.maximum(0.2, 1.4 - 0.8 * z)),
    "patient_satisfaction": lambda r, z, c: np.round(
        _clip(86 + 5 * z + r.normal(0, 3, z.size), 50, 100), 1),
    "serious_violation": lambda r, z, c: r.random(z.size) < 0.04,
    "family_doctor_contracts": lambda r, z, c: _count(
        c["service_population"] * _clip(0.33 + 0.06 * z + r.normal(0, 0.03, z.size), 0.05, 0.9)),
    "village_clinics": lambda r, z, c: _count(r.integers(8, 32, z.size)),
    "village_clinic_inspections": lambda r, z, c: _count(
        c["village_clinics"] * _clip(3.4 + 0.8 * z + r.normal(0, 0.5, z.size), 0, 8)),
    "public_health_completion": lambda r, z, c: np.round(
        _clip(90 + 4 * z + r.normal(0, 2.5, z.size), 40, 100), 1),
    "purchases_off_platform": lambda r, z, c: r.poisson(np.maximum(0.1, 1.0 - 0.7 * z)),
    "equipment_intact_rate": lambda r, z, c: np.round(
        _clip(90 + 4 * z + r.normal(0, 2, z.size), 50, 100), 1),
    "major_safety_incident": lambda r, z, c: r.random(z.size) < 0.03,
    # county-level monitoring (admissions, visits, fund)
    "admissions_total": lambda r, z, c: _count(r.uniform(18_000, 40_000, z.size)),
    "admissions_in_county": lambda r, z, c: _count(
        c["admissions_total"] * _clip(0.82 + 0.05 * z + r.normal(0, 0.02, z.size), 0.4, 0.98)),
    "visits_total": lambda r, z, c: _count(r.uniform(600_000, 1_400_000, z.size)),
    "visits_in_county": lambda r, z, c: _count(
        c["visits_total"] * _clip(0.86 + 0.04 * z + r.normal(0, 0.02, z.size), 0.5, 0.99)),
    "outpatient_visits_in_county": lambda r, z, c: _count(c["visits_in_county"] * 0.93),
    "outpatient_visits_primary": lambda r, z, c: _count(
        c["outpatient_visits_in_county"] * _clip(0.58 + 0.06 * z + r.normal(0, 0.03, z.size),
                                                 0.2, 0.9)),
    "fund_total": lambda r, z, c: np.round(r.uniform(2.0e8, 4.5e8, z.size), 2),
    "fund_in_county": lambda r, z, c: np.round(
        c["fund_total"] * _clip(0.72 + 0.06 * z + r.normal(0, 0.03, z.size), 0.3, 0.97), 2),
    "fund_primary": lambda r, z, c: np.round(
        c["fund_in_county"] * _clip(0.2 + 0.05 * z + r.normal(0, 0.02, z.size), 0.02, 0.6), 2),
}


def parts_columns(scheme: Scheme) -> list[str]:
    """The columns the examples fill: every column but the published-rate alternatives (`rate:`),
    so the example tables give counts, as a register does."""
    rates = {i.rate for i in scheme.indicators if i.rate}
    return [n for n in scheme.columns if n not in rates]


def _strength(seed: int, unit_ids: list[str], year: int) -> np.ndarray:
    """Persistent per-unit strength plus a little yearly drift, both seeded."""
    base = np.random.default_rng([seed, 0]).normal(0, 1, len(unit_ids))
    drift = np.random.default_rng([seed, year]).normal(0, 0.35, len(unit_ids))
    return base + drift


def generate(
    scheme: Scheme,
    year: int,
    seed: int = 2017,
    unit_ids: list[str] | None = None,
    defects: bool = False,
) -> pd.DataFrame:
    """One SYNTHETIC row per unit for `year` (every column the scheme reads).

    With `defects`, a few rows are spoilt on purpose (a duplicate, an unknown
    unit, a negative count, a rate above 100%, a missing value, a wrong type)
    so the example shows how rejected rows are reported.
    """
    ids = unit_ids if unit_ids is not None else [u.id for u in scheme.units]
    z = _strength(seed, ids, year)
    rng = np.random.default_rng([seed, year, 1])
    cols: dict[str, np.ndarray] = {}
    for name, recipe in RECIPES.items():  # all of them: later recipes read earlier ones
        cols[name] = recipe(rng, z, cols)
    frame = pd.DataFrame({"unit_id": ids, "year": year})
    for name in parts_columns(scheme):
        if name not in cols:
            raise KeyError(f"no synthetic recipe for column '{name}'")
        frame[name] = cols[name]
    frame["data_label"] = LABEL.format(seed=seed)
    if defects:
        frame = _spoil(frame, scheme, rng, ids)
    return frame


def _spoil(frame: pd.DataFrame, scheme: Scheme, rng: np.random.Generator, ids: list[str]) -> pd.DataFrame:
    """Deliberate defects on two units (and one stranger), to show how rejections are reported.

    Unit A: a negative count, and a second row for the same year with a wrong type
    (a duplicate). Unit B: a rate above 100% and a missing value the scheme rejects.
    Unit C: a missing value the scheme scores as 0 points (kept, not rejected).
    Plus a row for a unit the scheme does not know.
    """
    frame = frame.astype(object)
    if len(frame) < 5:  # too few units to spare two: only the stranger
        stranger = frame.iloc[[0]].copy()
        stranger["unit_id"] = f"{ids[0].split('-')[0]}-unknown-unit"
        return pd.concat([frame, stranger], ignore_index=True)
    a, b, c = rng.choice(len(frame), size=3, replace=False)
    columns = {n: scheme.columns[n] for n in parts_columns(scheme)}
    counts = [n for n, col in columns.items() if col.type == "integer"]
    rates = [n for n, col in columns.items() if col.type == "percent"]
    rejecting = [n for n, col in columns.items() if col.missing == "reject"]
    zero_points = [n for n, col in columns.items() if col.missing == "zero-points"]
    stranger = frame.iloc[[c]].copy()
    stranger["unit_id"] = f"{ids[0].split('-')[0]}-unknown-clinic"
    duplicate = frame.iloc[[a]].copy()
    if counts:
        frame.loc[a, counts[0]] = -3
        duplicate[counts[-1]] = "n/a"
    if rates:
        frame.loc[b, rates[0]] = 104.5
    if rejecting:
        frame.loc[b, rejecting[-1]] = None
    if zero_points:
        frame.loc[c, zero_points[0]] = None
    return pd.concat([frame, duplicate, stranger], ignore_index=True)


def example_frames(scheme: Scheme, years: list[int], seed: int = 2017,
                   unit_ids: list[str] | None = None) -> pd.DataFrame:
    """Several years in one table; the latest year carries the deliberate defects."""
    parts = [generate(scheme, y, seed, unit_ids, defects=(y == max(years))) for y in years]
    return pd.concat(parts, ignore_index=True)


def write_examples(scheme: Scheme, out_dir: Path, years: list[int], seed: int = 2017,
                   unit_ids: list[str] | None = None) -> list[Path]:
    """CSV, Excel and Parquet copies of the example table, SYNTHETIC in every name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    frame = example_frames(scheme, years, seed, unit_ids)
    stem = f"{scheme.id}-{min(years)}-{max(years)}-SYNTHETIC"
    csv = out_dir / f"{stem}.csv"
    frame.to_csv(csv, index=False)
    xlsx = out_dir / f"{stem}.xlsx"
    frame.to_excel(xlsx, index=False, sheet_name="SYNTHETIC data")
    parquet = out_dir / f"{stem}.parquet"
    frame.astype({c: str for c in frame.columns if frame[c].dtype == object}).to_parquet(
        parquet, index=False
    )
    return [csv, xlsx, parquet]
