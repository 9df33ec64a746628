"""One appraisal run end to end: read, validate, score, explain, assess stability, write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from appraisal.explain import explain_all
from appraisal.report import write_all
from appraisal.scheme import Scheme
from appraisal.score import Appraisal, compile_scheme, score_frame
from appraisal.stability import Stability, stability
from appraisal.validate import read_table, validate_rows
from appraisal.whatif import what_if

Progress = Callable[[str, int, int], None]
"""progress(step description, advance, total) — total 0 means an unsized step."""


@dataclass
class Run:
    appraisal: Appraisal
    explanations: list[dict[str, Any]]
    stability: Stability | None
    written: list[Path]


def data_label(path: Path | None, raw: pd.DataFrame) -> str:
    """The SYNTHETIC label of example data (file name or a data_label column), else ''."""
    if "data_label" in raw.columns:
        labels = raw["data_label"].dropna().astype(str)
        synthetic = labels[labels.str.contains("SYNTHETIC", case=False)]
        if len(synthetic):
            return str(synthetic.iloc[0])
    if path is not None and "synthetic" in path.name.lower():
        return f"SYNTHETIC example data ({path.name}): not real figures"
    return ""


def appraise_frame(
    scheme: Scheme, raw: pd.DataFrame, year: int, first_row: int = 2, label: str = "",
    progress: Progress | None = None,
) -> tuple[Appraisal, list[dict[str, Any]]]:
    """Score and explain a raw table already in memory."""
    compiled = compile_scheme(scheme)
    validated = validate_rows(scheme, raw, year, first_row)
    app = score_frame(compiled, validated, year, label)
    wi = what_if(app)
    total = len(app.results)
    if progress:
        progress("explaining", 0, total)
    tick = (lambda n: progress("explaining", n, total)) if progress else None
    explanations = explain_all(app, wi, tick)
    return app, explanations


def appraise_file(
    scheme: Scheme, data: Path, year: int, out_dir: Path, progress: Progress | None = None,
    per_unit_files: bool = True, stability_draws: int = 200,
) -> Run:
    """The `medunion appraise` command without the terminal."""
    raw, first_row = read_table(data)
    label = data_label(data, raw)
    app, explanations = appraise_frame(scheme, raw, year, first_row, label, progress)
    stab = stability(app, draws=stability_draws) if len(app.results) else None
    if progress:
        progress("writing", 0, 0)
    written = write_all(out_dir, app, explanations, stab, per_unit_files)
    return Run(app, explanations, stab, written)
