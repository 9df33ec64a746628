"""`medunion decide-bulk`: a CSV or Parquet file of cases decided into a Parquet file."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from medunion.commands.common import DONE_WITH_REJECTIONS, RulesOption, fail, parse_date, rules_root
from medunion.commands.language import LangOption, chosen_language

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

    from batch.run import FileSummary
    from governance.decide import Decision


class Explain(str, Enum):
    none = "none"
    rules = "rules"
    full = "full"


class Engine(str, Enum):
    local = "local"
    dask = "dask"


def decide_bulk_command(
    ruleset: Annotated[str, typer.Argument(help="Rule set id (its folder under the rules folder)")],
    data: Annotated[Path, typer.Option("--data", help="CSV (UTF-8 or GB18030) or Parquet file of cases; "
                                                      "with a Dask engine, a Parquet file or folder")],
    out: Annotated[Path, typer.Option("--out", help="Parquet file of decided rows (with a Dask engine: a folder "
                                                    "of Parquet parts)")],
    on: Annotated[str | None, typer.Option("--on", help="Decide every row on this date, YYYY-MM-DD")] = None,
    date_column: Annotated[str | None, typer.Option(
        "--date-column", help="Column holding each row's date: each row is decided by the version in force then")
    ] = None,
    explain: Annotated[Explain, typer.Option(
        "--explain", help="none: outputs and version; rules: also the rule that decided each output; full: also "
                          "each row's conditions as JSON (row by row: at most 10,000 rows)")] = Explain.rules,
    rejects: Annotated[Path | None, typer.Option(
        "--rejects", help="Where rejected rows go (.csv or .parquet): row, column, value, reason, reason_zh")
    ] = None,
    columns: Annotated[Path | None, typer.Option(
        "--columns", help="YAML map of the file's headers to the rule set's inputs, one `header: input` a line")
    ] = None,
    engine: Annotated[Engine, typer.Option("--engine", help="local, or dask (a local Dask cluster)")] = Engine.local,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Address of a running Dask scheduler, tcp://HOST:PORT (implies --engine dask)")] = None,
    rules: RulesOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar")] = False,
    record: Annotated[str | None, typer.Option(
        "--record", help="Keep one decision record per decided row in this store (SQLAlchemy URL); "
                         "row by row: at most 10,000 rows")] = None,
    lang: LangOption = None,
) -> None:
    """Decide every row of a data file; bad rows go to --rejects, the rest are decided.

    Prints rows in = decided + rejected. Exit 0 when every row was decided, 3 when some were
    rejected, 1 when the file (or the column map, or the rule set) is refused whole. The rejects
    file gives each reason in English and in Chinese (`reason`, `reason_zh`), whatever --lang.
    """
    from governance.diagnostics import MedunionError
    from governance.i18n import N_, translator

    language = chosen_language(lang)

    if (on is None) == (date_column is None):
        raise typer.BadParameter("give --on DATE for every row, or --date-column COL for each row's own date"
                                 + (", not both" if on else ""))
    day = parse_date(on) if on is not None else None
    distributed = scheduler is not None or engine is Engine.dask
    if distributed and (record is not None or explain is Explain.full):
        raise typer.BadParameter("--record and --explain full decide row by row: use the local engine")
    try:
        if distributed:
            summary = _distributed(ruleset, data, out, rules_root(rules), day, date_column, explain.value, rejects,
                                   columns, scheduler)
        else:
            summary = _local(ruleset, data, out, rules_root(rules), day, date_column, explain.value, rejects,
                             columns, quiet, record)
    except MedunionError as exc:
        fail(exc, language)
    for line in summary.lines(language):
        typer.echo(line, err=True)
    if summary.rows_rejected:
        if rejects is None:
            typer.echo(translator(language).gettext(N_("give --rejects FILE to see each rejected row's column and "
                                                       "reason")), err=True)
        raise typer.Exit(DONE_WITH_REJECTIONS)


def _local(ruleset: str, data: Path, out: Path, root: Path, day: dt.date | None, date_column: str | None,
           explain: str, rejects: Path | None, columns: Path | None, quiet: bool, record: str | None) -> FileSummary:
    from batch.run import decide_file

    store = None
    hook = None
    if record is not None:
        from records import RecordStore, record_decision
        from records.record import engine_version

        store = RecordStore(record)
        version = engine_version()

        def hook(decision: Decision, on: dt.date) -> str:
            return record_decision(store, decision, on, engine=version).record_id

    try:
        with _progress(quiet) as advance:
            return decide_file(ruleset, data, out, root, on=day, date_column=date_column, explain=explain,
                               rejects=rejects, columns=columns, progress=advance, record=hook)
    finally:
        if store is not None:
            store.close()


def _distributed(ruleset: str, data: Path, out: Path, root: Path, day: dt.date | None, date_column: str | None,
                 explain: str, rejects: Path | None, columns: Path | None, scheduler: str | None) -> FileSummary:
    from batch.distributed import decide_dataset

    return decide_dataset(ruleset, data, out, root, on=day, date_column=date_column, explain=explain,
                          rejects=rejects, columns=columns, scheduler=scheduler)


class _progress:
    """A rich progress bar over the rows read, on a terminal only and unless --quiet."""

    def __init__(self, quiet: bool) -> None:
        self.show = not quiet and sys.stderr.isatty()
        self.bar = None

    def __enter__(self) -> Callable[[int], None] | None:
        if not self.show:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("deciding"), BarColumn(), TextColumn("{task.completed:,} rows"),
                            TimeElapsedColumn(), console=Console(stderr=True), transient=True)
        self.bar.start()
        task = self.bar.add_task("rows", total=None)
        return lambda rows: self.bar.advance(task, rows)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def register(app: typer.Typer) -> None:
    app.command("decide-bulk")(decide_bulk_command)
