"""`medunion impact`: what a new version of a rule set changes on a population of cases, each
change attributed to the parameter, rule or table (and its clause) that caused it.

Exit status: 0 done; 1 refused (an unknown rule set or version, a data file that cannot be
read, a version that cannot decide on the date); 2 usage (typer's own, for a bad option);
3 done, with rows of the data rejected (each listed with its row, column and reason).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from medunion.commands.common import DONE, DONE_WITH_REJECTIONS, REFUSED, RulesOption, fail, parse_date, rules_root
from medunion.commands.language import chosen_language

if TYPE_CHECKING:
    import pandas as pd

    from governance.diagnostics import MedunionError
    from governance.impact import Rejection
    from governance.model import RuleSet

_SHOWN_REJECTIONS = 20


class ImpactFormat(str, Enum):
    text = "text"
    json = "json"


def _printable(text: object) -> str:
    from governance.escaping import terminal_text

    return terminal_text(text)


def _refuse(exc: MedunionError, lang: str = "en") -> NoReturn:
    """`fail` in `lang`, with text from the data made printable and the data reader's wording adjusted to
    this command (the reader is shared with `appraise`; its English words are kept where they are adjusted)."""
    from governance.diagnostics import Diagnostic, MedunionError

    shown = []
    for d in exc.diagnostics:
        if "nothing to appraise" in d.message:
            d = Diagnostic(d.severity, d.message.replace("nothing to appraise", "nothing to compare"), d.location)
        shown.append(Diagnostic(d.severity, _printable(d.message), d.location, d.template, d.args))  # the line is
        # made printable again, whole, in whichever language `fail` shows it (diagnostic_line)
    fail(MedunionError(shown), lang)


def _version(versions: list[RuleSet], wanted: str, option: str) -> RuleSet:
    from governance.diagnostics import MedunionError, error

    for ruleset in versions:
        if ruleset.version == wanted:
            return ruleset
    from governance.i18n import N_

    known = ", ".join(r.version for r in versions)
    raise MedunionError(error(N_("{option} {wanted}: {ruleset} has no version {quoted} (versions: {known})"),
                              option=option, wanted=wanted, ruleset=versions[0].id, quoted=repr(wanted), known=known))


def read_cases(path: Path, inputs: dict[str, Any], used: Sequence[str] = ()) -> tuple[pd.DataFrame, list[Rejection]]:
    """The data file as typed cases, indexed by the row number a person sees in the file (the
    header is row 1 of a CSV or sheet), and the cells of the inputs and `used` columns (dates,
    groups) the reader could not use at all; other columns are only shown."""
    from appraisal.read import DateCell, PercentCell, RefusedCell, read_input
    from governance.impact import Rejection, typed_inputs

    table = read_input(path)
    frame = table.frame.copy()
    frame.index = range(table.first_row, table.first_row + len(frame))
    refused: list[Rejection] = []
    for name in frame.columns:
        column = frame[name]
        if column.dtype != object or (name not in inputs and name not in used):
            continue
        spec = inputs.get(name)
        for label, value in column.items():
            if isinstance(value, RefusedCell):
                refused.append(Rejection(label, str(name), value.reason))
            elif isinstance(value, DateCell):
                if spec is not None and spec.type.kind != "date":
                    refused.append(Rejection(label, str(name), f"{value.cell} holds a date or time ({value}), "
                                                               f"not {spec.type.describe()}"))
                frame.at[label, name] = value.value
            elif isinstance(value, PercentCell):
                if spec is not None and spec.unit != "ratio":  # 22% is stored as 0.22: only a ratio means that
                    refused.append(Rejection(label, str(name), f"{value.cell} ({value}) is a percentage, but "
                                                               f"'{name}' is not a ratio: write the number it means"))
                frame.at[label, name] = value.value
    return typed_inputs(inputs, frame), refused


def impact_command(
    ruleset: Annotated[str, typer.Argument(help="Rule set id (its versions are read from <rules>/<id>/).")],
    old_version: Annotated[str, typer.Option("--from", help="The version now in force, e.g. 2018.1.")],
    new_version: Annotated[str, typer.Option("--to", help="The version proposed, e.g. 2019.1.")],
    data: Annotated[Path, typer.Option("--data", help="Cases: CSV (UTF-8 or GB18030), Excel or Parquet.")],
    on: Annotated[str | None, typer.Option(
        "--on", help="Decide every row on this date, YYYY-MM-DD (default: the day --to takes effect).")] = None,
    date_column: Annotated[str | None, typer.Option(
        "--date-column", metavar="COLUMN", help="Decide each row on the date in this column instead of --on.")] = None,
    group_by: Annotated[list[str] | None, typer.Option(
        "--group-by", metavar="COLUMN",
        help="A column of the data to summarise gains and losses by (repeatable); every enum input is "
             "summarised by already.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Folder for impact.xlsx and impact.html (default: ./impact-<ruleset>-<from>-<to>/).")] = None,
    output_format: Annotated[ImpactFormat, typer.Option("--format", help="text or json")] = ImpactFormat.text,
    rules: RulesOption = None,
    lang: Annotated[str | None, typer.Option(
        "--lang", metavar="zh|en", help="Language of impact.xlsx, impact.html (with the English beside each "
                                        "heading) and the summary printed (default: $MEDUNION_LANG, then zh)")] = None,
) -> None:
    """Decide every row of the data under two versions and attribute each change to its clause.

    Writes impact.xlsx and impact.html (Chinese headings with the English beside them, unless
    --lang en) and prints a summary. Exit 3 when rows were rejected (each listed); they are
    counted, never dropped: rows in = rows compared + rows rejected.
    """
    if on is not None and date_column is not None:
        raise typer.BadParameter("give --on or --date-column, not both", param_hint="--on / --date-column")
    day = parse_date(on) if on is not None else None  # a bad --on is a usage error (exit 2)
    language = report_language = chosen_language(lang)  # the terminal's, the workbook's and the page's

    from governance.clauses import clause_index
    from governance.diagnostics import MedunionError
    from governance.i18n import N_, translator
    from governance.impact import clause_texts, measure_impact
    from governance.load import ruleset_versions
    from medunion.impact_report import ReportContext, impact_json_text, is_synthetic, summary_lines, write_reports

    root = rules_root(rules)
    try:
        versions = ruleset_versions(ruleset, root)
        old = _version(versions, old_version, "--from")
        new = _version(versions, new_version, "--to")
        if day is None and date_column is None:
            day = new.effective_from
        used = [*(group_by or ()), *([date_column] if date_column else [])]
        frame, refused = read_cases(data, {**old.inputs, **new.inputs}, used)
        impact = measure_impact(old, new, frame, on=day, date_column=date_column, group_by=group_by or (),
                                refused=refused)
    except MedunionError as exc:
        _refuse(exc, language)
    index = clause_index(new.path) or {}
    context = ReportContext(data=data.name, synthetic=is_synthetic(data.name),
                            clauses=clause_texts((c.clause for c in impact.changes), index.get))
    target = out or Path(f"impact-{ruleset}-{old.version}-{new.version}")
    try:
        written = write_reports(impact, context, target, lang=report_language)
    except OSError as exc:
        typer.echo(_printable(f"{exc.filename or target}: error: {exc.strerror or exc}"), err=True)
        raise typer.Exit(REFUSED) from None
    _ = translator(language).gettext
    if output_format is ImpactFormat.json:
        typer.echo(impact_json_text(impact, context))
    else:
        for line in summary_lines(impact, context, language):
            typer.echo(_printable(line))
        for rejection in impact.rejections[:_SHOWN_REJECTIONS]:
            typer.echo(_printable(_(N_("  rejected row {row}, column '{column}': {reason}")).format(
                row=rejection.row, column=rejection.column, reason=rejection.reason)))
        if len(impact.rejections) > _SHOWN_REJECTIONS:
            typer.echo(_(N_("  … and {count} more rejection(s) in impact.xlsx")).format(
                count=len(impact.rejections) - _SHOWN_REJECTIONS))
    typer.echo(_(N_("wrote {files}")).format(files=", ".join(str(p) for p in written)), err=True)
    raise typer.Exit(DONE_WITH_REJECTIONS if impact.rejections else DONE)


def register(app: typer.Typer) -> None:
    """Add `medunion impact` to the `medunion` app."""
    app.command("impact")(impact_command)
