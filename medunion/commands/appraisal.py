"""`medunion appraise` and `medunion template`: the appraisal officers' commands.

Exit status: 0 done; 1 refused or failed (a file that cannot be read, a scheme error, nothing
scored); 2 usage (typer's own, for a bad option); 3 done, with rows rejected (listed).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from medunion.commands.common import DONE, DONE_WITH_REJECTIONS, REFUSED, RulesOption, fail, rules_root

if TYPE_CHECKING:
    import pandas as pd

    from governance.diagnostics import MedunionError

_LONG_RUN = 5_000  # units; below this a progress bar would only flicker


def _printable(text: object) -> str:
    """Text from the data for the terminal: control characters (escape sequences) shown, not run."""
    from governance.escaping import terminal_text

    return terminal_text(text)


def _refuse(exc: MedunionError) -> NoReturn:
    """`fail`, with the data's text in the messages made printable (a column name can carry
    terminal escape sequences)."""
    from governance.diagnostics import Diagnostic, MedunionError

    fail(MedunionError([Diagnostic(d.severity, _printable(d.message), d.location) for d in exc.diagnostics]))


def _os_failure(exc: OSError, fallback: Path) -> NoReturn:
    """A file-system refusal (permissions, a full disk) as one line, exit 1."""
    where = exc.filename or fallback
    typer.echo(f"{where}: error: {exc.strerror or exc}", err=True)
    raise typer.Exit(REFUSED)


def _print_rejections(rejected: pd.DataFrame) -> None:
    for row in rejected.itertuples():
        typer.echo(_printable(f"  rejected row {row.row} ({row.unit_id}) {row.column}: {row.reason}"))


def appraise(
    scheme: Annotated[str, typer.Argument(help="A scheme file, or a scheme id under <rules>/appraisal/.")],
    year: Annotated[int, typer.Option("--year", help="The year appraised.")],
    data: Annotated[Path, typer.Option("--data", help="CSV, Excel or Parquet, one row per unit and year.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out/appraisal"),
    unit_files: Annotated[bool, typer.Option(help="Write one Markdown and text file per unit.")] = True,
    rules: RulesOption = None,
) -> None:
    """Score the units of a scheme for one year and write the workbook, report and explanations."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from appraisal.pipeline import NothingScored, appraise_file
    from appraisal.scheme import resolve_scheme
    from governance.diagnostics import MedunionError

    console = Console()
    try:
        chosen = resolve_scheme(scheme, year, rules_root(rules) / "appraisal")
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}"
                      "/{task.total}"), TimeElapsedColumn(), console=console,
                      transient=True) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(step: str, advance: int, total: int) -> None:
                if total and total < _LONG_RUN:
                    return
                if step not in tasks:
                    tasks[step] = bar.add_task(step, total=total or None)
                bar.advance(tasks[step], advance)

            run = appraise_file(chosen, data, year, out, progress, unit_files)
    except NothingScored as exc:
        for note in exc.appraisal.notes:
            typer.echo(_printable(f"  note: {note}"))
        _print_rejections(exc.appraisal.validated.rejected)
        typer.echo(f"nothing written to {out}", err=True)
        _refuse(exc)
    except MedunionError as exc:
        _refuse(exc)
    except OSError as exc:
        _os_failure(exc, out)
    app = run.appraisal
    counts = app.results["grade"].value_counts().to_dict()
    rejected = app.validated.rejected
    if app.label:
        console.print(_printable(app.label), style="bold red", markup=False)
    typer.echo(_printable(f"{chosen.id} {chosen.version}, {year}: {len(app.results)} unit(s) scored, "
                          f"grades {counts}, {len(rejected)} rejection(s) in {rejected['row'].nunique()} "
                          "row(s)"))
    for note in app.notes:
        typer.echo(_printable(f"  note: {note}"))
    _print_rejections(rejected)
    typer.echo(f"wrote {len(run.written)} file(s) to {out}")
    raise typer.Exit(DONE_WITH_REJECTIONS if len(rejected) else DONE)


def template(
    scheme: Annotated[str, typer.Argument(help="A scheme file, or a scheme id under <rules>/appraisal/.")],
    year: Annotated[int, typer.Option("--year", help="The year the template is for.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="The .xlsx to write (default: <id>-<year>-input.xlsx).")
    ] = None,
    rules: RulesOption = None,
) -> None:
    """Write an Excel input template: the units, the columns, their units and data validation."""
    from rich.console import Console

    from appraisal.scheme import resolve_scheme
    from appraisal.template import write_template
    from governance.diagnostics import MedunionError

    try:
        chosen = resolve_scheme(scheme, year, rules_root(rules) / "appraisal")
        path = write_template(chosen, year, out or Path(f"{chosen.id}-{year}-input.xlsx"))
    except MedunionError as exc:
        _refuse(exc)
    except OSError as exc:
        _os_failure(exc, out or Path("."))
    Console().print(f"wrote {path}", markup=False)


def register(app: typer.Typer) -> None:
    """Add the appraisal commands to the `medunion` app."""
    app.command("appraise")(appraise)
    app.command("template")(template)
