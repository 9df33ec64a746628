"""SYNTHETIC inpatient claims for `huangzhong-insurance-payment`: made-up, never real patients.

Why: `medunion impact` and the site's history pages need a population to show what a new
version changes, and no real claims data may be shipped. The shape is plausible, not
calibrated: the institution kinds the rule set knows (three county secondary hospitals,
township health centres, community health service centres), admission dates over
2017-2019 and log-normal eligible costs, higher at county hospitals, with some claims below
the deductibles. Every claim id and institution name says SYNTHETIC.

Deterministic: the same seed gives the same file, so the shipped CSV can be regenerated and
checked (`python -m medunion.synthetic_claims examples/impact/huangzhong-claims-SYNTHETIC.csv`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

SEED = 20170101
ROWS = 3000
SHIPPED = Path("examples/impact/huangzhong-claims-SYNTHETIC.csv")

# institution kind, share of claims, how many institutions, median eligible cost (yuan), spread (sigma)
_KINDS = (
    ("secondary_hospital", 0.45, 3, 6500.0, 0.75),
    ("township_health_centre", 0.40, 14, 1800.0, 0.70),
    ("community_health_service_centre", 0.15, 4, 1400.0, 0.65),
)
_NAMES = {"secondary_hospital": "County hospital", "township_health_centre": "Township health centre",
          "community_health_service_centre": "Community health service centre"}


def generate_claims(rows: int = ROWS, seed: int = SEED) -> pd.DataFrame:
    """`rows` SYNTHETIC claims: claim_id, institution, institution_kind, admission_date, eligible_cost."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    shares = np.array([k[1] for k in _KINDS])
    kind_index = rng.choice(len(_KINDS), size=rows, p=shares / shares.sum())
    kinds = [_KINDS[i][0] for i in kind_index]
    institutions = [f"SYNTHETIC {_NAMES[_KINDS[i][0]]} {int(rng.integers(1, _KINDS[i][2] + 1)):02d}"
                    for i in kind_index]
    medians = np.array([_KINDS[i][3] for i in kind_index])
    sigmas = np.array([_KINDS[i][4] for i in kind_index])
    costs = np.round(medians * np.exp(rng.normal(0.0, sigmas)), 2)
    start = np.datetime64("2017-01-01")
    days = rng.integers(0, (np.datetime64("2019-12-31") - start).astype(int) + 1, size=rows)
    dates = [str(start + np.timedelta64(int(d), "D")) for d in days]
    return pd.DataFrame({
        "claim_id": [f"SYNTHETIC-{i + 1:05d}" for i in range(rows)],
        "institution": institutions,
        "institution_kind": kinds,
        "admission_date": dates,
        "eligible_cost": costs,
    })


def write_claims(path: Path, rows: int = ROWS, seed: int = SEED) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    generate_claims(rows, seed).to_csv(path, index=False, lineterminator="\n")
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SHIPPED
    print(f"wrote {write_claims(target)} (SYNTHETIC)")
