"""One appraisal run end to end: read, validate, score, explain, assess stability, write.

Rows in = rows scored + rows rejected (+ rows of other years and empty rows, counted in the
notes). A run that scores nothing is refused, and the output folder is replaced whole or not
at all (`appraisal.atomic`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from appraisal.atomic import replacing_folder
from appraisal.explain import explain_all
from appraisal.read import FileLocation, read_input
from appraisal.report import write_all
from appraisal.scheme import Scheme
from appraisal.score import Appraisal, compile_scheme, score_frame
from appraisal.stability import Stability, stability
from appraisal.validate import validate_rows
from appraisal.whatif import what_if
from governance.diagnostics import Diagnostic, MedunionError, error

Progress = Callable[[str, int, int], None]
"""progress(step description, advance, total) — total 0 means an unsized step."""


class NothingScored(MedunionError):
    """No unit could be scored (no row for the year, or every row rejected); `appraisal`
    holds what was found, so the rejections can still be shown."""

    def __init__(self, diagnostics: Diagnostic, appraisal: Appraisal) -> None:
        super().__init__(diagnostics)
        self.appraisal = appraisal


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
    progress: Progress | None = None, notes: Sequence[str] = (),
) -> tuple[Appraisal, list[dict[str, Any]]]:
    """Score and explain a raw table already in memory; `notes` say how it was read."""
    compiled = compile_scheme(scheme)
    validated = validate_rows(scheme, raw, year, first_row)
    validated.notes[:0] = notes
    app = score_frame(compiled, validated, year, label)
    wi = what_if(app)
    total = len(app.results)
    if progress:
        progress("explaining", 0, total)
    tick = (lambda n: progress("explaining", n, total)) if progress else None
    explanations = explain_all(app, wi, tick)
    return app, explanations


def nothing_scored(app: Appraisal, raw: pd.DataFrame, data: Path) -> Diagnostic:
    """Why no unit was scored, in the officer's terms."""
    rejected = app.validated.rejected
    if len(rejected):
        return error(f"nothing scored for {app.year}: all {rejected['row'].nunique()} row(s) for "
                     f"{app.year} were rejected (see the rejections)", FileLocation(str(data)))
    years = pd.to_numeric(raw["year"], errors="coerce").dropna()
    whole = sorted({int(y) for y in years if float(y).is_integer()})
    found = f"it has rows for {', '.join(map(str, whole))}" if whole else "it has no row with a year"
    return error(f"nothing scored: no row for {app.year} ({found})", FileLocation(str(data)))


def _is_earlier_output(folder: Path) -> bool:
    """An earlier `appraise` output (replaced whole by the next run), not a folder of other files."""
    return (folder / "results.json").is_file() and (folder / "results.csv").is_file()


def appraise_file(
    scheme: Scheme, data: Path, year: int, out_dir: Path, progress: Progress | None = None,
    per_unit_files: bool = True, stability_draws: int = 200,
) -> Run:
    """The `medunion appraise` command without the terminal.

    Raises MedunionError when the file cannot be read or its columns are not the scheme's,
    `NothingScored` when no unit is scored; either way `out_dir` is left as it was.
    """
    data = Path(data)
    table = read_input(data)
    label = data_label(data, table.frame)
    try:
        app, explanations = appraise_frame(scheme, table.frame, year, table.first_row, label, progress,
                                           table.notes)
    except MedunionError as exc:  # a refusal of the table names the file it is about
        raise MedunionError([d if d.location else Diagnostic(d.severity, d.message, FileLocation(str(data)))
                             for d in exc.diagnostics]) from None
    if not len(app.results):
        raise NothingScored(nothing_scored(app, table.frame, data), app)
    stab = stability(app, draws=stability_draws) if len(app.results) else None
    if progress:
        progress("writing", 0, 0)
    out_dir = Path(out_dir)
    with replacing_folder(out_dir, _is_earlier_output) as fresh:
        written = write_all(fresh, app, explanations, stab, per_unit_files)
    return Run(app, explanations, stab, [out_dir / p.relative_to(fresh) for p in written])
