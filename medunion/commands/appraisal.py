"""`medunion appraise` and `medunion template`: the appraisal officers' commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from medunion.commands.common import RulesOption, fail, rules_root

_LONG_RUN = 5_000  # units; below this a progress bar would only flicker


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

    from appraisal.pipeline import appraise_file
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
    except MedunionError as exc:
        fail(exc)
    app = run.appraisal
    counts = app.results["grade"].value_counts().to_dict()
    if app.label:
        console.print(f"[bold red]{app.label}[/]")
    console.print(f"{chosen.id} {chosen.version}, {year}: {len(app.results)} unit(s) scored, "
                  f"grades {counts}, {len(app.validated.rejected)} rejection(s)")
    for note in app.notes:
        console.print(f"  note: {note}", markup=False)
    for row in app.validated.rejected.itertuples():
        console.print(f"  rejected row {row.row} ({row.unit_id}) {row.column}: {row.reason}",
                      markup=False)
    console.print(f"wrote {len(run.written)} file(s) to {out}")


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
    except MedunionError as exc:
        fail(exc)
    path = write_template(chosen, year, out or Path(f"{chosen.id}-{year}-input.xlsx"))
    Console().print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add the appraisal commands to the `medunion` app."""
    app.command("appraise")(appraise)
    app.command("template")(template)
