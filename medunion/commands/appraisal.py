"""`medunion appraise` and `medunion template`: the appraisal officers' commands.

Exit status: 0 done; 1 refused or failed (a file that cannot be read, a scheme error, nothing
scored); 2 usage (typer's own, for a bad option); 3 done, with rows rejected (listed).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from medunion.commands.common import (
    DONE,
    DONE_WITH_REJECTIONS,
    REFUSED,
    USAGE,
    RulesOption,
    fail,
    rules_root,
)
from medunion.commands.language import LangOption, chosen_language

if TYPE_CHECKING:
    import pandas as pd

    from governance.diagnostics import MedunionError
    from governance.i18n import Translator

_LONG_RUN = 5_000  # units; below this a progress bar would only flicker


def _printable(text: object) -> str:
    """Text from the data for the terminal: control characters (escape sequences) shown, not run."""
    from governance.escaping import terminal_text

    return terminal_text(text)


def _refuse(exc: MedunionError, lang: str = "en") -> NoReturn:
    """`fail` in `lang` (its lines are made printable there: a column name can carry terminal
    escape sequences)."""
    fail(exc, lang)


def _os_failure(exc: OSError, fallback: Path) -> NoReturn:
    """A file-system refusal (permissions, a full disk) as one line, exit 1."""
    where = exc.filename or fallback
    typer.echo(f"{where}: error: {exc.strerror or exc}", err=True)
    raise typer.Exit(REFUSED)


def _print_rejections(rejected: pd.DataFrame, t: Translator) -> None:
    from appraisal.messages import shown

    for row in rejected.itertuples():
        typer.echo(_printable("  " + t.gettext("rejected row {row} ({unit}) {column}: {reason}").format(
            row=row.row, unit=row.unit_id, column=row.column, reason=shown(row.reason, t.lang))))


def _note(note: object, t: Translator) -> str:
    """A run's note in the reader's language, safe for the terminal."""
    from appraisal.messages import shown

    return _printable("  " + t.gettext("note: {note}").format(note=shown(note, t.lang)))


def appraise(
    scheme: Annotated[str, typer.Argument(help="A scheme file, or a scheme id under <rules>/appraisal/.")],
    year: Annotated[int, typer.Option("--year", help="The year appraised.")],
    data: Annotated[Path, typer.Option("--data", help="CSV, Excel or Parquet, one row per unit and year.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out/appraisal"),
    unit_files: Annotated[bool, typer.Option(help="Write one Markdown and text file per unit.")] = True,
    columns: Annotated[Path | None, typer.Option(
        "--columns", help="A column map (YAML, one `file header: scheme column` pair a line; may name "
                          "unit_id, unit_name, cohort and year).")] = None,
    units: Annotated[Path | None, typer.Option(
        "--units", help="The units expected: CSV, Excel or Parquet with columns id, name, name_zh, group.")] = None,
    charter: Annotated[str | None, typer.Option(
        "--charter", help="Expect the units of this charter (a file, or an id under <rules>/charters/).")] = None,
    rules: RulesOption = None,
    lang: LangOption = None,
) -> None:
    """Score the units of a scheme for one year and write the workbook, report and explanations.

    The units come from the data; with --units or --charter, a row for a unit outside that register
    is rejected and a unit of it with no row is named. A `cohort` column (mapped with --columns)
    scores each cohort on its own and writes a summary per cohort beside the per-cohort results.
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from appraisal.pipeline import NothingScored, Province, appraise_file
    from appraisal.scheme import resolve_scheme
    from governance.diagnostics import MedunionError
    from governance.i18n import translator

    t = translator(chosen_language(lang))  # the summary lines: English unless asked
    output_language = chosen_language(lang, "zh")  # the officers' workbook, report and letters: Chinese unless asked
    _ = t.gettext
    console = Console()
    if units is not None and charter is not None:
        typer.echo(_("error: give --units or --charter, not both"), err=True)
        raise typer.Exit(USAGE)
    try:
        chosen = resolve_scheme(scheme, year, rules_root(rules) / "appraisal")
        register = _register(units, charter, chosen, rules)
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}"
                      "/{task.total}"), TimeElapsedColumn(), console=console,
                      transient=True) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(step: str, advance: int, total: int) -> None:
                if total and total < _LONG_RUN:
                    return
                if step not in tasks:
                    for done in tasks.values():  # one step at a time: the one before has finished
                        bar.update(done, visible=False)
                    tasks[step] = bar.add_task(step, total=total or None)
                bar.advance(tasks[step], advance)

            run = appraise_file(chosen, data, year, out, progress, unit_files, columns=columns, register=register,
                                lang=output_language)
    except NothingScored as exc:
        for note in exc.appraisal.notes:
            typer.echo(_note(note, t))
        _print_rejections(exc.appraisal.validated.rejected, t)
        typer.echo(_("nothing written to {out}").format(out=out), err=True)
        _refuse(exc, t.lang)
    except MedunionError as exc:
        _refuse(exc, t.lang)
    except OSError as exc:
        _os_failure(exc, out)
    if isinstance(run, Province):
        _print_province(run, chosen, year, out, console, t)
    app = run.appraisal
    counts = app.results["grade"].value_counts().to_dict()
    rejected = app.validated.rejected
    if app.label:
        console.print(_printable(app.label), style="bold red", markup=False)
    grades = str(counts) if t.lang == "en" else "，".join(f"{_grade(g, t)} {n}" for g, n in counts.items())
    typer.echo(_printable(_(
        "{scheme} {version}, {year}: {units} unit(s) scored, grades {grades}, {rejections} rejection(s) in {rows} "
        "row(s)").format(scheme=chosen.id, version=chosen.version, year=year, units=len(app.results), grades=grades,
                         rejections=len(rejected), rows=rejected["row"].nunique())))
    for note in app.notes:
        typer.echo(_note(note, t))
    if app.validated.missing_units:
        typer.echo(_printable("  " + _("expected but absent: {units}").format(
            units=", ".join(app.validated.missing_units))))
    _print_rejections(rejected, t)
    _print_large_run(len(app.results), t)
    typer.echo(_("wrote {count} file(s) to {out}").format(count=len(run.written), out=out))
    raise typer.Exit(DONE_WITH_REJECTIONS if len(rejected) else DONE)


def _print_large_run(units: int, t: Translator) -> None:
    """Say where the full tables are when a run is too large for a full workbook."""
    from appraisal.report import FULL_WORKBOOK_UNITS, full_outputs

    if not full_outputs(units):
        typer.echo("  " + t.gettext("{units} units are more than {limit}: the workbook holds summaries; every unit's "
                                    "scores are in results.parquet (and results.csv), each unit's indicators and "
                                    "what-if in explanations.parquet; no per-unit explanation files").format(
            units=f"{units:,}", limit=f"{FULL_WORKBOOK_UNITS:,}"))


def _register(units: Path | None, charter: str | None, scheme: object, rules: Path | None) -> object:
    """The units expected: a units file, a charter (read by the charter package, handed to
    appraisal), or None (the scheme's own list, or the data's units)."""
    from appraisal.units import charter_register, read_units_file
    from governance.diagnostics import MedunionError, error
    from medunion.kinds import charter_units

    if units is not None:
        return read_units_file(units)
    if charter is None:
        return None
    path = Path(charter)
    if not path.is_file():
        path = rules_root(rules) / "charters" / f"{charter}.yaml"
        if not path.is_file():
            raise MedunionError(error(f"--charter {charter}: no such file, and no charter {path}"))
    return charter_register(path, charter_units, getattr(scheme, "charter_kinds", ()), path.stem)


def _grade(grade: object, t: Translator) -> str:
    """A grade of the shipped schemes in the reader's language; any other grade as the scheme names it."""
    from governance.i18n import N_

    words = {"excellent": N_("excellent"), "good": N_("good"), "pass": N_("pass"), "fail": N_("fail")}
    return t.gettext(words[grade]) if grade in words else str(grade)


def _print_province(run: object, scheme: object, year: int, out: Path, console: object, t: Translator) -> NoReturn:
    """The terminal summary of a many-cohort run; exit 3 when rows were rejected."""
    _ = t.gettext
    summary = run.summary
    if run.label:
        console.print(_printable(run.label), style="bold red", markup=False)
    typer.echo(_printable(_("{scheme} {version}, {year}: {cohorts} cohort(s), {units} unit(s) scored, "
                            "{rows} row(s) rejected").format(
        scheme=scheme.id, version=scheme.version, year=year, cohorts=len(summary),
        units=int(summary["units_scored"].sum()), rows=int(summary["rows_rejected"].sum()))))
    for row in summary.to_dict(orient="records"):
        flag = " " + _("PROVISIONAL (ranks on a reduced cohort)") if row["provisional"] else ""
        mean = row["mean_total"]
        shown = "-" if mean is None or mean != mean else f"{mean:.2f}"
        grades = ", ".join(f"{_grade(g, t)} {row[g]}" for g in ("excellent", "good", "pass", "fail"))
        typer.echo(_printable("  " + _("{cohort}: {scored} scored, {rejected} rejected, {grades}, mean {mean}").format(
            cohort=row["cohort"], scored=row["units_scored"], rejected=row["rows_rejected"], grades=grades,
            mean=shown) + flag))
    for note in run.notes:
        typer.echo(_note(note, t))
    if run.missing_units:
        typer.echo(_printable("  " + _("expected but absent: {units}").format(units=", ".join(run.missing_units))))
    _print_rejections(run.rejected, t)
    typer.echo(_("wrote {count} file(s) to {out}").format(count=len(run.written), out=out))
    raise typer.Exit(DONE_WITH_REJECTIONS if len(run.rejected) else DONE)


def template(
    scheme: Annotated[str, typer.Argument(help="A scheme file, or a scheme id under <rules>/appraisal/.")],
    year: Annotated[int, typer.Option("--year", help="The year the template is for.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="The .xlsx to write (default: <id>-<year>-input.xlsx).")
    ] = None,
    units: Annotated[Path | None, typer.Option(
        "--units", help="One row per unit of this file (id, name, name_zh, group).")] = None,
    rules: RulesOption = None,
    lang: LangOption = None,
) -> None:
    """Write an Excel input template: the units, the columns, their units and data validation.

    Chinese unless --lang en (or $MEDUNION_LANG): headers "上转患者数 referrals_up", 是/否 lists;
    `appraise` reads a template filled in either language."""
    from rich.console import Console

    from appraisal.scheme import resolve_scheme
    from appraisal.template import write_template
    from governance.diagnostics import MedunionError
    from governance.i18n import translator

    try:
        chosen = resolve_scheme(scheme, year, rules_root(rules) / "appraisal")
        from appraisal.units import read_units_file

        register = read_units_file(units) if units is not None else None
        path = write_template(chosen, year, out or Path(f"{chosen.id}-{year}-input.xlsx"), register,
                              chosen_language(lang, "zh"))
    except MedunionError as exc:
        _refuse(exc, chosen_language(lang))
    except OSError as exc:
        _os_failure(exc, out or Path("."))
    Console().print(translator(chosen_language(lang)).gettext("wrote {path}").format(path=path), markup=False)


def register(app: typer.Typer) -> None:
    """Add the appraisal commands to the `medunion` app."""
    app.command("appraise")(appraise)
    app.command("template")(template)
