"""Generate SYNTHETIC referral claims for `zhenghe-referral`, to try `medunion decide-bulk` on.

Every value is drawn at random from a fixed seed: no row describes a real patient, hospital
or claim. The headers are Chinese, as an insurance office's export would have them
(`columns.yaml` maps them to the rule set's inputs). A share of rows is made bad on purpose,
each in a way decide-bulk must reject with its reason, and a few cells are left empty, which
is not a reason to reject (the outputs that need the value stay undecided).

    python examples/bulk/generate_claims.py ROWS OUT.csv [--bad SHARE] [--seed N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

HEADERS = {  # the export's header -> the rule set's input (columns.yaml says the same)
    "转诊方向": "referral_direction",
    "基层诊疗范围内": "within_primary_scope",
    "病情": "severity",
    "医联体内转诊": "within_association",
    "医保范围费用": "eligible_cost",
}
CLAIM_ID, DATE = "理赔编号", "就诊日期"

# (header, bad value, what decide-bulk says about it)
BAD_CELLS = (
    ("医保范围费用", "abc", "expected a number"),
    ("医保范围费用", "-120", "below the minimum 0"),
    ("转诊方向", "sideways", "is not one of"),
    ("转诊方向", "上转", "is not one of"),
    ("基层诊疗范围内", "maybe", "expected true or false"),
    ("病情", "critical", "is not one of"),
    (DATE, "2017-13-01", "expected a date"),
    (DATE, "2016-12-31", "no version of zhenghe-referral is in force"),
    (DATE, "", "no date"),
)


def claims(rows: int, bad_share: float = 0.01, seed: int = 2017, empty_share: float = 0.0
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The claims (all cells text, as in a CSV) and the planted bad cells: row (1-based), header,
    value, and a phrase the rejection's reason contains."""
    rng = np.random.default_rng(seed)
    days = np.datetime64("2017-01-01") + rng.integers(0, 730, rows)
    columns: dict[str, np.ndarray] = {
        CLAIM_ID: np.char.mod("SYN%09d", np.arange(1, rows + 1)).astype(object),
        DATE: np.datetime_as_string(days, unit="D").astype(object),
        "转诊方向": rng.choice(np.array(["upward", "downward", "none"], dtype=object), rows, p=[0.5, 0.2, 0.3]),
        "基层诊疗范围内": rng.choice(np.array(["true", "false"], dtype=object), rows),
        "病情": rng.choice(np.array(["ordinary", "acute", "dangerous", "difficult", "severe"], dtype=object), rows,
                         p=[0.6, 0.1, 0.1, 0.1, 0.1]),
        "医联体内转诊": rng.choice(np.array(["true", "false"], dtype=object), rows, p=[0.7, 0.3]),
        "医保范围费用": np.char.mod("%.2f", rng.gamma(2.0, 4000.0, rows)).astype(object),
    }
    bad_rows = rng.choice(rows, round(rows * bad_share), replace=False)
    kinds = np.arange(len(bad_rows)) % len(BAD_CELLS)  # every kind of bad cell, in turn
    planted = []
    for position, kind in zip(bad_rows, kinds, strict=True):  # planted in numpy: a pandas cell write is slow
        header, value, reason = BAD_CELLS[kind]
        columns[header][position] = value
        planted.append((int(position) + 1, header, value, reason))
    if empty_share:
        good = np.setdiff1d(np.arange(rows), bad_rows)
        columns["医联体内转诊"][rng.choice(good, round(rows * empty_share), replace=False)] = ""
    frame = pd.DataFrame(columns)
    bad = pd.DataFrame(planted, columns=["row", "header", "value", "reason"]).sort_values("row", ignore_index=True)
    return frame, bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--bad", type=float, default=0.01, help="share of rows made bad on purpose")
    parser.add_argument("--empty", type=float, default=0.0, help="share of rows with an empty cell")
    parser.add_argument("--seed", type=int, default=2017)
    args = parser.parse_args()
    frame, bad = claims(args.rows, args.bad, args.seed, args.empty)
    frame.to_csv(args.out, index=False)
    print(f"{args.rows:,} SYNTHETIC claims in {args.out}, {len(bad):,} made bad on purpose")


if __name__ == "__main__":
    main()
