"""The appraisal feeds the lifecycle: a unit graded below the rectification floor opens a case.

Input is the appraisal's results (a DataFrame or results.csv) with columns unit_id, year,
grade, rank, rectification_notice. Each flagged unit gets the event `appraisal_below_floor`
with the id `appraisal:<year>:<unit_id>`, so feeding the same results twice opens nothing new.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from governance.diagnostics import MedunionError, error
from governance.i18n import N_
from lifecycle.model import Lifecycle
from lifecycle.run import Outcome, Runner

COLUMNS = ("unit_id", "year", "grade", "rank", "rectification_notice")
EVENT = "appraisal_below_floor"
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}


@dataclass(frozen=True)
class FeedResult:
    unit_id: str
    year: int
    outcome: Outcome


def _flag(value: Any, row: int) -> bool:
    """A strict boolean: CSV gives text, and "False" must not read as true."""
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and isinstance(value.item(), bool):
        return bool(value.item())
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE or text == "nan":
        return False
    raise MedunionError(error(N_("results row {row}: rectification_notice is {value}; expected true or false"),
                              row=row + 2, value=repr(value)))


def read_results(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """The results frame, checked to have the columns the appraisal writes."""
    frame = source if isinstance(source, pd.DataFrame) else pd.read_csv(source, dtype={"unit_id": str})
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise MedunionError(error(N_("appraisal results lack the column(s) {missing}; expected {expected}"),
                                  missing=", ".join(missing), expected=", ".join(COLUMNS)))
    return frame


def open_from_appraisal(runner: Runner, lifecycle: Lifecycle, results: str | Path | pd.DataFrame,
                        on: dt.date | None = None, case_prefix: str = "") -> list[FeedResult]:
    """Submit `appraisal_below_floor` for every unit with rectification_notice true, idempotently.

    The event is dated `on`, by default 31 December of the appraisal year (the appraisal
    closes the year); the case id is `case_prefix + unit_id`.
    """
    if EVENT not in lifecycle.events:
        raise MedunionError(error(N_("lifecycle {lifecycle} has no event '{event}' for the appraisal feed"),
                                  lifecycle=lifecycle.id, event=EVENT))
    frame = read_results(results)
    done: list[FeedResult] = []
    for i, row in enumerate(frame.to_dict("records")):
        if not _flag(row["rectification_notice"], i):
            continue
        unit = str(row["unit_id"])
        year = int(row["year"])
        data = {"violation_found": True, "appraisal_year": year, "appraisal_grade": str(row["grade"]),
                "appraisal_rank": int(row["rank"])}
        data = {k: v for k, v in data.items() if k in lifecycle.events[EVENT].data}
        outcome = runner.submit(lifecycle, case_prefix + unit, EVENT, data, on or dt.date(year, 12, 31),
                                event_id=f"appraisal:{year}:{unit}")
        done.append(FeedResult(unit, year, outcome))
    return done
