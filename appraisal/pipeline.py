"""One appraisal run end to end: read, validate, score, explain, assess stability, write.

Rows in = rows scored + rows rejected (+ rows of other years and empty rows, counted in the
notes). A run that scores nothing is refused, and the output folder is replaced whole or not
at all (`appraisal.atomic`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from appraisal.atomic import replacing_folder
from appraisal.explain import explain_all
from appraisal.forms import choose_forms
from appraisal.labels import data_label_text
from appraisal.labels import pair as bilingual
from appraisal.messages import Message, shown_all
from appraisal.read import FileLocation, InputTable, read_input
from appraisal.report import officer_sheet, unit_file_stem, write_all, write_book
from appraisal.safe_cells import write_csv
from appraisal.scheme import GRADES, Scheme
from appraisal.score import Appraisal, compile_scheme, score_frame
from appraisal.sensitivity import threshold_sensitivity
from appraisal.stability import Stability, stability
from appraisal.units import UnitRegister
from appraisal.validate import OPTIONAL_KEYS, ValidatedData, scheme_headers, validate_rows
from appraisal.whatif import what_if
from governance.columnmap import read_column_map
from governance.diagnostics import Diagnostic, MedunionError, error
from governance.i18n import N_, translator

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
    progress: Progress | None = None, notes: Sequence[str] = (), register: UnitRegister | None = None,
) -> tuple[Appraisal, list[dict[str, Any]]]:
    """Score and explain a raw table already in memory; `notes` say how it was read."""
    scheme, form_notes = choose_forms(scheme, raw)
    compiled = compile_scheme(scheme)
    validated = validate_rows(scheme, raw, year, first_row, register)
    validated.notes[:0] = [*notes, *form_notes]
    app = score_frame(compiled, validated, year, label)
    return app, _explain(app, progress)


def _explain(app: Appraisal, progress: Progress | None) -> list[dict[str, Any]]:
    app.sensitivity = threshold_sensitivity(app)
    wi = what_if(app)
    total = len(app.results)
    if progress:
        progress("explaining", 0, total)
    tick = (lambda n: progress("explaining", n, total)) if progress else None
    return explain_all(app, wi, tick)


SUMMARY_COLUMNS = ["cohort", "rows", "units_scored", "rows_rejected", *GRADES, "mean_total", "provisional"]


@dataclass
class Province:
    """A run over many cohorts (one per value of the cohort column): each cohort scored on its
    own (percentiles and ranks within it), and a summary row per cohort."""

    runs: dict[str, Run]
    summary: pd.DataFrame
    rejected: pd.DataFrame
    notes: list[str]
    written: list[Path]
    label: str = ""
    missing_units: list[str] = field(default_factory=list)


def map_columns(table: InputTable, columns: Path, scheme: Scheme) -> list[str]:
    """Rename the file's own headers to the scheme's names by a column map (`file header: name`);
    every pair that cannot be used is refused at its file:line:column."""
    rate_columns = {i.rate for i in scheme.indicators if i.rate}
    targets = {*scheme.columns, *rate_columns, "unit_id", "year", *OPTIONAL_KEYS}
    cmap = read_column_map(columns, targets, what="scheme column")
    frame = table.frame
    problems = []
    renamed = cmap.rename()
    for pair in cmap.pairs:
        if pair.header not in frame.columns:
            near = [str(c) for c in frame.columns][:12]
            problems.append(error(N_("the data file {file} has no column '{header}' (its columns: {columns}): "
                                     "correct the header on the left of this line"), pair.location,
                                  file=table.path.name, header=pair.header, columns=", ".join(near)))
        elif pair.target in frame.columns and pair.target not in renamed:
            problems.append(error(N_("'{header}' maps to '{target}', but the data file also has a column "
                                     "'{target}': which one holds it cannot be told; remove one"), pair.location,
                                  header=pair.header, target=pair.target))
    if problems:
        raise MedunionError(problems)
    table.frame = frame.rename(columns=renamed)
    return [Message(N_("columns mapped by {file}: {pairs}"), file=Path(columns).name,
                    pairs=", ".join(f"{p.header} → {p.target}" for p in cmap.pairs))]


def nothing_scored(app: Appraisal, raw: pd.DataFrame, data: Path) -> Diagnostic:
    """Why no unit was scored, in the officer's terms."""
    rejected = app.validated.rejected
    if len(rejected):
        return error(N_("nothing scored for {year}: all {rows} row(s) for {year} were rejected (see the "
                        "rejections)"), FileLocation(str(data)), year=app.year, rows=rejected["row"].nunique())
    if "year" not in raw.columns:
        return error(N_("nothing scored for {year}: the table has no row with a unit id"), FileLocation(str(data)),
                     year=app.year)
    years = pd.to_numeric(raw["year"], errors="coerce").dropna()
    whole = sorted({int(y) for y in years if float(y).is_integer()})
    if whole:
        return error(N_("nothing scored: no row for {year} (it has rows for {years})"), FileLocation(str(data)),
                     year=app.year, years=", ".join(map(str, whole)))
    return error(N_("nothing scored: no row for {year} (it has no row with a year)"), FileLocation(str(data)),
                 year=app.year)


def _is_earlier_output(folder: Path) -> bool:
    """An earlier `appraise` output (replaced whole by the next run), not a folder of other files."""
    single = (folder / "results.json").is_file() and (folder / "results.csv").is_file()
    return single or ((folder / "summary.json").is_file() and (folder / "summary.csv").is_file())


def _located(data: Path, exc: MedunionError) -> MedunionError:
    """A refusal of the table names the file it is about."""
    return MedunionError([d if d.location else replace(d, location=FileLocation(str(data)))
                          for d in exc.diagnostics])


def appraise_file(
    scheme: Scheme, data: Path, year: int, out_dir: Path, progress: Progress | None = None,
    per_unit_files: bool = True, stability_draws: int = 200, columns: Path | None = None,
    register: UnitRegister | None = None, lang: str = "zh",
) -> Run | Province:
    """The `medunion appraise` command without the terminal.

    `columns`: a column map from the file's headers to the scheme's names; `register`: the
    units expected; `lang`: the language of the officers' outputs (workbook, report, per-unit files;
    Chinese unless asked). A table with a `cohort` column is appraised cohort by cohort (a `Province`).
    Raises MedunionError when the file cannot be read or its columns are not the scheme's,
    `NothingScored` when no unit is scored; either way `out_dir` is left as it was.
    """
    data = Path(data)
    if progress:
        progress("reading the data", 0, 0)
    table = read_input(data)
    label = data_label(data, table.frame)
    notes = list(table.notes)
    if columns is not None:
        notes += map_columns(table, Path(columns), scheme)
    try:
        table.frame, header_notes = scheme_headers(scheme, table.frame)  # the Chinese template's headers
    except MedunionError as exc:
        raise _located(data, exc) from None
    notes += header_notes
    if "cohort" in table.frame.columns:
        try:
            return _appraise_cohorts(scheme, table, year, out_dir, label, notes, progress, per_unit_files,
                                     stability_draws, register, lang)
        except NothingScored:
            raise
        except MedunionError as exc:
            raise _located(data, exc) from None
    if progress:
        progress("validating and scoring", 0, 0)
    try:
        app, explanations = appraise_frame(scheme, table.frame, year, table.first_row, label, progress,
                                           notes, register)
    except MedunionError as exc:
        raise _located(data, exc) from None
    if not len(app.results):
        raise NothingScored(nothing_scored(app, table.frame, data), app)
    if progress:
        progress("stability of the ranking", 0, 0)
    stab = stability(app, draws=stability_draws) if len(app.results) else None
    out_dir = Path(out_dir)
    with replacing_folder(out_dir, _is_earlier_output) as fresh:
        written = write_all(fresh, app, explanations, stab, per_unit_files, progress, lang)
    return Run(app, explanations, stab, [out_dir / p.relative_to(fresh) for p in written])


_PLAIN_FOLDER = re.compile(r"\w[\w-]{0,99}")


def cohort_folder(cohort: str) -> str:
    """A cohort's folder name: the cohort itself when it is letters, digits, _ and - (甲县, county-a),
    else a slug with a hash, so no cohort can name a path outside the output folder."""
    return cohort if _PLAIN_FOLDER.fullmatch(cohort) else unit_file_stem(cohort)


def _cohort_data(validated: ValidatedData, cohort: str) -> ValidatedData:
    frame = validated.frame[validated.frame["cohort"] == cohort].reset_index(drop=True)
    rejected = validated.rejected
    if "cohort" in rejected.columns:
        rejected = rejected[rejected["cohort"] == cohort].reset_index(drop=True)
    filled = validated.filled
    if len(filled):
        filled = filled[filled["row"].isin(frame["_row"])].reset_index(drop=True)
    return ValidatedData(frame, rejected, [], [], filled, validated.register)


def _summary_row(cohort: str, app: Appraisal) -> dict[str, Any]:
    res = app.results
    counts = res["grade"].value_counts()
    rejected = app.validated.rejected
    n_rejected = int(rejected["row"].nunique()) if len(rejected) else 0
    return {"cohort": cohort, "rows": len(res) + n_rejected, "units_scored": len(res), "rows_rejected": n_rejected,
            **{g: int(counts.get(g, 0)) for g in GRADES},
            "mean_total": round(float(res["total"].mean()), 4) if len(res) else None,
            "provisional": app.provisional}


def _appraise_cohorts(
    scheme: Scheme, table: InputTable, year: int, out_dir: Path, label: str, notes: list[str],
    progress: Progress | None, per_unit_files: bool, stability_draws: int, register: UnitRegister | None,
    lang: str = "zh",
) -> Province:
    """Validate the whole table once (cohort-aware), then score and write each cohort on its own."""
    chosen, form_notes = choose_forms(scheme, table.frame)
    compiled = compile_scheme(chosen)
    validated = validate_rows(chosen, table.frame, year, table.first_row, register)
    province_notes = [*notes, *form_notes, *validated.notes]
    cohorts = sorted(set(validated.frame["cohort"]) | (set(validated.rejected["cohort"]) - {""}
                                                         if "cohort" in validated.rejected.columns else set()))
    runs: dict[str, Run] = {}
    rows = []
    if progress:
        progress("scoring cohorts", 0, len(cohorts))
    for cohort in cohorts:
        if progress:
            progress("scoring cohorts", 1, len(cohorts))
        part = _cohort_data(validated, cohort)
        app = score_frame(compiled, part, year, label, cohort=cohort)
        rows.append(_summary_row(cohort, app))
        if not len(app.results):
            app.notes.append(Message(N_("cohort {cohort}: nothing scored (every row rejected)"), cohort=cohort))
            runs[cohort] = Run(app, [], None, [])
            continue
        explanations = _explain(app, None)  # one bar for the cohorts, not one per cohort
        runs[cohort] = Run(app, explanations, stability(app, draws=stability_draws), [])
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    scored = int(summary["units_scored"].sum()) if len(summary) else 0
    rejected = validated.rejected
    if not scored:
        first = next(iter(runs.values()), None)
        app = first.appraisal if first else score_frame(compiled, validated, year, label)
        app.validated = validated
        app.notes = province_notes
        raise NothingScored(error(N_("nothing scored for {year} in any cohort: {rows} row(s) rejected"),
                                  FileLocation(str(table.path)), year=year,
                                  rows=rejected["row"].nunique() if len(rejected) else 0), app)
    if progress:
        progress("writing", 0, 0)
    out_dir = Path(out_dir)
    written: list[Path] = []
    with replacing_folder(out_dir, _is_earlier_output) as fresh:
        for cohort, run in runs.items():
            if not run.explanations:
                continue
            folder = fresh / cohort_folder(cohort)
            run.written = write_all(folder, run.appraisal, run.explanations, run.stability, per_unit_files,
                                    progress, lang)
            written += run.written
        written += _write_summary(fresh, scheme, year, label, summary, rejected, province_notes,
                                  validated.missing_units, lang)
    written = [out_dir / p.relative_to(fresh) for p in written]
    for run in runs.values():
        run.written = [out_dir / p.relative_to(fresh) for p in run.written]
    return Province(runs, summary, rejected, province_notes, written, label, validated.missing_units)


def _write_summary(folder: Path, scheme: Scheme, year: int, label: str, summary: pd.DataFrame,
                   rejected: pd.DataFrame, notes: list[str], missing: list[str], lang: str = "zh") -> list[Path]:
    """summary.csv / .json / .xlsx beside the per-cohort folders, and every rejected row; the
    workbook in the officers' language (`lang`)."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "summary.csv", folder / "rejected.csv", folder / "summary.json", folder / "summary.xlsx"]
    write_csv(summary, paths[0])
    write_csv(rejected, paths[1])
    records = summary.astype(object).where(summary.notna(), None).to_dict(orient="records")
    payload = {"data_label": label or None, "scheme": {"id": scheme.id, "version": scheme.version}, "year": year,
               "notes": notes, "units_expected_without_row": missing, "cohorts": records,
               "folders": {r["cohort"]: cohort_folder(r["cohort"]) for r in records if r["units_scored"]}}
    paths[2].write_text(json.dumps(payload, ensure_ascii=False, indent=1, allow_nan=False, default=str),
                        encoding="utf-8")
    _ = translator(lang).gettext
    fields = [N_("Data"), N_("Scheme"), N_("Year"), N_("Notes"), N_("Units expected without a row")]
    about = pd.DataFrame({"field": [bilingual(translator("zh").gettext(f), f, lang) for f in fields],
                          "value": [data_label_text(label, lang) or _("as supplied"), f"{scheme.id} {scheme.version}",
                                    year, "; ".join(shown_all(notes, lang)), ", ".join(missing)]})
    if not len(rejected):
        rejected = pd.DataFrame({"row": [], "unit_id": [], "column": [], "value": [], "reason": []})
    write_book(paths[3], [officer_sheet("About", about, scheme, lang, widths={"value": 60, "field": 24}),
                          officer_sheet("Summary by cohort", summary, scheme, lang),
                          officer_sheet("Rejected rows", rejected, scheme, lang)])
    return paths
